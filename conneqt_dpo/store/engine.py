"""Engine set-up: the only place that knows which database is behind the
store. SQLite (the default, one file in the data folder) gets WAL, foreign
keys, a busy timeout and write transactions that take the lock up front;
any other URL (PostgreSQL for a team) is used as given."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from conneqt_dpo.store.errors import StoreUnavailable

BUSY_TIMEOUT_MS = 10_000


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _url(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError:
        raise StoreUnavailable(f"not a database URL: {url!r}") from None


def is_sqlite(url: str) -> bool:
    return _url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    u = _url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def precheck_sqlite_file(path: Path) -> tuple[bool, str | None]:
    """Look at a store file read-only, before anything (WAL switch, migration,
    backup) could touch it: (holds tables, its schema revision or None).
    Refuses a file that is not a readable SQLite database."""
    if not path.exists():
        for suffix in ("-wal", "-journal"):
            stray = path.with_name(path.name + suffix)
            if stray.exists():
                raise StoreUnavailable(
                    f"{stray} is left over from a store that is gone; move it aside first "
                    "(it would be replayed into a new store)"
                )
        return False, None
    try:
        # Not mode=ro: a read-only connection cannot see the WAL of a store
        # another process has open. query_only makes it just as harmless.
        con = sqlite3.connect(path)
        try:
            con.execute("PRAGMA query_only=ON")
            con.execute("PRAGMA schema_version").fetchone()
            rows = con.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
            tables = {r[0] for r in rows}
            revision = None
            if "alembic_version" in tables:
                rows = con.execute("SELECT version_num FROM alembic_version").fetchall()
                revision = str(rows[0][0]) if len(rows) == 1 else ""
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        raise StoreUnavailable(
            f"{path} is not a readable conneqt-dpo store ({e}); the file was left untouched"
        ) from None
    return bool(tables), revision


def readonly_engine(path: Path) -> Engine:
    """An engine that can only read `path` (checking a backup or a restore
    source must not switch it to WAL or write anything)."""
    return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")


def make_engine(url: str, **kwargs: Any) -> Engine:
    try:
        u = make_url(url)
    except ArgumentError:
        raise StoreUnavailable(f"not a database URL: {url!r}") from None
    if u.get_backend_name() != "sqlite":
        try:
            return create_engine(u, pool_pre_ping=True, **kwargs)
        except (NoSuchModuleError, ImportError) as e:
            raise StoreUnavailable(f"cannot use the database URL {u!r}: {e}") from None

    engine = create_engine(u, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_con: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy's events, not the driver, decide when a transaction
        # begins, so that BEGIN IMMEDIATE below is what starts it.
        dbapi_con.isolation_level = None
        cur = dbapi_con.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if u.database and u.database != ":memory:":
            cur.execute("PRAGMA journal_mode=WAL")
        # FULL: a request that was logged survives a power cut too (NORMAL
        # in WAL mode may lose the last commits), and the audit anchor file,
        # written after the commit, can never name an event the database lost.
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock when they begin, so two processes never
        # deadlock upgrading a read lock; readers stay deferred (WAL readers
        # do not block writers).
        if conn.get_execution_options().get("conneqt_readonly"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def backup_sqlite(source: Path, target: Path) -> None:
    """An online, consistent copy of a SQLite store (sqlite3 backup API)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()


def integrity_check(path: Path) -> str:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = con.execute("PRAGMA integrity_check").fetchone()
        return str(row[0]) if row else "no answer"
    finally:
        con.close()
