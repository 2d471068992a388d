"""The statutory clock inside the store: each case's dates come from the
deadline engine over its clock events and its calendar (with the
organisation's own closure and open days), recomputed in the transaction of
every change and kept in indexed columns so the queue sorts in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from conneqt_dpo.domain import calendars, deadlines
from conneqt_dpo.domain.settings import Settings
from conneqt_dpo.store import settings_rows
from conneqt_dpo.store.models import Case, ClosureDay


@dataclass
class CalendarCache:
    """Calendars with the store's overrides, and the settings that choose
    them (a calendar per regime, the EU member state) and count the target
    (engine settings): loaded once per transaction."""

    session: Session
    settings: Settings | None = None
    _calendars: dict[str, calendars.Calendar] = field(default_factory=dict)

    def config(self) -> Settings:
        if self.settings is None:
            self.settings = settings_rows.load_settings(self.session)
        return self.settings

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

    def for_case(self, regime: str, calendar: str | None) -> calendars.Calendar:
        """A case's calendar: its own, or the one the settings give its
        regime (an override, the EU member state, else the regime's default)."""
        return self.get(calendar or self.config().calendar_for(regime))


def compute(
    regime: str,
    right: str,
    calendar: str | None,
    events: Sequence[tuple[str, dt.date]],
    cache: CalendarCache,
    *,
    today: dt.date | None = None,
) -> deadlines.DeadlineResult:
    return deadlines.compute(
        regime,
        right,
        [deadlines.ClockEvent(kind, on) for kind, on in events],
        calendar=cache.for_case(regime, calendar),
        today=today,
        settings=cache.config().deadline_settings(),
    )


def compute_case(
    case: Case, cache: CalendarCache, *, today: dt.date | None = None
) -> deadlines.DeadlineResult:
    events = [(e.kind, e.on) for e in case.clock_events if not e.superseded]
    return compute(case.regime, case.right, case.calendar, events, cache, today=today)


# The queue's order for a case with no date in force (waiting, stopped).
NO_DATE = dt.date(9999, 12, 31)

# The columns the engine fills, kept beside the case for SQL sorting.
COLUMNS = (
    "clock_state",
    "acknowledge_by",
    "respond_by",
    "extended_respond_by",
    "due_on",
    "target_on",
    "calendar_version",
    "sort_due",
    "stopped_by",
    "stopped_on",
)


def columns(r: deadlines.DeadlineResult) -> dict[str, object]:
    return {
        "clock_state": r.clock_state,
        "acknowledge_by": r.acknowledge_by,
        "respond_by": r.respond_by,
        "extended_respond_by": r.extended_respond_by,
        "due_on": r.due,
        "target_on": r.target,
        "calendar_version": r.calendar_version,
        "sort_due": r.due or NO_DATE,
        "stopped_by": r.stopped_by,
        "stopped_on": r.stopped_on,
    }


def store_result(case: Case, r: deadlines.DeadlineResult) -> list[str]:
    """Write the engine's dates onto the case; return the fields that moved."""
    new = columns(r)
    moved = [k for k, v in new.items() if getattr(case, k) != v]
    for k in moved:
        setattr(case, k, new[k])
    return moved
