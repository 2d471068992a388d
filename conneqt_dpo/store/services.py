"""The use cases the GUI and the CLI share.

Each public method is one transaction with its audit events (one per case
touched). Each checks, in this order, the input, the caller's role and the
workflow, and the law (through the deadline engine, which refuses events the
statutory clock cannot accept); a refusal raises a DomainError whose message
is meant for a person, and nothing is written.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.validation import (
    clean_email,
    clean_login,
    clean_name,
    clean_text,
)
from conneqt_dpo.domain.workflow import (
    OPEN_STATES,
    Action,
    Role,
    State,
    check_action,
    check_event,
    check_tasks,
    parse_action,
    parse_role,
)
from conneqt_dpo.store import clock, queries
from conneqt_dpo.store.admin_services import AdminServices
from conneqt_dpo.store.draft_services import DraftServices
from conneqt_dpo.store.errors import NotFound, StoreError
from conneqt_dpo.store.intake_services import IntakeServices, format_reference
from conneqt_dpo.store.letter_services import LetterServices
from conneqt_dpo.store.models import (
    Case,
    ClockEventRow,
    Note,
    Task,
    User,
)
from conneqt_dpo.store.reminder_services import ReminderServices
from conneqt_dpo.store.service_base import (
    MAX_NOTE,
    check_reference,
    require,
    user_view,
)
from conneqt_dpo.store.settings_services import SettingsServices
from conneqt_dpo.store.views import (
    CaseDetail,
    CaseQuery,
    CaseRow,
    CasesChanged,
    UserView,
)

# The clock events that stop the clock (spec/deadlines.md).
STOPS = ("responded", "withdrawn")


class Services(
    IntakeServices,
    SettingsServices,
    AdminServices,
    ReminderServices,
    DraftServices,
    LetterServices,
):
    """The store's use cases, acting as one user."""

    # -- users ------------------------------------------------------------

    def init(self, *, login: str = "dpo", name: str, email: str | None = None) -> UserView:
        """Create the first user of a new store: a DPO."""
        login = clean_login(login)
        name = clean_name(name)
        email = clean_email(email) if email else None
        with self.store.write() as s:
            if s.execute(select(func.count(User.id))).scalar_one():
                raise StoreError("this store already has users; `init` is for a new store")
            u = User(
                login=login,
                name=name,
                email=email,
                role="dpo",
                active=True,
                created_at=self._stamp(),
            )
            s.add(u)
            s.flush()
            self._audit(
                s,
                login,
                "user.created",
                "user",
                u.id,
                fields=("login", "name", "email", "role"),
                detail={"role": "dpo"},
            )
            return user_view(u)

    def add_user(self, *, login: str, name: str, role: str, email: str | None = None) -> UserView:
        login = clean_login(login)
        name = clean_name(name)
        r = parse_role(role)
        email = clean_email(email) if email else None
        with self.store.write() as s:
            me = self._actor(s)
            if me.role not in (Role.DPO, Role.ADMIN):
                raise StoreError("only a dpo or an admin may add users")
            if s.execute(select(User.id).where(User.login == login)).first():
                raise StoreError(f"login '{login}' is taken")
            u = User(
                login=login,
                name=name,
                email=email,
                role=r.value,
                active=True,
                created_at=self._stamp(),
            )
            s.add(u)
            s.flush()
            self._audit(
                s,
                me.login,
                "user.created",
                "user",
                u.id,
                fields=("login", "name", "email", "role"),
                detail={"role": r.value},
            )
            return user_view(u)

    def users(self) -> list[UserView]:
        with self.store.read() as s:
            return [user_view(u) for u in s.execute(select(User).order_by(User.id)).scalars()]

    # -- case work --------------------------------------------------------

    def act(
        self,
        reference: str,
        action: str,
        *,
        reason: str | None = None,
        note: str | None = None,
        on: dt.date | None = None,
    ) -> CasesChanged:
        a = parse_action(action)
        text = clean_text(note, "the note", max_len=MAX_NOTE, multiline=True) if note else None
        dated = on is not None
        on = self._event_date(on)
        with self.store.write() as s:
            me = self._actor(s)
            case = self._case_for_update(s, reference)
            before = State(case.state)
            if a is Action.REQUEST_IDENTITY and reason is None:
                reason = "identity-check"  # the action names its own pause reason
            t = check_action(
                before, a, Role(me.role), regime=case.regime, right=case.right, reason=reason
            )
            open_tasks = s.execute(
                select(func.count(Task.id)).where(Task.case_id == case.id, Task.outcome.is_(None))
            ).scalar_one()
            check_tasks(a, case.right, open_tasks)
            if dated and not t.clock_event:
                raise DomainError(f"{a.value} records no clock event, so it takes no --date")
            if t.clock_event in STOPS:
                # A response cannot be dated before what it answers (nor a
                # withdrawal before what happened on the case).
                latest = s.execute(
                    select(func.max(ClockEventRow.on)).where(
                        ClockEventRow.case_id == case.id, ClockEventRow.superseded.is_(False)
                    )
                ).scalar()
                if latest is not None and on < latest:
                    raise DomainError(
                        f"{t.clock_event} cannot be dated {on.isoformat()}, before the case's "
                        f"last clock event ({latest.isoformat()})"
                    )
            stamp = self._stamp()
            fields = ["state"]
            if a is Action.REOPEN:
                # The response or withdrawal that stopped the clock no longer
                # counts; it stays on the record (spec silent; see README).
                s.execute(
                    update(ClockEventRow)
                    .where(
                        ClockEventRow.case_id == case.id,
                        ClockEventRow.kind.in_(STOPS),
                        ClockEventRow.superseded.is_(False),
                    )
                    .values(superseded=True)
                )
                fields.append("clock_events")
            if t.clock_event:
                s.add(
                    ClockEventRow(
                        case_id=case.id,
                        kind=t.clock_event,
                        on=on,
                        reason=reason,
                        recorded_at=stamp,
                        recorded_by=me.id,
                    )
                )
                fields.append("clock_events")
            case.state = t.target.value
            case.updated_at = stamp
            if text:
                s.add(Note(case_id=case.id, text=text, created_at=stamp, author_id=me.id))
                fields.append("note")
            s.flush()
            self._recompute(s, case)
            self._audit(
                s,
                me.login,
                f"case.{a.value}",
                "case",
                case.id,
                case.reference,
                fields=fields,
                detail={
                    "from": before.value,
                    "to": t.target.value,
                    "reason": reason,
                    "event": t.clock_event,
                    "on": on.isoformat() if t.clock_event else None,
                },
            )
            return CasesChanged((case.reference,))

    def record_event(
        self,
        reference: str,
        kind: str,
        *,
        on: dt.date | None = None,
        reason: str | None = None,
        note: str | None = None,
    ) -> CasesChanged:
        text = clean_text(note, "the note", max_len=MAX_NOTE, multiline=True) if note else None
        on = self._event_date(on)
        with self.store.write() as s:
            me = self._actor(s)
            case = self._case_for_update(s, reference)
            check_event(kind, Role(me.role), state=State(case.state), reason=reason)
            stamp = self._stamp()
            s.add(
                ClockEventRow(
                    case_id=case.id,
                    kind=kind,
                    on=on,
                    reason=reason,
                    recorded_at=stamp,
                    recorded_by=me.id,
                )
            )
            fields = ["clock_events"]
            if text:
                s.add(Note(case_id=case.id, text=text, created_at=stamp, author_id=me.id))
                fields.append("note")
            case.updated_at = stamp
            s.flush()
            self._recompute(s, case)
            self._audit(
                s,
                me.login,
                "case.event",
                "case",
                case.id,
                case.reference,
                fields=fields,
                detail={"event": kind, "on": on.isoformat(), "reason": reason},
            )
            return CasesChanged((case.reference,))

    def assign(self, reference: str, login: str | None) -> CasesChanged:
        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, Role.SUPPORT, doing="assign cases")
            case = self._case_for_update(s, reference)
            assignee = None
            if login is not None:
                assignee = s.execute(select(User).where(User.login == login)).scalar_one_or_none()
                if assignee is None:
                    raise NotFound(f"no user '{login}' in this store")
                if not assignee.active:
                    raise StoreError(f"user '{login}' is deactivated")
                if assignee.role not in (Role.DPO, Role.SUPPORT):
                    raise StoreError(
                        f"'{login}' is an {assignee.role}: only dpo or support users work on cases"
                    )
            case.assignee_id = assignee.id if assignee else None
            case.updated_at = self._stamp()
            self._audit(
                s,
                me.login,
                "case.assigned",
                "case",
                case.id,
                case.reference,
                fields=["assignee"],
                detail={"assignee": assignee.id if assignee else None},
            )
            return CasesChanged((case.reference,))

    def add_note(self, reference: str, text: str) -> CasesChanged:
        body = clean_text(text, "the note", max_len=MAX_NOTE, multiline=True)
        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, Role.SUPPORT, doing="add notes to cases")
            case = self._case_for_update(s, reference)
            note = Note(case_id=case.id, text=body, created_at=self._stamp(), author_id=me.id)
            s.add(note)
            s.flush()
            self._audit(
                s,
                me.login,
                "case.note-added",
                "case",
                case.id,
                case.reference,
                fields=["note"],
                detail={"note": note.id},
            )
            return CasesChanged((case.reference,))

    # -- reading ----------------------------------------------------------

    def list_cases(self, query: CaseQuery | None = None) -> list[CaseRow]:
        with self.store.read() as s:
            self._actor(s)
            return queries.list_cases(s, query or CaseQuery())

    def count_cases(self, query: CaseQuery | None = None) -> int:
        with self.store.read() as s:
            self._actor(s)
            return queries.count_cases(s, query or CaseQuery())

    def get_case(self, reference: str, *, today: dt.date | None = None) -> CaseDetail:
        with self.store.read() as s:
            self._actor(s)
            case = s.execute(
                select(Case)
                .where(Case.reference == check_reference(reference))
                .options(
                    selectinload(Case.clock_events),
                    selectinload(Case.notes),
                    selectinload(Case.documents),
                    selectinload(Case.tasks),
                )
            ).scalar_one_or_none()
            if case is None:
                raise NotFound(f"no case {reference}")
            result = clock.compute_case(case, clock.CalendarCache(s), today=today or self.today())
            return queries.case_detail(s, case, result.explanation, result.status)


__all__ = ["OPEN_STATES", "Services", "format_reference"]
