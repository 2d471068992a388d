"""The regimes, the rights each one has, and the counting rule for each.

Source: deadlines.md (the rule book), backed by fact-sheet.md. Each regime
lists its rights under its own label and citation, with the calculator that
counts its time limit (one small calculator per counting rule, after the UK
MoJ correspondence tool: see ``calendars.py``) and its extension rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from conneqt_dpo.domain.calendars import (
    BusinessDays,
    CalendarDays,
    CalendarMonths,
    Period,
    format_date,
    format_day,
)
from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.rights import RIGHTS

__all__ = [
    "REGIMES",
    "UK_ART_12A_FROM",
    "Regime",
    "RightRule",
    "available_rights",
    "check_right",
    "get_regime",
    "get_rule",
]


# --- Rules ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RightRule:
    """How one regime treats one right: its own label and citation, the
    time limit, the extension (None: no extension), the acknowledgement (if
    any) and the first receipt date it applies to (if limited)."""

    right: str
    label: str
    citation: str
    period: Period
    period_citation: str
    extension: Period | None = None
    extension_citation: str = ""
    extension_text: str = ""
    acknowledge: BusinessDays | None = None
    acknowledge_citation: str = ""
    available_from: dt.date | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Regime:
    """A legal regime: its rights, the calendar it rolls over by default,
    and how its clock treats restarts and pauses. ``clock`` is
    ``relevant-time`` (UK GDPR Art 12A: restarts and pauses) or
    ``from-receipt`` (events other than an extension move nothing)."""

    code: str
    label: str
    citation: str
    default_calendar: str
    rights: Mapping[str, RightRule] = field(hash=False)
    clock: str = "from-receipt"
    receipt_note: str = ""
    events_note: str = ""
    stricter_note: str = ""
    citation_before: tuple[dt.date, str] | None = None

    def rule_citation(self, rule: RightRule, received: dt.date) -> str:
        """The citation of the time limit for a request received on
        ``received``: the UK cites Art 12(3) before Art 12A came in."""
        if self.citation_before is not None and received < self.citation_before[0]:
            return self.citation_before[1]
        return rule.period_citation


def _rights(*rules: RightRule) -> Mapping[str, RightRule]:
    return MappingProxyType({r.right: r for r in rules})


# --- GDPR (EU and UK) -------------------------------------------------------

_GDPR_RIGHTS = (
    ("access", "Right of access", "Art 15"),
    ("rectification", "Right to rectification", "Art 16"),
    ("erasure", "Right to erasure", "Art 17"),
    ("restriction", "Right to restriction of processing", "Art 18"),
    ("portability", "Right to data portability", "Art 20"),
    ("objection", "Right to object", "Art 21(1)"),
    ("marketing-objection", "Objection to direct marketing", "Art 21(2)-(3)"),
    ("automated-decision", "Rights on automated decision-making", "Art 22"),
)

# Art 21(3): once the data subject objects to direct marketing, the data
# must no longer be processed for it: an absolute right, with no grounds to
# refuse (ICO direct-marketing guidance). The month governs only the reply.
_MARKETING_NOTE = (
    "{art} 21(3): processing for direct marketing must stop at once (an absolute right); "
    "the date computed is only for the written confirmation."
)


def _gdpr_rules(
    prefix: str,
    period: CalendarMonths,
    citation: str,
    extension: CalendarMonths,
    ext_text: str,
    ext_citation: str,
) -> Mapping[str, RightRule]:
    rules = []
    for code, label, article in _GDPR_RIGHTS:
        cite = f"{prefix} {article}"
        if code == "automated-decision" and prefix == "UK GDPR":
            # DUAA 2025 recast Art 22 as Arts 22A-22D from 5 Feb 2026.
            cite = "UK GDPR Arts 22A-22D (Art 22 before 5 Feb 2026)"
        rules.append(
            RightRule(
                right=code,
                label=label,
                citation=cite,
                period=period,
                period_citation=citation,
                extension=extension,
                extension_citation=ext_citation,
                extension_text=ext_text,
                note=_MARKETING_NOTE.format(art=prefix + " Art")
                if code == "marketing-objection"
                else "",
            )
        )
    return _rights(*rules)


# UK: the ICO's method (guidance of 8 Dec 2025): the month starts on the day
# of receipt (or of the ID, authority or fee), ends on the corresponding
# date, rolls over UK bank holidays; an extension is "three months from the
# original start date", never two months chained onto the first date.
_ICO = "ICO"
UK_ART_12A_FROM = dt.date(2026, 2, 5)  # SI 2026/82 reg 2
UK_CITATION = "UK GDPR Art 12(3) and Art 12A; ICO guidance of 8 Dec 2025"
UK_CITATION_BEFORE_12A = (
    "UK GDPR Art 12(3) (received before Art 12A came into force on 5 Feb 2026); "
    "ICO right-of-access guidance of that time"
)

_UK = Regime(
    code="uk-gdpr",
    label="UK GDPR",
    citation="UK GDPR Art 12(3) and Art 12A (from 5 Feb 2026); ICO guidance of 8 Dec 2025",
    default_calendar="GB-ENG",
    rights=_gdpr_rules(
        "UK GDPR",
        CalendarMonths(1, _ICO),
        UK_CITATION,
        CalendarMonths(3, _ICO),
        "two further months, counted as three months from the start",
        "UK GDPR Art 12(3); ICO guidance",
    ),
    clock="relevant-time",
    citation_before=(UK_ART_12A_FROM, UK_CITATION_BEFORE_12A),
    receipt_note="ICO: the month starts on the day of receipt, even a non-working day",
    stricter_note=(
        'Stricter reading: "one month beginning with" the relevant time can be read to end '
        "the day before the corresponding date (Zoan v Rouamba); the ICO publishes the "
        "corresponding date, which is used here."
    ),
)

# EU: GDPR Art 12(3); Reg 1182/71 by analogy (Art 3(2)(c) month end, Art
# 3(4) roll over the member state's holidays). No statutory restart or pause
# (EDPB position unverified): the earlier date.
_EU_ROLL = "Reg 1182/71 Art 3(4), by analogy"
_EU = Regime(
    code="eu-gdpr",
    label="EU GDPR",
    citation="GDPR Art 12(3); Regulation 1182/71 (by analogy)",
    default_calendar="NONE",
    rights=_gdpr_rules(
        "GDPR",
        CalendarMonths(1, _EU_ROLL),
        "GDPR Art 12(3); Reg 1182/71 Art 3 (by analogy)",
        CalendarMonths(3, _EU_ROLL, chained=1),
        "two further months",
        "GDPR Art 12(3)",
    ),
    receipt_note="GDPR Art 12(3): the month runs from receipt of the request",
    events_note=(
        "under the EU GDPR it neither restarts nor pauses the month "
        "(no statutory rule; the earlier date is used)"
    ),
)

# --- CCPA (as amended by CPRA) ----------------------------------------------

# §7021(a): confirm receipt within 10 business days. §7021(b): respond
# within 45 calendar days; the period "will begin on the day that the
# business receives the request, regardless of time required to verify";
# one extension to 90 days with notice within the first 45 (§1798.130(a)(2)).
_CCPA_ACK = BusinessDays(10)
_CCPA_45 = CalendarDays(45, receipt_is_day_one=True)
_CCPA_90 = CalendarDays(90, receipt_is_day_one=True)


def _ccpa_core(code: str, label: str, citation: str) -> RightRule:
    return RightRule(
        right=code,
        label=label,
        citation=citation,
        period=_CCPA_45,
        period_citation="11 CCR §7021(b)",
        extension=_CCPA_90,
        extension_citation="Cal. Civ. Code §1798.130(a)(2); 11 CCR §7021(b)",
        extension_text="once, to 90 days counted the same way",
        acknowledge=_CCPA_ACK,
        acknowledge_citation="11 CCR §7021(a)",
    )


_CCPA = Regime(
    code="ccpa",
    label="CCPA (as amended by CPRA)",
    citation="Cal. Civ. Code §1798.130; 11 CCR §7021-7027",
    default_calendar="NONE",
    rights=_rights(
        _ccpa_core("access", "Request to know", "Cal. Civ. Code §1798.110, .115; 11 CCR §7024"),
        _ccpa_core("rectification", "Request to correct", "Cal. Civ. Code §1798.106; 11 CCR §7023"),
        _ccpa_core("erasure", "Request to delete", "Cal. Civ. Code §1798.105; 11 CCR §7022"),
        _ccpa_core(
            "portability", "Request to know (portable copy)", "Cal. Civ. Code §1798.130(a)(2)"
        ),
        # Opt-outs: no later than 15 business days from receipt; no extension.
        RightRule(
            right="opt-out-sale",
            label="Request to opt out of sale/sharing",
            citation="Cal. Civ. Code §1798.120; 11 CCR §7026",
            period=BusinessDays(15),
            period_citation="11 CCR §7026(f)",
        ),
        RightRule(
            right="limit-sensitive",
            label="Request to limit use of sensitive personal information",
            citation="Cal. Civ. Code §1798.121; 11 CCR §7027",
            period=BusinessDays(15),
            period_citation="11 CCR §7027",
        ),
        # ADMT regulations (approved 22 Sep 2025): compliance from 1 Jan 2027.
        RightRule(
            right="automated-decision",
            label="Request to opt out of automated decision-making technology (ADMT)",
            citation="11 CCR §7221",
            period=BusinessDays(15),
            period_citation="11 CCR §7221",
            available_from=dt.date(2027, 1, 1),
        ),
    ),
    receipt_note="the time runs from receipt; verification does not stop it",
    events_note="the CCPA period runs regardless of verification (11 CCR §7021(b))",
)

# --- HIPAA ------------------------------------------------------------------

_HIPAA = Regime(
    code="hipaa",
    label="HIPAA Privacy Rule",
    citation="45 CFR 164.524(b)(2), 164.526(b)(2)",
    default_calendar="NONE",
    rights=_rights(
        # Act no later than 30 days after receipt; one extension of up to 30
        # days, with a written statement within the first 30 days.
        RightRule(
            right="access",
            label="Access",
            citation="45 CFR 164.524",
            period=CalendarDays(30),
            period_citation="45 CFR 164.524(b)(2)",
            extension=CalendarDays(60),
            extension_citation="45 CFR 164.524(b)(2)",
            extension_text="one extension of 30 more days, with written reasons and a date",
        ),
        # Amendment: 60 days; one extension of up to 30 days.
        RightRule(
            right="rectification",
            label="Amendment",
            citation="45 CFR 164.526",
            period=CalendarDays(60),
            period_citation="45 CFR 164.526(b)(2)",
            extension=CalendarDays(90),
            extension_citation="45 CFR 164.526(b)(2)",
            extension_text="one extension of 30 more days, with written reasons and a date",
        ),
    ),
    receipt_note="counted from receipt",
    events_note="HIPAA has no pause or restart of the period",
)

# --- US state laws ----------------------------------------------------------

_STATE_RIGHTS = (
    ("access", "Right to access"),
    ("rectification", "Right to correct"),
    ("erasure", "Right to delete"),
    ("portability", "Right to data portability"),
    ("opt-out-sale", "Opt-out of targeted advertising or sale"),
    ("automated-decision", "Opt-out of profiling"),
)


def _state(
    code: str,
    label: str,
    citation: str,
    rights: tuple[str, ...],
    appeal: tuple[int, int | None, str] | None,
    *,
    days: int = 45,
    extra: int = 45,
    ext_text: str = "",
    from_dates: Mapping[str, dt.date] = MappingProxyType({}),
) -> Regime:
    """A state law: receipt + ``days`` (+ ``extra`` once, notice on or
    before the first date); appeals as (days, extension days, citation)."""
    labels = dict(_STATE_RIGHTS)
    rules = [
        RightRule(
            right=right,
            label=labels[right],
            citation=citation,
            period=CalendarDays(days),
            period_citation=citation,
            extension=CalendarDays(days + extra),
            extension_citation=citation,
            extension_text=ext_text or f"once, {extra} more days",
            available_from=from_dates.get(right),
        )
        for right in rights
    ]
    if appeal is not None:
        appeal_days, appeal_extra, appeal_cite = appeal
        rules.append(
            RightRule(
                right="appeal",
                label="Appeal of a refusal",
                citation=appeal_cite,
                period=CalendarDays(appeal_days),
                period_citation=appeal_cite,
                extension=None
                if appeal_extra is None
                else CalendarDays(appeal_days + appeal_extra),
                extension_citation=appeal_cite if appeal_extra else "",
                extension_text=f"once, {appeal_extra} more days" if appeal_extra else "",
            )
        )
    return Regime(
        code=code,
        label=label,
        citation=citation,
        default_calendar="NONE",
        rights=_rights(*rules),
        receipt_note="counted from receipt",
        events_note=f"the {label} has no pause or restart of the period",
    )


_SIX = tuple(code for code, _ in _STATE_RIGHTS)
_VA = _state(
    "va-vcdpa", "Virginia VCDPA", "Va. Code §59.1-577", _SIX, (60, None, "Va. Code §59.1-577(C)")
)
# Colorado appeals: 45 days, extendable by 60 with notice [K: verify].
_CO = _state("co-cpa", "Colorado CPA", "C.R.S. §6-1-1306", _SIX, (45, 60, "C.R.S. §6-1-1306"))
_CT = _state(
    "ct-ctdpa", "Connecticut CTDPA", "Conn. Gen. Stat. §42-518", _SIX,
    (60, None, "Conn. Gen. Stat. §42-518"),
)  # fmt: skip
# Utah: no appeal and no profiling opt-out; correction only for requests
# received from 1 Jul 2026 (deadlines.md); the notice states its length.
_UT = _state(
    "ut-ucpa",
    "Utah UCPA",
    "Utah Code §13-61-203",
    ("access", "rectification", "erasure", "portability", "opt-out-sale"),
    None,
    ext_text="once, 45 more days (the notice states the length and the reasons)",
    from_dates=MappingProxyType({"rectification": dt.date(2026, 7, 1)}),
)
_TX = _state(
    "tx-tdpsa", "Texas TDPSA", "Tex. Bus. & Com. Code §541.052", _SIX,
    (60, None, "Tex. Bus. & Com. Code §541.053"),
)  # fmt: skip
_OR = _state("or-ocpa", "Oregon OCPA", "ORS 646A.576", _SIX, (45, None, "ORS 646A.576"))
# Iowa is the outlier: 90 days, + 45 [S: verify]; no correction right.
_IA = _state(
    "ia-icdpa",
    "Iowa ICDPA",
    "Iowa Code ch. 715D",
    ("access", "erasure", "portability", "opt-out-sale"),
    (60, None, "Iowa Code ch. 715D"),
    days=90,
)

# --- CAN-SPAM ---------------------------------------------------------------

_CAN_SPAM = Regime(
    code="can-spam",
    label="CAN-SPAM Act",
    citation="15 U.S.C. §7704(a)(4)",
    default_calendar="NONE",
    rights=_rights(
        RightRule(
            right="marketing-objection",
            label="Email opt-out (unsubscribe)",
            citation="15 U.S.C. §7704(a)(4); 16 CFR 316.5",
            period=BusinessDays(10),
            period_citation="15 U.S.C. §7704(a)(4)",
            note=(
                "No commercial email may be sent to the address more than 10 business days "
                "after receipt of the opt-out, and the address may not be sold or transferred."
            ),
        ),
    ),
    receipt_note="counted from the day after receipt",
    events_note="CAN-SPAM has no pause or restart",
)

REGIMES: Mapping[str, Regime] = MappingProxyType(
    {r.code: r for r in (_EU, _UK, _CCPA, _HIPAA, _VA, _CO, _CT, _UT, _TX, _OR, _IA, _CAN_SPAM)}
)


def get_regime(code: str) -> Regime:
    """The regime called ``code``; DomainError listing the known codes."""
    try:
        return REGIMES[code]
    except (KeyError, TypeError):
        raise DomainError(
            f"unknown regime {code!r}; the regimes are: {', '.join(REGIMES)}"
        ) from None


def _rights_list(regime: Regime) -> str:
    return ", ".join(
        code if rule.available_from is None else f"{code} (from {format_date(rule.available_from)})"
        for code, rule in regime.rights.items()
    )


def get_rule(regime_code: str, right_code: str) -> RightRule:
    """The rule of ``right_code`` under ``regime_code``, whatever the date."""
    regime = get_regime(regime_code)
    rule = regime.rights.get(right_code) if isinstance(right_code, str) else None
    if rule is None:
        hint = "" if right_code in RIGHTS else " (not a right of any regime)"
        raise DomainError(
            f"{regime.code} has no right {right_code!r}{hint}; "
            f"its rights are: {_rights_list(regime)}"
        )
    return rule


def check_right(regime_code: str, right_code: str, received: dt.date) -> None:
    """DomainError unless the regime has the right for a request received
    on ``received`` (CCPA ADMT opt-out from 1 Jan 2027; Utah correction
    from 1 Jul 2026)."""
    rule = get_rule(regime_code, right_code)
    if rule.available_from is not None and received < rule.available_from:
        raise DomainError(
            f"{regime_code} has the right {right_code!r} ({rule.label}, {rule.citation}) only "
            f"for requests received from {format_date(rule.available_from)}; "
            f"this one was received on {format_day(received)}"
        )


def available_rights(regime_code: str, received: dt.date) -> tuple[str, ...]:
    """The rights a request received on ``received`` can invoke."""
    regime = get_regime(regime_code)
    return tuple(
        code
        for code, rule in regime.rights.items()
        if rule.available_from is None or received >= rule.available_from
    )
