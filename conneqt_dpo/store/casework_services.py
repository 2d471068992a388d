"""Case work beyond the workflow: the people on a case, tasks per data
system, the case's timeline, and the queue's counts."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.intake import (
    email_key,
    name_key,
    parse_agent_authority,
    parse_country,
    parse_us_state,
    phone_key,
)
from conneqt_dpo.domain.validation import clean_email, clean_name, clean_phone, clean_text
from conneqt_dpo.domain.workflow import OPEN_STATES, Role, State, check_task_outcome
from conneqt_dpo.store import audit
from conneqt_dpo.store.errors import NotFound, StoreError
from conneqt_dpo.store.models import Agent, AuditEvent, Case, DataSubject, Task, User
from conneqt_dpo.store.service_base import MAX_NOTE, Actor, ServiceBase, check_reference, require
from conneqt_dpo.store.views import CasesChanged

_KEEP = object()  # "leave this field as it is"


@dataclass(frozen=True)
class QueueCounts:
    """The navigation pane's numbers on one day, for one user."""

    triage: int  # new, not yet looked at
    mine: int  # open and assigned to the acting user
    due_soon: int  # open, clock running, due within the setting (incl. today)
    overdue: int
    awaiting_approval: int
    open: int
    closed: int  # responded, refused, withdrawn or closed


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime  # UTC
    actor: str
    kind: str  # state | event | note | document | task | people | assign | other
    text: str


_OPEN = [s.value for s in OPEN_STATES]


def _clean_address(value: str) -> str:
    return clean_text(value, "the address", max_len=1000, multiline=True)


def _clean_account(value: str) -> str:
    return clean_text(value, "the account id", max_len=200)


