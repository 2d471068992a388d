"""Encryption at rest: the store is an SQLCipher file, the locker holds
ciphertext, nothing personal is readable anywhere in the data folder; a plain
store from before encryption is converted; keys come from the keyring or the
passphrase, and every way of losing them is a clear message."""

from __future__ import annotations

import shutil
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from conneqt_dpo.store import engine as engine_mod
from conneqt_dpo.store import keys
from conneqt_dpo.store.backup import backup, restore
from conneqt_dpo.store.errors import StoreError, StoreUnavailable
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.store import Unlock, open_store
from tests.conftest import PASSPHRASE, FrozenClock
from tests.factories import request
from tests.memory_keyring import MemoryKeyring

LEGACY = Path(__file__).parent / "data" / "plain-store-20261124_0006.db"
LEGACY_ANCHOR = LEGACY.with_name("plain-store-20261124_0006.audit-anchor.json")
NAME_MARKER = "Qzxwvmarker"
DOC_MARKER = b"PLMOKNMARKER"


def _grep(folder: Path, *markers: bytes) -> list[str]:
    hits = []
    for f in folder.rglob("*"):
        if f.is_file():
            data = f.read_bytes().lower()
            hits += [f"{f.name}: {m!r}" for m in markers if m.lower() in data]
    return hits


def test_nothing_personal_is_readable_anywhere_in_the_data_folder(
    data_dir: Path, clock: FrozenClock, tmp_path: Path
) -> None:
    store = open_store(data_dir=data_dir, clock=clock)
    svc = Services(store, clock=clock)
    svc.init(name="Dana Officer", email="dpo@example.org")
    (ref,) = svc.log_request(request(name=f"{NAME_MARKER} Check",
                                     email=f"{NAME_MARKER.lower()}@example.org",
                                     note=f"called about {NAME_MARKER}"))  # fmt: skip
    scan = tmp_path / "passport.txt"
    scan.write_bytes(b"".join(DOC_MARKER + b" line %d\n" % i for i in range(3000)))
    svc.attach(ref, scan, kind="identity")
    svc.save_draft("intake", {"name": f"{NAME_MARKER} draft"})
    # While open (the WAL holds the newest pages) and after a backup.
    wal = data_dir / "store.db-wal"
    assert wal.exists() and wal.stat().st_size > 0
    assert _grep(data_dir, NAME_MARKER.encode(), DOC_MARKER) == []
    (data_dir / "backups").mkdir(exist_ok=True)
    backup(store, data_dir / "backups" / "copy.db")
    store.close()
    assert _grep(data_dir, NAME_MARKER.encode(), DOC_MARKER) == []
    assert engine_mod.file_kind(data_dir / "store.db") == "encrypted"


def test_a_plain_store_is_converted_checked_and_its_backup_removed(
    data_dir: Path, clock: FrozenClock
) -> None:
    data_dir.mkdir(parents=True)
    shutil.copy(LEGACY, data_dir / "store.db")
    shutil.copy(LEGACY_ANCHOR, data_dir / "store.audit-anchor.json")
    assert b"legacymarker" in (data_dir / "store.db").read_bytes()
    store = open_store(data_dir=data_dir, clock=clock)
    try:
        assert store.encrypted_now
        svc = Services(store, clock=clock)
        assert len(svc.list_cases()) == 13
        assert svc.get_case("DSR-2026-00013").row.requester_name == "Legacymarker Person"
        verdict = store.verify_audit()
        assert verdict.ok and verdict.events == 69
        assert store.migration.before == "20261124_0006"  # then upgraded, encrypted
    finally:
        store.close()
    assert engine_mod.file_kind(data_dir / "store.db") == "encrypted"
    assert _grep(data_dir, b"legacymarker") == []
    assert [p for p in (data_dir / "backups").glob("*") if "encryption" in p.name] == []
    for old in (data_dir / "backups").glob("*.db"):  # the upgrade's own backup
        assert engine_mod.file_kind(old) == "encrypted"


