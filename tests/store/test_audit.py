"""The audit trail: append-only in the database, hash-chained, its head
anchored outside the audit table, and tampering found and named."""

from __future__ import annotations

import hashlib

import pytest
import sqlcipher3

from conneqt_dpo.store import audit
from conneqt_dpo.store import engine as engine_mod
from conneqt_dpo.store.services import Services
from tests.conftest import FrozenClock
from tests.factories import request


def _logged(svc: Services, n: int = 3) -> Services:
    for _ in range(n):
        (ref,) = svc.log_request(request())
        svc.act(ref, "start")
    return svc


def _connect(svc: Services) -> sqlcipher3.Connection:
    """The store file opened with its key, as someone holding the key could."""
    f = svc.store.sqlite_file
    assert f is not None
    return engine_mod.connect(f, svc.store.keys.store_pragma_key(), isolation_level=None)


def _raw(svc: Services) -> sqlcipher3.Connection:
    con = _connect(svc)
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
        con.execute(f'DROP TRIGGER "{name}"')
    return con


def test_a_clean_chain_verifies(svc: Services) -> None:
    _logged(svc)
    v = svc.store.verify_audit()
    # 3 users + 3 x (logged, start)
    assert (v.ok, v.events) == (True, 9)
    assert "9 events" in v.message


def test_the_database_refuses_update_and_delete(svc: Services) -> None:
    con = _connect(_logged(svc))
    with pytest.raises(sqlcipher3.DatabaseError, match="append-only"):
        con.execute("UPDATE audit_events SET actor='someone' WHERE seq=1")
    with pytest.raises(sqlcipher3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM audit_events WHERE seq=1")
    with pytest.raises(sqlcipher3.DatabaseError, match="cannot be deleted"):
        con.execute("DELETE FROM audit_anchor")
    con.close()


@pytest.mark.parametrize("column", ["actor", "action", "fields", "detail", "occurred_at"])
def test_an_edited_event_is_named(svc: Services, column: str) -> None:
    con = _raw(_logged(svc))
    con.execute(f"UPDATE audit_events SET {column} = {column} || 'x' WHERE seq = 5")
    con.close()
    v = svc.store.verify_audit()
    assert not v.ok and "event 5" in v.message and v.events == 4


def test_a_deleted_event_is_named(svc: Services) -> None:
    con = _raw(_logged(svc))
    con.execute("DELETE FROM audit_events WHERE seq = 4")
    con.close()
    v = svc.store.verify_audit()
    assert not v.ok and "event 4 is missing" in v.message


def test_cutting_off_the_newest_events_is_caught_by_the_anchor_row(svc: Services) -> None:
    con = _raw(_logged(svc))
    con.execute("DELETE FROM audit_events WHERE seq > 7")
    con.close()
    v = svc.store.verify_audit()
    assert not v.ok and "cut off" in v.message and "8-9" in v.message


def test_cutting_off_events_and_rewinding_the_anchor_row_is_caught_by_the_file(
    svc: Services,
) -> None:
    con = _raw(_logged(svc))
    head = con.execute("SELECT seq, hash FROM audit_events WHERE seq = 7").fetchone()
    con.execute("DELETE FROM audit_events WHERE seq > 7")
    con.execute("UPDATE audit_anchor SET seq = ?, hash = ?", head)
    con.close()
    v = svc.store.verify_audit()
    assert not v.ok and "anchor file" in v.message


def test_the_anchor_file_may_lag_but_not_lead(svc: Services, clock: FrozenClock) -> None:
    _logged(svc)
    anchor = svc.store.paths.audit_anchor
    lagging = anchor.read_text()
    svc.log_request(request())
    anchor.write_text(lagging)  # as if killed between commit and file write
    assert svc.store.verify_audit().ok
    svc.log_request(request())  # the next write moves it forward again
    assert svc.store.verify_audit().ok


def test_an_unreadable_anchor_file_is_a_failure(svc: Services) -> None:
    _logged(svc)
    svc.store.paths.audit_anchor.write_text("{not json")
    assert not svc.store.verify_audit().ok


def test_a_refused_change_leaves_no_audit_event(svc: Services) -> None:
    _logged(svc, 1)
    before = svc.store.verify_audit().events
    with pytest.raises(ValueError):
        svc.log_request(request(email="nope"))
    assert svc.store.verify_audit().events == before


def test_a_chain_recomputed_without_the_key_is_caught(svc: Services) -> None:
    """Someone with raw database access edits an event and recomputes every
    link and both anchors with plain SHA-256: the keyed chain still fails."""
    con = _raw(_logged(svc))
    con.execute("UPDATE audit_events SET actor = 'someone' WHERE seq = 2")
    rows = con.execute(
        "SELECT seq, occurred_at, actor, action, entity, entity_id, reference, fields, detail "
        "FROM audit_events ORDER BY seq"
    ).fetchall()
    prev = audit.GENESIS
    for r in rows:
        digest = hashlib.sha256(prev.encode() + b"\n" + audit.canonical(*r)).hexdigest()
        con.execute("UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?",
                    (prev, digest, r[0]))  # fmt: skip
        prev = digest
    con.execute("UPDATE audit_anchor SET hash = ?", (prev,))
    con.close()
    store_id = svc.store.store_id
    audit.write_anchor_file(svc.store.paths.audit_anchor, audit.Head(store_id, len(rows), prev))
    v = svc.store.verify_audit()
    assert not v.ok and "event 1 was altered" in v.message


def test_the_chain_is_keyed(svc: Services) -> None:
    con = _connect(_logged(svc, 1))
    row = con.execute(
        "SELECT seq, occurred_at, actor, action, entity, entity_id, reference, fields, detail, "
        "hash FROM audit_events WHERE seq = 1"
    ).fetchone()
    con.close()
    content = audit.canonical(*row[:9])
    assert row[9] == audit.chain_hash(audit.GENESIS, content, svc.store.keys.audit)
    assert row[9] != audit.chain_hash(audit.GENESIS, content, None)
