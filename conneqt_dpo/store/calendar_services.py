"""Calendar overrides and recomputing the stored deadlines."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from conneqt_dpo.domain import calendars
from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.validation import clean_text
from conneqt_dpo.domain.workflow import Role
from conneqt_dpo.store import audit, clock
from conneqt_dpo.store.models import Case, ClockEventRow, ClosureDay
from conneqt_dpo.store.service_base import Actor, ServiceBase, require
from conneqt_dpo.store.views import Moved


class CalendarServices(ServiceBase):
    def set_calendar_day(
        self, calendar: str, day: dt.date, *, closed: bool | None, note: str | None = None
    ) -> list[Moved]:
        """Mark `day` closed (True) or open (False) in `calendar` for this
        organisation, or drop the override (None); then recompute the open
        cases on that calendar in the same transaction. Returns what moved."""
        code = calendars.get_calendar(calendar).code
        text = clean_text(note, "the note", max_len=200) if note else None
        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, Role.ADMIN, doing="change the calendars")
            row = s.execute(
                select(ClosureDay).where(ClosureDay.calendar == code, ClosureDay.day == day)
            ).scalar_one_or_none()
            if row is not None:
                s.delete(row)
                s.flush()
            if closed is not None:
                s.add(ClosureDay(calendar=code, day=day, closed=closed, note=text,
                                 added_at=self._stamp(), added_by=me.id))  # fmt: skip
            s.flush()
            clock.CalendarCache(s).get(code)  # refuse a day both closed and open
            self._audit(s, me.login, "calendar.day-set", "calendar", None, None,
                        fields=["closure_days"],
                        detail={"calendar": code, "day": day.isoformat(),
                                "closed": None if closed is None else int(closed)})  # fmt: skip
            return self._recompute_all(s, me, only_calendar=code)

    def calendar_days(self, calendar: str) -> list[tuple[dt.date, bool, str | None]]:
        code = calendars.get_calendar(calendar).code
        with self.store.read() as s:
            rows = s.execute(
                select(ClosureDay.day, ClosureDay.closed, ClosureDay.note)
                .where(ClosureDay.calendar == code)
                .order_by(ClosureDay.day)
            ).all()
            return [(r.day, r.closed, r.note) for r in rows]

    def recompute_deadlines(self) -> list[Moved]:
        """Recompute every case's dates (after a calendar or a rule change)."""
        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, Role.ADMIN, doing="recompute deadlines")
            return self._recompute_all(s, me)

    def _recompute_all(
        self, s: Session, me: Actor, *, only_calendar: str | None = None
    ) -> list[Moved]:
        """Recompute many cases with plain rows, one bulk UPDATE and one batch
        of audit events (ORM objects one by one cost 4x as much)."""
        cache = clock.CalendarCache(s)
        moved: list[Moved] = []
        events: dict[int, list[tuple[str, dt.date]]] = {}
        for case_id, kind, on in s.execute(
            select(ClockEventRow.case_id, ClockEventRow.kind, ClockEventRow.on)
            .where(ClockEventRow.superseded.is_(False))
            .order_by(ClockEventRow.id)
        ):
            events.setdefault(case_id, []).append((kind, on))
        cols = [getattr(Case, c) for c in clock.COLUMNS]
        rows = s.execute(
            select(Case.id, Case.reference, Case.regime, Case.right, Case.calendar, *cols).order_by(
                Case.id
            )
        ).all()
        updates: list[dict[str, object]] = []
        entries: list[audit.Entry] = []
        for row in rows:
            if row.stopped_by is not None:
                continue  # answered or withdrawn: its outcome is history, not recomputed
            calendar = cache.for_case(row.regime, row.calendar).code
            if only_calendar is not None and calendar != only_calendar:
                continue
            try:
                result = clock.compute(row.regime, row.right, row.calendar,
                                       events.get(row.id, []), cache)  # fmt: skip
            except DomainError as e:
                # Its events were accepted under the old calendar (an
                # extension noticed in time then): keep its dates, say so.
                moved.append(Moved(row.reference, row.due_on, row.due_on, problem=str(e)))
                continue
            new = clock.columns(result)
            fields = [c for c in clock.COLUMNS if getattr(row, c) != new[c]]
            if not fields:
                continue
            updates.append({"id": row.id, **new})
            entries.append(
                self._entry(
                    me.login,
                    "case.deadlines-recomputed",
                    "case",
                    row.id,
                    row.reference,
                    fields=fields,
                    detail={"calendar_version": result.calendar_version},
                )
            )
            if row.due_on != new["due_on"]:
                moved.append(Moved(row.reference, row.due_on, result.due))
        if updates:
            s.execute(update(Case), updates)
        audit.append_many(s, entries)
        return moved
