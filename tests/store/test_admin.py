"""Users deactivated and reactivated (never deleted; the last active DPO
stays; a leaver's open cases are handed to someone who can work on them)
and the inventory of data systems, whose active entries become one task
each on every new case."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.store.errors import NotFound, StoreError
from conneqt_dpo.store.models import AuditEvent
from conneqt_dpo.store.services import Services
from tests.conftest import as_user
from tests.factories import request

# -- users ---------------------------------------------------------------


def test_deactivate_and_reactivate(svc: Services) -> None:
    u = svc.deactivate_user("sam")
    assert not u.active and [x.login for x in svc.users()] == ["dpo", "sam", "ada"]
    with pytest.raises(StoreError, match="deactivated"):
        as_user(svc, "sam").log_request(request())
    with pytest.raises(StoreError, match="deactivated"):
        svc.assign(svc.log_request(request())[0], "sam")
    assert svc.reactivate_user("sam").active
    assert as_user(svc, "sam").log_request(request(email="s@example.org"))
    with svc.store.read() as s:
        actions = list(
            s.execute(
                select(AuditEvent.action).where(AuditEvent.action.like("user.%activated"))
            ).scalars()
        )
    assert actions == ["user.deactivated", "user.reactivated"]


def test_the_last_active_dpo_cannot_be_deactivated(svc: Services) -> None:
    with pytest.raises(StoreError, match="last active DPO"):
        svc.deactivate_user("dpo")
    svc.add_user(login="dee", name="Dee Puty", role="dpo")
    assert not as_user(svc, "ada").deactivate_user("dpo").active
    with pytest.raises(StoreError, match="last active DPO"):
        as_user(svc, "dee").deactivate_user("dee")


def test_support_may_not_manage_users(svc: Services) -> None:
    with pytest.raises(StoreError, match="only dpo or admin users may deactivate users"):
        as_user(svc, "sam").deactivate_user("ada")
    with pytest.raises(StoreError, match="only dpo or admin"):
        as_user(svc, "sam").reactivate_user("ada")
    with pytest.raises(NotFound):
        svc.deactivate_user("nobody")


def _cases_of(svc: Services, login: str) -> list[str]:
    return [r.reference for r in svc.list_cases() if r.assignee == login]


def test_a_leaver_with_open_cases_is_refused_without_someone_to_take_them(
    svc: Services,
) -> None:
    a, b, closed = (svc.log_request(request(email=f"p{i}@example.org"))[0] for i in range(3))
    for ref in (a, b, closed):
        svc.assign(ref, "sam")
    svc.act(closed, "withdraw")
    with svc.store.read() as s:
        before = s.execute(select(func.count(AuditEvent.seq))).scalar_one()
    with pytest.raises(DomainError, match="'sam' still has 2 open cases assigned; choose"):
        svc.deactivate_user("sam")
    # Nothing written: still active, still theirs, no audit event.
    assert next(u for u in svc.users() if u.login == "sam").active
    assert svc.open_cases_by_user() == {"sam": 2}
    with svc.store.read() as s:
        assert s.execute(select(func.count(AuditEvent.seq))).scalar_one() == before


def test_a_leavers_open_cases_are_handed_over_and_each_audited(svc: Services) -> None:
    a, b, closed = (svc.log_request(request(email=f"p{i}@example.org"))[0] for i in range(3))
    for ref in (a, b, closed):
        svc.assign(ref, "sam")
    svc.act(closed, "withdraw")
    svc.add_user(login="kim", name="Kim Helper", role="support")
    u = as_user(svc, "ada").deactivate_user("sam", reassign_to="kim")
    assert not u.active
    assert sorted(_cases_of(svc, "kim")) == sorted([a, b])
    assert _cases_of(svc, "sam") == [closed]  # a finished case keeps who worked on it
    assert svc.open_cases_by_user() == {"kim": 2}
    ids = {x.login: x.id for x in svc.users()}
    with svc.store.read() as s:
        rows = s.execute(
            select(AuditEvent.actor, AuditEvent.action, AuditEvent.reference,
                   AuditEvent.fields, AuditEvent.detail)
            .order_by(AuditEvent.seq.desc()).limit(3)
        ).all()  # fmt: skip
    assert [(r.actor, r.action, r.reference) for r in reversed(rows)] == [
        ("ada", "case.assigned", min(a, b)),
        ("ada", "case.assigned", max(a, b)),
        ("ada", "user.deactivated", None),
    ]
    handed = json.loads(rows[1].detail)
    assert json.loads(rows[1].fields) == ["assignee"]
    assert handed == {"assignee": ids["kim"], "previous": ids["sam"],
                      "because": "user.deactivated"}  # fmt: skip
    assert json.loads(rows[0].detail) == {"role": "support", "handed_over": 2, "to": ids["kim"]}
    assert svc.timeline(a)[-1].text == "Assigned to kim"
    assert svc.store.verify_audit().ok


def test_the_cases_go_only_to_someone_who_can_work_on_them(svc: Services) -> None:
    (ref,) = svc.log_request(request())
    svc.assign(ref, "sam")
    svc.add_user(login="kim", name="Kim Helper", role="support")
    svc.deactivate_user("kim")
    for heir, message in (
        ("nobody", "no user 'nobody'"),
        ("sam", "cannot take over their own cases"),
        ("kim", "'kim' is deactivated"),
        ("ada", "only dpo or support users work on cases"),
    ):
        with pytest.raises(DomainError, match=message):
            svc.deactivate_user("sam", reassign_to=heir)
    assert _cases_of(svc, "sam") == [ref]
    assert svc.deactivate_user("sam", reassign_to="dpo").active is False
    assert _cases_of(svc, "dpo") == [ref]


def test_support_may_not_hand_over_cases(svc: Services) -> None:
    (ref,) = svc.log_request(request())
    svc.assign(ref, "sam")
    with pytest.raises(StoreError, match="only dpo or admin users may deactivate users"):
        as_user(svc, "sam").deactivate_user("sam", reassign_to="dpo")
    assert _cases_of(svc, "sam") == [ref]


# -- data systems ----------------------------------------------------------


def test_systems_are_listed_changed_and_retired(svc: Services) -> None:
    crm = svc.add_data_system(
        "CRM",
        owner="Sales ops",
        categories=["Identifiers"],
        purposes=["Customer records"],
        recipients=["Hosting provider"],
    )
    mail = svc.add_data_system("Mail archive")
    assert [d.name for d in svc.data_systems()] == ["CRM", "Mail archive"]
    d = svc.update_data_system(crm, owner="IT", categories=["Identifiers", "Financial"])
    assert d.owner == "IT" and d.categories == ("Identifiers", "Financial")
    assert d.purposes == ("Customer records",) and d.active
    assert not svc.retire_data_system(mail).active
    assert [d.name for d in svc.data_systems()] == ["CRM"]
    assert [d.name for d in svc.data_systems(include_retired=True)] == ["CRM", "Mail archive"]
    assert svc.update_data_system(mail, active=True).active
    with svc.store.read() as s:
        rows = s.execute(
            select(AuditEvent.action, AuditEvent.fields)
            .where(AuditEvent.entity == "data_system")
            .order_by(AuditEvent.seq)
        ).all()
    assert [(a, json.loads(f)) for a, f in rows] == [
        ("system.added", ["categories", "name", "owner", "purposes", "recipients"]),
        ("system.added", ["name"]),
        ("system.changed", ["categories", "owner"]),
        ("system.retired", ["active"]),
        ("system.changed", ["active"]),
    ]


def test_system_names_are_unique_and_checked(svc: Services) -> None:
    svc.add_data_system("CRM")
    with pytest.raises(StoreError, match="already a data system called 'CRM'"):
        svc.add_data_system("crm")
    with pytest.raises(DomainError, match="empty"):
        svc.add_data_system("  ")
    with pytest.raises(DomainError, match="list of texts"):
        svc.add_data_system("Billing", categories="Identifiers")
    with pytest.raises(DomainError, match="no field 'colour'"):
        svc.update_data_system(1, colour="red")
    with pytest.raises(NotFound):
        svc.retire_data_system(99)


def test_support_may_read_but_not_change_systems(svc: Services) -> None:
    sid = svc.add_data_system("CRM")
    sam = as_user(svc, "sam")
    assert [d.name for d in sam.data_systems()] == ["CRM"]
    for call in (
        lambda: sam.add_data_system("Billing"),
        lambda: sam.update_data_system(sid, owner="me"),
        lambda: sam.retire_data_system(sid),
    ):
        with pytest.raises(StoreError, match="only dpo or admin"):
            call()
    assert as_user(svc, "ada").add_data_system("Billing")


def test_each_new_case_gets_a_task_per_active_system(svc: Services) -> None:
    svc.add_data_system("CRM")
    svc.add_data_system("Billing")
    retired = svc.add_data_system("Old ledger")
    svc.retire_data_system(retired)
    a, b = svc.log_request(request(rights=("access", "erasure")))
    for ref in (a, b):
        tasks = svc.get_case(ref).tasks
        assert [(t.system, t.outcome, t.created_by) for t in tasks] == [
            ("Billing", None, "dpo"),
            ("CRM", None, "dpo"),
        ]
    with svc.store.read() as s:
        logged = s.execute(
            select(AuditEvent.fields, AuditEvent.detail).where(
                AuditEvent.action == "case.logged", AuditEvent.reference == a
            )
        ).one()
    assert "tasks" in json.loads(logged.fields) and json.loads(logged.detail)["tasks"] == 2
    # An erasure case cannot go for approval while its systems are open.
    svc.act(b, "start")
    with pytest.raises(DomainError):
        svc.act(b, "submit")
    timeline = [e.text for e in svc.timeline(a)]
    assert timeline[0].startswith("Logged")


def test_no_systems_no_tasks(svc: Services) -> None:
    (ref,) = svc.log_request(request())
    assert svc.get_case(ref).tasks == ()
    with svc.store.read() as s:
        fields = s.execute(
            select(AuditEvent.fields).where(AuditEvent.action == "case.logged")
        ).scalar_one()
    assert "tasks" not in json.loads(fields)
