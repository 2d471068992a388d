"""Which regime a request probably falls under, from where the requester
lives: a suggestion for the intake form, with the reason in words. The
person logging the request decides; a HIPAA or CAN-SPAM request depends on
what is asked, not where the requester lives, so it is never suggested."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from conneqt_dpo.domain import regimes
from conneqt_dpo.domain.calendars import EU_MEMBER_STATE_NAMES
from conneqt_dpo.domain.intake import EEA_NOT_EU, US_STATES, parse_country, parse_us_state

__all__ = ["STATE_REGIMES", "suggest_regime"]

# Each state law protects the state's residents: the definition of
# "consumer" cited here.
STATE_REGIMES: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        # state: (regime, short name, the definition of a consumer)
        "CA": ("ccpa", "CCPA", "Civ. Code §1798.140(i)"),
        "VA": ("va-vcdpa", "Virginia VCDPA", "Va. Code §59.1-575"),
        "CO": ("co-cpa", "Colorado CPA", "C.R.S. §6-1-1303"),
        "CT": ("ct-ctdpa", "Connecticut CTDPA", "Conn. Gen. Stat. §42-515"),
        "UT": ("ut-ucpa", "Utah UCPA", "Utah Code §13-61-101"),
        "TX": ("tx-tdpsa", "Texas TDPSA", "Tex. Bus. & Com. Code §541.001"),
        "OR": ("or-ocpa", "Oregon OCPA", "ORS 646A.570"),
        "IA": ("ia-icdpa", "Iowa ICDPA", "Iowa Code §715D.1"),
    }
)

_EEA_NAMES = {"IS": "Iceland", "LI": "Liechtenstein", "NO": "Norway"}


def suggest_regime(
    country: str | None, us_state: str | None, *, eu_default: str = "eu-gdpr"
) -> tuple[str | None, str]:
    """The regime for a requester in ``country`` (ISO 3166 alpha-2) and, in
    the US, ``us_state``; None when none applies or too little is known,
    always with the reason. ``eu_default`` is the regime for residents of
    the EU and the EEA. Raises DomainError for a code that is not one."""
    regimes.get_regime(eu_default)
    state = parse_us_state(us_state) if us_state and us_state.strip() else None
    code = parse_country(country) if country and country.strip() else None
    if code is None and state is not None:
        code = "US"
    if code is None:
        return None, "No country given: choose the regime from what the request says."
    if code == "GB":
        # UK GDPR Art 3(2): a controller outside the UK offering goods or
        # services to people in the UK.
        return "uk-gdpr", "In the United Kingdom: UK GDPR (Art 3(2))"
    if code in EU_MEMBER_STATE_NAMES:
        name = EU_MEMBER_STATE_NAMES[code]
        label = regimes.get_regime(eu_default).label
        return eu_default, f"In {name} (EU member state): {label} (Art 3(2))"
    if code in EEA_NOT_EU:
        label = regimes.get_regime(eu_default).label
        return eu_default, (
            f"In {_EEA_NAMES[code]} (EEA): {label}, applied through the EEA Agreement"
        )
    if code != "US":
        return None, (
            f"In {code}: no regime this app knows covers it; answer under the privacy notice."
        )
    if state is None:
        return None, "In the United States: give the state (only some states have a privacy law)."
    name = US_STATES[state]
    found = STATE_REGIMES.get(state)
    if found is None:
        return None, (
            f"{name[0].upper()}{name[1:]} resident: no state privacy law this app knows "
            "applies; check whether HIPAA or CAN-SPAM covers what is asked."
        )
    regime, short, citation = found
    return regime, f"{name} resident: {short} ({citation})"
