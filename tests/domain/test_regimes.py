"""The regimes, their rights and the month arithmetic (deadlines.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from conneqt_dpo.domain.calendars import add_months, get_calendar
from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.regimes import REGIMES, available_rights, check_right, get_regime
from conneqt_dpo.domain.rights import RIGHT_CODES, RIGHTS, get_right

D = dt.date.fromisoformat

GDPR = {
    "access",
    "rectification",
    "erasure",
    "restriction",
    "portability",
    "objection",
    "marketing-objection",
    "automated-decision",
}
STATE_SIX = {
    "access",
    "rectification",
    "erasure",
    "portability",
    "opt-out-sale",
    "automated-decision",
}

# The fact sheet's rights map, as narrowed by the rule book's state table.
EXPECTED_RIGHTS = {
    "eu-gdpr": GDPR,
    "uk-gdpr": GDPR,
    "ccpa": {
        "access",
        "rectification",
        "erasure",
        "portability",
        "opt-out-sale",
        "limit-sensitive",
        "automated-decision",
    },
    "hipaa": {"access", "rectification"},
    "va-vcdpa": STATE_SIX | {"appeal"},
    "co-cpa": STATE_SIX | {"appeal"},
    "ct-ctdpa": STATE_SIX | {"appeal"},
    "ut-ucpa": {"access", "rectification", "erasure", "portability", "opt-out-sale"},
    "tx-tdpsa": STATE_SIX | {"appeal"},
    "or-ocpa": STATE_SIX | {"appeal"},
    "ia-icdpa": {"access", "erasure", "portability", "opt-out-sale", "appeal"},
    "can-spam": {"marketing-objection"},
}


def test_regimes_are_listed_in_the_rule_book_order() -> None:
    assert list(REGIMES) == [
        "eu-gdpr",
        "uk-gdpr",
        "ccpa",
        "hipaa",
        "va-vcdpa",
        "co-cpa",
        "ct-ctdpa",
        "ut-ucpa",
        "tx-tdpsa",
        "or-ocpa",
        "ia-icdpa",
        "can-spam",
    ]


def test_rights_vocabulary() -> None:
    assert RIGHT_CODES == (
        "access",
        "rectification",
        "erasure",
        "restriction",
        "portability",
        "objection",
        "marketing-objection",
        "automated-decision",
        "opt-out-sale",
        "limit-sensitive",
        "appeal",
    )
    assert all(RIGHTS[code].label for code in RIGHT_CODES)
    assert get_right("erasure").label == "Erasure"
    with pytest.raises(DomainError, match="unknown right 'teleport'; the rights are: access, "):
        get_right("teleport")


@pytest.mark.parametrize("code", list(EXPECTED_RIGHTS))
def test_each_regime_has_the_rights_of_the_rights_map(code: str) -> None:
    regime = get_regime(code)
    assert set(regime.rights) == EXPECTED_RIGHTS[code]
    assert regime.code == code
    assert regime.label and regime.citation
    assert get_calendar(regime.default_calendar).code == regime.default_calendar
    for right, rule in regime.rights.items():
        assert rule.right == right in RIGHTS
        assert rule.label and rule.citation and rule.period_citation
        # An extension rule always says what it is and where it comes from.
        assert (rule.extension is None) == (not rule.extension_citation)


def test_default_calendars() -> None:
    assert get_regime("uk-gdpr").default_calendar == "GB-ENG"
    assert get_regime("eu-gdpr").default_calendar == "NONE"
    for code in REGIMES:
        if code not in ("uk-gdpr", "eu-gdpr"):
            # Weekends only: the earliest date (fact sheet §9).
            assert get_regime(code).default_calendar == "NONE"


def test_regimes_show_rights_under_their_own_names() -> None:
    assert get_regime("ccpa").rights["access"].label == "Request to know"
    assert get_regime("ccpa").rights["erasure"].label == "Request to delete"
    assert get_regime("ccpa").rights["rectification"].label == "Request to correct"
    assert get_regime("hipaa").rights["rectification"].label == "Amendment"
    assert get_regime("hipaa").rights["rectification"].citation == "45 CFR 164.526"
    assert get_regime("uk-gdpr").rights["access"].citation == "UK GDPR Art 15"
    assert get_regime("eu-gdpr").rights["marketing-objection"].citation == "GDPR Art 21(2)-(3)"


def test_rules_with_and_without_extension() -> None:
    assert get_regime("ccpa").rights["opt-out-sale"].extension is None
    assert get_regime("ccpa").rights["limit-sensitive"].extension is None
    assert get_regime("ccpa").rights["automated-decision"].extension is None
    assert get_regime("can-spam").rights["marketing-objection"].extension is None
    assert get_regime("co-cpa").rights["appeal"].extension is not None  # CO only
    for code in ("va-vcdpa", "ct-ctdpa", "tx-tdpsa", "or-ocpa", "ia-icdpa"):
        assert get_regime(code).rights["appeal"].extension is None
    assert get_regime("ccpa").rights["access"].acknowledge is not None
    assert get_regime("uk-gdpr").rights["access"].acknowledge is None


def test_regime_and_rule_are_frozen() -> None:
    regime = get_regime("uk-gdpr")
    with pytest.raises(dataclasses.FrozenInstanceError):
        regime.label = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        regime.rights["access"].label = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        regime.rights["teleport"] = regime.rights["access"]  # type: ignore[index]


def test_unknown_regime_lists_the_known_ones() -> None:
    with pytest.raises(DomainError) as info:
        get_regime("gdpr")
    message = str(info.value)
    assert message.startswith("unknown regime 'gdpr'; the regimes are: eu-gdpr, uk-gdpr, ccpa")
    assert "\n" not in message


def test_unknown_right_lists_the_regimes_rights() -> None:
    with pytest.raises(DomainError, match=r"^uk-gdpr has no right 'teleport'.*; its rights are: "):
        check_right("uk-gdpr", "teleport", D("2026-03-02"))
    with pytest.raises(
        DomainError, match=r"^ut-ucpa has no right 'appeal'; its rights are: access"
    ):
        check_right("ut-ucpa", "appeal", D("2026-03-02"))
    with pytest.raises(DomainError, match="unknown regime"):
        check_right("nope", "access", D("2026-03-02"))
    with pytest.raises(DomainError, match="hipaa has no right 'erasure'"):
        check_right("hipaa", "erasure", D("2026-03-02"))


def test_rights_limited_by_date() -> None:
    # CCPA ADMT opt-out: requests received from 1 Jan 2027 (11 CCR §7221).
    with pytest.raises(DomainError, match="only for requests received from 1 Jan 2027"):
        check_right("ccpa", "automated-decision", D("2026-12-31"))
    check_right("ccpa", "automated-decision", D("2027-01-01"))
    # Utah correction: requests received from 1 Jul 2026.
    with pytest.raises(DomainError, match="from 1 Jul 2026"):
        check_right("ut-ucpa", "rectification", D("2026-06-30"))
    check_right("ut-ucpa", "rectification", D("2026-07-01"))
    assert "rectification" not in available_rights("ut-ucpa", D("2026-06-30"))
    assert "rectification" in available_rights("ut-ucpa", D("2026-07-01"))


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2025-09-03", 1, "2025-10-03"),
        ("2026-01-31", 1, "2026-02-28"),
        ("2028-01-31", 1, "2028-02-29"),
        ("2026-01-30", 1, "2026-02-28"),
        ("2026-03-31", 1, "2026-04-30"),
        ("2026-12-31", 1, "2027-01-31"),
        ("2026-11-30", 3, "2027-02-28"),
        ("2026-01-31", 3, "2026-04-30"),
        ("2028-02-29", 12, "2029-02-28"),
        ("2028-02-29", 1, "2028-03-29"),
    ],
)
def test_add_months_clamps_to_the_month_end(start: str, months: int, expected: str) -> None:
    assert add_months(D(start), months) == D(expected)
