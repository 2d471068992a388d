"""Intake: logging a request (one case per right, one person, one request
group), finding possible duplicates, and the suppression list it feeds.
Drafts of unfinished forms are in draft_services.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from conneqt_dpo.domain import calendars, regimes
from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.intake import (
    email_key,
    name_key,
    parse_agent_authority,
    parse_ccpa_detail,
    parse_country,
    parse_us_state,
    phone_key,
    suppression_reason,
)
from conneqt_dpo.domain.validation import clean_email, clean_name, clean_phone, clean_text
from conneqt_dpo.domain.workflow import OPEN_STATES, Role, State, parse_channel
from conneqt_dpo.store import audit, clock, queries
from conneqt_dpo.store.casework_services import CaseWorkServices
from conneqt_dpo.store.errors import NotFound, StoreError
from conneqt_dpo.store.models import (
    Agent,
    Base,
    Case,
    ClockEventRow,
    DataSubject,
    DataSystem,
    Note,
    ReferenceCounter,
    RequestGroup,
    Suppression,
    Task,
)
from conneqt_dpo.store.service_base import MAX_NOTE, Actor, check_reference, require
from conneqt_dpo.store.views import CaseRow, NewRequest, SuppressionView

# How far back a closed case still counts as a possible duplicate.
DUPLICATE_MONTHS = 12
MAX_DUPLICATES = 10


def _t(model: type[Base]) -> Table:
    """A model's table, for Core statements."""
    return cast(Table, model.__table__)


def format_reference(year: int, number: int) -> str:
    return f"DSR-{year}-{number:05d}"


# The requester's details besides name, email and phone: (column, cleaner).
def _clean_address(value: str) -> str:
    return clean_text(value, "the address", max_len=1000, multiline=True)


def _clean_account(value: str) -> str:
    return clean_text(value, "the account id", max_len=200)


def _optional(value: str | None, clean: Any) -> Any:
    return clean(value) if value is not None and value.strip() else None