def test_a_plain_store_whose_chain_was_tampered_is_not_converted(
    data_dir: Path, clock: FrozenClock
) -> None:
    import sqlite3

    data_dir.mkdir(parents=True)
    f = data_dir / "store.db"
    shutil.copy(LEGACY, f)
    shutil.copy(LEGACY_ANCHOR, data_dir / "store.audit-anchor.json")
    con = sqlite3.connect(f)
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
        con.execute(f'DROP TRIGGER "{name}"')
    con.execute("UPDATE audit_events SET actor = 'someone' WHERE seq = 3")
    con.commit()
    con.close()
    before = f.read_bytes()
    with pytest.raises(StoreUnavailable, match="does not verify"):
        open_store(data_dir=data_dir, clock=clock)
    assert f.read_bytes() == before
    assert list((data_dir / "backups").glob("*")) == []


def test_a_new_store_without_a_passphrase_is_refused_clearly(
    data_dir: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(keys.PASSPHRASE_ENV)
    with pytest.raises(keys.KeyLocked, match="needs a passphrase"):
        open_store(data_dir=data_dir, clock=clock)
    assert not (data_dir / "store.db").exists()
    with pytest.raises(StoreError, match="at least 10"):
        open_store(data_dir=data_dir, clock=clock, unlock=Unlock(ask_new=lambda _p: "short"))


def test_the_keyring_opens_the_store_without_a_passphrase(
    data_dir: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:  # fmt: skip
    open_store(data_dir=data_dir, clock=clock).close()
    assert len(memory_keyring.entries) == 1
    monkeypatch.delenv(keys.PASSPHRASE_ENV)
    open_store(data_dir=data_dir, clock=clock).close()


def test_a_deleted_keyring_entry_falls_back_to_the_passphrase_and_is_restored(
    data_dir: Path, clock: FrozenClock, memory_keyring: MemoryKeyring
) -> None:
    open_store(data_dir=data_dir, clock=clock).close()
    memory_keyring.entries.clear()
    open_store(data_dir=data_dir, clock=clock).close()  # from CONNEQT_DPO_PASSPHRASE
    assert len(memory_keyring.entries) == 1


def test_no_keyring_asks_for_the_passphrase_every_time(
    data_dir: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring.set_keyring(fail.Keyring())
    open_store(data_dir=data_dir, clock=clock).close()
    monkeypatch.delenv(keys.PASSPHRASE_ENV)
    with pytest.raises(keys.KeyLocked, match="locked"):
        open_store(data_dir=data_dir, clock=clock)
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return PASSPHRASE

    open_store(data_dir=data_dir, clock=clock, unlock=Unlock(ask=ask)).close()
    assert len(asked) == 1


def test_a_wrong_passphrase_destroys_nothing(
    data_dir: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring.set_keyring(fail.Keyring())
    store = open_store(data_dir=data_dir, clock=clock)
    Services(store, clock=clock).init(name="Dana Officer")
    store.close()
    files = {p.name: p.read_bytes() for p in data_dir.iterdir() if p.is_file()}
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "not the passphrase at all")
    with pytest.raises(keys.WrongPassphrase, match="wrong"):
        open_store(data_dir=data_dir, clock=clock)
    assert {p.name: p.read_bytes() for p in data_dir.iterdir() if p.is_file()} == files


def test_a_missing_key_file_is_explained_and_a_recovery_file_brings_it_back(
    data_dir: Path, clock: FrozenClock, tmp_path: Path
) -> None:
    store = open_store(data_dir=data_dir, clock=clock)
    recovery = tmp_path / "recovery.json"
    keys.export_recovery(store.key_file, recovery)
    store.close()
    (data_dir / "store.key.json").unlink()
    with pytest.raises(StoreUnavailable, match="key export"):
        open_store(data_dir=data_dir, clock=clock)
    keys.import_recovery(recovery, data_dir / "store.key.json")
    open_store(data_dir=data_dir, clock=clock).close()


def test_backup_and_restore_carry_the_store_the_locker_and_the_key(
    data_dir: Path, clock: FrozenClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(data_dir=data_dir, clock=clock)
    svc = Services(store, clock=clock)
    svc.init(name="Dana Officer")
    (ref,) = svc.log_request(request())
    scan = tmp_path / "scan.txt"
    scan.write_bytes(b"scan " * 1000)
    doc = svc.attach(ref, scan, kind="identity")
    report = backup(store, tmp_path / "backup.db")
    store.close()
    assert (report.cases, report.documents) == (1, 1)
    assert b"scan scan" not in (tmp_path / "backup.db").read_bytes()

    other = tmp_path / "elsewhere"
    monkeypatch.setenv("CONNEQT_DPO_DATA_DIR", str(other))
    keyring.set_keyring(MemoryKeyring())  # another computer: its keyring is empty
    restored = restore(tmp_path / "backup.db")
    assert restored.cases == 1
    store = open_store(data_dir=other, clock=clock)
    try:
        Services(store, clock=clock).export_document(doc.id, tmp_path / "back.txt")
        assert (tmp_path / "back.txt").read_bytes() == scan.read_bytes()
        assert store.verify_audit().ok
    finally:
        store.close()


def test_restore_needs_the_passphrase_and_leaves_nothing_behind(
    data_dir: Path, clock: FrozenClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(data_dir=data_dir, clock=clock)
    Services(store, clock=clock).init(name="Dana Officer")
    backup(store, tmp_path / "backup.db")
    store.close()
    other = tmp_path / "elsewhere"
    monkeypatch.setenv("CONNEQT_DPO_DATA_DIR", str(other))
    keyring.set_keyring(MemoryKeyring())
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "a different passphrase")
    with pytest.raises(keys.WrongPassphrase):
        restore(tmp_path / "backup.db")
    assert [p.name for p in other.iterdir()] == []


def test_a_hostile_backup_archive_is_refused(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import json
    import tarfile

    evil = tmp_path / "evil.db"
    with tarfile.open(evil, "w") as tar:
        for name, data in (("manifest.json", json.dumps({"format": "conneqt-dpo backup",
                                                         "version": 1}).encode()),
                           ("../../escaped.txt", b"x"), ("store.db", b"x"),
                           ("store.key.json", b"{}")):  # fmt: skip
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(StoreError):
        restore(evil)
    assert not (tmp_path / "escaped.txt").exists()
    assert [p.name for p in data_dir.iterdir()] == []


def test_a_conversion_cut_short_after_the_swap_is_finished_on_the_next_open(
    data_dir: Path, clock: FrozenClock
) -> None:
    """Killed between putting the encrypted copy in place and moving the
    anchor file: the anchor still names the plain chain's head and the plain
    backup is still there. The next open finishes the job."""
    data_dir.mkdir(parents=True)
    shutil.copy(LEGACY, data_dir / "store.db")
    shutil.copy(LEGACY_ANCHOR, data_dir / "store.audit-anchor.json")
    open_store(data_dir=data_dir, clock=clock).close()
    # As the kill would have left it:
    shutil.copy(LEGACY_ANCHOR, data_dir / "store.audit-anchor.json")
    shutil.copy(LEGACY, data_dir / "backups" / "store-20261124T150000Z-before-encryption.db")
    store = open_store(data_dir=data_dir, clock=clock)
    try:
        assert store.verify_audit().ok
    finally:
        store.close()
    assert _grep(data_dir, b"legacymarker") == []


def test_a_backup_refuses_when_a_document_s_file_is_missing(
    data_dir: Path, clock: FrozenClock, tmp_path: Path
) -> None:
    store = open_store(data_dir=data_dir, clock=clock)
    try:
        svc = Services(store, clock=clock)
        svc.init(name="Dana Officer")
        (ref,) = svc.log_request(request())
        scan = tmp_path / "scan.txt"
        scan.write_bytes(b"scan " * 100)
        doc = svc.attach(ref, scan, kind="identity")
        store.locker.path_of(doc.address).unlink()
        with pytest.raises(StoreError, match=f"documents {doc.id} are missing"):
            backup(store, tmp_path / "backup.db")
        assert not (tmp_path / "backup.db").exists()
    finally:
        store.close()
