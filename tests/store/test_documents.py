"""The evidence locker through the services: attach, list, export, open,
the identity decision, legal holds and purges."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.store.crypto import IntegrityError
from conneqt_dpo.store.document_services import PurgePlan
from conneqt_dpo.store.errors import StoreError
from conneqt_dpo.store.models import AuditEvent
from conneqt_dpo.store.services import Services
from tests.conftest import NEW_YORK, FrozenClock, as_user
from tests.factories import request


def _file(tmp_path: Path, name: str = "passport.txt", text: str = "PASSPORT 123\n") -> Path:
    f = tmp_path / name
    f.write_text(text * 50)
    return f


def _purge_on(svc: Services, clock: FrozenClock, day: dt.date) -> PurgePlan:
    """Run the purge as it would run on `day` (a purge never runs ahead)."""
    clock.now = dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=NEW_YORK)
    return svc.purge()


def _actions(svc: Services, reference: str) -> list[str]:
    with svc.store.read() as s:
        return list(s.execute(
            select(AuditEvent.action).where(AuditEvent.reference == reference)
            .order_by(AuditEvent.seq)
        ).scalars())  # fmt: skip


def test_attach_list_and_export_round_trip(svc: Services, tmp_path: Path) -> None:
    (ref,) = svc.log_request(request())
    src = _file(tmp_path)
    doc = as_user(svc, "sam").attach(ref, src, kind="identity")
    assert (doc.kind, doc.filename, doc.size, doc.added_by) == (
        "identity", "passport.txt", src.stat().st_size, "sam")  # fmt: skip
    assert doc.media_type == "text/plain" and doc.purge_after is None
    assert [d.id for d in svc.documents(ref)] == [doc.id]
    out = tmp_path / "out.txt"
    svc.export_document(doc.id, out)
    assert out.read_bytes() == src.read_bytes()
    assert _actions(svc, ref)[-2:] == ["document.attached", "document.exported"]
    # The locker holds it encrypted under a keyed address, not its SHA-256.
    stored = svc.store.locker.path_of(doc.address)
    assert b"PASSPORT" not in stored.read_bytes()


def test_admin_cannot_attach_and_kinds_are_checked(svc: Services, tmp_path: Path) -> None:
    (ref,) = svc.log_request(request())
    with pytest.raises(StoreError, match="only dpo or support"):
        as_user(svc, "ada").attach(ref, _file(tmp_path), kind="identity")
    with pytest.raises(DomainError, match="unknown document kind"):
        svc.attach(ref, _file(tmp_path), kind="selfie")
    assert svc.documents(ref) == []


@pytest.mark.parametrize(
    ("given", "kept"),
    [("../../etc/passwd", "passwd"), ("a\\b\\scan.pdf", "scan.pdf"),
     ("\x00evil\n.pdf", "evil.pdf"), ("scan\u202egpj.exe", "scangpj.exe")],
)  # fmt: skip
def test_hostile_file_names_are_sanitised(
    svc: Services, tmp_path: Path, given: str, kept: str
) -> None:
    (ref,) = svc.log_request(request())
    doc = svc.attach(ref, _file(tmp_path), kind="correspondence", filename=given)
    assert doc.filename == kept


def test_empty_missing_and_oversized_files_are_refused(svc: Services, tmp_path: Path) -> None:
    (ref,) = svc.log_request(request())
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(StoreError, match="empty"):
        svc.attach(ref, empty, kind="identity")
    with pytest.raises(DomainError, match=r"missing\.pdf"):
        svc.attach(ref, tmp_path / "missing.pdf", kind="identity")
    svc.update_settings(max_document_mb=1)
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * (1024 * 1024 + 1))
    with pytest.raises(StoreError, match="limit"):
        svc.attach(ref, big, kind="extract")
    assert svc.documents(ref) == []


def test_a_flipped_byte_is_an_integrity_error_naming_the_document(
    svc: Services, tmp_path: Path
) -> None:
    (ref,) = svc.log_request(request())
    bad = svc.attach(ref, _file(tmp_path, "scan.pdf"), kind="identity")
    good = svc.attach(ref, _file(tmp_path, "letter.txt", "Dear DPO\n"), kind="correspondence")
    stored = svc.store.locker.path_of(bad.address)
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 1
    stored.write_bytes(bytes(data))
    out = tmp_path / "out.pdf"
    with pytest.raises(IntegrityError, match=r"scan\.pdf"):
        svc.export_document(bad.id, out)
    assert not out.exists()
    svc.export_document(good.id, tmp_path / "letter-out.txt")  # nothing else is affected
    assert "document.exported" not in _actions(svc, ref)[:-1]


def test_export_refuses_to_overwrite(svc: Services, tmp_path: Path) -> None:
    (ref,) = svc.log_request(request())
    doc = svc.attach(ref, _file(tmp_path), kind="identity")
    target = tmp_path / "there.txt"
    target.write_text("mine")
    with pytest.raises(StoreError, match="exists"):
        svc.export_document(doc.id, target)
    assert target.read_text() == "mine"


def test_open_for_viewing_writes_into_the_given_folder_and_is_audited(
    svc: Services, tmp_path: Path
) -> None:
    (ref,) = svc.log_request(request())
    doc = svc.attach(ref, _file(tmp_path), kind="identity")
    folder = tmp_path / "view"
    folder.mkdir(mode=0o700)
    opened = svc.open_document(doc.id, folder)
    assert opened.parent == folder and opened.read_text().startswith("PASSPORT")
    assert opened.stat().st_mode & 0o077 == 0
    assert _actions(svc, ref)[-1] == "document.opened"


# -- the identity decision ---------------------------------------------------


def test_verify_sets_the_purge_date_of_identity_documents(
    svc: Services, tmp_path: Path
) -> None:
    (ref,) = svc.log_request(request())
    idoc = svc.attach(ref, _file(tmp_path), kind="identity")
    letter = svc.attach(ref, _file(tmp_path, "l.txt", "hello"), kind="correspondence")
    result = svc.verify_identity(ref, methods=["id-document"], decision="verified")
    assert result.purge_after == dt.date(2026, 11, 24) + dt.timedelta(days=30)
    docs = {d.id: d for d in svc.documents(ref)}
    assert docs[idoc.id].purge_after == result.purge_after
    assert docs[letter.id].purge_after is None
    (v,) = svc.verifications(ref)
    assert (v.methods, v.decision, v.decided_by) == (("id-document",), "verified", "dpo")
    # An identity document attached after the decision gets its date too.
    later = svc.attach(ref, _file(tmp_path, "more.txt"), kind="identity")
    assert later.purge_after == result.purge_after


def test_only_the_dpo_decides(svc: Services) -> None:
    (ref,) = svc.log_request(request())
    with pytest.raises(StoreError, match="only dpo"):
        as_user(svc, "sam").verify_identity(ref, methods=["id-document"], decision="verified")
    assert svc.verifications(ref) == []


def test_ccpa_levels_follow_11_ccr_7062(svc: Services) -> None:
    (ref,) = svc.log_request(request(regime="ccpa", ccpa_detail="specific", us_state="CA",
                                     country="US"))  # fmt: skip
    with pytest.raises(DomainError, match="degree of certainty"):
        svc.verify_identity(ref, methods=["data-points"], decision="verified",
                            data_points=["email", "phone"])  # fmt: skip
    with pytest.raises(DomainError, match="reasonably high"):
        svc.verify_identity(ref, methods=["data-points"], decision="verified",
                            level="reasonable", data_points=["email", "phone"])  # fmt: skip
    with pytest.raises(DomainError, match="signed declaration"):
        svc.verify_identity(ref, methods=["data-points"], decision="verified",
                            level="reasonably-high",
                            data_points=["email", "phone", "last order"])  # fmt: skip
    ok = svc.verify_identity(ref, methods=["data-points", "signed-declaration"],
                             decision="verified", level="reasonably-high",
                             data_points=["email", "phone", "last order"])  # fmt: skip
    assert ok.consequences[0].startswith("Identity verified")


def test_ccpa_unverified_specific_pieces_become_categories(svc: Services) -> None:
    (ref,) = svc.log_request(request(regime="ccpa", ccpa_detail="specific", us_state="CA",
                                     country="US"))  # fmt: skip
    result = svc.verify_identity(ref, methods=["data-points"], decision="not-verified",
                                 data_points=["email"])  # fmt: skip
    assert "7024(a)" in result.consequences[0]
    assert svc.get_case(ref).ccpa_detail == "categories"


def test_ccpa_unverified_deletion_offers_the_opt_out(svc: Services) -> None:
    (ref,) = svc.log_request(request(regime="ccpa", rights=("erasure",), us_state="CA",
                                     country="US"))  # fmt: skip
    result = svc.verify_identity(ref, methods=["call-back"], decision="not-verified")
    assert any("opt out of sale/sharing" in c for c in result.consequences)


def test_opt_outs_are_never_verified(svc: Services) -> None:
    (ref,) = svc.log_request(request(regime="ccpa", rights=("opt-out-sale",), us_state="CA",
                                     country="US"))  # fmt: skip
    with pytest.raises(DomainError, match="never verified"):
        svc.verify_identity(ref, methods=["id-document"], decision="not-verified")
    svc.verify_identity(ref, methods=[], decision="not-required")


def test_levels_are_the_ccpa_s_only_and_methods_are_known(svc: Services) -> None:
    (ref,) = svc.log_request(request())
    with pytest.raises(DomainError, match="CCPA only"):
        svc.verify_identity(ref, methods=["id-document"], decision="verified", level="reasonable")
    with pytest.raises(DomainError, match="unknown verification method"):
        svc.verify_identity(ref, methods=["palm-reading"], decision="verified")
    with pytest.raises(DomainError, match="agent"):
        svc.verify_identity(ref, methods=["agent-permission"], decision="verified")
    with pytest.raises(DomainError, match="at least one"):
        svc.verify_identity(ref, methods=[], decision="verified")


def test_the_uk_clock_waits_for_the_proof(svc: Services, clock: FrozenClock) -> None:
    """Requesting and receiving proof are clock events: under UK GDPR the
    month starts when the proof arrives (spec/deadlines.md)."""
    (ref,) = svc.log_request(request())
    before = svc.get_case(ref).row.due
    svc.act(ref, "request-identity")
    clock.advance(days=10)
    svc.act(ref, "record-identity")
    svc.verify_identity(ref, methods=["id-document"], decision="verified")
    after = svc.get_case(ref).row.due
    assert before is not None and after is not None and after > before


# -- holds and purges ----------------------------------------------------------


def test_identity_documents_are_purged_after_the_decision_leaving_a_tombstone(
    svc: Services, tmp_path: Path, clock: FrozenClock
) -> None:
    (ref,) = svc.log_request(request())
    idoc = svc.attach(ref, _file(tmp_path), kind="identity")
    decl = svc.attach(ref, _file(tmp_path, "declaration.txt", "I declare"), kind="declaration")
    svc.verify_identity(ref, methods=["id-document"], decision="verified")
    day = dt.date(2026, 11, 24) + dt.timedelta(days=30)
    assert svc.purge_plan(day - dt.timedelta(days=1)).documents == ()
    plan = svc.purge_plan(day)
    assert [d[0] for d in plan.documents] == [idoc.id]
    _purge_on(svc, clock, day)
    docs = {d.id: d for d in svc.documents(ref)}
    tomb = docs[idoc.id]
    assert tomb.purged_at is not None and tomb.purge_reason == "identity-minimisation"
    assert (tomb.size, tomb.kind, tomb.address) == (idoc.size, "identity", idoc.address)
    assert not svc.store.locker.exists(idoc.address)
    assert svc.store.locker.exists(decl.address)  # a declaration is a record, kept
    with pytest.raises(DomainError, match="was purged"):
        svc.export_document(idoc.id, tmp_path / "x")
    assert "document.purged" in _actions(svc, ref)


def test_a_legal_hold_blocks_every_purge(
    svc: Services, tmp_path: Path, clock: FrozenClock
) -> None:
    (ref,) = svc.log_request(request())
    idoc = svc.attach(ref, _file(tmp_path), kind="identity")
    svc.verify_identity(ref, methods=["id-document"], decision="verified")
    with pytest.raises(StoreError, match="only dpo"):
        as_user(svc, "sam").set_hold(ref, True)
    svc.set_hold(ref, True)
    far = dt.date(2036, 1, 1)
    plan = _purge_on(svc, clock, far)
    assert plan.documents == () and plan.held == (ref,)
    assert svc.store.locker.exists(idoc.address)
    svc.set_hold(ref, False)
    assert [d[0] for d in _purge_on(svc, clock, far).documents] == [idoc.id]
    assert _actions(svc, ref).count("case.hold-placed") == 1


def test_closed_cases_are_anonymised_after_retention(
    svc: Services, tmp_path: Path, clock: FrozenClock
) -> None:
    (ref,) = svc.log_request(request(name="Zed Purgeable", email="zed@example.org", note="x"))
    svc.attach(ref, _file(tmp_path, "reply.txt", "Dear Zed"), kind="correspondence")
    svc.act(ref, "start")
    svc.act(ref, "submit")
    svc.act(ref, "approve")
    svc.act(ref, "respond")
    svc.act(ref, "close")
    six_years = dt.date(2032, 11, 24)
    assert svc.purge_plan(six_years - dt.timedelta(days=1)).cases == ()
    assert svc.purge_plan(six_years).cases == (ref,)
    _purge_on(svc, clock, six_years)
    case = svc.get_case(ref)
    assert case.row.requester_name == "(purged)" and case.row.requester_email is None
    assert all(n.text == "(purged)" for n in case.notes)
    assert svc.documents(ref)[0].purged_at is not None
    assert svc.store.locker.addresses() == []
    assert svc.store.verify_audit().ok
    assert _actions(svc, ref)[-1] == "case.purged"


def test_ccpa_cases_are_kept_24_months(svc: Services) -> None:
    (ref,) = svc.log_request(request(regime="ccpa", us_state="CA", country="US"))
    svc.act(ref, "withdraw")
    svc.act(ref, "close")
    assert svc.purge_plan(dt.date(2028, 11, 23)).cases == ()
    assert svc.purge_plan(dt.date(2028, 11, 24)).cases == (ref,)


def test_a_purge_killed_after_the_tombstones_finishes_on_rerun(
    svc: Services, tmp_path: Path, clock: FrozenClock
) -> None:
    """Tombstones commit first, files go after: killed in between, the file
    is still there; the next purge removes it."""
    (ref,) = svc.log_request(request())
    idoc = svc.attach(ref, _file(tmp_path), kind="identity")
    svc.verify_identity(ref, methods=["id-document"], decision="verified")
    day = dt.date(2027, 1, 1)
    with svc.store.write() as s:  # what the first half of purge() commits
        from conneqt_dpo.store.models import Document

        d = s.get(Document, idoc.id)
        assert d is not None
        d.purged_at, d.purge_reason = dt.datetime(2027, 1, 1), "identity-minimisation"
    assert svc.store.locker.exists(idoc.address)
    plan = svc.purge_plan(day)
    assert plan.documents == () and plan.orphans == 1
    _purge_on(svc, clock, day)
    assert not svc.store.locker.exists(idoc.address)


def test_the_same_content_on_two_cases_survives_one_purge(
    svc: Services, tmp_path: Path, clock: FrozenClock
) -> None:
    (a,) = svc.log_request(request())
    (b,) = svc.log_request(request(email="other@example.org", name="Other"))
    src = _file(tmp_path)
    da = svc.attach(a, src, kind="identity")
    db = svc.attach(b, src, kind="correspondence")
    assert da.address == db.address
    svc.verify_identity(a, methods=["id-document"], decision="verified")
    _purge_on(svc, clock, dt.date(2027, 6, 1))
    assert svc.store.locker.exists(db.address)
    svc.export_document(db.id, tmp_path / "b.txt")


def test_documents_json_shape(svc: Services, tmp_path: Path) -> None:
    (ref,) = svc.log_request(request())
    svc.attach(ref, _file(tmp_path), kind="extract")
    (d,) = svc.documents(ref)
    data = json.loads(json.dumps(d.to_json()))
    assert {"id", "kind", "filename", "size", "purge_after", "purged_at"} <= set(data)


def test_due_identity_documents_go_without_anyone_asking(
    svc: Services, tmp_path: Path, clock: FrozenClock
) -> None:
    (ref,) = svc.log_request(request())
    idoc = svc.attach(ref, _file(tmp_path), kind="identity")
    svc.verify_identity(ref, methods=["id-document"], decision="verified")
    support = as_user(svc, "sam")
    assert support.purge_due_documents() == 0  # not yet
    clock.advance(days=31)
    assert support.purge_due_documents() == 1
    assert not svc.store.locker.exists(idoc.address)
    (d,) = svc.documents(ref)
    assert d.purged_at is not None and d.purge_reason == "identity-minimisation"
    assert support.purge_due_documents() == 0


def test_a_purge_is_not_run_ahead_of_time(svc: Services) -> None:
    with pytest.raises(DomainError, match="in the future"):
        svc.purge(dt.date(2030, 1, 1))
    assert svc.purge_plan(dt.date(2030, 1, 1)).documents == ()  # a dry run may look ahead


def test_a_hold_placed_after_the_plan_still_keeps_the_documents(
    svc: Services, tmp_path: Path, clock: FrozenClock
) -> None:
    (ref,) = svc.log_request(request())
    idoc = svc.attach(ref, _file(tmp_path), kind="identity")
    svc.verify_identity(ref, methods=["id-document"], decision="verified")
    clock.advance(days=31)
    plan = svc.purge_plan()
    assert [d[0] for d in plan.documents] == [idoc.id]
    svc.set_hold(ref, True)  # between the plan and the purge's write
    with svc.store.write() as s:
        assert svc._tombstone(s, "dpo", plan, svc.today()) == 0
    assert svc.documents(ref)[0].purged_at is None


def test_an_admin_sees_the_list_but_not_the_content(svc: Services, tmp_path: Path) -> None:
    (ref,) = svc.log_request(request())
    doc = svc.attach(ref, _file(tmp_path), kind="identity")
    admin = as_user(svc, "ada")
    assert [d.id for d in admin.documents(ref)] == [doc.id]
    with pytest.raises(StoreError, match="only dpo or support"):
        admin.export_document(doc.id, tmp_path / "out.txt")
    folder = tmp_path / "view"
    folder.mkdir()
    with pytest.raises(StoreError, match="only dpo or support"):
        admin.open_document(doc.id, folder)
    assert not (tmp_path / "out.txt").exists() and list(folder.iterdir()) == []
