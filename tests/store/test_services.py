"""The services: one transaction per call, with its audit events; the input,
the role, the workflow and the law checked; nothing written when refused."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.store.errors import NotFound, StoreError
from conneqt_dpo.store.models import AuditEvent, Case, DataSubject, Note
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.store import open_store
from conneqt_dpo.store.views import CaseQuery
from tests.conftest import NEW_YORK, FrozenClock, as_user
from tests.factories import request


def counts(svc: Services) -> tuple[int, int, int, int]:
    with svc.store.read() as s:
        return (
            s.execute(select(func.count(Case.id))).scalar_one(),
            s.execute(select(func.count(DataSubject.id))).scalar_one(),
            s.execute(select(func.count(AuditEvent.seq))).scalar_one(),
            s.execute(select(func.count(Note.id))).scalar_one(),
        )


def test_one_request_two_rights_gives_two_linked_cases_for_one_person(svc: Services) -> None:
    refs = svc.log_request(request(rights=("access", "erasure"), note="Asked by email"))
    assert refs == ["DSR-2026-00001", "DSR-2026-00002"]
    a, b = (svc.get_case(r) for r in refs)
    assert (a.row.right, b.row.right) == ("access", "erasure")
    assert a.group_references == (b.reference,) and b.group_references == (a.reference,)
    assert a.row.requester_name == b.row.requester_name == "Ada Lovelace"
    assert counts(svc)[1] == 1  # one data subject
    assert [e.kind for e in a.events] == ["received"]
    assert a.notes[0].text == "Asked by email"
    # One audit event per case touched, holding ids and field names only.
    with svc.store.read() as s:
        rows = s.execute(
            select(AuditEvent.reference, AuditEvent.detail, AuditEvent.fields).where(
                AuditEvent.action == "case.logged"
            )
        ).all()
    assert [r.reference for r in rows] == refs
    for r in rows:
        assert "Ada" not in r.detail + r.fields and "ada@" not in r.detail + r.fields


def test_the_same_person_is_found_again_by_email_and_name(svc: Services) -> None:
    svc.log_request(request())
    svc.log_request(request(email="ADA@example.org", rights=("erasure",)))
    svc.log_request(request(name="Someone Else", rights=("erasure",)))
    assert counts(svc)[1] == 2


def test_uk_access_due_date_is_computed_and_stored(svc: Services, clock: FrozenClock) -> None:
    (ref,) = svc.log_request(request())
    c = svc.get_case(ref)
    assert c.row.received == dt.date(2026, 11, 24)
    assert c.row.due == dt.date(2026, 12, 24)
    assert c.row.clock_state == "running"
    assert c.explanation, "the case carries the engine's explanation"
    assert c.calendar_version and c.calendar_version.startswith("holidays")


def test_received_date_is_the_date_at_the_controller(svc: Services, clock: FrozenClock) -> None:
    # 02:00 UTC on 25 Nov is still 24 Nov in Fort Lauderdale.
    clock.now = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)
    (ref,) = svc.log_request(request())
    assert svc.get_case(ref).row.received == dt.date(2026, 11, 24)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "not-an-email"}, "not an email address"),
        ({"email": "a@b"}, "not an email address"),
        ({"regime": "mars-law"}, "unknown regime"),
        ({"rights": ("teleport",)}, "teleport"),
        ({"rights": ()}, "at least one right"),
        ({"regime": "ut-ucpa", "rights": ("appeal",)}, "appeal"),
        ({"channel": "pigeon"}, "unknown channel"),
        ({"name": "   "}, "name is empty"),
        ({"name": "Robert\x00'); DROP TABLE cases;--"}, "control"),
        ({"name": "x" * 201}, "longer than 200"),
        ({"received_at": dt.datetime(2999, 1, 1, 10, tzinfo=NEW_YORK)}, "in the future"),
        ({"received_at": dt.datetime(2026, 11, 2, 10, tzinfo=NEW_YORK)}, "needs a reason"),
        ({"phone": "call me maybe"}, "not a phone number"),
        ({"calendar": "XX-NOWHERE"}, "XX-NOWHERE"),
    ],
)
def test_bad_requests_are_refused_and_write_nothing(
    svc: Services, change: dict[str, object], message: str
) -> None:
    before = counts(svc)
    with pytest.raises(DomainError, match=message):
        svc.log_request(request(**change))
    assert counts(svc) == before


def test_a_backdated_receipt_with_a_reason_is_kept(svc: Services) -> None:
    when = dt.datetime(2026, 10, 30, 16, 45, tzinfo=NEW_YORK)
    (ref,) = svc.log_request(request(received_at=when, received_reason="letter opened late"))
    c = svc.get_case(ref)
    assert c.row.received == dt.date(2026, 10, 30) and c.backdate_reason == "letter opened late"
    assert c.row.due == dt.date(2026, 11, 30)


def test_references_are_per_year_of_receipt_and_gap_free(svc: Services) -> None:
    last_year = dt.datetime(2025, 12, 31, 9, tzinfo=NEW_YORK)
    r1 = svc.log_request(request(received_at=last_year, received_reason="found in post"))
    r2 = svc.log_request(request())
    with pytest.raises(DomainError):
        svc.log_request(request(email="bad"))
    r3 = svc.log_request(request(rights=("erasure", "access")))
    assert r1 == ["DSR-2025-00001"]
    assert r2 + r3 == ["DSR-2026-00001", "DSR-2026-00002", "DSR-2026-00003"]


def test_two_writers_at_once_never_share_or_skip_a_number(
    svc: Services, clock: FrozenClock
) -> None:
    # Two separate stores (engines) on the same file, as two processes would.
    other = open_store(data_dir=svc.store.paths.data_dir, clock=clock)
    errors: list[BaseException] = []

    def log_many(services: Services) -> None:
        try:
            for _ in range(25):
                services.log_request(request())
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [
        threading.Thread(target=log_many, args=(s,)) for s in (svc, Services(other, clock=clock))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert not errors
    numbers = sorted(int(r.reference[-5:]) for r in svc.list_cases())
    assert numbers == list(range(1, 51))
    assert svc.store.verify_audit().ok


def test_workflow_through_to_closed(svc: Services, clock: FrozenClock) -> None:
    (ref,) = svc.log_request(request())
    for action in ("start", "submit", "approve", "respond", "close"):
        svc.act(ref, action)
    c = svc.get_case(ref)
    assert c.row.state == "closed"
    assert [e.kind for e in c.events] == ["received", "responded"]
    assert c.row.clock_state == "stopped"
    with svc.store.read() as s:
        actions = (
            s.execute(
                select(AuditEvent.action)
                .where(AuditEvent.reference == ref)
                .order_by(AuditEvent.seq)
            )
            .scalars()
            .all()
        )
    assert actions == [
        "case.logged",
        "case.start",
        "case.submit",
        "case.approve",
        "case.respond",
        "case.close",
    ]


def test_identity_request_makes_the_uk_clock_wait(svc: Services, clock: FrozenClock) -> None:
    (ref,) = svc.log_request(request())
    svc.act(ref, "request-identity")
    c = svc.get_case(ref)
    assert (c.row.state, c.row.clock_state, c.row.due) == ("awaiting-identity", "waiting", None)
    clock.advance(days=7)
    svc.act(ref, "record-identity")
    c = svc.get_case(ref)
    assert c.row.state == "in-progress"
    assert c.row.due == dt.date(2027, 1, 4)  # 1 Dec + 1 month = 1 Jan (holiday) -> Mon 4 Jan


def test_roles_guard_the_workflow(svc: Services) -> None:
    (ref,) = svc.log_request(request())
    sam, ada = as_user(svc, "sam"), as_user(svc, "ada")
    sam.act(ref, "start")
    sam.act(ref, "submit")
    with pytest.raises(DomainError, match="only dpo may approve"):
        sam.act(ref, "approve")
    with pytest.raises(DomainError, match="only dpo"):
        sam.record_event(ref, "extended", reason="complex")
    with pytest.raises(DomainError, match="only dpo or support may withdraw"):
        ada.act(ref, "withdraw")
    with pytest.raises(StoreError, match="only dpo or support users may log"):
        ada.log_request(request())
    assert svc.get_case(ref).row.state == "awaiting-approval"


def test_refusal_needs_a_reason_and_counts_as_a_response(svc: Services) -> None:
    (ref,) = svc.log_request(request())
    with pytest.raises(DomainError, match="needs --reason"):
        svc.act(ref, "refuse")
    svc.act(ref, "refuse", reason="manifestly-unfounded", note="Third identical request")
    c = svc.get_case(ref)
    assert c.row.state == "refused"
    assert c.events[-1].kind == "responded" and c.events[-1].reason == "manifestly-unfounded"


def test_the_law_refuses_through_the_clock_engine(svc: Services, clock: FrozenClock) -> None:
    (ref,) = svc.log_request(request())
    clock.advance(days=40)  # past the 24 Dec due date
    before = counts(svc)
    with pytest.raises(DomainError):
        svc.record_event(ref, "extended", reason="complex")  # noticed too late
    assert counts(svc) == before
    assert [e.kind for e in svc.get_case(ref).events] == ["received"]


def test_clarification_pauses_and_extension_moves_the_due_date(
    svc: Services, clock: FrozenClock
) -> None:
    (ref,) = svc.log_request(request())
    svc.act(ref, "start")
    svc.record_event(
        ref, "clarification-requested", reason="clarify-scope", on=dt.date(2026, 11, 24)
    )
    assert svc.get_case(ref).row.clock_state == "paused"
    clock.advance(days=3)
    svc.record_event(ref, "clarification-received")
    c = svc.get_case(ref)
    assert c.row.clock_state == "running"
    assert c.row.due is not None and c.row.due > dt.date(2026, 12, 24)
    svc.record_event(ref, "extended", reason="complex")
    c2 = svc.get_case(ref)
    assert c2.extended_respond_by is not None and c2.row.due == c2.extended_respond_by
    assert c2.row.due > c.row.due


def test_event_dates_in_the_future_are_refused(svc: Services) -> None:
    (ref,) = svc.log_request(request())
    with pytest.raises(DomainError, match="in the future"):
        svc.act(ref, "request-identity", on=dt.date(2026, 12, 1))


def test_assign_note_and_document(svc: Services) -> None:
    (ref,) = svc.log_request(request())
    svc.assign(ref, "sam")
    assert svc.get_case(ref).row.assignee == "sam"
    assert [r.reference for r in svc.list_cases(CaseQuery(assignee="sam"))] == [ref]
    with pytest.raises(StoreError, match="admin"):
        svc.assign(ref, "ada")
    with pytest.raises(NotFound):
        svc.assign(ref, "nobody")
    svc.add_note(ref, "Called back, <b>no</b> answer")
    assert svc.get_case(ref).notes[-1].text == "Called back, <b>no</b> answer"
    scan = svc.store.paths.data_dir.parent / "passport.pdf"
    scan.write_bytes(b"%PDF-1.4 scan")
    doc = svc.attach(ref, scan, kind="identity", filename="../../etc/passport.pdf")
    (d,) = svc.get_case(ref).documents
    assert (d.id, d.filename, d.media_type) == (doc.id, "passport.pdf", "application/pdf")
    for bad in ("..", "\x07"):
        with pytest.raises(DomainError):
            svc.attach(ref, scan, kind="identity", filename=bad)


def test_unknown_references_and_users(svc: Services) -> None:
    with pytest.raises(NotFound, match="DSR-1999-99999"):
        svc.get_case("DSR-1999-99999")
    with pytest.raises(DomainError, match="not a case reference"):
        svc.act("nonsense", "start")
    with pytest.raises(StoreError, match="no user 'ghost'"):
        as_user(svc, "ghost").actor()


def test_init_only_once_and_users_are_unique(svc: Services) -> None:
    with pytest.raises(StoreError, match="already has users"):
        svc.init(name="Second DPO")
    with pytest.raises(StoreError, match="taken"):
        svc.add_user(login="sam", name="Another Sam", role="support")
    with pytest.raises(DomainError, match="not a valid login"):
        svc.add_user(login="Sam Smith", name="x", role="support")
    with pytest.raises(DomainError, match="unknown role"):
        svc.add_user(login="zed", name="Zed", role="root")


def test_queue_filters_and_sorts_in_sql(svc: Services, clock: FrozenClock) -> None:
    older = dt.datetime(2026, 10, 1, 9, tzinfo=NEW_YORK)
    (late,) = svc.log_request(
        request(name="Old Request", received_at=older, received_reason="scanned late")
    )
    (fresh,) = svc.log_request(
        request(regime="ccpa", rights=("erasure",), name="New Person", email="new@example.com")
    )
    today = dt.date(2026, 11, 24)
    assert [r.reference for r in svc.list_cases(CaseQuery(overdue_on=today))] == [late]
    assert [r.reference for r in svc.list_cases(CaseQuery(sort="due"))] == [late, fresh]
    assert [r.reference for r in svc.list_cases(CaseQuery(sort="due", descending=True))] == [
        fresh,
        late,
    ]
    assert [r.reference for r in svc.list_cases(CaseQuery(text="new@"))] == [fresh]
    assert [r.reference for r in svc.list_cases(CaseQuery(text="100%_"))] == []
    assert [r.reference for r in svc.list_cases(CaseQuery(regime="ccpa"))] == [fresh]
    assert svc.count_cases(CaseQuery(state="new")) == 2
    svc.act(late, "start")
    assert [r.reference for r in svc.list_cases(CaseQuery(state="in-progress"))] == [late]


@pytest.mark.parametrize(
    "name", ["محمد\u200cرضا", "Zoë Ångström-Ñúñez", "李小龍", "Ana 👩\u200d👩\u200d👧"]
)
def test_real_names_are_accepted(svc: Services, name: str) -> None:
    (ref,) = svc.log_request(request(name=name))
    assert svc.get_case(ref).row.requester_name == name


@pytest.mark.parametrize(
    "email", ["ad\u202ea@example.org", "a\u200bb@example.org", "a\x1b[2J@example.org"]
)
def test_invisible_characters_in_emails_are_refused_and_shown_safely(
    svc: Services, email: str
) -> None:
    with pytest.raises(DomainError) as e:
        svc.log_request(request(email=email))
    assert "\x1b" not in str(e.value) and "\u202e" not in str(e.value)
    assert "\\u" in str(e.value)