class CaseWorkServices(ServiceBase):
    # -- people -----------------------------------------------------------

    def update_requester(
        self,
        reference: str,
        *,
        name: str | None = None,
        email: str | object | None = _KEEP,
        phone: str | object | None = _KEEP,
        address: str | object | None = _KEEP,
        account_id: str | object | None = _KEEP,
        country: str | object | None = _KEEP,
        us_state: str | object | None = _KEEP,
    ) -> CasesChanged:
        """Correct the requester's details (None or empty clears one, except
        the name). The person is shared by all their cases, so every one of
        them changes (and is audited)."""
        new: dict[str, str | None] = {}
        if name is not None:
            new["name"] = clean_name(name)
        for key, value, clean in (
            ("email", email, clean_email),
            ("phone", phone, clean_phone),
            ("address", address, _clean_address),
            ("account_id", account_id, _clean_account),
            ("country", country, parse_country),
            ("us_state", us_state, parse_us_state),
        ):
            if value is not _KEEP:
                new[key] = clean(value) if isinstance(value, str) and value.strip() else None
        if new.get("us_state") and "country" not in new:
            new["country"] = "US"
        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, Role.SUPPORT, doing="edit requesters")
            case = self._case_for_update(s, reference)
            person = s.get(DataSubject, case.subject_id)
            assert person is not None
            changed = [k for k, v in new.items() if getattr(person, k) != v]
            if not changed:
                return CasesChanged(())
            for k in changed:
                setattr(person, k, new[k])
            if person.us_state and person.country != "US":
                raise DomainError("a US state goes with the country US")
            person.email_key = email_key(person.email)
            person.phone_key = phone_key(person.phone)
            person.name_key = name_key(person.name)
            refs = self._touch_subject_cases(s, me, person.id, "case.requester-edited", changed)
            return CasesChanged(refs)

    def set_agent(
        self,
        reference: str,
        *,
        name: str | None,
        email: str | None = None,
        phone: str | None = None,
        organisation: str | None = None,
        authority: str | None = None,
    ) -> CasesChanged:
        """Record (or with name None, remove) who acts for the requester,
        and on what authority (domain/intake.py AGENT_AUTHORITIES)."""
        basis = parse_agent_authority(authority) if authority else None
        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, Role.SUPPORT, doing="record agents")
            case = self._case_for_update(s, reference)
            if name is None:
                if case.agent_id is None:
                    return CasesChanged(())
                case.agent_id = None
                fields = ["agent"]
            else:
                agent = Agent(
                    name=clean_name(name),
                    email=clean_email(email) if email else None,
                    phone=clean_phone(phone) if phone else None,
                    organisation=clean_text(organisation, "the organisation", max_len=200)
                    if organisation
                    else None,
                    authority=basis,
                    created_at=self._stamp(),
                )
                s.add(agent)
                s.flush()
                case.agent_id = agent.id
                fields = ["agent", "agent.name", "agent.email", "agent.phone"]
                fields += ["agent.authority"] if basis else []
            case.updated_at = self._stamp()
            self._audit(s, me.login, "case.agent-set", "case", case.id, case.reference,
                        fields=fields, detail={"agent": case.agent_id})  # fmt: skip
            return CasesChanged((case.reference,))

    def _touch_subject_cases(
        self, s: Session, me: Actor, subject_id: int, action: str, fields: list[str]
    ) -> tuple[str, ...]:
        rows = s.execute(
            select(Case.id, Case.reference).where(Case.subject_id == subject_id).order_by(Case.id)
        ).all()
        audit.append_many(s, [
            self._entry(me.login, action, "case", r.id, r.reference,
                        fields=[f"requester.{f}" for f in fields],
                        detail={"subject": subject_id})
            for r in rows
        ])  # fmt: skip
        return tuple(r.reference for r in rows)

    # -- tasks ------------------------------------------------------------

    def add_task(self, reference: str, system: str) -> int:
        """A data system to search, correct or erase for this case."""
        name = clean_text(system, "the system name", max_len=200)
        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, Role.SUPPORT, doing="add tasks")
            case = self._case_for_update(s, reference)
            if State(case.state) not in OPEN_STATES:
                raise DomainError(f"cannot add a task to a case that is {case.state}")
            task = Task(case_id=case.id, system=name, created_at=self._stamp(), created_by=me.id)
            s.add(task)
            s.flush()
            self._audit(s, me.login, "case.task-added", "case", case.id, case.reference,
                        fields=["task"], detail={"task": task.id})  # fmt: skip
            return task.id

    def complete_task(self, task_id: int, outcome: str, *, note: str | None = None) -> CasesChanged:
        """Record a system's outcome (found, erased, ...); None reopens it."""
        check_task_outcome(outcome)
        text = clean_text(note, "the note", max_len=MAX_NOTE, multiline=True) if note else None
        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, Role.SUPPORT, doing="complete tasks")
            task = s.get(Task, task_id, with_for_update=True)
            if task is None:
                raise NotFound(f"no task {task_id}")
            case = s.get(Case, task.case_id)
            assert case is not None
            if State(case.state) not in OPEN_STATES:
                raise DomainError(f"the case is {case.state}; reopen it to change its tasks")
            task.outcome = outcome
            task.note = text
            task.done_at = self._stamp()
            task.done_by = me.id
            self._audit(s, me.login, "case.task-done", "case", case.id, case.reference,
                        fields=["task.outcome"] + (["task.note"] if text else []),
                        detail={"task": task.id, "outcome": outcome})  # fmt: skip
            return CasesChanged((case.reference,))

    # -- reading ----------------------------------------------------------

    def timeline(self, reference: str) -> list[TimelineEntry]:
        """What happened on a case, oldest first, from its audit trail (state
        changes, events, tasks, people) and its notes."""
        ref = check_reference(reference)
        with self.store.read() as s:
            self._actor(s)
            case_id = s.execute(select(Case.id).where(Case.reference == ref)).scalar_one_or_none()
            if case_id is None:
                raise NotFound(f"no case {reference}")
            rows = s.execute(
                select(AuditEvent.occurred_at, AuditEvent.actor, AuditEvent.action,
                       AuditEvent.detail)
                .where(AuditEvent.reference == ref)
                .order_by(AuditEvent.seq)
            ).all()  # fmt: skip
            logins = {i: login for i, login in s.execute(select(User.id, User.login))}
            systems = {
                i: system
                for i, system in s.execute(
                    select(Task.id, Task.system).where(Task.case_id == case_id)
                )
            }
        out = []
        for r in rows:
            detail = json.loads(r.detail)
            entry = _describe(r.occurred_at, r.actor, r.action, detail)
            if r.action in ("case.task-added", "case.task-done"):
                system = systems.get(detail.get("task"), "?")
                text = f"Task added: {system}"
                if r.action == "case.task-done":
                    text = f"Task done: {system} — {detail.get('outcome')}"
                entry = TimelineEntry(entry.at, entry.actor, "task", text)
            if r.action == "case.assigned":
                who = logins.get(detail.get("assignee"))
                entry = TimelineEntry(entry.at, entry.actor, "assign",
                                      f"Assigned to {who}" if who else "Unassigned")  # fmt: skip
            out.append(entry)
        return out

    def queue_counts(
        self, today: dt.date | None = None, *, due_soon_days: int | None = None
    ) -> QueueCounts:
        """`due_soon_days` None: the setting."""
        day = today or self.today()
        is_open = Case.state.in_(_OPEN)
        running = and_(is_open, Case.due_on.is_not(None), Case.stopped_by.is_(None))

        def n(cond: object) -> object:
            return func.coalesce(func.sum(sql_case((cond, 1), else_=0)), 0)  # type: ignore[arg-type]

        with self.store.read() as s:
            me = self._actor(s)
            if due_soon_days is None:
                due_soon_days = self._load_settings(s).due_soon_days
            soon = day + dt.timedelta(days=due_soon_days)
            row = s.execute(
                select(
                    n(Case.state == State.NEW.value),
                    n(and_(is_open, Case.assignee_id == me.id)),
                    n(and_(running, Case.due_on >= day, Case.due_on <= soon)),
                    n(and_(running, Case.due_on < day)),
                    n(Case.state == State.AWAITING_APPROVAL.value),
                    n(is_open),
                    n(~is_open),
                )  # type: ignore[call-overload]
            ).one()
        return QueueCounts(*(int(v) for v in row))


