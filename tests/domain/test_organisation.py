"""The organisation profile: the shipped default reads, and a profile is
checked field by field with one-line messages."""

from __future__ import annotations

import copy

import pytest

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.organisation import Organisation, Purpose
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
    # The notice is silent on these: nothing invented.
    assert org.supervisory_authority == "" and org.automated_decisions == ()


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
