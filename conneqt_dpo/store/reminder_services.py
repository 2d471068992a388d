"""What needs chasing on a day: cases about to fall due, overdue cases and
their open tasks, and requesters who never sent their identity."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, or_, select

from conneqt_dpo.domain.regimes import REGIMES
from conneqt_dpo.domain.workflow import OPEN_STATES, State
from conneqt_dpo.store import clock, queries
from conneqt_dpo.store.models import Case, ClockEventRow, Task
from conneqt_dpo.store.service_base import ServiceBase
from conneqt_dpo.store.views import Reminders


class ReminderServices(ServiceBase):
    def reminders(self, today: dt.date | None = None) -> Reminders:
        """On `today` (default: today at the organisation), with the
        `reminder_working_days` and `identity_wait_days` settings. "Due
        soon" counts working days on each regime's calendar from the
        settings (a case with a calendar of its own is approximated so)."""
        day = today or self.today()
        with self.store.read() as s:
            self._actor(s)
            cache = clock.CalendarCache(s, self._load_settings(s))
            cfg = cache.config()
            running = and_(
                Case.state.in_([st.value for st in OPEN_STATES]),
                Case.clock_state == "running",
                Case.due_on.is_not(None),
            )
            within = or_(
                *(
                    and_(
                        Case.regime == code,
                        Case.due_on
                        <= cache.for_case(code, None).add_business_days(
                            day, cfg.reminder_working_days
                        ),
                    )
                    for code in REGIMES
                )
            )
            by_due = (Case.due_on, Case.id)
            due_soon = queries.case_rows(s, running, Case.due_on >= day, within, order_by=by_due)
            overdue = queries.case_rows(s, running, Case.due_on < day, order_by=by_due)
            tasks = s.execute(
                select(Case.reference, Task.system)
                .join(Task, Task.case_id == Case.id)
                .where(running, Case.due_on < day, Task.outcome.is_(None))
                .order_by(Case.due_on, Case.id, Task.id)
            ).all()
            cutoff = day - dt.timedelta(days=cfg.identity_wait_days)
            asked_long_ago = (
                select(ClockEventRow.case_id)
                .where(
                    ClockEventRow.kind == "identity-requested", ClockEventRow.superseded.is_(False)
                )
                .group_by(ClockEventRow.case_id)
                .having(func.max(ClockEventRow.on) < cutoff)
            )
            stale = queries.case_rows(
                s,
                Case.state == State.AWAITING_IDENTITY.value,
                Case.id.in_(asked_long_ago),
                order_by=(Case.received_on, Case.id),
            )
        return Reminders(
            due_soon=tuple(due_soon),
            overdue=tuple(overdue),
            overdue_tasks=tuple((r.reference, r.system) for r in tasks),
            stale_identity=tuple(stale),
        )
