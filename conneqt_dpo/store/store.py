"""Opening the case store: find it, check it, migrate it, hand out sessions."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from conneqt_dpo.store import audit, migrate, paths
from conneqt_dpo.store import engine as engine_mod
from conneqt_dpo.store.errors import StoreError, StoreUnavailable
from conneqt_dpo.store.models import StoreMeta

Clock = Callable[[], dt.datetime]


ANCHOR_INTERVAL_S = 1.0
log = logging.getLogger(__name__)


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Store:
    url: str
    paths: paths.Paths
    engine: Engine
    store_id: str
    migration: migrate.MigrationReport
    # The audit head this process committed last but has not yet written to
    # the anchor file, and when it last wrote it (see _advance_anchor_file).
    _pending_head: tuple[int, str] | None = field(default=None, repr=False)
    _anchor_written: float = field(default=float("-inf"), repr=False)

    @property
    def sqlite_file(self) -> Path | None:
        return engine_mod.sqlite_path(self.url)

    @property
    def anchor_file(self) -> Path | None:
        """The outside anchor lives beside a local store only: a shared
        server's store is protected by the server."""
        f = self.sqlite_file
        return paths.anchor_for(f) if f is not None else None

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: commit on success, roll back on any error, then
        move the outside anchor of the audit chain forward."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                with session.begin():
                    yield session
            except DBAPIError as e:
                raise _friendly(e) from e
            self._advance_anchor_file(session)

    @contextmanager
    def read(self) -> Iterator[Session]:
        ro = self.engine.execution_options(conneqt_readonly=True)
        with Session(ro) as session:
            try:
                with session.begin():
                    yield session
            except DBAPIError as e:
                raise _friendly(e) from e

    def _advance_anchor_file(self, session: Session) -> None:
        """Move the outside anchor to the head this transaction committed.
        Written at most once a second while writes keep coming (a tmp file,
        fsync and rename cost more than logging a request), and always on
        verify and close: the file may lag the database, never lead it."""
        head = session.info.pop("audit_head", None)
        if self.anchor_file is None or head is None:
            return
        self._pending_head = head
        if time.monotonic() - self._anchor_written >= ANCHOR_INTERVAL_S:
            self.flush_anchor()

    def flush_anchor(self) -> None:
        """Write the pending head to the anchor file, unless the file shows
        tampering (unreadable, another store's, or naming an event the chain
        no longer holds as it was): that file is evidence for `audit verify`
        and stays. A failure to write is logged, never raised: the change it
        follows is already committed, and the file may lag."""
        path, head = self.anchor_file, self._pending_head
        if path is None or head is None:
            return
        self._anchor_written = time.monotonic()
        seq, digest = head
        try:
            current = audit.read_anchor_file(path)
            if current is not None:
                if current.seq < 0 or current.store_id != self.store_id:
                    self._pending_head = None
                    return
                if current.seq >= seq:
                    self._pending_head = None
                    return  # another process already moved it further
                with self.read() as s:
                    if not audit.holds(s.connection(), current.seq, current.hash):
                        self._pending_head = None
                        return
            audit.write_anchor_file(path, audit.Head(self.store_id, seq, digest))
            self._pending_head = None
        except (OSError, StoreError) as e:
            log.warning("could not move the audit anchor file %s forward: %s", path, e)

    def verify_audit(self) -> audit.Verdict:
        self.flush_anchor()
        # Read the file before the chain: it never leads the database, so a
        # writer committing in between cannot make a clean store look cut.
        outside = audit.read_anchor_file(self.anchor_file) if self.anchor_file else None
        with self.engine.execution_options(conneqt_readonly=True).connect() as con:
            return audit.verify(
                con,
                store_id=self.store_id,
                anchor_file=self.anchor_file,
                outside=outside,
            )

    def close(self) -> None:
        self.flush_anchor()
        self.engine.dispose()


def _friendly(e: DBAPIError) -> StoreError:
    text = str(e.orig).lower()
    if "database is locked" in text or "database is busy" in text:
        return StoreError("the store is busy in another window or process; try again")
    if "disk is full" in text or "no space" in text:
        return StoreError("the disk is full: free some space; nothing was saved")
    if "readonly" in text or "read-only" in text:
        return StoreError("the store is read-only for this account; nothing was saved")
    return StoreError(f"the store refused the change: {e.orig}")


def resolve_url(url: str | None, p: paths.Paths) -> str:
    return url or os.environ.get(paths.DATABASE_URL_ENV) or engine_mod.sqlite_url(p.store_file)


def open_store(
    url: str | None = None,
    data_dir: Path | None = None,
    *,
    clock: Clock = system_clock,
    migrations: Path | None = None,
) -> Store:
    """Open (creating or upgrading as needed) the store. Raises
    StoreUnavailable, leaving everything untouched, when it cannot."""
    p = paths.resolve(data_dir)
    paths.ensure_data_dir(p)
    resolved = resolve_url(url, p)
    sqlite_file = engine_mod.sqlite_path(resolved) if engine_mod.is_sqlite(resolved) else None
    if sqlite_file is not None:
        has_tables, revision = engine_mod.precheck_sqlite_file(sqlite_file)
        migrate.check_revision(has_tables, revision, migrations)
        if not sqlite_file.exists() and not os.access(sqlite_file.parent, os.W_OK):
            raise StoreUnavailable(f"cannot create the store in {sqlite_file.parent}")
    eng = engine_mod.make_engine(resolved)
    try:
        report = migrate.upgrade(
            eng, sqlite_file=sqlite_file, backups_dir=p.backups_dir, scripts=migrations
        )
        store_id = _store_id(eng, clock)
    except DBAPIError as e:
        eng.dispose()
        raise StoreUnavailable(f"cannot open the store: {e.orig}") from None
    except BaseException:
        eng.dispose()
        raise
    anchor = paths.anchor_for(sqlite_file) if sqlite_file is not None else None
    if anchor is not None and report.created:
        # From its first moment a store has its anchor: a missing file later
        # means someone removed it.
        audit.write_anchor_file(anchor, audit.Head(store_id, 0, audit.GENESIS))
    if sqlite_file is not None and os.name == "posix":
        with contextlib.suppress(OSError):  # a store someone else owns stays as it is
            os.chmod(sqlite_file, 0o600)
    return Store(resolved, p, eng, store_id, report)


def _store_id(eng: Engine, clock: Clock) -> str:
    with Session(eng.execution_options(conneqt_readonly=True)) as s, s.begin():
        known = s.execute(select(StoreMeta.store_id).where(StoreMeta.id == 1)).scalar()
    if known is not None:
        return str(known)
    with Session(eng) as s, s.begin():
        meta = s.get(StoreMeta, 1)
        if meta is None:
            meta = StoreMeta(id=1, store_id=str(uuid.uuid4()), created_at=_naive_utc(clock()))
            s.add(meta)
        return meta.store_id


def _naive_utc(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC).replace(tzinfo=None)
