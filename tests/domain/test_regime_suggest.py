"""Suggesting a regime from where the requester lives."""

from __future__ import annotations

import pytest

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.regime_suggest import STATE_REGIMES, suggest_regime
from conneqt_dpo.domain.regimes import REGIMES


@pytest.mark.parametrize(
    ("country", "state", "regime", "words"),
    [
        ("GB", None, "uk-gdpr", "United Kingdom"),
        ("uk", None, "uk-gdpr", "United Kingdom"),
        ("IE", None, "eu-gdpr", "Ireland (EU member state)"),
        ("de", None, "eu-gdpr", "Germany"),
        ("NO", None, "eu-gdpr", "EEA"),
        ("US", "CA", "ccpa", "California resident: CCPA (Civ. Code §1798.140(i))"),
        (None, "va", "va-vcdpa", "Virginia resident"),
        ("US", "TX", "tx-tdpsa", "Texas"),
        ("US", "FL", None, "Florida resident: no state privacy law"),
        ("US", None, None, "give the state"),
        ("CA", None, None, "In CA"),  # Canada, not California
        (None, None, None, "No country given"),
    ],
)
def test_suggestions(
    country: str | None, state: str | None, regime: str | None, words: str
) -> None:
    got, reason = suggest_regime(country, state)
    assert got == regime and words in reason


def test_the_eu_default_can_be_chosen() -> None:
    assert suggest_regime("FR", None, eu_default="uk-gdpr")[0] == "uk-gdpr"
    with pytest.raises(DomainError):
        suggest_regime("FR", None, eu_default="mars-law")


def test_every_state_regime_is_suggested_for_its_state() -> None:
    state_laws = {
        code for code in REGIMES if code not in ("eu-gdpr", "uk-gdpr", "hipaa", "can-spam")
    }
    assert {regime for regime, _, _ in STATE_REGIMES.values()} == state_laws


def test_bad_codes_are_refused() -> None:
    with pytest.raises(DomainError, match="country code"):
        suggest_regime("ZZ", None)
    with pytest.raises(DomainError, match="US state"):
        suggest_regime("US", "QQ")
