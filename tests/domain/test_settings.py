"""The settings, declared once: defaults, validation with a message for a
person, JSON round trip, the upgrade path, and the text forms the CLI
parses and shows."""

from __future__ import annotations

import dataclasses

import pytest

from conneqt_dpo.domain.deadlines import DeadlineSettings
from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.settings import (
    SETTINGS_FIELDS,
    Settings,
    format_setting,
    parse_setting,
)


def test_the_defaults() -> None:
    s = Settings()
    assert s.timezone == "America/New_York" and s.eu_member_state is None
    assert dict(s.calendars) == {} and s.backup_folder is None
    assert (s.target_working_days, s.due_soon_days, s.reminder_working_days) == (5, 7, 3)
    assert (s.identity_wait_days, s.retention_years) == (30, 6)
    assert s.deadline_settings() == DeadlineSettings(5, 7)


def test_every_field_is_described_once_with_its_declared_type() -> None:
    names = [f.name for f in dataclasses.fields(Settings)]
    assert [f.name for f in SETTINGS_FIELDS] == names
    types = {f.name: f.type for f in SETTINGS_FIELDS}
    assert types["timezone"] == "str" and types["eu_member_state"] == "str | None"
    assert types["calendars"] == "Mapping[str, str]" and types["due_soon_days"] == "int"
    assert all(f.label and f.help for f in SETTINGS_FIELDS)
    by_name = {f.name: f for f in SETTINGS_FIELDS}
    assert by_name["target_working_days"].default == 5
    assert "IE" in by_name["eu_member_state"].choices


def test_json_round_trip_and_normalised_codes() -> None:
    s = Settings.from_mapping(
        {"calendars": {"ccpa": "us-ca"}, "eu_member_state": "ie", "due_soon_days": 3}
    )
    assert dict(s.calendars) == {"ccpa": "US-CA"} and s.eu_member_state == "IE"
    assert Settings.from_mapping(s.to_mapping()) == s
    assert s.to_mapping()["calendars"] == {"ccpa": "US-CA"}


def test_unknown_keys_are_ignored_the_upgrade_path() -> None:
    s = Settings.from_mapping({"due_soon_days": 4, "a_setting_of_a_later_version": True})
    assert s.due_soon_days == 4


def test_lenient_reading_falls_back_to_the_default_per_key() -> None:
    s = Settings.from_mapping({"timezone": "Mars/Olympus", "due_soon_days": 3}, lenient=True)
    assert s.timezone == "America/New_York" and s.due_soon_days == 3
    with pytest.raises(DomainError, match="unknown time zone"):
        Settings.from_mapping({"timezone": "Mars/Olympus"})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"timezone": "Nowhere/Land"}, "unknown time zone"),
        ({"eu_member_state": "GB"}, "not an EU member state"),
        ({"calendars": {"mars-law": "US"}}, "unknown regime"),
        ({"calendars": {"ccpa": "XX"}}, "unknown holiday calendar"),
        ({"target_working_days": -1}, "from 0 to 366"),
        ({"identity_wait_days": 0}, "from 1 to 366"),
        ({"retention_years": True}, "whole number"),
        ({"due_soon_days": "7"}, "whole number"),
        ({"backup_folder": "relative/folder"}, "full path"),
        ({"no_such_setting": 1}, "unknown setting"),
    ],
)
def test_bad_values_are_refused_with_a_message(changes: dict[str, object], message: str) -> None:
    with pytest.raises(DomainError, match=message):
        Settings().replace(**changes)


def test_calendar_for_a_regime() -> None:
    s = Settings()
    assert s.calendar_for("uk-gdpr") == "GB-ENG" and s.calendar_for("eu-gdpr") == "NONE"
    s = s.replace(eu_member_state="IE", calendars={"ccpa": "US-CA"})
    assert s.calendar_for("eu-gdpr") == "IE" and s.calendar_for("ccpa") == "US-CA"
    # An explicit override beats the member state.
    assert s.replace(calendars={"eu-gdpr": "FR"}).calendar_for("eu-gdpr") == "FR"


def test_parse_and_format_for_the_command_line() -> None:
    assert parse_setting("due_soon_days", " 10 ") == 10
    assert parse_setting("eu_member_state", "none") is None
    assert parse_setting("calendars", "ccpa=US-CA, uk-gdpr=GB-SCT") == {
        "ccpa": "US-CA",
        "uk-gdpr": "GB-SCT",
    }
    assert parse_setting("calendars", "") == {}
    with pytest.raises(DomainError, match="whole number"):
        parse_setting("due_soon_days", "soon")
    with pytest.raises(DomainError, match="REGIME=CODE"):
        parse_setting("calendars", "ccpa")
    with pytest.raises(DomainError, match="unknown setting"):
        parse_setting("colour", "blue")
    s = Settings().replace(calendars={"ccpa": "US-CA"})
    assert format_setting(s, "calendars") == "ccpa=US-CA"
    assert format_setting(Settings(), "calendars") == "(regime defaults)"
    assert format_setting(Settings(), "backup_folder") == "(none)"