class IntakeServices(CaseWorkServices):
    # -- logging a request ------------------------------------------------

    def log_request(self, req: NewRequest) -> list[str]:
        """Log one request: one case per right, linked in one request group,
        all for the same data subject (or, with `join_reference`, added to
        that case's group and person). Each new case gets a task per active
        data system. Returns the new references."""
        regimes.get_regime(req.regime)
        channel = parse_channel(req.channel)
        name = clean_name(req.name)
        email = clean_email(req.email) if req.email else None
        phone = clean_phone(req.phone) if req.phone else None
        if not req.rights:
            raise DomainError("name at least one right")
        rights = list(dict.fromkeys(req.rights))
        extra = _requester_extra(req)
        agent = _agent(req)
        ccpa_detail = _ccpa_detail(req, rights)
        join = check_reference(req.join_reference) if req.join_reference else None
        reason = None
        if req.received_reason is not None and req.received_reason.strip():
            reason = clean_text(req.received_reason, "the backdating reason", max_len=500)
        note = (
            clean_text(req.note, "the note", max_len=MAX_NOTE, multiline=True) if req.note else None
        )
        calendar = calendars.get_calendar(req.calendar) if req.calendar else None

        with self.store.write() as s:
            me = self._actor(s)
            # The day of receipt is the date in the organisation's time zone
            # (a setting), read in this transaction.
            cache = clock.CalendarCache(s, self._load_settings(s))
            tz = ZoneInfo(cache.config().timezone)
            now = self.now()
            received_at = req.received_at or now
            if received_at.tzinfo is None:
                # A time given without a zone is the organisation's local time.
                received_at = received_at.replace(tzinfo=tz)
            received_at = received_at.astimezone(dt.UTC)
            if received_at > now:
                raise DomainError("the received date is in the future")
            received_on = received_at.astimezone(tz).date()
            if received_on < now.astimezone(tz).date() and reason is None:
                raise DomainError(
                    "a receipt dated before today needs a reason (--received-reason), "
                    "e.g. 'letter opened late'"
                )
            for right in rights:
                regimes.check_right(req.regime, right, received_on)
            require(me, Role.DPO, Role.SUPPORT, doing="log requests")
            stamp = self._stamp()
            # Intake is the hot path (a mail import logs thousands): plain Core
            # statements, one per table, no unit of work.
            con = s.connection()
            fields = ["regime", "right", "channel", "received", "subject"]
            if join is not None:
                subject_id, group_id = self._joined(s, join, req.regime, rights)
                fields.append("group")
            else:
                found = self._find_subject(s, me, name, email, phone, extra)
                subject_id = (
                    found
                    if found is not None
                    else int(
                        con.execute(
                            insert(_t(DataSubject)).returning(_t(DataSubject).c.id),
                            {
                                "name": name,
                                "email": email,
                                "phone": phone,
                                "created_at": stamp,
                                "email_key": email_key(email),
                                "phone_key": phone_key(phone),
                                "name_key": name_key(name),
                                **extra,
                            },
                        ).scalar_one()
                    )
                )
                group_id = con.execute(
                    insert(_t(RequestGroup)).returning(_t(RequestGroup).c.id),
                    {
                        "channel": channel.value,
                        "received_at": received_at.replace(tzinfo=None),
                        "created_at": stamp,
                        "created_by": me.id,
                    },
                ).scalar_one()
            agent_id: int | None = None
            if agent is not None:
                agent_id = con.execute(
                    insert(_t(Agent)).returning(_t(Agent).c.id), {**agent, "created_at": stamp}
                ).scalar_one()
                fields += ["agent"] + [f"agent.{k}" for k, v in agent.items() if v]
            systems: list[str] = list(
                con.execute(
                    select(_t(DataSystem).c.name)
                    .where(_t(DataSystem).c.active.is_(True))
                    .order_by(_t(DataSystem).c.name)
                ).scalars()
            )
            fields += ["tasks"] if systems else []
            fields += ["note"] if note else []
            fields += ["backdate_reason"] if reason else []
            first = self._allocate_numbers(s, received_on.year, len(rights))
            entries = []
            refs = []
            tasks: list[dict[str, object]] = []
            for number, right in enumerate(rights, start=first):
                dates = clock.compute(
                    req.regime,
                    right,
                    calendar.code if calendar else None,
                    [("received", received_on)],
                    cache,
                )
                reference = format_reference(received_on.year, number)
                detail = ccpa_detail if right in ("access", "portability") else None
                case_id: int = con.execute(
                    insert(_t(Case)).returning(_t(Case).c.id),
                    {
                        "reference": reference,
                        "year": received_on.year,
                        "number": number,
                        "group_id": group_id,
                        "subject_id": subject_id,
                        "agent_id": agent_id,
                        "regime": req.regime,
                        "right": right,
                        "channel": channel.value,
                        "received_at": received_at.replace(tzinfo=None),
                        "received_on": received_on,
                        "backdate_reason": reason,
                        "state": State.NEW.value,
                        "assignee_id": None,
                        "calendar": calendar.code if calendar else None,
                        "ccpa_detail": detail,
                        "created_at": stamp,
                        "updated_at": stamp,
                        **clock.columns(dates),
                    },
                ).scalar_one()
                con.execute(
                    insert(_t(ClockEventRow)),
                    {
                        "case_id": case_id,
                        "kind": "received",
                        "on_date": received_on,
                        "reason": None,
                        "recorded_at": stamp,
                        "recorded_by": me.id,
                    },
                )
                if note:
                    con.execute(
                        insert(_t(Note)),
                        {"case_id": case_id, "text": note, "created_at": stamp, "author_id": me.id},
                    )
                tasks += [
                    {"case_id": case_id, "system": system, "created_at": stamp, "created_by": me.id}
                    for system in systems
                ]
                entries.append(
                    self._entry(
                        me.login,
                        "case.logged",
                        "case",
                        case_id,
                        reference,
                        fields=fields + (["ccpa_detail"] if detail else []),
                        detail={
                            "group": group_id,
                            "regime": req.regime,
                            "right": right,
                            "channel": channel.value,
                            "subject": subject_id,
                            "agent": agent_id,
                            "tasks": len(systems),
                        },
                    )
                )
                refs.append(reference)
                why = suppression_reason(req.regime, right)
                if why is not None:
                    entries += self._suppress(s, me, subject_id, reference, why)
            if tasks:
                con.execute(insert(_t(Task)), tasks)
            audit.append_many(s, entries)
            return refs

    def _joined(
        self, s: Session, reference: str, regime: str, rights: list[str]
    ) -> tuple[int, int]:
        """The person and request group of the case a request joins; an
        open case of the group asking for the same right is refused."""
        row = s.execute(
            select(Case.subject_id, Case.group_id).where(Case.reference == reference)
        ).first()
        if row is None:
            raise NotFound(f"no case {reference}")
        same = s.execute(
            select(Case.reference, Case.right).where(
                Case.group_id == row.group_id,
                Case.regime == regime,
                Case.right.in_(rights),
                Case.state.in_([st.value for st in OPEN_STATES]),
            )
        ).first()
        if same is not None:
            raise DomainError(
                f"{same.reference} in the same request already asks for {same.right} under {regime}"
            )
        return int(row.subject_id), int(row.group_id)

    def _find_subject(
        self,
        s: Session,
        me: Actor,
        name: str,
        email: str | None,
        phone: str | None,
        extra: Mapping[str, str | None] | None = None,
    ) -> int | None:
        """The person who asked before: the same email (any case) and name;
        details they give now (phone, address, ...) fill missing ones."""
        if not email:
            return None
        people = _t(DataSubject)
        given = {"phone": phone, **(extra or {})}
        rows = s.connection().execute(
            select(people.c.id, people.c.name, *(people.c[k] for k in given)).where(
                people.c.email_key == email.lower()
            )
        )
        for row in rows:
            pid: int = row.id
            known: str = row.name
            if known.casefold() == name.casefold():
                fill: dict[str, str | None] = {
                    k: v for k, v in given.items() if v and not getattr(row, k)
                }
                if "us_state" in fill and getattr(row, "country", None) not in (None, "US"):
                    del fill["us_state"]  # a state of another country: leave it to a person
                if fill:
                    if "phone" in fill:
                        fill["phone_key"] = phone_key(fill["phone"])
                    s.connection().execute(update(people).where(people.c.id == pid).values(fill))
                    changed = sorted(k for k in fill if k != "phone_key")
                    self._touch_subject_cases(s, me, pid, "case.requester-edited", changed)
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
                    # Through the session: that is what emits the SAVEPOINT
                    # (PostgreSQL must roll back to it after a duplicate key).
                    s.connection().execute(insert(counters).values(year=year, last_number=count))
                return 1
            except IntegrityError:
                continue  # another writer created the year's row first
        raise StoreError("could not allocate a reference; try again")

    # -- the suppression list ---------------------------------------------

    def _suppress(
        self, s: Session, me: Actor, subject_id: int, reference: str, reason: str
    ) -> list[audit.Entry]:
        """Put the person's email and phone on the suppression list for
        `reason`, each once. GDPR Art 21(3): after an objection to direct
        marketing the data must no longer be used for it, at once; CCPA
        §1798.120(a) and the state laws: no sale or sharing after an
        opt-out. The audit records ids only."""
        con = s.connection()
        people, table = _t(DataSubject), _t(Suppression)
        person = con.execute(
            select(people.c.email_key, people.c.phone_key).where(people.c.id == subject_id)
        ).one()
        row: dict[str, object] = {}
        if (
            person.email_key
            and not con.execute(
                select(table.c.id).where(
                    table.c.email_key == person.email_key, table.c.reason == reason
                )
            ).first()
        ):
            row["email_key"] = person.email_key
        if (
            person.phone_key
            and not con.execute(
                select(table.c.id).where(
                    table.c.phone_digits == person.phone_key, table.c.reason == reason
                )
            ).first()
        ):
            row["phone_digits"] = person.phone_key
        if not row:
            return []
        sid: int = con.execute(
            insert(table).returning(table.c.id),
            {"source_reference": reference, "reason": reason, "created_at": self._stamp(), **row},
        ).scalar_one()
        fields = [{"email_key": "email", "phone_digits": "phone"}[k] for k in row]
        return [
            self._entry(
                me.login,
                "suppression.added",
                "suppression",
                sid,
                reference,
                fields=fields,
                detail={"reason": reason, "subject": subject_id},
            )
        ]

    def suppression_list(self) -> list[SuppressionView]:
        """Who must get no marketing or no sale of their data, oldest first."""
        table = _t(Suppression)
        with self.store.read() as s:
            self._actor(s)
            rows = s.connection().execute(select(table).order_by(table.c.id)).all()
        return [
            SuppressionView(
                r.id, r.email_key, r.phone_digits, r.reason, r.source_reference, r.created_at
            )
            for r in rows
        ]

    # -- possible duplicates ----------------------------------------------

    def possible_duplicates(
        self, *, name: str | None = None, email: str | None = None, phone: str | None = None
    ) -> list[CaseRow]:
        """Cases, open or received in the last 12 months, whose person has
        this email, this phone (digits) or this name (case-folded): newest
        first, at most 10. For the intake form, as the requester is typed."""
        keys = []
        if (ek := email_key(email)) is not None:
            keys.append(DataSubject.email_key == ek)
        if (pk := phone_key(phone)) is not None:
            keys.append(DataSubject.phone_key == pk)
        if (nk := name_key(name)) is not None:
            keys.append(DataSubject.name_key == nk)
        if not keys:
            return []
        today = self.today()
        since = _months_before(today, DUPLICATE_MONTHS)
        with self.store.read() as s:
            self._actor(s)
            return queries.case_rows(
                s,
                or_(*keys),
                or_(Case.state.in_([st.value for st in OPEN_STATES]), Case.received_on >= since),
                order_by=(Case.received_on.desc(), Case.id.desc()),
                limit=MAX_DUPLICATES,
            )


