"""The use cases the GUI and the CLI share.

Each public method is one transaction with its audit events (one per case
touched). Each checks, in this order, the input, the caller's role and the
workflow, and the law (through the deadline engine, which refuses events the
statutory clock cannot accept); a refusal raises a DomainError whose message
is meant for a person, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from conneqt_dpo.domain import calendars, regimes
from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.validation import (
    clean_email,
    clean_login,
    clean_name,
    clean_phone,
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
    parse_channel,
    parse_role,
)
from conneqt_dpo.store import audit, clock, queries
from conneqt_dpo.store.calendar_services import CalendarServices
from conneqt_dpo.store.casework_services import CaseWorkServices
from conneqt_dpo.store.errors import NotFound, StoreError
from conneqt_dpo.store.models import (
    Base,
    Case,
    ClockEventRow,
    DataSubject,
    Document,
    Note,
    ReferenceCounter,
    RequestGroup,
    Task,
    User,
)
from conneqt_dpo.store.service_base import (
    MAX_NOTE,
    Actor,
    check_reference,
    require,
    safe_filename,
    user_view,
)
from conneqt_dpo.store.views import (
    CaseDetail,
    CaseQuery,
    CaseRow,
    CasesChanged,
    NewRequest,
    UserView,
)

# The clock events that stop the clock (spec/deadlines.md).
STOPS = ("responded", "withdrawn")


def _t(model: type[Base]) -> Table:
    """A model's table, for Core statements."""
    return cast(Table, model.__table__)


def format_reference(year: int, number: int) -> str:
    return f"DSR-{year}-{number:05d}"


