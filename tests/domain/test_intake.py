"""Intake vocabulary and the keys that find the same person again."""

from __future__ import annotations

import pytest

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.intake import (
    COUNTRIES,
    email_key,
    name_key,
    parse_agent_authority,
    parse_ccpa_detail,
    parse_country,
    parse_us_state,
    phone_key,
    suppression_reason,
)


def test_keys() -> None:
    assert email_key(" Ada@Example.ORG ") == "ada@example.org" and email_key(None) is None
    assert phone_key("+1 (305) 555-0100") == phone_key("1 305 555 0100") == "13055550100"
    assert phone_key("+44 20 7946 0000 ext. 12") == "442079460000"
    assert phone_key("123") is None  # too short to mean one person
    assert name_key("  ADA   Lovelace ") == "ada lovelace" == name_key("ada lovelace")
    assert name_key("Straße") == name_key("STRASSE")


def test_codes() -> None:
    assert len(COUNTRIES) == 249
    assert parse_country(" ie ") == "IE" and parse_country("UK") == "GB"
    assert parse_us_state("ca") == "CA"
    assert parse_agent_authority("Power-Of-Attorney") == "power-of-attorney"
    assert parse_ccpa_detail("specific") == "specific"
    for parse, bad in (
        (parse_country, "ZZ"),
        (parse_us_state, "XX"),
        (parse_agent_authority, "friend"),
        (parse_ccpa_detail, "all"),
    ):
        with pytest.raises(DomainError):
            parse(bad)


def test_what_puts_a_person_on_the_suppression_list() -> None:
    assert suppression_reason("uk-gdpr", "marketing-objection") == "marketing-objection"
    assert suppression_reason("can-spam", "marketing-objection") == "marketing-objection"
    assert suppression_reason("ccpa", "opt-out-sale") == "opt-out-sale"
    assert suppression_reason("va-vcdpa", "opt-out-sale") == "opt-out-sale"
    assert suppression_reason("uk-gdpr", "access") is None
