"""Engine set-up: the only place that knows which database is behind the
store. SQLite (the default, one file in the data folder) is an SQLCipher
database: every page, the WAL included, is encrypted with the store subkey,
set as a raw key on each connection (no passphrase re-derived per
connection). It gets WAL, foreign keys, a busy timeout and write
transactions that take the lock up front; any other URL (PostgreSQL for a
team) is used as given."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import QueuePool

from conneqt_dpo.store.errors import StoreUnavailable

BUSY_TIMEOUT_MS = 10_000
SQLITE_MAGIC = b"SQLite format 3\x00"
# The driver's error classes: callers catch these, not the stdlib sqlite3 ones.
DatabaseError = sqlcipher3.DatabaseError
Error = sqlcipher3.Error
FileKind = Literal["missing", "plain", "encrypted"]


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


def file_kind(path: Path) -> FileKind:
    """A plain SQLite file starts with its magic header; an SQLCipher file
    is random bytes from the first page on."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        return "missing"
    except OSError as e:
        raise StoreUnavailable(f"cannot read {path}: {e.strerror}") from None
    if head == SQLITE_MAGIC or head == b"":
        return "plain"
    return "encrypted"


def _quiet_sqlcipher() -> None:
    """SQLCipher's log level is process-wide: set it before any connection
    of an engine sends its key."""
    with contextlib.closing(sqlcipher3.connect(":memory:")) as con:
        con.execute("PRAGMA cipher_log_level = NONE")


def connect(path: Path | str, raw_key: str | None, *, readonly: bool = False,
            **kwargs: Any) -> sqlcipher3.Connection:  # fmt: skip
    """A driver connection to a store file; `raw_key` is the SQLCipher raw
    key literal (x'...'), None for a plain file. The key is the first
    statement: SQLCipher reads nothing before it."""
    target = f"file:{path}?mode=ro" if readonly else str(path)
    con = sqlcipher3.connect(target, uri=readonly, **kwargs)
    try:
        # A wrong key is reported to the person as one line; SQLCipher's own
        # log would add lines on stderr.
        con.execute("PRAGMA cipher_log_level = NONE")
        if raw_key is not None:
            con.execute(f"PRAGMA key = \"{raw_key}\"")
        return con
    except BaseException:
        con.close()
        raise


@contextlib.contextmanager
def connection(path: Path | str, raw_key: str | None, *, readonly: bool = False
               ) -> Iterator[sqlcipher3.Connection]:  # fmt: skip
    con = connect(path, raw_key, readonly=readonly)
    try:
        yield con
    finally:
        con.close()


def precheck_sqlite_file(path: Path, raw_key: str | None = None) -> tuple[bool, str | None]:
    """Look at a store file read-only, before anything (WAL switch, migration,
    backup) could touch it: (holds tables, its schema revision or None).
    Refuses a file that is not a readable store (a wrong key reads as one)."""
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
        con = connect(path, raw_key if file_kind(path) == "encrypted" else None)
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
    except DatabaseError as e:
        if file_kind(path) == "encrypted":
            raise StoreUnavailable(
                f"{path} cannot be read with this store's key (a store encrypted with another "
                "key, or not a conneqt-dpo store); the file was left untouched"
            ) from None
        raise StoreUnavailable(
            f"{path} is not a readable conneqt-dpo store ({e}); the file was left untouched"
        ) from None
    return bool(tables), revision


def readonly_engine(path: Path, raw_key: str | None = None) -> Engine:
    """An engine that can only read `path` (checking a backup or a restore
    source must not switch it to WAL or write anything)."""
    return create_engine(
        "sqlite://",
        creator=lambda: connect(path, raw_key, readonly=True, check_same_thread=False),
        poolclass=QueuePool,
        hide_parameters=True,
    )


def make_engine(url: str, raw_key: str | None = None, **kwargs: Any) -> Engine:
    """`raw_key`: the SQLCipher raw key literal for a local store (None for
    a plain database, which only tests and the conversion read)."""
    try:
        u = make_url(url)
    except ArgumentError:
        raise StoreUnavailable(f"not a database URL: {url!r}") from None
    # Statement parameters are personal data: never in an error message or a log.
    kwargs.setdefault("hide_parameters", True)
    if u.get_backend_name() != "sqlite":
        try:
            return create_engine(u, pool_pre_ping=True, **kwargs)
        except (NoSuchModuleError, ImportError) as e:
            raise StoreUnavailable(f"cannot use the database URL {u!r}: {e}") from None

    _quiet_sqlcipher()
    database = u.database or ":memory:"
    connect_args = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
    if raw_key is not None:
        # SQLAlchemy's pysqlcipher dialect sends the URL's password as
        # `PRAGMA key="..."` first on every connection; the x'...' literal
        # makes it a raw key, so nothing is re-derived per connection. The
        # URL object hides the password in its str() and repr().
        target = URL.create("sqlite+pysqlcipher", password=raw_key, database=database)
        engine = create_engine(target, connect_args=connect_args,
                               poolclass=kwargs.pop("poolclass", QueuePool), **kwargs)  # fmt: skip
    else:
        # A plain file (tests, and reading a store before its conversion):
        # the same driver, so its errors are the ones SQLAlchemy wraps.
        engine = create_engine(u, module=sqlcipher3, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_con: sqlcipher3.Connection, _record: object) -> None:
        # Let SQLAlchemy's events, not the driver, decide when a transaction
        # begins, so that BEGIN IMMEDIATE below is what starts it.
        dbapi_con.isolation_level = None
        cur = dbapi_con.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if database != ":memory:":
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


def backup_sqlite(source: Path, target: Path, raw_key: str | None = None) -> None:
    """An online, consistent copy of a store (the SQLite backup API; with
    SQLCipher both ends carry the same key, so the copy is encrypted too)."""
    with connection(source, raw_key, readonly=True) as src, connection(target, raw_key) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")


def integrity_check(path: Path, raw_key: str | None = None) -> str:
    with connection(path, raw_key, readonly=True) as con:
        row = con.execute("PRAGMA integrity_check").fetchone()
        return str(row[0]) if row else "no answer"


def encrypt_plain_file(plain: Path, target: Path, raw_key: str) -> None:
    """Write an encrypted copy of a plain store (SQLCipher's sqlcipher_export,
    which copies schema, data, triggers and user_version). `target` must not
    exist. The plain file's WAL is checkpointed into it first."""
    if target.exists():
        raise StoreUnavailable(f"{target} is in the way; move it aside first")
    with connection(plain, None) as con:
        con.isolation_level = None
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        literal = str(target).replace("'", "''")
        con.execute(f"ATTACH DATABASE '{literal}' AS encrypted KEY \"{raw_key}\"")
        try:
            con.execute("SELECT sqlcipher_export('encrypted')")
            version = con.execute("PRAGMA user_version").fetchone()[0]
            con.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        finally:
            con.execute("DETACH DATABASE encrypted")
    if os.name == "posix":
        os.chmod(target, 0o600)
