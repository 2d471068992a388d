"""What intake asks besides the rights: where the requester lives, who acts
for them and on what authority, and the keys that find the same person
again (a returning requester, a possible duplicate, the suppression list)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.validation import shown

__all__ = [
    "AGENT_AUTHORITIES",
    "CCPA_DETAILS",
    "COUNTRIES",
    "EEA_NOT_EU",
    "US_STATES",
    "email_key",
    "name_key",
    "parse_agent_authority",
    "parse_ccpa_detail",
    "parse_country",
    "parse_us_state",
    "phone_key",
    "suppression_reason",
]

# What lets an agent act for the requester: a power of attorney (CCPA
# §7063(b); GDPR by national law), the requester's signed permission
# (§7063(a)), a parent or guardian (a child's data), a registered agent
# (CCPA §7063: a business registered with the Secretary of State), other.
AGENT_AUTHORITIES = (
    "power-of-attorney",
    "written-permission",
    "parent-guardian",
    "registered-agent",
    "other",
)

# A CCPA request to know asks for the categories or for the specific pieces
# of personal information: verification differs (11 CCR §7062: reasonable
# degree vs reasonably high degree of certainty).
CCPA_DETAILS = ("categories", "specific")

# ISO 3166-1 alpha-2, the officially assigned codes.
COUNTRIES = frozenset(
    [
        "AD",
        "AE",
        "AF",
        "AG",
        "AI",
        "AL",
        "AM",
        "AO",
        "AQ",
        "AR",
        "AS",
        "AT",
        "AU",
        "AW",
        "AX",
        "AZ",
        "BA",
        "BB",
        "BD",
        "BE",
        "BF",
        "BG",
        "BH",
        "BI",
        "BJ",
        "BL",
        "BM",
        "BN",
        "BO",
        "BQ",
        "BR",
        "BS",
        "BT",
        "BV",
        "BW",
        "BY",
        "BZ",
        "CA",
        "CC",
        "CD",
        "CF",
        "CG",
        "CH",
        "CI",
        "CK",
        "CL",
        "CM",
        "CN",
        "CO",
        "CR",
        "CU",
        "CV",
        "CW",
        "CX",
        "CY",
        "CZ",
        "DE",
        "DJ",
        "DK",
        "DM",
        "DO",
        "DZ",
        "EC",
        "EE",
        "EG",
        "EH",
        "ER",
        "ES",
        "ET",
        "FI",
        "FJ",
        "FK",
        "FM",
        "FO",
        "FR",
        "GA",
        "GB",
        "GD",
        "GE",
        "GF",
        "GG",
        "GH",
        "GI",
        "GL",
        "GM",
        "GN",
        "GP",
        "GQ",
        "GR",
        "GS",
        "GT",
        "GU",
        "GW",
        "GY",
        "HK",
        "HM",
        "HN",
        "HR",
        "HT",
        "HU",
        "ID",
        "IE",
        "IL",
        "IM",
        "IN",
        "IO",
        "IQ",
        "IR",
        "IS",
        "IT",
        "JE",
        "JM",
        "JO",
        "JP",
        "KE",
        "KG",
        "KH",
        "KI",
        "KM",
        "KN",
        "KP",
        "KR",
        "KW",
        "KY",
        "KZ",
        "LA",
        "LB",
        "LC",
        "LI",
        "LK",
        "LR",
        "LS",
        "LT",
        "LU",
        "LV",
        "LY",
        "MA",
        "MC",
        "MD",
        "ME",
        "MF",
        "MG",
        "MH",
        "MK",
        "ML",
        "MM",
        "MN",
        "MO",
        "MP",
        "MQ",
        "MR",
        "MS",
        "MT",
        "MU",
        "MV",
        "MW",
        "MX",
        "MY",
        "MZ",
        "NA",
        "NC",
        "NE",
        "NF",
        "NG",
        "NI",
        "NL",
        "NO",
        "NP",
        "NR",
        "NU",
        "NZ",
        "OM",
        "PA",
        "PE",
        "PF",
        "PG",
        "PH",
        "PK",
        "PL",
        "PM",
        "PN",
        "PR",
        "PS",
        "PT",
        "PW",
        "PY",
        "QA",
        "RE",
        "RO",
        "RS",
        "RU",
        "RW",
        "SA",
        "SB",
        "SC",
        "SD",
        "SE",
        "SG",
        "SH",
        "SI",
        "SJ",
        "SK",
        "SL",
        "SM",
        "SN",
        "SO",
        "SR",
        "SS",
        "ST",
        "SV",
        "SX",
        "SY",
        "SZ",
        "TC",
        "TD",
        "TF",
        "TG",
        "TH",
        "TJ",
        "TK",
        "TL",
        "TM",
        "TN",
        "TO",
        "TR",
        "TT",
        "TV",
        "TW",
        "TZ",
        "UA",
        "UG",
        "UM",
        "US",
        "UY",
        "UZ",
        "VA",
        "VC",
        "VE",
        "VG",
        "VI",
        "VN",
        "VU",
        "WF",
        "WS",
        "YE",
        "YT",
        "ZA",
        "ZM",
        "ZW",
    ]
)

# The EEA states outside the EU: the GDPR applies there through the EEA
# Agreement (Decision 154/2018 of the EEA Joint Committee).
EEA_NOT_EU = ("IS", "LI", "NO")

# The states, DC and the inhabited territories, by USPS code.
US_STATES: Mapping[str, str] = MappingProxyType(
    {
        "AL": "Alabama",
        "AK": "Alaska",
        "AZ": "Arizona",
        "AR": "Arkansas",
        "CA": "California",
        "CO": "Colorado",
        "CT": "Connecticut",
        "DE": "Delaware",
        "FL": "Florida",
        "GA": "Georgia",
        "HI": "Hawaii",
        "ID": "Idaho",
        "IL": "Illinois",
        "IN": "Indiana",
        "IA": "Iowa",
        "KS": "Kansas",
        "KY": "Kentucky",
        "LA": "Louisiana",
        "ME": "Maine",
        "MD": "Maryland",
        "MA": "Massachusetts",
        "MI": "Michigan",
        "MN": "Minnesota",
        "MS": "Mississippi",
        "MO": "Missouri",
        "MT": "Montana",
        "NE": "Nebraska",
        "NV": "Nevada",
        "NH": "New Hampshire",
        "NJ": "New Jersey",
        "NM": "New Mexico",
        "NY": "New York",
        "NC": "North Carolina",
        "ND": "North Dakota",
        "OH": "Ohio",
        "OK": "Oklahoma",
        "OR": "Oregon",
        "PA": "Pennsylvania",
        "RI": "Rhode Island",
        "SC": "South Carolina",
        "SD": "South Dakota",
        "TN": "Tennessee",
        "TX": "Texas",
        "UT": "Utah",
        "VT": "Vermont",
        "VA": "Virginia",
        "WA": "Washington",
        "WV": "West Virginia",
        "WI": "Wisconsin",
        "WY": "Wyoming",
        "DC": "the District of Columbia",
        "AS": "American Samoa",
        "GU": "Guam",
        "MP": "the Northern Mariana Islands",
        "PR": "Puerto Rico",
        "VI": "the US Virgin Islands",
    }
)


def parse_country(value: str) -> str:
    code = value.strip().upper()
    # The EU's own abbreviation for Greece and the old UK code are common.
    code = {"EL": "GR", "UK": "GB"}.get(code, code)
    if code not in COUNTRIES:
        raise DomainError(
            f"'{shown(value, 20)}' is not a country code (ISO 3166 alpha-2, like GB, IE, US)"
        )
    return code


def parse_us_state(value: str) -> str:
    code = value.strip().upper()
    if code not in US_STATES:
        raise DomainError(f"'{shown(value, 20)}' is not a US state code (two letters, like CA)")
    return code


def parse_agent_authority(value: str) -> str:
    code = value.strip().lower()
    if code not in AGENT_AUTHORITIES:
        raise DomainError(
            f"unknown agent authority '{shown(value, 40)}'; use one of: "
            f"{', '.join(AGENT_AUTHORITIES)}"
        )
    return code


def parse_ccpa_detail(value: str) -> str:
    code = value.strip().lower()
    if code not in CCPA_DETAILS:
        raise DomainError(
            f"unknown CCPA request detail '{shown(value, 40)}'; use one of: "
            f"{', '.join(CCPA_DETAILS)}"
        )
    return code


# -- keys that find the same person again ------------------------------------


def email_key(email: str | None) -> str | None:
    """The email as compared: lower-case (the local part is case-sensitive
    in theory, never in practice)."""
    return email.strip().lower() if email and email.strip() else None


# Fewer digits than this match too many people to mean the same person.
_MIN_PHONE_DIGITS = 6


def phone_key(phone: str | None) -> str | None:
    """The phone number's digits only (no country prefix rewriting): "+1
    (305) 555-0100" and "1 305 555 0100" match; an extension is dropped."""
    if not phone:
        return None
    main = re.split(r"(?i)\s*(?:x|ext\.?)\s*\d", phone, maxsplit=1)[0]
    digits = re.sub(r"\D", "", main)
    return digits if len(digits) >= _MIN_PHONE_DIGITS else None


def name_key(name: str | None) -> str | None:
    """The name as compared: case-folded, accents kept, spaces collapsed."""
    if not name:
        return None
    text = " ".join(unicodedata.normalize("NFC", name).casefold().split())
    return text or None


def suppression_reason(regime: str, right: str) -> str | None:
    """Why a request puts the person on the suppression list, if it does:
    an objection to direct marketing under any regime (GDPR Art 21(3),
    CAN-SPAM 15 U.S.C. §7704(a)(4)), or an opt-out of sale or sharing (CCPA
    §1798.120, the state laws' opt-out of targeted advertising or sale)."""
    if right == "marketing-objection":
        return "marketing-objection"
    if right == "opt-out-sale":
        return "opt-out-sale"
    return None
