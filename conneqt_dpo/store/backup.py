"""Backup and restore of a local (SQLite) store.

A backup is one file: an uncompressed tar holding a manifest, an online,
consistent copy of the encrypted store (SQLite's backup API, the copy keyed
like the store), the passphrase-wrapped key file and the evidence locker's
encrypted files. Nothing in it is plain text: restoring it needs the
passphrase (or the keyring entry of the same key). The copy is checked
after writing: integrity, the audit chain, and at least as many cases as the
live store had when the copy began. A restore goes only into an empty data
folder, so it can never overwrite a store; a plain `.db` backup from before
encryption is restored too (and encrypted as it is opened)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from conneqt_dpo.store import audit, keys, paths
from conneqt_dpo.store import engine as engine_mod
from conneqt_dpo.store.crypto import Subkeys
from conneqt_dpo.store.errors import StoreError
from conneqt_dpo.store.models import AuditAnchor, Case
from conneqt_dpo.store.store import LOCKER_DIR, Store, Unlock, open_store

FORMAT = "conneqt-dpo backup"
VERSION = 1
MANIFEST = "manifest.json"
STORE_MEMBER = "store.db"
KEY_MEMBER = "store.key.json"


@dataclass(frozen=True)
class BackupReport:
    path: Path
    cases: int
    events: int
    documents: int = 0


def backup(store: Store, target: Path) -> BackupReport:
    source = store.sqlite_file
    if source is None:
        raise StoreError(
            "backup copies a local store; back up a database server with its own tools (pg_dump)"
        )
    target = target.expanduser().absolute()
    if target.exists():
        raise StoreError(f"{target} exists; choose a new file name")
    if not target.parent.is_dir():
        raise StoreError(f"the folder {target.parent} does not exist")
    raw_key = store.keys.store_pragma_key()
    with store.read() as s:
        expected = s.execute(select(func.count(Case.id))).scalar_one()
    partial = target.with_name(f".{target.name}.partial")
    try:
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".conneqt-backup-") as tmp:
            copy = Path(tmp) / STORE_MEMBER
            engine_mod.backup_sqlite(source, copy, raw_key)
            report = _check_copy(copy, store.keys, minimum_cases=expected)
            blobs = _locker_files(store.paths.data_dir / LOCKER_DIR)
            _check_files(copy, raw_key, {rel.split("/")[-1] for rel, _ in blobs})
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "store_id": store.store_id,
                "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "cases": report.cases,
                "events": report.events,
                "documents": len(blobs),
            }
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
                data = json.dumps(manifest, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                tar.add(copy, STORE_MEMBER)
                tar.add(store.key_file, KEY_MEMBER)
                for rel, path in blobs:
                    tar.add(path, f"{LOCKER_DIR}/{rel}")
            with open(partial, "rb+") as f:
                os.fsync(f.fileno())
            os.chmod(partial, 0o600)
            os.replace(partial, target)
    except OSError as e:
        raise StoreError(f"cannot write the backup to {target}: {e.strerror or e}") from None
    except engine_mod.Error as e:
        raise StoreError(f"cannot write the backup to {target}: {e}") from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(target, report.cases, report.events, len(blobs))


def _check_files(copy: Path, raw_key: str, stored: set[str]) -> None:
    """Every live document of the copy has its file in the backup."""
    with engine_mod.connection(copy, raw_key, readonly=True) as con:
        rows = con.execute(
            "SELECT id, address FROM documents WHERE purged_at IS NULL ORDER BY id"
        ).fetchall()
    missing = [str(i) for i, address in rows if address not in stored]
    if missing:
        raise StoreError(
            f"the stored files of documents {', '.join(missing[:10])} are missing from the "
            "document folder; no backup written"
        )


def _locker_files(root: Path) -> list[tuple[str, Path]]:
    """The locker's stored files (two-level, named by address), no temp files."""
    if not root.is_dir():
        return []
    found = []
    for sub in sorted(root.iterdir()):
        if sub.is_dir() and len(sub.name) == 2:
            for f in sorted(sub.iterdir()):
                if f.is_file() and len(f.name) == 64 and not f.name.startswith("."):
                    found.append((f"{sub.name}/{f.name}", f))
    return found


def _check_copy(path: Path, subkeys: Subkeys | None, *, minimum_cases: int) -> BackupReport:
    raw_key = subkeys.store_pragma_key() if subkeys else None
    result = engine_mod.integrity_check(path, raw_key)
    if result != "ok":
        raise StoreError(f"the copy failed its integrity check ({result}); no backup written")
    eng = engine_mod.readonly_engine(path, raw_key)  # a check must not change the file
    try:
        with eng.connect() as con:
            verdict = audit.verify(con, key=subkeys.audit if subkeys else None,
                                   store_id="", anchor_file=None)  # fmt: skip
            cases = con.execute(select(func.count(Case.id))).scalar_one()
    finally:
        eng.dispose()
    if not verdict.ok:
        raise StoreError(f"the copy's audit chain does not verify: {verdict.message}")
    # Another process may add cases while we copy; none may go missing.
    if cases < minimum_cases:
        raise StoreError(f"the copy holds {cases} cases, the store {minimum_cases}")
    return BackupReport(path, cases, verdict.events)


def _store_files(p: paths.Paths) -> list[Path]:
    f = p.store_file
    return [
        f,
        *(f.with_name(f.name + x) for x in ("-wal", "-shm", "-journal")),
        p.audit_anchor,
        keys.key_file_for(f),
    ]


