"""The catalogue of letter kinds: the identifiers of spec/letters.md, where
each applies, what marking it sent records, and which fit a case now."""

from __future__ import annotations

import pytest

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.regimes import REGIMES
from conneqt_dpo.domain.workflow import NO_VERIFICATION, REFUSAL_REASONS, State
from conneqt_dpo.outputs.letters.kinds import (
    KINDS,
    get_kind,
    kinds_for,
    page_size,
    refusal_grounds,
    regime_family,
)

SPEC_KINDS = (
    "acknowledgement",
    "identity-request",
    "clarification-request",
    "fee-request",
    "extension-notice",
    "access-response",
    "portability-response",
    "rectification-confirmation",
    "erasure-confirmation",
    "restriction-confirmation",
    "objection-confirmation",
    "refusal",
    "appeal-decision",
    "closing",
)
STATES = ("va-vcdpa", "co-cpa", "ct-ctdpa", "ut-ucpa", "tx-tdpsa", "or-ocpa", "ia-icdpa")


def test_the_identifiers_are_those_of_the_spec() -> None:
    assert tuple(KINDS) == SPEC_KINDS
    assert all(k.code == code for code, k in KINDS.items())


@pytest.mark.parametrize(
    ("kind", "event"),
    [
        ("acknowledgement", None),
        ("identity-request", "identity-requested"),
        ("clarification-request", "clarification-requested"),
        ("fee-request", "fee-requested"),
        ("extension-notice", "extended"),
        ("access-response", "responded"),
        ("portability-response", "responded"),
        ("rectification-confirmation", "responded"),
        ("erasure-confirmation", "responded"),
        ("restriction-confirmation", "responded"),
        ("objection-confirmation", "responded"),
        ("refusal", "responded"),
        ("appeal-decision", None),
        ("closing", None),
    ],
)
def test_marking_sent_records_the_clock_event(kind: str, event: str | None) -> None:
    k = get_kind(kind)
    assert k.clock_event == event
    assert k.deadline_relevant is (event is not None)


def test_where_each_kind_applies() -> None:
    every = tuple(REGIMES)
    assert KINDS["acknowledgement"].regimes == every
    assert KINDS["closing"].regimes == every
    # spec/letters.md: clarification and fee requests are UK and EU only.
    assert KINDS["clarification-request"].regimes == ("eu-gdpr", "uk-gdpr")
    assert KINDS["fee-request"].regimes == ("eu-gdpr", "uk-gdpr")
    # Extension notices only where a rule allows an extension.
    assert "can-spam" not in KINDS["extension-notice"].regimes
    assert set(KINDS["appeal-decision"].regimes) == set(STATES) - {"ut-ucpa"}
    assert KINDS["restriction-confirmation"].regimes == ("eu-gdpr", "uk-gdpr")
    assert "hipaa" in KINDS["rectification-confirmation"].regimes  # amendment, 164.526
    assert "hipaa" not in KINDS["erasure-confirmation"].regimes
    assert KINDS["portability-response"].regimes == ("eu-gdpr", "uk-gdpr", "ccpa", *STATES)
    # An unsubscribe has no ground to refuse.
    assert "can-spam" not in KINDS["refusal"].regimes
    assert "can-spam" not in KINDS["identity-request"].regimes


def test_the_rights_each_kind_answers() -> None:
    assert KINDS["access-response"].applies("hipaa", "access")
    assert not KINDS["access-response"].applies("uk-gdpr", "erasure")
    assert KINDS["objection-confirmation"].applies("ccpa", "opt-out-sale")
    assert KINDS["objection-confirmation"].applies("can-spam", "marketing-objection")
    # GDPR Art 22 is not an opt-out of a purpose.
    assert not KINDS["objection-confirmation"].applies("uk-gdpr", "automated-decision")
    # Art 21(3): no refusal of a marketing objection.
    assert not KINDS["refusal"].applies("eu-gdpr", "marketing-objection")
    assert KINDS["refusal"].applies("eu-gdpr", "objection")
    # A refused appeal is an appeal decision, not a refusal.
    assert not KINDS["refusal"].applies("va-vcdpa", "appeal")
    assert not KINDS["access-response"].applies("mars", "access")


