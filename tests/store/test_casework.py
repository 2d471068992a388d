"""People, tasks, the timeline and the queue counts."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.store.models import AuditEvent
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import CaseQuery
from tests.conftest import NEW_YORK, FrozenClock, as_user
from tests.factories import request


def test_editing_the_requester_changes_every_case_of_that_person(svc: Services) -> None:
    a, b = svc.log_request(request(rights=("access", "erasure")))
    (other,) = svc.log_request(request(name="Someone Else", email="else@example.org"))
    changed = svc.update_requester(a, name="Ada King", email="ada.king@example.org")
    assert set(changed.references) == {a, b}
    assert svc.get_case(b).row.requester_name == "Ada King"
    assert svc.get_case(other).row.requester_name == "Someone Else"
    # The search index follows the edit.
    assert {r.reference for r in svc.list_cases(CaseQuery(text="king"))} == {a, b}
    assert svc.list_cases(CaseQuery(text="lovelace")) == []
    # A returning requester is found under the new email.
    (c,) = svc.log_request(request(name="Ada King", email="ADA.KING@example.org"))
    assert svc.get_case(c).group_references == ()
    assert svc.update_requester(a, name="Ada King") == svc.update_requester(a)  # nothing to do
    with svc.store.read() as s:
        rows = s.execute(
            select(AuditEvent.reference, AuditEvent.fields, AuditEvent.detail).where(
                AuditEvent.action == "case.requester-edited"
            )
        ).all()
    assert {r.reference for r in rows} == {a, b}
    assert all("King" not in r.fields + r.detail for r in rows)
    with pytest.raises(DomainError, match="not an email"):
        svc.update_requester(a, email="nope")
    svc.update_requester(a, email=None, phone="+1 305 555 0100")
    assert svc.get_case(a).row.requester_email is None
    assert svc.get_case(a).requester_phone == "+1 305 555 0100"


def test_agent_set_and_removed(svc: Services) -> None:
    (ref,) = svc.log_request(request())
    svc.set_agent(ref, name="Bea Advocate", email="bea@example.com", organisation="Rights Ltd")
    assert svc.get_case(ref).agent_name == "Bea Advocate"
    svc.set_agent(ref, name=None)
    assert svc.get_case(ref).agent_name is None


def test_an_erasure_needs_its_tasks_done_before_approval_and_response(svc: Services) -> None:
    (ref,) = svc.log_request(request(rights=("erasure",)))
    svc.act(ref, "start")
    crm = svc.add_task(ref, "CRM")
    mail = svc.add_task(ref, "Mailing list")
    with pytest.raises(DomainError, match="2 tasks are open"):
        svc.act(ref, "submit")
    svc.complete_task(crm, "erased", note="Deleted contact and history")
    with pytest.raises(DomainError, match="1 task is open"):
        svc.act(ref, "submit")
    svc.complete_task(mail, "not-found")
    svc.act(ref, "submit")
    svc.act(ref, "approve")
    svc.act(ref, "respond")
    tasks = svc.get_case(ref).tasks
    assert [(t.system, t.outcome) for t in tasks] == [
        ("CRM", "erased"),
        ("Mailing list", "not-found"),
    ]
    with pytest.raises(DomainError, match="reopen it"):
        svc.complete_task(crm, "not-applicable")
    with pytest.raises(DomainError, match="cannot add a task"):
        svc.add_task(ref, "Backups")


def test_an_access_case_may_go_with_tasks_open(svc: Services) -> None:
    (ref,) = svc.log_request(request())
    svc.act(ref, "start")
    svc.add_task(ref, "CRM")
    svc.act(ref, "submit")


def test_task_input_is_checked(svc: Services) -> None:
    (ref,) = svc.log_request(request(rights=("erasure",)))
    task = svc.add_task(ref, "CRM")
    with pytest.raises(DomainError, match="unknown task outcome"):
        svc.complete_task(task, "vaporised")
    with pytest.raises(DomainError, match="empty"):
        svc.add_task(ref, "  ")
    with pytest.raises(DomainError, match="no task 999"):
        svc.complete_task(999, "erased")
    with pytest.raises(DomainError, match="only dpo or support"):
        as_user(svc, "ada").add_task(ref, "CRM")


def test_timeline_tells_the_story(svc: Services, clock: FrozenClock) -> None:
    (ref,) = svc.log_request(request())
    svc.assign(ref, "sam")
    clock.advance(hours=1)
    svc.act(ref, "request-identity")
    svc.act(ref, "record-identity")
    svc.record_event(ref, "clarification-requested", reason="clarify-scope")
    svc.add_note(ref, "Asked which account")
    texts = [(e.kind, e.text) for e in svc.timeline(ref)]
    assert texts[0] == ("other", "Logged: uk-gdpr access by email")
    assert ("assign", "Assigned to sam") in texts
    assert (
        "state",
        "request-identity: new → awaiting-identity (identity-check); "
        "clock event identity-requested on 2026-11-24",
    ) in texts
    assert ("event", "Clock event clarification-requested on 2026-11-24 (clarify-scope)") in texts
    assert texts[-1] == ("note", "Note added")
    times = [e.at for e in svc.timeline(ref)]
    assert times == sorted(times)


def test_queue_counts(svc: Services, clock: FrozenClock) -> None:
    sam = as_user(svc, "sam")
    old = dt.datetime(2026, 10, 1, 9, tzinfo=NEW_YORK)
    soon = dt.datetime(2026, 10, 27, 9, tzinfo=NEW_YORK)
    svc.log_request(request(received_at=old, received_reason="late"))
    (due_soon,) = svc.log_request(request(received_at=soon, received_reason="late"))
    (fresh,) = svc.log_request(request())
    (done,) = svc.log_request(request())
    for action in ("start", "submit", "approve", "respond"):
        svc.act(done, action)
    svc.act(due_soon, "start")
    svc.act(due_soon, "submit")
    svc.assign(fresh, "sam")
    c = svc.queue_counts(dt.date(2026, 11, 24))
    assert (c.triage, c.mine, c.due_soon, c.overdue, c.awaiting_approval, c.open, c.closed) == (
        2, 0, 1, 1, 1, 3, 1)  # fmt: skip
    assert sam.queue_counts(dt.date(2026, 11, 24)).mine == 1


def test_queue_filters_for_the_navigation(svc: Services, clock: FrozenClock) -> None:
    old = dt.datetime(2026, 10, 1, 9, tzinfo=NEW_YORK)
    soon = dt.datetime(2026, 10, 27, 9, tzinfo=NEW_YORK)
    (overdue,) = svc.log_request(request(received_at=old, received_reason="late"))
    (due_soon,) = svc.log_request(request(received_at=soon, received_reason="late"))
    (fresh,) = svc.log_request(request())
    (done,) = svc.log_request(request(received_at=soon, received_reason="late"))
    for action in ("start", "submit", "approve", "respond"):
        svc.act(done, action)
    today = dt.date(2026, 11, 24)
    week = CaseQuery(due_from=today, due_to=today + dt.timedelta(days=7))
    assert [r.reference for r in svc.list_cases(week)] == [due_soon]  # not the answered one
    assert svc.count_cases(week) == svc.queue_counts(today).due_soon == 1
    assert [r.reference for r in svc.list_cases(CaseQuery(closed_only=True))] == [done]
    assert svc.count_cases(CaseQuery(closed_only=True)) == svc.queue_counts(today).closed
    by_clock = [r.clock_state for r in svc.list_cases(CaseQuery(sort="clock"))]
    assert by_clock == sorted(by_clock) and {overdue, fresh} <= {
        r.reference for r in svc.list_cases(CaseQuery(open_only=True))}  # fmt: skip
