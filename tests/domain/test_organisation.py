"""The organisation profile: the shipped default reads, a profile is
checked field by field with one-line messages, and the gaps the privacy
notice leaves are marked and named for the letters that need them."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.organisation import (
    LIST_FIELDS,
    OPTIONAL_TEXT_FIELDS,
    Organisation,
    Purpose,
    field_problem,
    is_placeholder,
    missing_for,
)
from conneqt_dpo.store.profile import default_organisation


def test_the_shipped_profile_comes_from_the_privacy_notice() -> None:
    org = default_organisation()
    assert org.name == "CONNEQT, LLC" and org.dpo_name == "Wesley Roberts"
    assert org.categories and org.purposes and org.recipients and org.sources
    assert (
        org.retention
        and org.transfers
        and "Regional geolocation data" in (org.disclosed_categories)
    )
    assert (
        Purpose(
            "Ensuring HIPAA compliance",
            "To comply with our legal and regulatory obligations when providing you private access "
            "to your own protected health information and when facilitating transmission of your "
            "protected health information between your legal service provider and your health "
            "care provider",
        )
        in org.purposes
    )
    # The notice is silent on these: marked, nothing invented.
    for name in (
        "supervisory_authority",
        "phone",
        "complaints_contact",
        "appeal_instructions",
        "opt_out_instructions",
    ):
        assert is_placeholder(getattr(org, name)), name
    for name in ("automated_decisions", "transfer_safeguards", "sold_or_shared"):
        (item,) = getattr(org, name)
        assert is_placeholder(item), name
    # The notice gives retention criteria but no periods: kept, and marked.
    assert not is_placeholder(org.retention[0]) and is_placeholder(org.retention[-1])
    # The UK's authority is the ICO by law; the notice refers to it.
    assert "Information Commissioner" in org.uk_supervisory_authority


def test_round_trip() -> None:
    org = default_organisation()
    assert Organisation.from_mapping(org.to_mapping()) == org
    assert Organisation.from_mapping(org.to_mapping(), strict=True) == org


def _base() -> dict[str, object]:
    return copy.deepcopy(default_organisation().to_mapping())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": None}, "lacks 'name'"),
        ({"name": 7}, "'name' must be text"),
        ({"dpo_email": "not-an-email"}, "not an email address"),
        ({"timezone": "Mars/Base"}, "unknown time zone"),
        ({"categories": "Identifiers"}, "'categories' must be a list"),
        ({"recipients": ["ok", 3]}, "'recipients' item 2 is not text"),
        ({"purposes": [{"purpose": "Billing"}]}, "'purposes' item 1 lacks 'lawful_basis'"),
        ({"purposes": ["Billing"]}, "'purposes' item 1 is not an object"),
        ({"supervisory_authority": ["ICO"]}, "must be text"),
        ({"complaints_contact": 3}, "'complaints_contact' must be text"),
        ({"phone": "+1 954\u202e"}, "control or invisible characters"),
        ({"transfer_safeguards": "SCCs"}, "'transfer_safeguards' must be a list"),
        ({"sold_or_shared": [None]}, "'sold_or_shared' item 1 is not text"),
    ],
)
def test_broken_profiles_are_refused(change: dict[str, object], message: str) -> None:
    data = _base()
    data.update(change)
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(DomainError, match=message) as e:
        Organisation.from_mapping(data)
    assert "\n" not in str(e.value)


def test_strict_reading_refuses_unknown_keys_but_not_comments() -> None:
    data = _base() | {"_comment": "kept for people", "purpose": []}
    with pytest.raises(DomainError, match="unknown key 'purpose'"):
        Organisation.from_mapping(data, strict=True)
    assert Organisation.from_mapping(data) == default_organisation()


def test_new_lists_default_to_empty() -> None:
    data = {
        k: v
        for k, v in _base().items()
        if k in ("name", "address", "dpo_name", "dpo_email", "support_email", "timezone")
    }
    org = Organisation.from_mapping(data)
    assert org.purposes == () and org.categories == () and org.supervisory_authority == ""


def test_every_field_survives_a_round_trip_through_a_strict_file() -> None:
    data = _base()
    for name in OPTIONAL_TEXT_FIELDS:
        data[name] = f"Some {name}"
    for name in LIST_FIELDS:
        data[name] = [f"First {name}", f"Second {name}"]
    org = Organisation.from_mapping(data, strict=True)
    assert org.complaints_contact == "Some complaints_contact"
    assert org.sold_or_shared == ("First sold_or_shared", "Second sold_or_shared")
    assert Organisation.from_mapping(org.to_mapping(), strict=True) == org


def test_a_blank_title_falls_back_and_blank_texts_stay_empty() -> None:
    org = Organisation.from_mapping(_base() | {"dpo_title": " ", "phone": ""})
    assert org.dpo_title == "Data Protection Officer" and org.phone == ""


def _complete() -> Organisation:
    """The shipped profile with every gap filled in."""
    org = default_organisation()
    changes: dict[str, object] = {}
    for name in OPTIONAL_TEXT_FIELDS:
        if is_placeholder(getattr(org, name)):
            changes[name] = f"Filled {name}"
    for name in LIST_FIELDS:
        items = getattr(org, name)
        if any(is_placeholder(i) for i in items):
            changes[name] = tuple(f"Filled {name}" if is_placeholder(i) else i for i in items)
    return dataclasses.replace(org, **changes)  # type: ignore[arg-type]


def test_missing_for_names_the_gaps_a_letter_would_print() -> None:
    org = default_organisation()
    # GDPR Art 15(1)(d), (h) and 15(2): retention periods, automated
    # decisions and transfer safeguards are not in the notice.
    assert missing_for("access-response", "uk-gdpr", org) == [
        "retention",
        "automated_decisions",
        "transfer_safeguards",
    ]
    assert "supervisory_authority" in missing_for("access-response", "eu-gdpr", org)
    assert missing_for("refusal", "hipaa", org) == ["complaints_contact", "phone"]
    assert missing_for("refusal", "va-vcdpa", org) == ["appeal_instructions"]
    # Utah has no appeal: nothing to say about one.
    assert missing_for("refusal", "ut-ucpa", org) == []
    assert missing_for("refusal", "ccpa", org) == ["sold_or_shared", "opt_out_instructions"]
    # Letters that repeat nothing from the notice need only the letterhead.
    assert missing_for("acknowledgement", "can-spam", org) == []
    assert missing_for("access-response", "uk-gdpr", _complete()) == []


def test_empty_is_missing_except_where_empty_means_none() -> None:
    org = dataclasses.replace(_complete(), supervisory_authority="", retention=())
    assert field_problem(org, "supervisory_authority") == "empty"
    assert field_problem(org, "retention") == "empty"
    assert missing_for("refusal", "eu-gdpr", org) == ["supervisory_authority"]
    # An organisation that neither sells nor shares has no opt-out to offer.
    none = dataclasses.replace(_complete(), opt_out_instructions="")
    assert missing_for("refusal", "ccpa", none) == []
    placeholder = dataclasses.replace(_complete(), name="[To be completed: the name]")
    assert field_problem(placeholder, "name") == "still 'to be completed'"
    assert missing_for("closing", "ccpa", placeholder) == ["name"]


def test_missing_for_refuses_an_unknown_regime() -> None:
    with pytest.raises(DomainError, match="unknown regime"):
        missing_for("refusal", "mars", default_organisation())
