"""The case workflow: work states, actions, who may take them, and the clock
event each one records.

This module is the contract of `spec/workflow.md`; identifiers are used as
written there in code, CLI and JSON. The work state of a case never mixes with
its clock state (running, waiting, paused, stopped), which the deadline engine
derives from clock events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from conneqt_dpo.domain.errors import DomainError


class Role(StrEnum):
    DPO = "dpo"
    SUPPORT = "support"
    ADMIN = "admin"


class State(StrEnum):
    NEW = "new"
    AWAITING_IDENTITY = "awaiting-identity"
    IN_PROGRESS = "in-progress"
    AWAITING_APPROVAL = "awaiting-approval"
    APPROVED = "approved"
    RESPONDED = "responded"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


# A case is "open" until a response (or refusal) has gone out, or the
# requester has withdrawn: only open cases count against the clock.
OPEN_STATES: frozenset[State] = frozenset(
    {
        State.NEW,
        State.AWAITING_IDENTITY,
        State.IN_PROGRESS,
        State.AWAITING_APPROVAL,
        State.APPROVED,
    }
)


class Action(StrEnum):
    START = "start"
    REQUEST_IDENTITY = "request-identity"
    RECORD_IDENTITY = "record-identity"
    SUBMIT = "submit"
    RETURN = "return"
    APPROVE = "approve"
    RESPOND = "respond"
    REFUSE = "refuse"
    WITHDRAW = "withdraw"
    CLOSE = "close"
    REOPEN = "reopen"


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"
    WEB_FORM = "web-form"
    IN_PERSON = "in-person"


# Reason catalogues (spec/workflow.md). Every pause, restart request,
# extension and refusal carries one of these codes; free text is a note.
PAUSE_REASONS: tuple[str, ...] = ("identity-check", "agent-authority", "fee", "clarify-scope")
EXTENSION_REASONS: tuple[str, ...] = ("complex", "numerous", "complex-and-numerous")
REFUSAL_REASONS: tuple[str, ...] = (
    "identity-not-verified",
    "manifestly-unfounded",
    "manifestly-excessive",
    "exemption",
    "not-a-consumer",
    "repeat-within-12-months",
    "legal-conflict",
    "hipaa-unreviewable",
    "hipaa-reviewable",
    "other",
)
WITHHOLDING_REASONS: tuple[str, ...] = (
    "third-party-data",
    "legal-privilege",
    "legal-claims",
    "trade-secret",
    "other",
)

TASK_OUTCOMES: tuple[str, ...] = (
    "found",
    "not-found",
    "erased",
    "corrected",
    "restricted",
    "recipients-notified",
    "not-applicable",
)

_CASE_WORKERS = frozenset({Role.DPO, Role.SUPPORT})
_DPO_ONLY = frozenset({Role.DPO})


@dataclass(frozen=True)
class Transition:
    """One row of the action table in spec/workflow.md."""

    action: Action
    sources: frozenset[State]
    target: State
    roles: frozenset[Role]
    clock_event: str | None = None
    reasons: tuple[str, ...] = ()
    reason_required: bool = False


TRANSITIONS: Mapping[Action, Transition] = {
    t.action: t
    for t in (
        Transition(Action.START, frozenset({State.NEW}), State.IN_PROGRESS, _CASE_WORKERS),
        Transition(
            Action.REQUEST_IDENTITY,
            frozenset({State.NEW, State.IN_PROGRESS}),
            State.AWAITING_IDENTITY,
            _CASE_WORKERS,
            clock_event="identity-requested",
            reasons=("identity-check",),
        ),
        Transition(
            Action.RECORD_IDENTITY,
            frozenset({State.AWAITING_IDENTITY}),
            State.IN_PROGRESS,
            _CASE_WORKERS,
            clock_event="identity-received",
        ),
        Transition(
            Action.SUBMIT, frozenset({State.IN_PROGRESS}), State.AWAITING_APPROVAL, _CASE_WORKERS
        ),
        Transition(
            Action.RETURN, frozenset({State.AWAITING_APPROVAL}), State.IN_PROGRESS, _DPO_ONLY
        ),
        Transition(Action.APPROVE, frozenset({State.AWAITING_APPROVAL}), State.APPROVED, _DPO_ONLY),
        Transition(
            Action.RESPOND,
            frozenset({State.APPROVED}),
            State.RESPONDED,
            _CASE_WORKERS,
            clock_event="responded",
        ),
        Transition(
            Action.REFUSE,
            frozenset(
                {State.NEW, State.AWAITING_IDENTITY, State.IN_PROGRESS, State.AWAITING_APPROVAL}
            ),
            State.REFUSED,
            _DPO_ONLY,
            clock_event="responded",  # a refusal is a response
            reasons=REFUSAL_REASONS,
            reason_required=True,
        ),
        Transition(
            Action.WITHDRAW, OPEN_STATES, State.WITHDRAWN, _CASE_WORKERS, clock_event="withdrawn"
        ),
        Transition(
            Action.CLOSE,
            frozenset({State.RESPONDED, State.REFUSED, State.WITHDRAWN}),
            State.CLOSED,
            _DPO_ONLY,
        ),
        Transition(
            Action.REOPEN,
            frozenset({State.CLOSED, State.RESPONDED, State.REFUSED}),
            State.IN_PROGRESS,
            _DPO_ONLY,
        ),
    )
}


@dataclass(frozen=True)
class EventRule:
    """A clock event recorded outside the workflow (`conneqt-dpo event`)."""

    kind: str
    roles: frozenset[Role]
    reasons: tuple[str, ...] = ()
    reason_required: bool = False


# Requests that pause or restart the clock need a pause/restart reason;
# an extension needs an extension reason and is a DPO decision.
EVENT_RULES: Mapping[str, EventRule] = {
    r.kind: r
    for r in (
        EventRule("clarification-requested", _CASE_WORKERS, PAUSE_REASONS, reason_required=True),
        EventRule("clarification-received", _CASE_WORKERS),
        EventRule("authority-requested", _CASE_WORKERS, PAUSE_REASONS, reason_required=True),
        EventRule("authority-received", _CASE_WORKERS),
        EventRule("fee-requested", _CASE_WORKERS, PAUSE_REASONS, reason_required=True),
        EventRule("fee-received", _CASE_WORKERS),
        EventRule("extended", _DPO_ONLY, EXTENSION_REASONS, reason_required=True),
    )
}

# Where the law forbids asking for identity before acting: CCPA opt-out of
# sale/sharing (11 CCR §7026(d)) and limit-sensitive (§7027(f)), and the
# CAN-SPAM unsubscribe, which may ask for nothing beyond an email address
# (15 U.S.C. §7704(a)(4)(A); 16 CFR §316.5).
NO_VERIFICATION: frozenset[tuple[str, str]] = frozenset(
    {
        ("ccpa", "opt-out-sale"),
        ("ccpa", "limit-sensitive"),
        ("can-spam", "marketing-objection"),
    }
)


def _parse(enum: type[StrEnum], value: str, what: str) -> StrEnum:
    try:
        return enum(value)
    except ValueError:
        known = ", ".join(m.value for m in enum)
        raise DomainError(f"unknown {what} '{value}'; known: {known}") from None


def parse_role(value: str) -> Role:
    role = _parse(Role, value, "role")
    assert isinstance(role, Role)
    return role


def parse_state(value: str) -> State:
    state = _parse(State, value, "state")
    assert isinstance(state, State)
    return state


def parse_action(value: str) -> Action:
    action = _parse(Action, value, "action")
    assert isinstance(action, Action)
    return action


def parse_channel(value: str) -> Channel:
    channel = _parse(Channel, value, "channel")
    assert isinstance(channel, Channel)
    return channel


def _check_reason(what: str, reason: str | None, allowed: tuple[str, ...], required: bool) -> None:
    if reason is None:
        if required:
            raise DomainError(f"{what} needs --reason, one of: {', '.join(allowed)}")
        return
    if reason not in allowed:
        if not allowed:
            raise DomainError(f"{what} takes no reason code; put free text in a note")
        raise DomainError(f"unknown reason '{reason}' for {what}; use one of: {', '.join(allowed)}")


def check_action(
    state: State,
    action: Action,
    role: Role,
    *,
    regime: str,
    right: str,
    reason: str | None = None,
) -> Transition:
    """Return the transition `action` takes from `state`, or raise DomainError
    saying why the workflow, the role or the law refuses it."""
    t = TRANSITIONS[action]
    if role not in t.roles:
        who = " or ".join(sorted(r.value for r in t.roles))
        raise DomainError(f"only {who} may {action.value} a case (you are {role.value})")
    if state not in t.sources:
        froms = ", ".join(sorted(s.value for s in t.sources))
        raise DomainError(
            f"cannot {action.value} a case that is {state.value}; allowed from: {froms}"
        )
    if action is Action.REQUEST_IDENTITY and (regime, right) in NO_VERIFICATION:
        raise DomainError(
            f"the law does not allow identity verification for {regime} {right} requests"
        )
    _check_reason(action.value, reason, t.reasons, t.reason_required)
    return t


def check_event(kind: str, role: Role, *, state: State, reason: str | None = None) -> EventRule:
    """Check that `role` may record clock event `kind` on a case in `state`."""
    rule = EVENT_RULES.get(kind)
    if rule is None:
        known = ", ".join(EVENT_RULES)
        raise DomainError(
            f"unknown or workflow-only clock event '{kind}'; recordable here: {known} "
            "(identity, response and withdrawal are recorded by `act`)"
        )
    if role not in rule.roles:
        who = " or ".join(sorted(r.value for r in rule.roles))
        raise DomainError(f"only {who} may record '{kind}' (you are {role.value})")
    if state not in OPEN_STATES:
        raise DomainError(f"cannot record '{kind}' on a case that is {state.value}")
    _check_reason(kind, reason, rule.reasons, rule.reason_required)
    return rule


def allowed_actions(state: State, role: Role, *, regime: str = "", right: str = "") -> list[Action]:
    """The actions `role` may take on a case in `state` (for menus/buttons)."""
    out = []
    for action, t in TRANSITIONS.items():
        if role not in t.roles or state not in t.sources:
            continue
        if action is Action.REQUEST_IDENTITY and (regime, right) in NO_VERIFICATION:
            continue
        out.append(action)
    return out


# Rights whose response is the work done in each data system: the case cannot
# go for approval, or out as responded, while one of its tasks is open
# (spec/workflow.md, "Tasks"); its completed tasks are the erasure receipt.
TASKS_BEFORE_RESPONSE: frozenset[str] = frozenset({"erasure", "rectification", "restriction"})


def check_tasks(action: Action, right: str, open_tasks: int) -> None:
    if open_tasks and right in TASKS_BEFORE_RESPONSE and action in (Action.SUBMIT, Action.RESPOND):
        raise DomainError(
            f"cannot {action.value} a {right} case while {open_tasks} task"
            f"{'s are' if open_tasks > 1 else ' is'} open: record each system's outcome first"
        )


def check_task_outcome(outcome: str) -> str:
    if outcome not in TASK_OUTCOMES:
        raise DomainError(
            f"unknown task outcome '{outcome}'; use one of: {', '.join(TASK_OUTCOMES)}"
        )
    return outcome
