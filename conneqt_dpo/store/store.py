"""Opening the case store: find it, unlock it, check it, migrate it, hand
out sessions.

A local store is an SQLCipher file keyed with a subkey of the store's master
key (store/keys.py: keyring first, then the passphrase). A plain store from
before encryption is converted on first open: backed up, copied encrypted,
its audit chain checked and re-sealed with the audit subkey, verified, and
only then put in place (and the plain backup removed)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from conneqt_dpo.store import audit, migrate, paths
from conneqt_dpo.store import engine as engine_mod
from conneqt_dpo.store import keys as keys_mod
from conneqt_dpo.store.crypto import Subkeys
from conneqt_dpo.store.errors import StoreError, StoreUnavailable
from conneqt_dpo.store.locker import Locker
from conneqt_dpo.store.models import AuditAnchor, StoreMeta

Clock = Callable[[], dt.datetime]


ANCHOR_INTERVAL_S = 1.0
log = logging.getLogger(__name__)


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# RFC 9106's second recommended Argon2id option (keys_mod.KdfParams()); tests
# lower it for speed, nothing else does.
DEFAULT_KDF = keys_mod.KdfParams()
LOCKER_DIR = "locker"


@dataclass(frozen=True)
class Unlock:
    """How to get the store's key: the OS keyring (through `secrets`), the
    CONNEQT_DPO_PASSPHRASE environment variable, or by asking. `ask` is for
    the passphrase of an existing key, `ask_new` for a new one (a new store,
    or a plain store being encrypted); None: do not ask (headless)."""

    secrets: keys_mod.Secrets | None = None
    ask: Callable[[str], str | None] | None = None
    ask_new: Callable[[str], str | None] | None = None
    kdf: keys_mod.KdfParams | None = None
    env: Mapping[str, str] | None = None


@dataclass
class Store:
    url: str
    paths: paths.Paths
    engine: Engine
    store_id: str
    migration: migrate.MigrationReport
    keys: Subkeys = field(repr=False)
    key_file: Path
    # A plain store this open encrypted (its audit chain was re-sealed).
    encrypted_now: bool = False
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

    @cached_property
    def locker(self) -> Locker:
        """The evidence locker: encrypted files beside the store."""
        return Locker(self.paths.data_dir / LOCKER_DIR, self.keys)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: commit on success, roll back on any error, then
        move the outside anchor of the audit chain forward."""
        with Session(self.engine, expire_on_commit=False) as session:
            session.info[audit.AUDIT_KEY] = self.keys.audit
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
                key=self.keys.audit,
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
    unlock: Unlock | None = None,
) -> Store:
    """Open (creating, encrypting or upgrading as needed) the store. Raises
    StoreUnavailable (KeyLocked, WrongPassphrase, ... for the key), leaving
    everything untouched, when it cannot."""
    p = paths.resolve(data_dir)
    paths.ensure_data_dir(p)
    unlock = unlock or Unlock()
    resolved = resolve_url(url, p)
    sqlite_file = engine_mod.sqlite_path(resolved) if engine_mod.is_sqlite(resolved) else None
    key_file = keys_mod.key_file_for(sqlite_file or p.data_dir / paths.STORE_FILE)
    server = None
    if sqlite_file is None:
        # A database server: its URL is checked before any key is asked for.
        # Its rows are protected by the server; the key still seals the audit
        # chain and encrypts the locker.
        server = engine_mod.make_engine(resolved)
        kind: engine_mod.FileKind = "encrypted" if key_file.exists() else "missing"
    else:
        kind = engine_mod.file_kind(sqlite_file)
    if sqlite_file is not None and kind == "missing":
        engine_mod.precheck_sqlite_file(sqlite_file)  # a stray WAL of a store that is gone
        if not os.access(sqlite_file.parent, os.W_OK):
            raise StoreUnavailable(f"cannot create the store in {sqlite_file.parent}")
    if sqlite_file is not None and kind == "plain":
        # Refuse a newer or foreign plain file before asking for anything.
        has_tables, revision = engine_mod.precheck_sqlite_file(sqlite_file)
        migrate.check_revision(has_tables, revision, migrations)
        if not has_tables:  # an empty file: nothing to convert
            sqlite_file.unlink()
            kind = "missing"
    if kind == "encrypted" and sqlite_file is not None and not key_file.exists():
        raise StoreUnavailable(
            f"{sqlite_file} is not a plain database and its key file {key_file.name} is "
            "missing: if it is an encrypted store, put back the recovery file from "
            "`conneqt-dpo key export` (`conneqt-dpo key import FILE`); the store was left "
            "untouched"
        )
    master = _master_key(key_file, unlock, new_store=kind != "encrypted")
    subkeys = Subkeys.from_master(master)
    raw_key = subkeys.store_pragma_key() if sqlite_file is not None else None
    encrypted_now = False
    if sqlite_file is not None and kind == "plain":
        encrypted_now = _encrypt_plain_store(sqlite_file, subkeys, p, clock)
    if sqlite_file is not None:
        has_tables, revision = engine_mod.precheck_sqlite_file(sqlite_file, raw_key)
        migrate.check_revision(has_tables, revision, migrations)
    eng = server or engine_mod.make_engine(resolved, raw_key)
    try:
        report = migrate.upgrade(
            eng, sqlite_file=sqlite_file, backups_dir=p.backups_dir, scripts=migrations,
            raw_key=raw_key,
        )  # fmt: skip
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
    store = Store(resolved, p, eng, store_id, report, subkeys, key_file, encrypted_now)
    store.locker.sweep_temp()
    _finish_conversion(store)
    return store