class Services(CalendarServices, CaseWorkServices):
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

    # -- intake -----------------------------------------------------------

    def log_request(self, req: NewRequest) -> list[str]:
        """Log one request: one case per right, linked in one request group,
        all for the same data subject. Returns the new references."""
        regimes.get_regime(req.regime)
        channel = parse_channel(req.channel)
        name = clean_name(req.name)
        email = clean_email(req.email) if req.email else None
        phone = clean_phone(req.phone) if req.phone else None
        if not req.rights:
            raise DomainError("name at least one right")
        rights = list(dict.fromkeys(req.rights))
        now = self.now()
        received_at = req.received_at or now
        if received_at.tzinfo is None:
            # A time given without a zone is the organisation's local time.
            received_at = received_at.replace(tzinfo=self.tz)
        received_at = received_at.astimezone(dt.UTC)
        if received_at > now:
            raise DomainError("the received date is in the future")
        received_on = received_at.astimezone(self.tz).date()
        reason = None
        if req.received_reason is not None and req.received_reason.strip():
            reason = clean_text(req.received_reason, "the backdating reason", max_len=500)
        if received_on < self.today() and reason is None:
            raise DomainError(
                "a receipt dated before today needs a reason (--received-reason), "
                "e.g. 'letter opened late'"
            )
        note = (
            clean_text(req.note, "the note", max_len=MAX_NOTE, multiline=True) if req.note else None
        )
        for right in rights:
            regimes.check_right(req.regime, right, received_on)
        calendar = calendars.get_calendar(req.calendar) if req.calendar else None

        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, Role.SUPPORT, doing="log requests")
            stamp = self._stamp()
            cache = clock.CalendarCache(s)
            # Intake is the hot path (a mail import logs thousands): plain Core
            # statements, one per table, no unit of work.
            con = s.connection()
            subject_id: int | None = self._find_subject(s, me, name, email, phone)
            first = self._allocate_numbers(s, received_on.year, len(rights))
            if subject_id is None:
                subject_id = con.execute(
                    insert(_t(DataSubject)).returning(_t(DataSubject).c.id),
                    {"name": name, "email": email, "phone": phone, "created_at": stamp,
                     "email_key": email.lower() if email else None},
                ).scalar_one()  # fmt: skip
            group_id: int = con.execute(
                insert(_t(RequestGroup)).returning(_t(RequestGroup).c.id),
                {"channel": channel.value, "received_at": received_at.replace(tzinfo=None),
                 "created_at": stamp, "created_by": me.id},
            ).scalar_one()  # fmt: skip
            entries = []
            fields = ["regime", "right", "channel", "received", "subject"]
            fields += ["note"] if note else []
            fields += ["backdate_reason"] if reason else []
            refs = []
            for number, right in enumerate(rights, start=first):
                dates = clock.compute(req.regime, right, calendar.code if calendar else None,
                                      [("received", received_on)], cache)  # fmt: skip
                reference = format_reference(received_on.year, number)
                case_id: int = con.execute(
                    insert(_t(Case)).returning(_t(Case).c.id),
                    {
                        "reference": reference,
                        "year": received_on.year,
                        "number": number,
                        "group_id": group_id,
                        "subject_id": subject_id,
                        "agent_id": None,
                        "regime": req.regime,
                        "right": right,
                        "channel": channel.value,
                        "received_at": received_at.replace(tzinfo=None),
                        "received_on": received_on,
                        "backdate_reason": reason,
                        "state": State.NEW.value,
                        "assignee_id": None,
                        "calendar": calendar.code if calendar else None,
                        "created_at": stamp,
                        "updated_at": stamp,
                        **clock.columns(dates),
                    },
                ).scalar_one()
                con.execute(
                    insert(_t(ClockEventRow)),
                    {"case_id": case_id, "kind": "received", "on_date": received_on,
                     "reason": None, "recorded_at": stamp, "recorded_by": me.id},
                )  # fmt: skip
                if note:
                    con.execute(
                        insert(_t(Note)),
                        {"case_id": case_id, "text": note, "created_at": stamp,
                         "author_id": me.id},
                    )  # fmt: skip
                entries.append(
                    self._entry(me.login, "case.logged", "case", case_id, reference,
                                fields=fields,
                                detail={"group": group_id, "regime": req.regime, "right": right,
                                        "channel": channel.value, "subject": subject_id})
                )  # fmt: skip
                refs.append(reference)
            audit.append_many(s, entries)
            return refs

    def _find_subject(
        self, s: Session, me: Actor, name: str, email: str | None, phone: str | None
    ) -> int | None:
        """The person who asked before: the same email (any case) and name;
        a phone number they give now fills a missing one."""
        if not email:
            return None
        people = _t(DataSubject)
        rows = s.connection().execute(
            select(people.c.id, people.c.name, people.c.phone).where(
                people.c.email_key == email.lower()
            )
        )
        for row in rows:
            pid: int = row.id
            known: str = row.name
            known_phone: str | None = row.phone
            if known.casefold() == name.casefold():
                if phone and not known_phone:
                    s.connection().execute(
                        update(people).where(people.c.id == pid).values(phone=phone)
                    )
                    self._touch_subject_cases(s, me, pid, "case.requester-edited", ["phone"])
                return pid
        return None

    def _allocate_numbers(self, s: Session, year: int, count: int) -> int:
        """Reserve `count` consecutive numbers of `year` in this transaction
        and return the first: gap-free because a rolled-back transaction
        also rolls back the counter, and two writers serialise on the counter
        row (SQLite: the write lock; PostgreSQL: the row lock UPDATE takes)."""
        counters = _t(ReferenceCounter)
        con = s.connection()
        for _ in range(3):
            last = con.execute(
                update(counters)
                .where(counters.c.year == year)
                .values(last_number=counters.c.last_number + count)
                .returning(counters.c.last_number)
            ).scalar_one_or_none()
            if last is not None:
                return int(last) - count + 1
            try:
                with s.begin_nested():
                    con.execute(insert(counters).values(year=year, last_number=count))
                return 1
            except IntegrityError:
                continue  # another writer created the year's row first
        raise StoreError("could not allocate a reference; try again")

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

    def attach_document(
        self,
        reference: str,
        *,
        filename: str,
        media_type: str,
        size: int,
        sha256: str,
        kind: str = "attachment",
    ) -> int:
        """Record a document on a case (the encrypted content is kept by the
        document store); returns the document id."""
        name = safe_filename(filename)
        if size < 0:
            raise DomainError("a document cannot have a negative size")
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise DomainError("the document checksum must be a SHA-256 hex digest")
        media = clean_text(media_type, "the media type", max_len=127)
        k = clean_login(kind)
        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, Role.SUPPORT, doing="attach documents")
            case = self._case_for_update(s, reference)
            doc = Document(
                case_id=case.id,
                kind=k,
                filename=name,
                media_type=media,
                size=size,
                sha256=sha256,
                added_at=self._stamp(),
                added_by=me.id,
            )
            s.add(doc)
            s.flush()
            self._audit(
                s,
                me.login,
                "case.document-attached",
                "case",
                case.id,
                case.reference,
                fields=["document"],
                detail={"document": doc.id, "kind": k},
            )
            return doc.id

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