_VERBS = {
    "case.logged": "Logged",
    "case.assigned": "Assigned",
    "case.note-added": "Note added",
    "case.document-attached": "Document attached",
    "case.task-added": "Task added",
    "case.task-done": "Task done",
    "case.requester-edited": "Requester details changed",
    "case.agent-set": "Agent changed",
    "case.deadlines-recomputed": "Dates recomputed",
    "case.event": "Clock event",
    "suppression.added": "Email or phone added to the suppression list",
    "document.attached": "Document attached",
    "document.opened": "Document opened for viewing",
    "document.exported": "Document exported",
    "document.purged": "Document purged",
    "case.identity-decided": "Identity decision",
    "case.hold-placed": "Legal hold placed",
    "case.hold-lifted": "Legal hold lifted",
    "case.purged": "Personal data purged (retention ended)",
    "letter.recorded": "Letter recorded",
    "letter.sent": "Letter sent",
    "case.event-redated": "Clock event re-dated to the day its letter went out",
}


def _describe(occurred_at: str, actor: str, action: str, d: dict[str, object]) -> TimelineEntry:
    at = dt.datetime.fromisoformat(occurred_at)
    if "from" in d and "to" in d:
        text = f"{action.removeprefix('case.')}: {d['from']} → {d['to']}"
        if d.get("reason"):
            text += f" ({d['reason']})"
        if d.get("event"):
            text += f"; clock event {d['event']} on {d.get('on')}"
        return TimelineEntry(at, actor, "state", text)
    if action == "case.event":
        text = f"Clock event {d.get('event')} on {d.get('on')}"
        if d.get("reason"):
            text += f" ({d['reason']})"
        return TimelineEntry(at, actor, "event", text)
    if action == "case.task-done":
        return TimelineEntry(at, actor, "task", f"Task {d.get('task')}: {d.get('outcome')}")
    if action.startswith("document."):
        text = f"{_VERBS.get(action, action)}: #{d.get('document')}"
        if d.get("kind"):
            text += f" ({d['kind']})"
        if d.get("reason"):
            text += f", {d['reason']}"
        return TimelineEntry(at, actor, "document", text)
    if action == "case.identity-decided":
        text = f"Identity decision: {d.get('decision')} ({d.get('methods') or 'no check'})"
        if d.get("level"):
            text += f", level {d['level']}"
        return TimelineEntry(at, actor, "other", text)
    if action.startswith("letter."):
        text = f"{_VERBS.get(action, action)}: {d.get('kind')}"
        if d.get("method"):
            text += f" by {d['method']} on {d.get('on')}"
        return TimelineEntry(at, actor, "document", text)
    kind = {
        "case.note-added": "note",
        "case.document-attached": "document",
        "case.task-added": "task",
        "case.requester-edited": "people",
        "case.agent-set": "people",
        "case.assigned": "assign",
    }.get(action, "other")
    text = _VERBS.get(action, action)
    if action == "case.logged":
        text = f"Logged: {d.get('regime')} {d.get('right')} by {d.get('channel')}"
    return TimelineEntry(at, actor, kind, text)


__all__ = ["CaseWorkServices", "QueueCounts", "StoreError", "TimelineEntry"]
