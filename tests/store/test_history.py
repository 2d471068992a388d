"""What happened stays what happened: a reopened case's clock runs again,
responses cannot be back-dated before what they answer, and a calendar
change does not rewrite the outcome of answered cases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.store.demo import fill_demo
from conneqt_dpo.store.errors import StoreError
from conneqt_dpo.store.models import AuditEvent
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import CaseQuery
from tests.conftest import NEW_YORK, FrozenClock
from tests.factories import request

SEPT = dt.datetime(2026, 9, 1, 10, tzinfo=NEW_YORK)


def _answered(svc: Services, on: dt.date) -> str:
    (ref,) = svc.log_request(request(received_at=SEPT, received_reason="archive"))
    for action in ("start", "submit", "approve"):
        svc.act(ref, action)
    svc.act(ref, "respond", on=on)
    return ref


def test_a_reopened_case_is_overdue_again_and_its_next_response_counts(svc: Services) -> None:
    ref = _answered(svc, dt.date(2026, 9, 20))
    today = dt.date(2026, 11, 24)
    assert svc.get_case(ref).row.status(today) == "met"
    svc.act(ref, "reopen", note="Complaint: the copy was incomplete")
    row = svc.get_case(ref).row
    assert (row.state, row.clock_state, row.due) == ("in-progress", "running", dt.date(2026, 10, 1))
    assert row.status(today) == "overdue"
    assert [r.reference for r in svc.list_cases(CaseQuery(overdue_on=today))] == [ref]
    for action in ("submit", "approve", "respond"):
        svc.act(ref, action)
    c = svc.get_case(ref)
    assert c.row.status(today) == "met-late" and c.row.stopped_on == today
    assert [(e.kind, e.superseded) for e in c.events] == [
        ("received", False), ("responded", True), ("responded", False)]  # fmt: skip


def test_a_response_cannot_be_dated_before_what_it_answers(svc: Services) -> None:
    (ref,) = svc.log_request(request(received_at=SEPT, received_reason="archive"))
    svc.act(ref, "request-identity", on=dt.date(2026, 9, 5))
    svc.act(ref, "record-identity", on=dt.date(2026, 9, 25))
    svc.act(ref, "submit")
    svc.act(ref, "approve")
    with pytest.raises(DomainError, match="before the case's last clock event"):
        svc.act(ref, "respond", on=dt.date(2026, 9, 3))
    svc.act(ref, "respond", on=dt.date(2026, 9, 25))


def test_a_calendar_change_leaves_answered_cases_alone(svc: Services) -> None:
    # Due Thu 1 Oct 2026; answered 2 Oct: late.
    ref = _answered(svc, dt.date(2026, 10, 2))
    (running,) = svc.log_request(request(received_at=SEPT, received_reason="archive"))
    assert svc.get_case(ref).row.status(dt.date(2026, 11, 24)) == "met-late"
    moved = svc.set_calendar_day("GB-ENG", dt.date(2026, 10, 1), closed=True)
    assert [m.reference for m in moved] == [running]
    assert svc.get_case(ref).row.status(dt.date(2026, 11, 24)) == "met-late"
    assert svc.recompute_deadlines() == []


def test_a_phone_added_by_a_later_request_is_audited(svc: Services) -> None:
    (first,) = svc.log_request(request())
    svc.log_request(request(phone="+1 305 555 0100", rights=("erasure",)))
    assert svc.get_case(first).requester_phone == "+1 305 555 0100"
    with svc.store.read() as s:
        fields = s.execute(
            select(AuditEvent.fields).where(
                AuditEvent.reference == first, AuditEvent.action == "case.requester-edited"
            )
        ).scalars().all()
    assert fields == ['["requester.phone"]']


def test_agent_details_and_task_names_reach_the_case_view(svc: Services) -> None:
    (ref,) = svc.log_request(request(rights=("erasure",)))
    svc.set_agent(ref, name="Bea Advocate", email="bea@example.com", phone="+44 20 7946 0000",
                  organisation="Rights Ltd")  # fmt: skip
    c = svc.get_case(ref)
    assert (c.agent_email, c.agent_phone, c.agent_organisation) == (
        "bea@example.com", "+44 20 7946 0000", "Rights Ltd")  # fmt: skip
    task = svc.add_task(ref, "CRM")
    svc.complete_task(task, "erased")
    texts = [e.text for e in svc.timeline(ref)]
    assert "Task added: CRM" in texts and "Task done: CRM — erased" in texts


def test_demo_cases_go_only_into_an_empty_store(svc: Services, clock: FrozenClock) -> None:
    svc.log_request(request())
    with pytest.raises(StoreError, match="only into an empty store"):
        fill_demo(svc.store, cases=3, today=dt.date(2026, 11, 24))
    assert svc.count_cases() == 1
