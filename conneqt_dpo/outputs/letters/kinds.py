"""The catalogue of letter kinds (identifiers as in spec/letters.md): where
each applies, which rights it answers, in which work states it fits, the
free-text parts the DPO writes, and the clock event that marking it sent
records.

What a letter says lives in its template (resources/letters/); this module
only decides which letters a case can have and what the DPO must supply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.regimes import REGIMES, get_regime, get_rule
from conneqt_dpo.domain.workflow import (
    NO_VERIFICATION,
    OPEN_STATES,
    REFUSAL_REASONS,
    TRANSITIONS,
    Action,
    State,
    parse_state,
)
from conneqt_dpo.outputs.letters.document import PageSize

__all__ = [
    "KINDS",
    "ExtraField",
    "LetterKind",
    "get_kind",
    "kinds_for",
    "page_size",
    "refusal_grounds",
    "regime_family",
]

# -- regimes -------------------------------------------------------------------

_GDPR = frozenset({"eu-gdpr", "uk-gdpr"})
_SINGLE = frozenset({"ccpa", "hipaa", "can-spam"})
US_STATES = frozenset(REGIMES) - _GDPR - _SINGLE
_ALL = frozenset(REGIMES)


def regime_family(regime: str) -> str:
    """The family whose templates a regime falls back to: `gdpr` (EU and
    UK), `us-state` (the state laws), else the regime itself."""
    code = get_regime(regime).code
    if code in _GDPR:
        return "gdpr"
    if code in US_STATES:
        return "us-state"
    return code


def page_size(regime: str) -> PageSize:
    """A4 where the GDPR applies (Europe), US Letter for the US laws."""
    return "A4" if get_regime(regime).code in _GDPR else "LETTER"


# -- the free-text parts ---------------------------------------------------------


@dataclass(frozen=True)
class ExtraField:
    """A part of a letter the DPO writes (passed in `extra`). A required
    part may be required only for some rights or regimes (empty: all);
    `choices`, if any, are the only values accepted."""

    key: str
    description: str
    required: bool = False
    rights: frozenset[str] = frozenset()
    regimes: frozenset[str] = frozenset()
    choices: tuple[str, ...] = ()

    def required_on(self, regime: str, right: str) -> bool:
        return (
            self.required
            and (not self.rights or right in self.rights)
            and (not self.regimes or regime in self.regimes)
        )


_WHAT_WAS_DONE = ExtraField(
    "what_was_done", "what was done, in plain words (the systems come from the case's tasks)", True
)
_RECIPIENTS_INFORMED = ExtraField(
    "recipients_informed",
    "the recipients told of the change (GDPR Art 19; CCPA: service providers, contractors and "
    "third parties); default: the recipients of the systems the case's tasks changed",
)

# -- the kinds ------------------------------------------------------------------

# Responses are drafted while the work is done, approved, then sent (the
# `respond` action records the clock event).
_RESPONSE_STATES = frozenset({State.IN_PROGRESS, State.AWAITING_APPROVAL, State.APPROVED})
# A clock event outside the workflow can be recorded on any open case
# (domain/workflow.py check_event).
_EVENT_STATES = OPEN_STATES
_AFTER = frozenset({State.RESPONDED, State.REFUSED, State.WITHDRAWN, State.CLOSED})
_OPT_OUTS = frozenset(
    {"objection", "marketing-objection", "opt-out-sale", "limit-sensitive", "automated-decision"}
)


@dataclass(frozen=True)
class LetterKind:
    code: str
    label: str  # as a person says it: "access response"
    families: frozenset[str]  # regimes (codes) the kind exists for
    rights: frozenset[str] | None  # the rights it answers; None: any
    states: frozenset[State]  # work states in which it fits
    clock_event: str | None = None  # recorded when it is marked sent
    extra: tuple[ExtraField, ...] = ()
    needs_extension: bool = False  # only where the rule allows an extension
    needs_verification_allowed: bool = False  # not where the law forbids asking
    # Pairs the kind never serves, with the reason next to each.
    excluded: frozenset[tuple[str, str]] = frozenset()

    @property
    def deadline_relevant(self) -> bool:
        """Sending it changes the clock (and must be dated)."""
        return self.clock_event is not None

    @property
    def regimes(self) -> tuple[str, ...]:
        """The regime codes where at least one right has this letter."""
        return tuple(
            code
            for code, regime in REGIMES.items()
            if any(self.applies(code, r) for r in regime.rights)
        )

    def applies(self, regime: str, right: str) -> bool:
        """Whether a case under `regime` for `right` can have this letter."""
        reg = REGIMES.get(regime)
        if reg is None or regime not in self.families or right not in reg.rights:
            return False
        if self.rights is not None and right not in self.rights:
            return False
        if (regime, right) in self.excluded:
            return False
        if self.needs_verification_allowed and (regime, right) in NO_VERIFICATION:
            return False
        return not (self.needs_extension and get_rule(regime, right).extension is None)

    def extra_field(self, key: str) -> ExtraField | None:
        return next((f for f in self.extra if f.key == key), None)


def _kinds(*kinds: LetterKind) -> Mapping[str, LetterKind]:
    return MappingProxyType({k.code: k for k in kinds})


KINDS: Mapping[str, LetterKind] = _kinds(
    LetterKind(
        "acknowledgement",
        "acknowledgement",
        _ALL,
        None,
        frozenset({State.NEW, State.AWAITING_IDENTITY, State.IN_PROGRESS}),
        extra=(
            ExtraField(
                "verification_process",
                "CCPA: how the identity will be verified, in general terms (11 CCR §7021(a)); "
                "default: the template's description",
            ),
        ),
    ),
    LetterKind(
        "identity-request",
        "identity request",
        _ALL,
        None,
        TRANSITIONS[Action.REQUEST_IDENTITY].sources,
        clock_event="identity-requested",
        extra=(
            ExtraField("proof_needed", "what proof of identity (or authority) is needed", True),
            ExtraField("why", "why it is needed; default: the template's proportionality text"),
            ExtraField("how_to_send", "how to send it securely; default: the template's text"),
        ),
        # The workflow refuses `request-identity` there: CCPA opt-out and
        # limit (11 CCR §7026(d), §7027(f)), CAN-SPAM (16 CFR 316.5).
        needs_verification_allowed=True,
    ),
    LetterKind(
        "clarification-request",
        "clarification request",
        _GDPR,
        None,
        _EVENT_STATES,
        clock_event="clarification-requested",
        extra=(
            ExtraField("question", "what needs clarifying about the scope of the request", True),
        ),
    ),
    LetterKind(
        "fee-request",
        "fee request",
        _GDPR,
        None,
        _EVENT_STATES,
        clock_event="fee-requested",
        extra=(
            ExtraField(
                "basis",
                "why a fee is charged: a manifestly unfounded or excessive request (Art 12(5)) or "
                "further copies (Art 15(3))",
                True,
                choices=("manifestly-unfounded", "manifestly-excessive", "further-copies"),
            ),
            ExtraField("amount", "the amount, with its currency", True),
            ExtraField("calculation", "how the amount was worked out", True),
        ),
    ),
    LetterKind(
        "extension-notice",
        "extension notice",
        _ALL,
        None,
        _EVENT_STATES,
        clock_event="extended",
        extra=(
            ExtraField(
                "explanation",
                "more about the reasons; the reason code and the new date come from the case's "
                "clock",
            ),
        ),
        needs_extension=True,
    ),
    LetterKind(
        "access-response",
        "access response",
        _ALL,
        frozenset({"access"}),
        _RESPONSE_STATES,
        clock_event="responded",
        extra=(
            ExtraField("enclosures", "what is enclosed or sent with the letter; default: the copy"),
            ExtraField(
                "provided",
                "HIPAA: what is provided (45 CFR 164.524(c))",
                True,
                regimes=frozenset({"hipaa"}),
            ),
            ExtraField(
                "form_format",
                "HIPAA: the form and format of the copy (164.524(c)(2))",
                True,
                regimes=frozenset({"hipaa"}),
            ),
            ExtraField("fee", "HIPAA: the fee and how it was set (164.524(c)(4)); empty: none"),
            ExtraField(
                "sensitive_types_held",
                "CCPA: the types of sensitive identifiers held but not disclosed (11 CCR "
                "§7024(d)), e.g. 'your Social Security number'",
            ),
        ),
    ),
    LetterKind(
        "portability-response",
        "portability response",
        _GDPR | {"ccpa"} | US_STATES,
        frozenset({"portability"}),
        _RESPONSE_STATES,
        clock_event="responded",
        extra=(
            ExtraField(
                "format", "the format of the copy, e.g. 'CSV and JSON files in a ZIP'", True
            ),
            ExtraField("contents", "what the bundle holds", True),
        ),
    ),
    LetterKind(
        "rectification-confirmation",
        "rectification confirmation",
        _ALL,
        frozenset({"rectification"}),
        _RESPONSE_STATES,
        clock_event="responded",
        extra=(_WHAT_WAS_DONE, _RECIPIENTS_INFORMED),
    ),
    LetterKind(
        "erasure-confirmation",
        "erasure confirmation",
        _ALL,
        frozenset({"erasure"}),
        _RESPONSE_STATES,
        clock_event="responded",
        extra=(_WHAT_WAS_DONE, _RECIPIENTS_INFORMED),
    ),
    LetterKind(
        "restriction-confirmation",
        "restriction confirmation",
        _ALL,
        frozenset({"restriction"}),
        _RESPONSE_STATES,
        clock_event="responded",
        extra=(_WHAT_WAS_DONE, _RECIPIENTS_INFORMED),
    ),
    LetterKind(
        "objection-confirmation",
        "objection confirmation",
        _ALL,
        _OPT_OUTS,
        _RESPONSE_STATES,
        clock_event="responded",
        extra=(
            ExtraField(
                "purpose",
                "the processing that has stopped (required for a general objection, Art 21(1))",
                True,
                rights=frozenset({"objection"}),
            ),
        ),
        # Under the GDPR, Art 22 is a right not to be subject to a solely
        # automated decision (human review, contesting it), not an opt-out
        # of a purpose: it is answered case by case, not by this letter.
        excluded=frozenset({("eu-gdpr", "automated-decision"), ("uk-gdpr", "automated-decision")}),
    ),
    LetterKind(
        "refusal",
        "refusal",
        _ALL - {"can-spam"},  # an unsubscribe must be honoured (15 U.S.C. §7704(a)(4))
        None,
        TRANSITIONS[Action.REFUSE].sources,
        clock_event="responded",
        extra=(
            ExtraField(
                "ground", "the refusal ground (a reason code)", True, choices=REFUSAL_REASONS
            ),
            ExtraField("reasons", "the reasons, in detail", True),
            ExtraField(
                "held_elsewhere",
                "HIPAA: who holds the information, if not us (45 CFR 164.524(d)(3))",
            ),
        ),
        # An objection to direct marketing is absolute: no ground to refuse
        # (GDPR Art 21(3); ICO direct-marketing guidance). A refused appeal
        # is an appeal decision.
        excluded=frozenset(
            {("eu-gdpr", "marketing-objection"), ("uk-gdpr", "marketing-objection")}
            | {(s, "appeal") for s in US_STATES}
        ),
    ),
    LetterKind(
        "appeal-decision",
        "appeal decision",
        US_STATES,
        frozenset({"appeal"}),
        _RESPONSE_STATES,
        extra=(
            ExtraField(
                "outcome",
                "the decision on the appeal",
                True,
                choices=("granted", "partly-granted", "denied"),
            ),
            ExtraField("reasons", "the reasons for the decision", True),
        ),
    ),
    LetterKind(
        "closing",
        "closing letter",
        _ALL,
        None,
        _AFTER,
        extra=(ExtraField("what_was_done", "what was done; default: from the case's state"),),
    ),
)


def get_kind(code: str) -> LetterKind:
    try:
        return KINDS[code]
    except (KeyError, TypeError):
        raise DomainError(
            f"unknown letter kind {code!r}; the kinds are: {', '.join(KINDS)}"
        ) from None


def kinds_for(regime: str, right: str, state: str | State) -> tuple[LetterKind, ...]:
    """The letters a case under `regime` for `right` can have while it is in
    work state `state` (e.g. a refusal only where `refuse` is allowed, an
    extension notice only where the rule has an extension)."""
    get_rule(regime, right)
    st = state if isinstance(state, State) else parse_state(state)
    return tuple(k for k in KINDS.values() if st in k.states and k.applies(regime, right))


# -- refusal grounds ---------------------------------------------------------------

# Grounds that exist only under some laws (spec/workflow.md, refusal
# catalogue; fact-sheet.md §4). The others are open to every regime.
_GROUND_LIMITS: Mapping[str, frozenset[tuple[str, str | None]]] = MappingProxyType(
    {
        # Cal. Civ. Code §1798.130(b): a request to know, more than twice in
        # 12 months.
        "repeat-within-12-months": frozenset({("ccpa", "access"), ("ccpa", "portability")}),
        # 45 CFR 164.524(a)(2) (unreviewable) and (a)(3) (reviewable).
        "hipaa-unreviewable": frozenset({("hipaa", "access")}),
        "hipaa-reviewable": frozenset({("hipaa", "access")}),
        # Only the US laws protect "consumers" (Cal. Civ. Code §1798.140(i);
        # the state laws' definitions).
        "not-a-consumer": frozenset({("ccpa", None)} | {(s, None) for s in US_STATES}),
    }
)


def refusal_grounds(regime: str, right: str) -> tuple[str, ...]:
    """The refusal reason codes open to a case under `regime` for `right`."""
    out = []
    for ground in REFUSAL_REASONS:
        allowed = _GROUND_LIMITS.get(ground)
        if allowed is None or (regime, right) in allowed or (regime, None) in allowed:
            out.append(ground)
    return tuple(out)
