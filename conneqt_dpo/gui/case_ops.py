"""The operations of the case view: their identifiers, the words they are
shown with, and whether the acting user may take each one now (and why not).

Pure functions over a CaseDetail, with no Qt: whether a button is enabled is
read from the domain's own checks (``check_action``, ``check_event``), so the
GUI presents the workflow's rules without restating them; the services check
everything again when the action runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from conneqt_dpo.domain.calendars import format_day
from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.workflow import (
    EVENT_RULES,
    OPEN_STATES,
    TRANSITIONS,
    Action,
    Role,
    State,
    check_action,
    check_event,
    parse_role,
    parse_state,
)
from conneqt_dpo.outputs.letters.kinds import kinds_for
from conneqt_dpo.store.views import CaseDetail

# Operation identifiers: workflow actions and clock events use their own
# identifiers (spec/workflow.md); the rest are the view's.
VERIFY = "verify-identity"
LETTERS = "letters"
ADD_NOTE = "add-note"
ADD_TASK = "add-task"
RECORD_OUTCOME = "record-outcome"
EDIT_REQUESTER = "edit-requester"
EDIT_AGENT = "edit-agent"
ALL_OPS: tuple[str, ...] = (
    *(a.value for a in Action),
    *EVENT_RULES,
    VERIFY, LETTERS, ADD_NOTE, ADD_TASK, RECORD_OUTCOME, EDIT_REQUESTER, EDIT_AGENT,
)  # fmt: skip


# -- words --------------------------------------------------------------------

REASON_LABELS: Mapping[str, str] = {
    # pause / restart
    "identity-check": "Identity check",
    "agent-authority": "Agent's authority",
    "fee": "Fee",
    "clarify-scope": "Clarify the scope of the request",
    # extension
    "complex": "Complex request",
    "numerous": "Numerous requests",
    "complex-and-numerous": "Complex and numerous",
    # refusal
    "identity-not-verified": "Identity not verified",
    "manifestly-unfounded": "Manifestly unfounded",
    "manifestly-excessive": "Manifestly excessive",
    "exemption": "An exemption applies",
    "not-a-consumer": "Not a consumer",
    "repeat-within-12-months": "Repeat request within 12 months (CCPA right to know)",
    "legal-conflict": "Conflicts with a legal obligation",
    "hipaa-unreviewable": "HIPAA: unreviewable grounds",
    "hipaa-reviewable": "HIPAA: reviewable grounds",
    "other": "Other (explain below)",
}
OUTCOME_LABELS: Mapping[str, str] = {
    "found": "Data found",
    "not-found": "No data found",
    "erased": "Erased",
    "corrected": "Corrected",
    "restricted": "Restricted",
    "recipients-notified": "Recipients notified",
    "not-applicable": "Not applicable",
}


def words(code: str) -> str:
    """``awaiting-identity`` -> ``Awaiting identity``."""
    return code.replace("-", " ").capitalize()


def reason_label(code: str) -> str:
    return REASON_LABELS.get(code, words(code))


def outcome_label(code: str | None) -> str:
    return "Open" if code is None else OUTCOME_LABELS.get(code, words(code))


def choices(codes: Sequence[str], label: Callable[[str], str]) -> tuple[tuple[str, str], ...]:
    return tuple((c, label(c)) for c in codes)


def _plural(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def status_text(detail: CaseDetail, today: dt.date) -> str:
    """The deadline status in words (spec/deadlines.md, "Status"): the view
    colours it too, but never says it by colour alone."""
    status, r = detail.status, detail.row
    left = (r.due - today).days if r.due else None
    stopped = format_day(r.stopped_on) if r.stopped_on else "?"
    match status:
        case "overdue" if left is not None:
            return f"Overdue by {_plural(-left, 'day')}"
        case "due-today":
            return "Due today"
        case "due-soon" if left is not None:
            return f"Due soon: {_plural(left, 'day')} left"
        case "on-track" if left is not None:
            return f"On track: {_plural(left, 'day')} left"
        case "waiting":
            return "Clock waiting: no date in force"
        case "paused":
            return "Clock paused: no date in force"
        case "met":
            return f"Met: responded {stopped}"
        case "met-late":
            return f"Met late: responded {stopped}"
        case "withdrawn":
            return f"Withdrawn {stopped}"
    return words(status or "unknown")


def due_text(detail: CaseDetail) -> str:
    due = detail.row.due
    return f"Due {format_day(due)}" if due else "No due date in force"


# -- what may be done ---------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    enabled: bool
    why: str  # the tooltip: what it does, or why it cannot be done now


# The case-work services (notes, tasks, people) let these roles act; this
# mirrors their `require(...)` so the buttons match (the services decide).
CASE_WORK_ROLES = frozenset({Role.DPO, Role.SUPPORT})

# Answers and the request each one answers (they pair in the engine).
ANSWERS: Mapping[str, str] = {
    "clarification-received": "clarification-requested",
    "fee-received": "fee-requested",
    "authority-received": "authority-requested",
}


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def _unanswered(detail: CaseDetail, answer: str) -> int:
    """How many requests of this kind have no answer yet (counted from the
    recorded events, to offer "received" only when something was asked)."""
    request = ANSWERS[answer]
    kinds = [e.kind for e in detail.events]
    return max(0, kinds.count(request) - kinds.count(answer))


def _letters(detail: CaseDetail, who: Role, state: State) -> Availability:
    """Drafting and previewing is case work; approving (which records the
    PDF with the case) is the DPO's alone, as the letter services require."""
    if who not in CASE_WORK_ROLES:
        return Availability(
            False, f"Only dpo or support users draft letters (you are {who.value})."
        )
    r = detail.row
    try:
        kinds = kinds_for(r.regime, r.right, state)
    except DomainError as e:
        return Availability(False, _sentence(str(e)))
    if not kinds:
        return Availability(False, f"No letter fits a case that is {words(state.value).lower()}.")
    if who is Role.DPO:
        return Availability(True, "Draft a letter, preview it and approve it: the PDF you "
                                  "approve is stored with the case. Only the DPO approves and "
                                  "records letters.")  # fmt: skip
    return Availability(True, "Draft a letter and preview it. Only the DPO approves and "
                              "records letters.")  # fmt: skip


