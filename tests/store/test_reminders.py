"""Reminders on a frozen day: due within the reminder's working days (on
the regime's calendar), overdue with their open tasks, and identity awaited
too long."""

from __future__ import annotations

import datetime as dt

from conneqt_dpo.store.services import Services
from tests.conftest import FrozenClock
from tests.factories import request

D = dt.date


def refs(rows: tuple[object, ...]) -> list[str]:
    return [r.reference for r in rows]  # type: ignore[attr-defined]


def test_due_soon_counts_working_days_on_the_regime_calendar(svc: Services) -> None:
    (uk,) = svc.log_request(request())  # due Thu 24 Dec 2026
    # Fri 18 Dec: three working days reach Wed 23 Dec.
    assert svc.reminders(D(2026, 12, 18)).due_soon == ()
    # Mon 21 Dec: they reach Thu 24 Dec.
    assert refs(svc.reminders(D(2026, 12, 21)).due_soon) == [uk]
    svc.update_settings(reminder_working_days=4)
    assert refs(svc.reminders(D(2026, 12, 18)).due_soon) == [uk]


def test_overdue_cases_and_their_open_tasks(svc: Services, clock: FrozenClock) -> None:
    svc.add_data_system("CRM")
    svc.add_data_system("Billing")
    (late,) = svc.log_request(request())  # due 24 Dec
    (fine,) = svc.log_request(request(email="b@example.org", name="Bo"))
    done = next(t for t in svc.get_case(late).tasks if t.system == "CRM")
    svc.complete_task(done.id, "found")
    svc.act(fine, "withdraw")  # stopped: never overdue
    r = svc.reminders(D(2026, 12, 28))
    assert refs(r.overdue) == [late] and r.due_soon == ()
    assert r.overdue_tasks == ((late, "Billing"),)
    assert svc.reminders(D(2026, 12, 24)).overdue == ()


def test_identity_awaited_longer_than_the_setting(svc: Services, clock: FrozenClock) -> None:
    (waiting,) = svc.log_request(request())
    (answered,) = svc.log_request(request(email="c@example.org", name="Cy"))
    svc.act(waiting, "request-identity")  # on Tue 24 Nov
    svc.act(answered, "request-identity")
    clock.advance(days=2)
    svc.act(answered, "record-identity")
    assert svc.reminders(D(2026, 12, 24)).stale_identity == ()  # 30 days
    r = svc.reminders(D(2026, 12, 25))  # 31 days
    assert refs(r.stale_identity) == [waiting]
    # The UK clock waits for the identity; the answered one runs again from
    # the day it came (Thu 26 Nov: due Sat 26 Dec, rolled to Tue 29 Dec).
    assert refs(r.due_soon) == [answered] and r.overdue == ()
    svc.update_settings(identity_wait_days=10)
    assert refs(svc.reminders(D(2026, 12, 5)).stale_identity) == [waiting]


def test_today_defaults_to_the_organisations_day(svc: Services, clock: FrozenClock) -> None:
    (ref,) = svc.log_request(request(regime="ccpa", rights=("opt-out-sale",)))
    # 15 business days from Tue 24 Nov (weekends only): Tue 15 Dec.
    clock.now = dt.datetime(2026, 12, 11, 9, 0, tzinfo=clock.now.tzinfo)
    assert refs(svc.reminders().due_soon) == [ref]
    assert svc.reminders().to_json(D(2026, 12, 11))["due_soon"][0]["reference"] == ref  # type: ignore[index]