def test_no_identity_request_where_the_law_forbids_verification() -> None:
    for regime, right in NO_VERIFICATION:
        assert not KINDS["identity-request"].applies(regime, right)
    assert KINDS["identity-request"].applies("ccpa", "erasure")


def test_no_extension_notice_without_an_extension() -> None:
    assert not KINDS["extension-notice"].applies("ccpa", "opt-out-sale")  # §7026(f)
    assert not KINDS["extension-notice"].applies("va-vcdpa", "appeal")
    assert KINDS["extension-notice"].applies("co-cpa", "appeal")  # 45 + 60 days
    assert KINDS["extension-notice"].applies("hipaa", "rectification")


def _codes(regime: str, right: str, state: str) -> list[str]:
    return [k.code for k in kinds_for(regime, right, state)]


def test_kinds_for_a_case_now() -> None:
    assert _codes("uk-gdpr", "access", "new") == [
        "acknowledgement",
        "identity-request",
        "clarification-request",
        "fee-request",
        "extension-notice",
        "refusal",
    ]
    assert _codes("uk-gdpr", "access", "approved") == [
        "clarification-request",
        "fee-request",
        "extension-notice",
        "access-response",
    ]
    assert _codes("ccpa", "erasure", "awaiting-approval") == [
        "extension-notice",
        "erasure-confirmation",
        "refusal",
    ]
    assert _codes("ccpa", "opt-out-sale", "new") == ["acknowledgement", "refusal"]
    assert _codes("can-spam", "marketing-objection", "in-progress") == [
        "acknowledgement",
        "objection-confirmation",
    ]
    assert _codes("va-vcdpa", "appeal", "in-progress") == [
        "acknowledgement",
        "identity-request",
        "appeal-decision",
    ]
    for state in ("responded", "refused", "withdrawn", "closed"):
        assert _codes("hipaa", "access", state) == ["closing"]
    assert kinds_for("uk-gdpr", "access", State.NEW) == kinds_for("uk-gdpr", "access", "new")


def test_refusal_only_where_refuse_is_allowed() -> None:
    allowed = {"new", "awaiting-identity", "in-progress", "awaiting-approval"}
    for state in State:
        assert ("refusal" in _codes("eu-gdpr", "erasure", state)) is (state in allowed)


def test_kinds_for_refuses_unknown_values() -> None:
    with pytest.raises(DomainError, match="unknown state"):
        kinds_for("uk-gdpr", "access", "pending")
    with pytest.raises(DomainError, match="has no right 'opt-out-sale'"):
        kinds_for("uk-gdpr", "opt-out-sale", "new")
    with pytest.raises(DomainError, match="unknown letter kind 'access'; the kinds are"):
        get_kind("access")


def test_page_size_and_family_by_regime() -> None:
    assert page_size("eu-gdpr") == page_size("uk-gdpr") == "A4"
    for regime in ("ccpa", "hipaa", "can-spam", *STATES):
        assert page_size(regime) == "LETTER"
    assert regime_family("uk-gdpr") == "gdpr" and regime_family("or-ocpa") == "us-state"
    assert regime_family("hipaa") == "hipaa"


def test_refusal_grounds_by_law() -> None:
    assert "repeat-within-12-months" in refusal_grounds("ccpa", "access")
    assert "repeat-within-12-months" not in refusal_grounds("ccpa", "erasure")
    assert "hipaa-reviewable" in refusal_grounds("hipaa", "access")
    assert "hipaa-reviewable" not in refusal_grounds("hipaa", "rectification")
    assert "not-a-consumer" not in refusal_grounds("uk-gdpr", "access")
    assert "not-a-consumer" in refusal_grounds("tx-tdpsa", "erasure")
    assert set(refusal_grounds("eu-gdpr", "access")) == set(REFUSAL_REASONS) - {
        "repeat-within-12-months",
        "hipaa-unreviewable",
        "hipaa-reviewable",
        "not-a-consumer",
    }


def test_required_parts_by_regime_and_right() -> None:
    access = get_kind("access-response")
    provided = access.extra_field("provided")
    assert provided is not None and provided.required_on("hipaa", "access")
    assert not provided.required_on("uk-gdpr", "access")
    purpose = get_kind("objection-confirmation").extra_field("purpose")
    assert purpose is not None and purpose.required_on("eu-gdpr", "objection")
    assert not purpose.required_on("eu-gdpr", "marketing-objection")