def availability(detail: CaseDetail, role: str) -> dict[str, Availability]:
    """Every operation of the case view, enabled or not, and why."""
    r = detail.row
    out: dict[str, Availability] = {}
    try:
        who = parse_role(role)
        state = parse_state(r.state)
    except DomainError as e:
        return {op: Availability(False, _sentence(str(e))) for op in ALL_OPS}
    for action, t in TRANSITIONS.items():
        reason = t.reasons[0] if t.reason_required else None
        try:
            check_action(state, action, who, regime=r.regime, right=r.right, reason=reason)
        except DomainError as e:
            out[action.value] = Availability(False, _sentence(str(e)))
            continue
        why = f"Moves the case to {words(t.target.value).lower()}"
        if t.clock_event:
            why += f" and records the clock event {t.clock_event}"
        out[action.value] = Availability(True, why + ".")
    for kind, rule in EVENT_RULES.items():
        reason = rule.reasons[0] if rule.reason_required else None
        try:
            check_event(kind, who, state=state, reason=reason)
        except DomainError as e:
            out[kind] = Availability(False, _sentence(str(e)))
            continue
        if kind in ANSWERS and not _unanswered(detail, kind):
            asked = words(ANSWERS[kind]).lower()
            out[kind] = Availability(False, f"Nothing to answer: no {asked} event is open.")
            continue
        out[kind] = Availability(
            True, f"Records the clock event {kind}; the deadline engine recomputes the dates."
        )
    if who is not Role.DPO:
        out[VERIFY] = Availability(False, "Only the DPO decides on identity.")
    elif state not in OPEN_STATES:
        out[VERIFY] = Availability(False, "Identity is decided on open cases only.")
    else:
        out[VERIFY] = Availability(True, "Record how identity was checked and the decision.")
    out[LETTERS] = _letters(detail, who, state)

    worker = who in CASE_WORK_ROLES
    not_worker = f"Only dpo or support users may do this (you are {who.value})."
    is_open = state in OPEN_STATES
    for op, why in ((ADD_NOTE, "Adds a note to the case."),
                    (EDIT_REQUESTER, "Correct the requester's contact details (audited)."),
                    (EDIT_AGENT, "Record who acts for the requester (audited).")):  # fmt: skip
        out[op] = Availability(worker, why if worker else not_worker)
    closed = f"The case is {words(state.value).lower()}; reopen it to change its tasks."
    for op, why in ((ADD_TASK, "Adds a data system to search, correct or erase."),
                    (RECORD_OUTCOME, "Records what was done in one system.")):  # fmt: skip
        if not worker:
            out[op] = Availability(False, not_worker)
        elif not is_open:
            out[op] = Availability(False, closed)
        else:
            out[op] = Availability(True, why)
    if out[RECORD_OUTCOME].enabled and not detail.tasks:
        out[RECORD_OUTCOME] = Availability(False, "Add a task first.")
    return out