def restore(source: Path, database: str | None = None, *,
            unlock: Unlock | None = None) -> BackupReport:  # fmt: skip
    if database or os.environ.get(paths.DATABASE_URL_ENV):
        raise StoreError("restore writes a local store; unset CONNEQT_DPO_DATABASE_URL/--database")
    source = source.expanduser().absolute()
    if not source.is_file():
        raise StoreError(f"no backup file at {source}")
    p = paths.resolve()
    paths.ensure_data_dir(p)
    leftovers = _store_files(p)
    locker = p.data_dir / LOCKER_DIR
    if any(f.exists() for f in leftovers) or (locker.exists() and any(locker.iterdir())):
        raise StoreError(
            f"the data folder {p.data_dir} already holds a store (or what is left of one); "
            "restore into an empty folder (set CONNEQT_DPO_DATA_DIR)"
        )
    try:
        if tarfile.is_tarfile(source):
            checked = _restore_archive(source, p, unlock)
        else:
            checked = _restore_plain(source, p)
        store = open_store(data_dir=p.data_dir, unlock=unlock)  # upgrades an older schema
        try:
            with store.read() as s:
                head = s.execute(select(AuditAnchor.seq, AuditAnchor.hash)).first()
            audit.write_anchor_file(
                p.audit_anchor,
                audit.Head(store.store_id, head.seq if head else 0,
                           head.hash if head else audit.GENESIS),
            )  # fmt: skip
            verdict = store.verify_audit()
            if not verdict.ok:
                raise StoreError(f"the restored store does not verify: {verdict.message}")
            raw_key = store.keys.store_pragma_key()
        finally:
            store.close()
        if engine_mod.integrity_check(p.store_file, raw_key) != "ok":
            raise StoreError("the restored store failed its integrity check")
    except BaseException:
        # Leave the folder as empty as it was: nothing half-restored.
        for f in leftovers:
            f.unlink(missing_ok=True)
        shutil.rmtree(locker, ignore_errors=True)
        raise
    return BackupReport(p.store_file, checked.cases, checked.events, checked.documents)


def _restore_plain(source: Path, p: paths.Paths) -> BackupReport:
    """A plain SQLite backup from before encryption: copied in, and
    encrypted by open_store."""
    if engine_mod.file_kind(source) != "plain":
        raise StoreError(
            f"{source} is not a conneqt-dpo backup (neither a backup file nor a plain store); "
            "it was left untouched"
        )
    engine_mod.precheck_sqlite_file(source)
    try:
        checked = _check_copy(source, None, minimum_cases=0)
    except engine_mod.Error as e:
        raise StoreError(f"{source} cannot be read as a store: {e}") from None
    tmp = p.data_dir / f".{paths.STORE_FILE}.restoring"
    try:
        engine_mod.backup_sqlite(source, tmp)
        os.replace(tmp, p.store_file)
    except (OSError, engine_mod.Error) as e:
        raise StoreError(f"cannot restore into {p.data_dir}: {e}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return checked


def _restore_archive(source: Path, p: paths.Paths, unlock: Unlock | None) -> BackupReport:
    try:
        with tarfile.open(source, "r") as tar:
            manifest = _manifest(tar, source)
            members = {m.name: m for m in tar.getmembers()}
            for needed in (STORE_MEMBER, KEY_MEMBER):
                if needed not in members or not members[needed].isfile():
                    raise StoreError(f"{source} is not a complete conneqt-dpo backup ({needed})")
            with tempfile.TemporaryDirectory(dir=p.data_dir, prefix=".restoring-") as tmp:
                # The "data" filter refuses absolute paths, links and names
                # that climb out of the folder (PEP 706).
                tar.extractall(tmp, filter="data")
                staged = Path(tmp)
                key_file = keys.key_file_for(p.store_file)
                keys.KeyFile.read(staged / KEY_MEMBER)  # a broken key file is refused here
                shutil.copy2(staged / KEY_MEMBER, key_file)
                u = unlock or Unlock()
                master = keys.unlock(key_file, u.secrets or keys.Secrets(), u.ask,
                                     env=os.environ if u.env is None else u.env)  # fmt: skip
                subkeys = Subkeys.from_master(master)
                checked = _check_copy(staged / STORE_MEMBER, subkeys, minimum_cases=0)
                os.replace(staged / STORE_MEMBER, p.store_file)
                if (staged / LOCKER_DIR).is_dir():
                    os.replace(staged / LOCKER_DIR, p.data_dir / LOCKER_DIR)
    except (tarfile.TarError, OSError) as e:
        raise StoreError(f"{source} cannot be read as a backup: {e}") from None
    except engine_mod.Error as e:
        raise StoreError(f"{source} cannot be read as a store: {e}") from None
    return BackupReport(p.store_file, checked.cases, checked.events,
                        int(str(manifest.get("documents", 0))))  # fmt: skip


def _manifest(tar: tarfile.TarFile, source: Path) -> dict[str, object]:
    try:
        f = tar.extractfile(MANIFEST)
        raw = json.loads(f.read()) if f is not None else None
    except (KeyError, ValueError):
        raw = None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise StoreError(f"{source} is not a conneqt-dpo backup")
    if raw.get("version") != VERSION:
        raise StoreError(f"{source} was written by a newer version of conneqt-dpo")
    return raw
