"""The workflow table of spec/workflow.md, checked for every state x action x
role, written out independently of the implementation's own table."""

from __future__ import annotations

import itertools

import pytest

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.workflow import (
    EVENT_RULES,
    OPEN_STATES,
    REFUSAL_REASONS,
    Action,
    Role,
    State,
    allowed_actions,
    check_action,
    check_event,
    parse_action,
    parse_channel,
)

N, AI, IP, AA, AP, RS, RF, WD, CL = (
    "new",
    "awaiting-identity",
    "in-progress",
    "awaiting-approval",
    "approved",
    "responded",
    "refused",
    "withdrawn",
    "closed",
)
OPEN = {N, AI, IP, AA, AP}
BOTH = {"dpo", "support"}
DPO = {"dpo"}

# action: (from states, to state, roles, clock event) -- spec/workflow.md
SPEC = {
    "start": ({N}, IP, BOTH, None),
    "request-identity": ({N, IP}, AI, BOTH, "identity-requested"),
    "record-identity": ({AI}, IP, BOTH, "identity-received"),
    "submit": ({IP}, AA, BOTH, None),
    "return": ({AA}, IP, DPO, None),
    "approve": ({AA}, AP, DPO, None),
    "respond": ({AP}, RS, BOTH, "responded"),
    "refuse": ({N, AI, IP, AA}, RF, DPO, "responded"),
    "withdraw": (OPEN, WD, BOTH, "withdrawn"),
    "close": ({RS, RF, WD}, CL, DPO, None),
    "reopen": ({CL, RS, RF}, IP, DPO, None),
}


def test_the_spec_names_every_state_and_action() -> None:
    assert {s.value for s in State} == {N, AI, IP, AA, AP, RS, RF, WD, CL}
    assert {a.value for a in Action} == set(SPEC)
    assert {s.value for s in OPEN_STATES} == OPEN


@pytest.mark.parametrize(
    ("state", "action", "role"),
    list(itertools.product([s.value for s in State], SPEC, [r.value for r in Role])),
)
def test_every_state_action_role(state: str, action: str, role: str) -> None:
    sources, target, roles, event = SPEC[action]
    reason = "other" if action == "refuse" else None
    allowed = state in sources and role in roles
    if allowed:
        t = check_action(
            State(state),
            Action(action),
            Role(role),
            regime="uk-gdpr",
            right="access",
            reason=reason,
        )
        assert t.target.value == target
        assert t.clock_event == event
        assert Action(action) in allowed_actions(State(state), Role(role))
    else:
        with pytest.raises(DomainError) as e:
            check_action(
                State(state),
                Action(action),
                Role(role),
                regime="uk-gdpr",
                right="access",
                reason=reason,
            )
        assert (role not in roles and role in str(e.value)) or state in str(e.value)
        assert Action(action) not in allowed_actions(State(state), Role(role))


def test_refusal_needs_a_reason_from_the_catalogue() -> None:
    with pytest.raises(DomainError, match="needs --reason"):
        check_action(State.IN_PROGRESS, Action.REFUSE, Role.DPO, regime="uk-gdpr", right="access")
    with pytest.raises(DomainError, match="unknown reason"):
        check_action(
            State.IN_PROGRESS,
            Action.REFUSE,
            Role.DPO,
            regime="uk-gdpr",
            right="access",
            reason="because",
        )
    for reason in REFUSAL_REASONS:
        check_action(
            State.IN_PROGRESS,
            Action.REFUSE,
            Role.DPO,
            regime="uk-gdpr",
            right="access",
            reason=reason,
        )


def test_actions_without_reasons_refuse_a_reason_code() -> None:
    with pytest.raises(DomainError, match="takes no reason"):
        check_action(
            State.NEW, Action.START, Role.DPO, regime="uk-gdpr", right="access", reason="complex"
        )


@pytest.mark.parametrize(
    ("regime", "right"),
    [("ccpa", "opt-out-sale"), ("ccpa", "limit-sensitive"), ("can-spam", "marketing-objection")],
)
def test_identity_checks_are_refused_where_the_law_forbids_them(regime: str, right: str) -> None:
    with pytest.raises(DomainError, match="does not allow identity verification"):
        check_action(State.NEW, Action.REQUEST_IDENTITY, Role.DPO, regime=regime, right=right)
    assert Action.REQUEST_IDENTITY not in allowed_actions(
        State.NEW, Role.DPO, regime=regime, right=right
    )
    # ... but not for the rights where it is allowed.
    check_action(State.NEW, Action.REQUEST_IDENTITY, Role.DPO, regime="ccpa", right="access")


@pytest.mark.parametrize("kind", sorted(EVENT_RULES))
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_clock_events_by_role(kind: str, role: str) -> None:
    rule = EVENT_RULES[kind]
    reason = rule.reasons[0] if rule.reasons else None
    may = role in ({"dpo"} if kind == "extended" else BOTH)
    if may:
        check_event(kind, Role(role), state=State.IN_PROGRESS, reason=reason)
    else:
        with pytest.raises(DomainError, match="only"):
            check_event(kind, Role(role), state=State.IN_PROGRESS, reason=reason)


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("extended", "complex"),
        ("extended", "numerous"),
        ("extended", "complex-and-numerous"),
        ("clarification-requested", "clarify-scope"),
        ("fee-requested", "fee"),
        ("authority-requested", "agent-authority"),
    ],
)
def test_pauses_and_extensions_take_their_catalogue(kind: str, reason: str) -> None:
    check_event(kind, Role.DPO, state=State.IN_PROGRESS, reason=reason)
    with pytest.raises(DomainError, match="needs --reason"):
        check_event(kind, Role.DPO, state=State.IN_PROGRESS)
    wrong = "identity-check" if kind == "extended" else "complex"
    with pytest.raises(DomainError, match="unknown reason"):
        check_event(kind, Role.DPO, state=State.IN_PROGRESS, reason=wrong)


def test_events_on_closed_cases_and_unknown_kinds_are_refused() -> None:
    with pytest.raises(DomainError, match="closed"):
        check_event("fee-received", Role.DPO, state=State.CLOSED)
    with pytest.raises(DomainError, match="recorded by `act`"):
        check_event("responded", Role.DPO, state=State.IN_PROGRESS)
    with pytest.raises(DomainError, match="unknown"):
        check_event("teleported", Role.DPO, state=State.IN_PROGRESS)


@pytest.mark.parametrize("bad", ["teleport", "", "START", "start; drop table"])
def test_unknown_identifiers_list_the_known_ones(bad: str) -> None:
    with pytest.raises(DomainError, match="known: start"):
        parse_action(bad)
    with pytest.raises(DomainError, match="unknown channel"):
        parse_channel(bad)
