"""Identity verification: methods, decisions, the CCPA's levels, and what a
decision means for the case (spec/workflow.md, "Identity verification";
spec/fact-sheet.md section 3).

GDPR/UK GDPR ask for proof only where there is reasonable doubt (Art 12(6))
and set no levels; the CCPA regulations set two degrees of certainty for
people without a password-protected account (11 CCR §7062): a reasonable
degree (categories: at least two matched data points) and a reasonably high
degree (specific pieces: at least three plus a signed declaration under
penalty of perjury). Opt-outs are never verified (§7060; NO_VERIFICATION)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.validation import clean_text
from conneqt_dpo.domain.workflow import NO_VERIFICATION


class Method(StrEnum):
    DATA_POINTS = "data-points"
    ID_DOCUMENT = "id-document"
    CALL_BACK = "call-back"
    SIGNED_DECLARATION = "signed-declaration"
    ACCOUNT_LOGIN = "account-login"
    AGENT_PERMISSION = "agent-permission"


class Decision(StrEnum):
    VERIFIED = "verified"
    NOT_VERIFIED = "not-verified"
    NOT_REQUIRED = "not-required"


class Level(StrEnum):
    REASONABLE = "reasonable"
    REASONABLY_HIGH = "reasonably-high"


METHOD_LABELS = {
    Method.DATA_POINTS: "Data points matched against our records",
    Method.ID_DOCUMENT: "Identity document seen",
    Method.CALL_BACK: "Call-back to a number on file",
    Method.SIGNED_DECLARATION: "Signed declaration",
    Method.ACCOUNT_LOGIN: "Logged in to their account",
    Method.AGENT_PERMISSION: "Agent's signed permission and the person's confirmation",
}
LEVEL_POINTS = {Level.REASONABLE: 2, Level.REASONABLY_HIGH: 3}  # 11 CCR §7062(b), (c)
MAX_DATA_POINTS = 20
CCPA_RIGHTS_WITH_LEVELS = frozenset({"access", "portability", "erasure", "rectification"})


@dataclass(frozen=True)
class Decided:
    """A checked decision, with what it means for the case."""

    methods: tuple[Method, ...]
    decision: Decision
    level: Level | None
    data_points: tuple[str, ...]
    # CCPA: an unverified request for specific pieces becomes a request for
    # categories (11 CCR §7024(a)).
    treat_as_categories: bool
    consequences: tuple[str, ...]


def _parse(enum: type[StrEnum], value: str, what: str) -> StrEnum:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise DomainError(f"unknown {what} {value!r} (one of: {allowed})") from None


def parse_methods(values: Iterable[str]) -> tuple[Method, ...]:
    out: list[Method] = []
    for v in values:
        m = Method(_parse(Method, v, "verification method"))
        if m not in out:
            out.append(m)
    return tuple(out)


def parse_decision(value: str) -> Decision:
    return Decision(_parse(Decision, value, "verification decision"))


def parse_level(value: str | None) -> Level | None:
    return None if value in (None, "") else Level(_parse(Level, str(value), "verification level"))


def clean_data_points(values: Iterable[str]) -> tuple[str, ...]:
    """The names of the data points that matched ("email", "last order
    number"), never their values."""
    out: list[str] = []
    for v in values:
        point = clean_text(v, "a data point", max_len=80)
        if point.casefold() not in (p.casefold() for p in out):
            out.append(point)
    if len(out) > MAX_DATA_POINTS:
        raise DomainError(f"name at most {MAX_DATA_POINTS} data points")
    return tuple(out)


def decide(
    *,
    regime: str,
    right: str,
    ccpa_detail: str | None,
    has_agent: bool,
    methods: Sequence[str],
    decision: str,
    level: str | None = None,
    data_points: Sequence[str] = (),
) -> Decided:
    """Check a decision against the regime's rules; DomainError when the law
    or the facts do not allow it."""
    ms = parse_methods(methods)
    d = parse_decision(decision)
    lv = parse_level(level)
    points = clean_data_points(data_points)
    if (regime, right) in NO_VERIFICATION and d is not Decision.NOT_REQUIRED:
        # 11 CCR §7060: no verification for opt-out and limit requests; an
        # opt-out can be denied only for documented fraud.
        raise DomainError(
            f"{regime} {right} requests are never verified: the decision is not-required"
        )
    if d is not Decision.NOT_REQUIRED and not ms:
        raise DomainError("say how identity was checked (at least one --method)")
    if Method.DATA_POINTS in ms and not points:
        raise DomainError("name the data points that matched (--data-point), not their values")
    if points and Method.DATA_POINTS not in ms:
        ms = (*ms, Method.DATA_POINTS)
    if Method.AGENT_PERMISSION in ms and not has_agent:
        raise DomainError("agent-permission needs an authorised agent on the case")
    if lv is not None and regime != "ccpa":
        raise DomainError("verification levels are defined by the CCPA only (11 CCR §7062)")
    if (
        regime == "ccpa"
        and d is Decision.VERIFIED
        and right in CCPA_RIGHTS_WITH_LEVELS
        and Method.ACCOUNT_LOGIN not in ms  # §7061: the account's own authentication
    ):
        lv = _check_level(lv, points, ms, specific=ccpa_detail == "specific")
    if d is Decision.NOT_REQUIRED and lv is not None:
        raise DomainError("a level applies to a verified decision only")
    return Decided(ms, d, lv, points, _as_categories(regime, right, ccpa_detail, d),
                   consequences(regime, right, ccpa_detail, d))  # fmt: skip


def _check_level(
    lv: Level | None, points: tuple[str, ...], ms: tuple[Method, ...], *, specific: bool
) -> Level:
    if lv is None:
        raise DomainError(
            "under the CCPA say the degree of certainty reached: --level reasonable or "
            "reasonably-high (11 CCR §7062)"
        )
    if specific and lv is not Level.REASONABLY_HIGH:
        raise DomainError(
            "specific pieces of information need a reasonably high degree of certainty "
            "(11 CCR §7062(c))"
        )
    need = LEVEL_POINTS[lv]
    if len(points) < need:
        raise DomainError(
            f"a {lv.value.replace('-', ' ')} degree of certainty needs at least {need} matched "
            f"data points (11 CCR §7062); {len(points)} named"
        )
    if lv is Level.REASONABLY_HIGH and Method.SIGNED_DECLARATION not in ms:
        raise DomainError(
            "a reasonably high degree of certainty needs a signed declaration under penalty "
            "of perjury (11 CCR §7062(c)); keep it with the case"
        )
    return lv


def _as_categories(regime: str, right: str, detail: str | None, d: Decision) -> bool:
    return (
        regime == "ccpa"
        and right == "access"
        and detail == "specific"
        and (d is Decision.NOT_VERIFIED)
    )


def consequences(regime: str, right: str, ccpa_detail: str | None, d: Decision) -> tuple[str, ...]:
    """What a decision means for the case, in words for the person deciding."""
    if d is Decision.VERIFIED:
        return ("Identity verified: the request can go ahead.",)
    if d is Decision.NOT_REQUIRED:
        return ("No identity check needed: the request can go ahead.",)
    if regime == "ccpa" and right == "erasure":
        return (
            "Deny the deletion and tell the requester their identity could not be verified "
            "(11 CCR §7022).",
            "If the business sells or shares personal information and they have not opted out, "
            "ask whether they want to opt out of sale/sharing (11 CCR §7022).",
        )
    if regime == "ccpa" and right == "access" and ccpa_detail == "specific":
        return (
            "Disclose no specific pieces; tell the requester, and treat the request as one for "
            "categories (11 CCR §7024(a)). The case now asks for categories.",
        )
    if regime == "ccpa" and right == "access":
        return (
            "The request may be denied: tell the requester and point them to the privacy "
            "policy's description of its practices (11 CCR §7024(b)).",
        )
    return (
        "The request may be refused with reason identity-not-verified; the refusal letter "
        "must say why and how to complain.",
    )