def _master_key(key_file: Path, unlock: Unlock, *, new_store: bool) -> bytes:
    secrets = unlock.secrets or keys_mod.Secrets()
    env = os.environ if unlock.env is None else unlock.env
    if key_file.exists() or not new_store:
        return keys_mod.unlock(key_file, secrets, unlock.ask, env=env)
    passphrase = env.get(keys_mod.PASSPHRASE_ENV) or None
    if passphrase is None and unlock.ask_new is not None:
        passphrase = unlock.ask_new(
            "Choose a passphrase for the store. It unlocks the store where no keyring holds "
            "its key, and recovers it if the keyring entry is lost: keep it safe."
        )
    if not passphrase:
        raise keys_mod.KeyLocked(
            "a new (or newly encrypted) store needs a passphrase: set "
            f"{keys_mod.PASSPHRASE_ENV} or start the app to choose one"
        )
    keys_mod.check_new_passphrase(passphrase)
    return keys_mod.create(key_file, secrets, passphrase, unlock.kdf or DEFAULT_KDF)


def _encrypt_plain_store(plain: Path, subkeys: Subkeys, p: paths.Paths, clock: Clock) -> bool:
    """Convert a plain store in place: back it up, check its audit chain,
    write an encrypted copy, re-seal the chain with the audit subkey, verify
    the copy, put it in place, then remove the plain backup. Any failure
    before the swap leaves the plain store exactly as it was."""
    raw_key = subkeys.store_pragma_key()
    p.backups_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = clock().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    backup = p.backups_dir / f"store-{stamp}-before-encryption.db"
    target = plain.with_name(plain.name + ".encrypting")
    target.unlink(missing_ok=True)  # left by a conversion that was killed
    anchor = paths.anchor_for(plain)
    engine_mod.backup_sqlite(plain, backup)
    swapped = False
    try:
        counts = _table_counts(plain, None)
        with engine_mod.readonly_engine(plain).connect() as con:
            store_id = con.execute(select(StoreMeta.store_id)).scalar() or ""
            verdict = audit.verify(con, key=None, store_id=store_id, anchor_file=anchor)
        if not verdict.ok:
            raise StoreUnavailable(
                f"the store's audit chain does not verify ({verdict.message}); it was not "
                "encrypted and was left untouched"
            )
        engine_mod.encrypt_plain_file(plain, target, raw_key)
        head = _reseal(target, raw_key, subkeys.audit)
        if engine_mod.integrity_check(target, raw_key) != "ok" or (
            _table_counts(target, raw_key) != counts
        ):
            raise StoreUnavailable("the encrypted copy of the store did not verify; "
                                   "the plain store was left untouched")  # fmt: skip
        os.replace(target, plain)
        swapped = True
        for suffix in ("-wal", "-shm"):
            plain.with_name(plain.name + suffix).unlink(missing_ok=True)
        if head is not None and store_id:  # a store older than its id has no anchor file
            audit.write_anchor_file(anchor, audit.Head(store_id, head.seq, head.hash))
        _fsync_dir(plain.parent)
    except BaseException:
        target.unlink(missing_ok=True)
        if not swapped:
            backup.unlink(missing_ok=True)  # the plain store itself is untouched
        # After the swap the plain backup stays: the next open finishes the
        # conversion (_finish_conversion).
        raise
    return True


