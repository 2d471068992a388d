"""The statutory clock inside the store: each case's dates come from the
deadline engine over its clock events and its calendar (with the
organisation's own closure and open days), recomputed in the transaction of
every change and kept in indexed columns so the queue sorts in SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from conneqt_dpo.domain import calendars, deadlines, regimes
from conneqt_dpo.store.models import Case, ClockEventRow, ClosureDay


@dataclass
class CalendarCache:
    """Calendars with the store's overrides, loaded once per transaction."""

    session: Session
    _calendars: dict[str, calendars.Calendar] = field(default_factory=dict)

    def get(self, code: str) -> calendars.Calendar:
        key = code.strip().upper()
        cal = self._calendars.get(key)
        if cal is None:
            rows = self.session.execute(
                select(ClosureDay.day, ClosureDay.closed).where(ClosureDay.calendar == key)
            ).all()
            cal = calendars.get_calendar(
                key,
                extra_closures=[r.day for r in rows if r.closed],
                open_days=[r.day for r in rows if not r.closed],
            )
            self._calendars[key] = cal
        return cal

    def for_case(self, case: Case) -> calendars.Calendar:
        return self.get(case.calendar or regimes.get_regime(case.regime).default_calendar)


def compute_case(
    case: Case,
    events: list[ClockEventRow],
    cache: CalendarCache,
    *,
    today: dt.date | None = None,
) -> deadlines.DeadlineResult:
    return deadlines.compute(
        case.regime,
        case.right,
        [deadlines.ClockEvent(e.kind, e.on) for e in events],
        calendar=cache.for_case(case),
        today=today,
    )


DATE_COLUMNS = ("acknowledge_by", "respond_by", "extended_respond_by", "due_on", "target_on")


def store_result(case: Case, r: deadlines.DeadlineResult) -> list[str]:
    """Write the engine's dates onto the case; return the fields that moved."""
    new = {
        "clock_state": r.clock_state,
        "acknowledge_by": r.acknowledge_by,
        "respond_by": r.respond_by,
        "extended_respond_by": r.extended_respond_by,
        "due_on": r.due,
        "target_on": r.target,
        "calendar_version": r.calendar_version,
    }
    moved = [k for k, v in new.items() if getattr(case, k) != v]
    for k in moved:
        setattr(case, k, new[k])
    return moved
