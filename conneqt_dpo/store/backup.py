"""Backup and restore of a local (SQLite) store.

A backup is an online, consistent copy (SQLite's backup API), checked after
writing: integrity, the audit chain, and the same number of cases as the
live store at the moment of the copy. A restore goes only into an empty data
folder, so it can never overwrite a store."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from conneqt_dpo.store import audit, paths
from conneqt_dpo.store import engine as engine_mod
from conneqt_dpo.store.errors import StoreError
from conneqt_dpo.store.models import AuditAnchor, Case
from conneqt_dpo.store.store import Store, open_store


@dataclass(frozen=True)
class BackupReport:
    path: Path
    cases: int
    events: int


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
    with store.read() as s:
        expected = s.execute(select(func.count(Case.id))).scalar_one()
    tmp = target.with_name(f".{target.name}.partial")
    try:
        engine_mod.backup_sqlite(source, tmp)
        report = _check_copy(tmp, minimum_cases=expected)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except OSError as e:
        raise StoreError(f"cannot write the backup to {target}: {e.strerror}") from None
    except sqlite3.Error as e:
        raise StoreError(f"cannot write the backup to {target}: {e}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return BackupReport(target, report.cases, report.events)


def _check_copy(path: Path, *, minimum_cases: int) -> BackupReport:
    result = engine_mod.integrity_check(path)
    if result != "ok":
        raise StoreError(f"the copy failed its integrity check ({result}); no backup written")
    eng = engine_mod.readonly_engine(path)  # a check must not change the file
    try:
        with eng.connect() as con:
            verdict = audit.verify(con, store_id="", anchor_file=None)
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
    return [f, *(f.with_name(f.name + x) for x in ("-wal", "-shm", "-journal")), p.audit_anchor]


def restore(source: Path, database: str | None = None) -> BackupReport:
    if database or os.environ.get(paths.DATABASE_URL_ENV):
        raise StoreError("restore writes a local store; unset CONNEQT_DPO_DATABASE_URL/--database")
    source = source.expanduser().absolute()
    if not source.is_file():
        raise StoreError(f"no backup file at {source}")
    p = paths.resolve()
    paths.ensure_data_dir(p)
    leftovers = _store_files(p)
    if any(f.exists() for f in leftovers):
        raise StoreError(
            f"the data folder {p.data_dir} already holds a store (or what is left of one); "
            "restore into an empty folder (set CONNEQT_DPO_DATA_DIR)"
        )
    engine_mod.precheck_sqlite_file(source)
    try:
        checked = _check_copy(source, minimum_cases=0)
    except sqlite3.Error as e:
        raise StoreError(f"{source} cannot be read as a store: {e}") from None
    tmp = p.data_dir / f".{paths.STORE_FILE}.restoring"
    try:
        engine_mod.backup_sqlite(source, tmp)
        os.replace(tmp, p.store_file)
    except (OSError, sqlite3.Error) as e:
        raise StoreError(f"cannot restore into {p.data_dir}: {e}") from None
    finally:
        tmp.unlink(missing_ok=True)
    try:
        store = open_store(data_dir=p.data_dir)  # upgrades an older backup's schema
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
        finally:
            store.close()
        if engine_mod.integrity_check(p.store_file) != "ok":
            raise StoreError("the restored store failed its integrity check")
    except BaseException:
        # Leave the folder as empty as it was: nothing half-restored.
        for f in leftovers:
            f.unlink(missing_ok=True)
        raise
    return BackupReport(p.store_file, checked.cases, checked.events)