def _finish_conversion(store: Store) -> None:
    """What a conversion leaves for after the swap, done now or on the next
    open if it was cut short: the anchor file moved to the re-sealed head
    (when the keyed chain itself verifies), the plain backup of the store
    removed, and older plain backups (from upgrades) encrypted."""
    backups = store.paths.backups_dir
    if store.sqlite_file is None or not backups.is_dir():
        return
    plain = [b for b in sorted(backups.glob("*.db")) if engine_mod.file_kind(b) == "plain"]
    if not plain:
        return
    leftovers = [b for b in plain if b.name.endswith("-before-encryption.db")]
    if leftovers and store.anchor_file is not None:
        with store.engine.execution_options(conneqt_readonly=True).connect() as con:
            verdict = audit.verify(con, key=store.keys.audit, store_id=store.store_id,
                                   anchor_file=None)  # fmt: skip
            head = con.execute(select(AuditAnchor.seq, AuditAnchor.hash)).first()
        if not verdict.ok:
            log.warning("the converted store's chain does not verify; plain backups kept")
            return
        if head is not None:
            audit.write_anchor_file(
                store.anchor_file, audit.Head(store.store_id, head.seq, head.hash)
            )
    for b in leftovers:
        b.unlink()
    raw_key = store.keys.store_pragma_key()
    for old in plain:
        if old not in leftovers:
            try:
                _encrypt_backup(old, raw_key, store.keys.audit)
            except (StoreError, OSError, engine_mod.Error) as e:
                log.warning("a plain backup was left as it is (%s): %s", old.name, e)


def _encrypt_backup(old: Path, raw_key: str, audit_key: bytes) -> None:
    """An older plain backup, encrypted; its chain is checked before it is
    re-sealed (a backup someone edited stays plain, and says so in the log)."""
    eng = engine_mod.readonly_engine(old)
    try:
        with eng.connect() as con:
            verdict = audit.verify(con, key=None, store_id="", anchor_file=None)
    finally:
        eng.dispose()
    if not verdict.ok:
        raise StoreError(f"its audit chain does not verify ({verdict.message})")
    tmp = old.with_name(old.name + ".encrypting")
    tmp.unlink(missing_ok=True)
    try:
        engine_mod.encrypt_plain_file(old, tmp, raw_key)
        _reseal(tmp, raw_key, audit_key)
        if engine_mod.integrity_check(tmp, raw_key) != "ok":
            raise StoreUnavailable(f"the encrypted copy of {old} did not verify")
        os.replace(tmp, old)
    finally:
        tmp.unlink(missing_ok=True)


def _reseal(path: Path, raw_key: str, audit_key: bytes) -> audit.Head | None:
    """Re-seal the (already verified) chain of an encrypted copy with the
    audit subkey, lifting the append-only triggers for this one transaction."""
    eng = engine_mod.make_engine(engine_mod.sqlite_url(path), raw_key)
    try:
        with eng.begin() as con:
            if not con.execute(text(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='audit_events'"
            )).first():  # fmt: skip
                return None
            triggers = con.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type='trigger' "
                "AND tbl_name IN ('audit_events', 'audit_anchor')"
            )).all()  # fmt: skip
            for name, _sql in triggers:
                con.exec_driver_sql(f'DROP TRIGGER "{name}"')
            head = audit.reseal(con, audit_key)
            for _name, sql in triggers:
                con.exec_driver_sql(str(sql))
            return head
    finally:
        eng.dispose()


def _table_counts(path: Path, raw_key: str | None) -> dict[str, int]:
    with engine_mod.connection(path, raw_key, readonly=True) as con:
        names = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'case_search%'"
        )]  # fmt: skip
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