def _months_before(day: dt.date, months: int) -> dt.date:
    """The same date `months` earlier (the month's last day if it has none)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for d in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, d))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _requester_extra(req: NewRequest) -> dict[str, str | None]:
    country = _optional(req.country, parse_country)
    state = _optional(req.us_state, parse_us_state)
    if state is not None:
        if country is None:
            country = "US"
        elif country != "US":
            raise DomainError("a US state goes with the country US")
    return {
        "address": _optional(req.address, _clean_address),
        "account_id": _optional(req.account_id, _clean_account),
        "country": country,
        "us_state": state,
    }


def _agent(req: NewRequest) -> dict[str, str | None] | None:
    given = (req.agent_organisation, req.agent_email, req.agent_phone, req.agent_authority)
    if req.agent_name is None or not req.agent_name.strip():
        if any(v is not None and v.strip() for v in given):
            raise DomainError("an agent needs a name (the person acting for the requester)")
        return None
    return {
        "name": clean_name(req.agent_name),
        "organisation": _optional(
            req.agent_organisation, lambda v: clean_text(v, "the organisation", max_len=200)
        ),
        "email": _optional(req.agent_email, clean_email),
        "phone": _optional(req.agent_phone, clean_phone),
        "authority": _optional(req.agent_authority, parse_agent_authority),
    }


def _ccpa_detail(req: NewRequest, rights: list[str]) -> str | None:
    detail = _optional(req.ccpa_detail, parse_ccpa_detail)
    if detail is None:
        return None
    if req.regime != "ccpa" or not {"access", "portability"} & set(rights):
        raise DomainError(
            "categories or specific pieces apply to a CCPA request to know (ccpa access)"
        )
    return cast(str, detail)
