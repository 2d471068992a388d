"""The append-only, hash-chained audit log.

Each event stores an HMAC-SHA256, under the store's audit subkey, of the
previous event's hash plus its own canonical content, so editing or deleting
any row breaks the chain from there on, and someone with raw access to the
database but not the key cannot recompute it. (Stores written before the
key existed used plain SHA-256; converting one re-seals its chain with the
key after checking it, see `reseal`.) Cutting rows off the end is caught by
the head anchor, kept twice: in the `audit_anchor` row (moved in the same
transaction as each append) and in a file in the data folder (written after
each commit, so it may lag the database but never lead it). Events carry
ids, action names, field names and codes, never personal data values:
purging a person never touches the chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from sqlalchemy import Connection, RowMapping, Table, insert, select, update
from sqlalchemy.orm import Session

from conneqt_dpo.store.models import AuditAnchor, AuditEvent

GENESIS = "0" * 64
Detail = Mapping[str, str | int | None]


def canonical(
    seq: int,
    occurred_at: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    reference: str | None,
    fields: str,
    detail: str,
) -> bytes:
    return json.dumps(
        [seq, occurred_at, actor, action, entity, entity_id, reference, fields, detail],
        ensure_ascii=True,
        separators=(",", ":"),
    ).encode()


def chain_hash(prev_hash: str, content: bytes, key: bytes | None) -> str:
    """`key` None: the plain SHA-256 of a store from before the key."""
    message = prev_hash.encode() + b"\n" + content
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


AUDIT_KEY = "audit_key"


def session_key(session: Session) -> bytes:
    """The audit subkey the store put on its write sessions (Store.write)."""
    try:
        return cast(bytes, session.info[AUDIT_KEY])
    except KeyError:
        raise RuntimeError("an audit event needs a session from Store.write()") from None


@dataclass(frozen=True)
class Entry:
    """One event to append: ids, names and codes only."""

    occurred_at: str
    actor: str
    action: str
    entity: str
    entity_id: int | None = None
    reference: str | None = None
    fields: tuple[str, ...] = ()
    detail: Detail | None = None


def append_many(session: Session, entries: Sequence[Entry]) -> None:
    """Append events in order inside the caller's transaction: the anchor
    row is read (and locked) once and moved once, the rows go in as one
    executemany, so a batch of 100,000 costs little more than its hashing."""
    if not entries:
        return
    # Core statements on the session's connection: the ORM unit of work
    # costs more than the hashing here.
    key = session_key(session)
    con = session.connection()
    anchors = cast(Table, AuditAnchor.__table__)
    head = con.execute(
        select(anchors.c.seq, anchors.c.hash).where(anchors.c.id == 1).with_for_update()
    ).first()
    if head is None:
        con.execute(insert(anchors).values(id=1, seq=0, hash=GENESIS))
        seq, prev = 0, GENESIS
    else:
        seq, prev = head.seq, head.hash
    rows = []
    for e in entries:
        seq += 1
        fields_text = json.dumps(sorted(set(e.fields)), separators=(",", ":"))
        detail_text = json.dumps(dict(e.detail or {}), sort_keys=True, separators=(",", ":"))
        content = canonical(seq, e.occurred_at, e.actor, e.action, e.entity, e.entity_id,
                            e.reference, fields_text, detail_text)  # fmt: skip
        digest = chain_hash(prev, content, key)
        rows.append({"seq": seq, "occurred_at": e.occurred_at, "actor": e.actor,
                     "action": e.action, "entity": e.entity, "entity_id": e.entity_id,
                     "reference": e.reference, "fields": fields_text, "detail": detail_text,
                     "prev_hash": prev, "hash": digest})  # fmt: skip
        prev = digest
    con.execute(insert(cast(Table, AuditEvent.__table__)), rows)
    con.execute(update(anchors).where(anchors.c.id == 1).values(seq=seq, hash=prev))
    # For the anchor file, written once this transaction has committed.
    session.info["audit_head"] = (seq, prev)


@dataclass(frozen=True)
class Head:
    store_id: str
    seq: int
    hash: str


def write_anchor_file(path: Path, head: Head) -> None:
    """Atomically replace the anchor file (write, fsync, rename)."""
    data = json.dumps({"store_id": head.store_id, "seq": head.seq, "hash": head.hash})
    fd, tmp = tempfile.mkstemp(prefix=".audit-anchor-", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_anchor_file(path: Path) -> Head | None:
    try:
        raw = json.loads(path.read_text())
        return Head(str(raw["store_id"]), int(raw["seq"]), str(raw["hash"]))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        # An unreadable anchor is itself a sign of tampering.
        return Head("", -1, "")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    events: int
    message: str


def holds(con: Connection, seq: int, digest: str) -> bool:
    """Does the chain still hold event `seq` with this hash (0: the start)?"""
    if seq == 0:
        return digest == GENESIS
    events = cast(Table, AuditEvent.__table__)
    found = con.execute(select(events.c.hash).where(events.c.seq == seq)).scalar()
    return found == digest


_MISSING = Head("", -2, "")


def verify(
    con: Connection,
    *,
    key: bytes | None,
    store_id: str,
    anchor_file: Path | None,
    outside: Head | object | None = _MISSING,
) -> Verdict:
    """Walk the whole chain; stop at the first event that does not hold.
    `key`: the audit subkey (None only for a store from before the key).
    `outside` is the anchor file as read before `con` began (read here when
    not given); `anchor_file` None means the store keeps none."""
    if outside is _MISSING:
        outside = read_anchor_file(anchor_file) if anchor_file is not None else None
    return _verify(con, key, store_id, anchor_file, cast(Head | None, outside))


def _content(r: RowMapping) -> bytes:
    return canonical(
        cast(int, r["seq"]),
        cast(str, r["occurred_at"]),
        cast(str, r["actor"]),
        cast(str, r["action"]),
        cast(str, r["entity"]),
        cast(int | None, r["entity_id"]),
        cast(str | None, r["reference"]),
        cast(str, r["fields"]),
        cast(str, r["detail"]),
    )


def reseal(con: Connection, key: bytes) -> Head:
    """Recompute every event's link with the key (a store converted from
    before the key; its plain chain must have verified first). The caller
    lifts the append-only triggers around this, in one transaction.
    Returns the new head (store_id left empty)."""
    events = cast(Table, AuditEvent.__table__)
    rows = list(con.execute(select(events).order_by(events.c.seq)).mappings())
    prev = GENESIS
    for r in rows:
        digest = chain_hash(prev, _content(r), key)
        con.execute(update(events).where(events.c.seq == r["seq"])
                    .values(prev_hash=prev, hash=digest))  # fmt: skip
        prev = digest
    anchors = cast(Table, AuditAnchor.__table__)
    if rows:
        con.execute(update(anchors).where(anchors.c.id == 1).values(seq=len(rows), hash=prev))
    return Head("", len(rows), prev)


def _verify(
    con: Connection,
    key: bytes | None,
    store_id: str,
    anchor_file: Path | None,
    outside: Head | None,
) -> Verdict:
    """Walk the whole chain; stop at the first event that does not hold."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    rows = con.execute(select(AuditEvent.__table__).order_by(AuditEvent.seq)).mappings()
    hashes: dict[int, str] = {}
    for r in rows:
        seq = r["seq"]
        if seq != expected_seq:
            return Verdict(False, count, f"event {expected_seq} is missing (next is {seq})")
        if r["prev_hash"] != prev:
            return Verdict(False, count, f"event {seq} does not link to event {seq - 1}")
        if not hmac.compare_digest(chain_hash(prev, _content(r), key), r["hash"]):
            return Verdict(False, count, f"event {seq} was altered (its hash does not match)")
        prev = r["hash"]
        hashes[seq] = prev
        expected_seq += 1
        count += 1

    anchor = con.execute(select(AuditAnchor.seq, AuditAnchor.hash).where(AuditAnchor.id == 1))
    head = anchor.first()
    if head is None:
        if count:
            return Verdict(False, count, "the audit anchor row is missing")
    elif head.seq != count or head.hash != prev:
        if head.seq > count:
            return Verdict(
                False,
                count,
                f"events {count + 1}-{head.seq} were cut off (the anchor names event {head.seq})",
            )
        return Verdict(False, count, f"the audit anchor does not match event {count}")

    if anchor_file is not None:
        if outside is None:
            if count:
                return Verdict(
                    False,
                    count,
                    f"the anchor file {anchor_file} is missing: the newest events could have "
                    "been cut off unseen",
                )
        elif outside.seq < 0:
            return Verdict(
                False,
                count,
                f"the anchor file {anchor_file} is unreadable (if nobody tampered with it, "
                "move it aside to reset it)",
            )
        elif outside.store_id != store_id:
            return Verdict(False, count, f"the anchor file {anchor_file} belongs to another store")
        elif outside.seq > count:
            return Verdict(
                False,
                count,
                f"events {count + 1}-{outside.seq} were cut off "
                f"(the anchor file names event {outside.seq})",
            )
        elif outside.seq > 0 and hashes.get(outside.seq) != outside.hash:
            return Verdict(
                False, count, f"event {outside.seq} differs from the anchor file's record"
            )
    return Verdict(True, count, f"OK: {count} events, chain intact")
