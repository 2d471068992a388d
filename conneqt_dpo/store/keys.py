"""Where the master key lives: in the OS keyring for everyday starts, and
wrapped by a passphrase in a key file beside the store (store.key.json) as
the recovery path. Without a real keyring the passphrase is asked at every
start (or read from CONNEQT_DPO_PASSPHRASE by scripts) and never stored.

The passphrase is stretched with Argon2id (RFC 9106) and the master key is
sealed under the result with AES-256-GCM (NIST SP 800-38D), the key id bound
as associated data so that a wrapped key cannot be passed off under another
id.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import secrets
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import keyring
import keyring.backend
import keyring.errors
from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from keyring.backends import chainer, fail, null

from conneqt_dpo.store.crypto import MASTER_KEY_BYTES, new_master_key
from conneqt_dpo.store.errors import StoreError
from conneqt_dpo.store.locker import fsync_dir, publish_new

log = logging.getLogger(__name__)

PASSPHRASE_ENV = "CONNEQT_DPO_PASSPHRASE"
KEYRING_SERVICE = "conneqt-dpo"
KEY_FILE_FORMAT = "conneqt-dpo-key"
KEY_FILE_VERSION = 1
MIN_PASSPHRASE = 10
SALT_BYTES = 16  # RFC 9106 §3.1: 128 bits are enough for password hashing
NONCE_BYTES = 12  # NIST SP 800-38D §5.2.1.1: 96-bit IVs
KEY_ID_BYTES = 16
_CHECK_LABEL = b"conneqt-dpo key check"
_WRAP_AAD = b"conneqt-dpo/v1/key-wrap:"
# Bounds on parameters read from a file before anything authenticates them:
# a forged file must not make the app ask for terabytes or run for hours.
_MAX_MEMORY_KIB = 4 * 1024 * 1024
_MAX_ITERATIONS = 64
_MAX_LANES = 64

_T = TypeVar("_T")


class KeyFileError(StoreError):
    """The key file is broken, cut short, or not a conneqt-dpo key file."""


class KeyFileMissing(StoreError):
    pass


class WrongPassphrase(StoreError):
    pass


class KeyLocked(StoreError):
    """No keyring entry and no passphrase: the store cannot be opened now."""


class KeyringUnavailable(StoreError):
    """The OS keyring failed, is locked, or did not answer in time."""


def key_file_for(store_file: Path) -> Path:
    """store.db -> store.key.json, beside it."""
    return store_file.with_name(store_file.stem + ".key.json")


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. The defaults are the second recommended option of
    RFC 9106 §4 (t=3 passes, p=4 lanes, m=64 MiB), for machines where the
    first (2 GiB of memory) is too much, as on a shared office laptop."""

    memory_kib: int = 65536
    iterations: int = 3
    lanes: int = 4

    def __post_init__(self) -> None:
        if not 1 <= self.lanes <= _MAX_LANES:
            raise ValueError(f"lanes must be between 1 and {_MAX_LANES}")
        if not 1 <= self.iterations <= _MAX_ITERATIONS:
            raise ValueError(f"iterations must be between 1 and {_MAX_ITERATIONS}")
        # RFC 9106 §3.1: at least 8 KiB of memory per lane.
        if not 8 * self.lanes <= self.memory_kib <= _MAX_MEMORY_KIB:
            raise ValueError(f"memory_kib must be between {8 * self.lanes} and {_MAX_MEMORY_KIB}")


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _unb64(text: object, what: str, length: int | None, source: str) -> bytes:
    if not isinstance(text, str):
        raise KeyFileError(f"{source} is damaged: its {what} is missing")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise KeyFileError(f"{source} is damaged: its {what} is not valid base64") from None
    if length is not None and len(raw) != length:
        raise KeyFileError(f"{source} is damaged: its {what} has the wrong length")
    return raw


def _check_of(master: bytes) -> str:
    return hmac.new(master, _CHECK_LABEL, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class KeyFile:
    """The master key wrapped by a passphrase, as stored beside the store.
    Holding it without the passphrase gives nothing but the cost of guessing
    the passphrase through Argon2id."""

    key_id: str
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    wrapped: bytes
    check: str  # HMAC-SHA256(master, "conneqt-dpo key check"): tells a keyring copy is right
    created_at: str
    format: str = KEY_FILE_FORMAT
    version: int = KEY_FILE_VERSION

    def matches(self, master: bytes) -> bool:
        return len(master) == MASTER_KEY_BYTES and hmac.compare_digest(
            _check_of(master), self.check
        )

    def to_json(self) -> str:
        return (
            json.dumps(
                {
                    "format": self.format,
                    "version": self.version,
                    "key_id": self.key_id,
                    "kdf": {
                        "name": "argon2id",
                        "memory_kib": self.kdf.memory_kib,
                        "iterations": self.kdf.iterations,
                        "lanes": self.kdf.lanes,
                    },
                    "salt": _b64(self.salt),
                    "nonce": _b64(self.nonce),
                    "wrapped_key": _b64(self.wrapped),
                    "check": self.check,
                    "created_at": self.created_at,
                },
                indent=2,
            )
            + "\n"
        )

    @classmethod
    def from_json(cls, text: str, *, source: str = "the key file") -> KeyFile:
        try:
            raw = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            raise KeyFileError(
                f"{source} is not a conneqt-dpo key file (broken or cut short)"
            ) from None
        if not isinstance(raw, dict) or raw.get("format") != KEY_FILE_FORMAT:
            raise KeyFileError(f"{source} is not a conneqt-dpo key file")
        version = raw.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise KeyFileError(f"{source} is damaged: its version is missing")
        if version > KEY_FILE_VERSION:
            raise KeyFileError(
                f"{source} was written by a newer version of conneqt-dpo; update the app"
            )
        if version != KEY_FILE_VERSION:
            raise KeyFileError(f"{source} has an unknown version ({version})")
        key_id = raw.get("key_id")
        if not _is_hex(key_id, 2 * KEY_ID_BYTES):
            raise KeyFileError(f"{source} is damaged: its key id is not valid")
        check = raw.get("check")
        if not _is_hex(check, 64):
            raise KeyFileError(f"{source} is damaged: its key check is not valid")
        kdf = raw.get("kdf")
        if not isinstance(kdf, dict) or kdf.get("name") != "argon2id":
            raise KeyFileError(f"{source} is damaged: its key derivation is not Argon2id")
        try:
            params = KdfParams(
                memory_kib=_int(kdf.get("memory_kib")),
                iterations=_int(kdf.get("iterations")),
                lanes=_int(kdf.get("lanes")),
            )
        except (TypeError, ValueError) as e:
            raise KeyFileError(f"{source} is damaged: Argon2id parameters: {e}") from None
        created_at = raw.get("created_at")
        if not isinstance(created_at, str):
            raise KeyFileError(f"{source} is damaged: its creation time is missing")
        assert isinstance(key_id, str) and isinstance(check, str)
        return cls(
            key_id=key_id,
            kdf=params,
            salt=_unb64(raw.get("salt"), "salt", SALT_BYTES, source),
            nonce=_unb64(raw.get("nonce"), "nonce", NONCE_BYTES, source),
            wrapped=_unb64(raw.get("wrapped_key"), "wrapped key", MASTER_KEY_BYTES + 16, source),
            check=check,
            created_at=created_at,
        )

    @classmethod
    def read(cls, path: Path) -> KeyFile:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise KeyFileMissing(_missing_message(path)) from None
        except UnicodeDecodeError:
            raise KeyFileError(f"{path} is not a conneqt-dpo key file") from None
        except OSError as e:
            raise KeyFileError(f"cannot read the key file {path}: {e.strerror}") from None
        return cls.from_json(text, source=str(path))

    def write(self, path: Path) -> None:
        """Replace `path` atomically (temporary file, fsync, rename), 0600."""
        fd, tmp_name = tempfile.mkstemp(prefix=".key-", suffix=".partial", dir=path.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(self.to_json())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
            fsync_dir(path.parent)
        except OSError as e:
            raise StoreError(f"cannot write the key file {path}: {e.strerror}") from None
        finally:
            tmp.unlink(missing_ok=True)


def _is_hex(value: object, length: int) -> bool:
    if not isinstance(value, str) or len(value) != length:
        return False
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return True


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not a whole number")
    return value


def _missing_message(path: Path) -> str:
    return (
        f"the key file {path} is missing: the store cannot be opened without it; "
        "if you kept a recovery file (from `conneqt-dpo key export`), put it back in its place"
    )


# -- wrapping -----------------------------------------------------------------


def _derive(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    # NFC: the same passphrase typed on macOS (which may hand over decomposed
    # accents) and on Windows must give the same bytes.
    secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    try:
        kdf = Argon2id(
            salt=salt,
            length=32,
            iterations=params.iterations,
            lanes=params.lanes,
            memory_cost=params.memory_kib,
        )
    except UnsupportedAlgorithm:
        raise StoreError(
            "this installation's cryptography library has no Argon2id; reinstall conneqt-dpo"
        ) from None
    return kdf.derive(secret)


def _aad(key_id: str) -> bytes:
    return _WRAP_AAD + key_id.encode("ascii")


def wrap(master: bytes, passphrase: str, params: KdfParams = KdfParams()) -> KeyFile:
    if len(master) != MASTER_KEY_BYTES:
        raise ValueError(f"the master key must be {MASTER_KEY_BYTES} bytes")
    key_id = secrets.token_hex(KEY_ID_BYTES)
    salt = os.urandom(SALT_BYTES)
    nonce = os.urandom(NONCE_BYTES)  # one encryption under a fresh key: random is safe
    wrapped = AESGCM(_derive(passphrase, salt, params)).encrypt(nonce, master, _aad(key_id))
    return KeyFile(
        key_id=key_id,
        kdf=params,
        salt=salt,
        nonce=nonce,
        wrapped=wrapped,
        check=_check_of(master),
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )


def unwrap(kf: KeyFile, passphrase: str) -> bytes:
    try:
        master = AESGCM(_derive(passphrase, kf.salt, kf.kdf)).decrypt(
            kf.nonce, kf.wrapped, _aad(kf.key_id)
        )
    except InvalidTag:
        raise WrongPassphrase("the passphrase is wrong; nothing was changed") from None
    if not kf.matches(master):
        raise KeyFileError("the key file is damaged: its key check does not match its key")
    return master


def check_new_passphrase(p: str) -> None:
    if not p.strip():
        raise StoreError("the passphrase must not be empty or only spaces")
    if len(p) < MIN_PASSPHRASE:
        raise StoreError(f"the passphrase must be at least {MIN_PASSPHRASE} characters long")


# -- the OS keyring -----------------------------------------------------------


def _from_keyrings_alt(backend: keyring.backend.KeyringBackend) -> bool:
    return any(c.__module__.startswith("keyrings.alt") for c in type(backend).__mro__)


def _why_unusable(backend: keyring.backend.KeyringBackend) -> str | None:
    if isinstance(backend, fail.Keyring | null.Keyring):
        return "no keyring backend on this system"
    if _from_keyrings_alt(backend):
        # Those keep secrets in files (plain text or weakly protected), which
        # is what the key file already is, without its passphrase.
        return "keyrings.alt backends are never used"
    if isinstance(backend, chainer.ChainerBackend):
        return "no keyring backend on this system"
    return None


def _resolve(backend: keyring.backend.KeyringBackend) -> keyring.backend.KeyringBackend:
    """A chainer is replaced by the best backend it chains that we accept,
    so that a keyrings.alt backend it also holds is never written to."""
    if isinstance(backend, chainer.ChainerBackend):
        for b in backend.backends:  # best first
            if _why_unusable(b) is None:
                return b  # type: ignore[no-any-return]
    return backend


class Secrets:
    """The OS keyring, with a timeout on every call. It says whether a real
    backend is in use and which; it never falls back to storing a secret in
    a file: without a keyring, callers ask for the passphrase instead."""

    def __init__(
        self, backend: keyring.backend.KeyringBackend | None = None, timeout_s: float = 5.0
    ) -> None:
        self.timeout_s = timeout_s
        self._given = backend
        self._backend: keyring.backend.KeyringBackend | None = None
        self._unusable: str | None = None
        self._hung = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Secrets({self.backend_name()!r})"

    def _get_backend(self) -> keyring.backend.KeyringBackend | None:
        with self._lock:
            if self._backend is None and self._unusable is None:
                given = self._given
                try:
                    # Both the look-up and a chainer's list construct
                    # backends, which may talk to D-Bus: under the timeout.
                    found = self._timed(
                        lambda: _resolve(given if given is not None else keyring.get_keyring()),
                        "look-up",
                    )
                except KeyringUnavailable as e:
                    self._unusable = str(e)
                else:
                    self._backend = found
                    self._unusable = _why_unusable(found)
            return self._backend if self._unusable is None else None

    def available(self) -> bool:
        return self._get_backend() is not None

    def backend_name(self) -> str:
        backend = self._get_backend()
        if backend is None:
            return f"none ({self._unusable})"
        return str(getattr(type(backend), "name", type(backend).__name__))

    def _timed(self, call: Callable[[], _T], what: str) -> _T:
        """Run one keyring call on a daemon thread and wait at most timeout_s:
        a keyring daemon that never answers (a locked D-Bus session, a
        keychain dialog nobody sees) must not freeze the app's start."""
        if self._hung:
            raise KeyringUnavailable(
                "the keyring stopped answering earlier; using the passphrase instead"
            )
        done = threading.Event()
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["value"] = call()
            except BaseException as e:  # handed to the waiting thread below
                box["error"] = e
            finally:
                done.set()

        threading.Thread(target=run, name=f"keyring-{what}", daemon=True).start()
        if not done.wait(self.timeout_s):
            self._hung = True
            raise KeyringUnavailable(
                f"the keyring did not answer within {self.timeout_s:g} s ({what})"
            )
        error = box.get("error")
        if error is not None:
            if isinstance(error, keyring.errors.KeyringLocked):
                raise KeyringUnavailable("the keyring is locked; unlock it or use the passphrase")
            if isinstance(error, Exception):
                # Backends raise their own types (secretstorage, jeepney and
                # D-Bus errors, macOS and Windows API errors), not only
                # KeyringError: any of them means "no keyring now".
                log.warning("keyring %s failed", what, exc_info=error)
                detail = " ".join(str(error).split())[:200] or type(error).__name__
                raise KeyringUnavailable(f"the keyring failed ({what}): {detail}")
            raise error
        return box["value"]  # type: ignore[no-any-return]

    def _use(self) -> keyring.backend.KeyringBackend:
        backend = self._get_backend()
        if backend is None:
            raise KeyringUnavailable(f"no usable keyring: {self._unusable}")
        return backend

    @staticmethod
    def _user(key_id: str) -> str:
        return f"store-key-{key_id}"

    def get(self, key_id: str) -> bytes | None:
        backend = self._use()
        value = self._timed(
            lambda: backend.get_password(KEYRING_SERVICE, self._user(key_id)), "read"
        )
        if value is None:
            return None
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            log.warning("the keyring entry for key %s is not a key; ignoring it", key_id)
            return None

    def put(self, key_id: str, master: bytes) -> None:
        backend = self._use()
        value = _b64(master)
        self._timed(
            lambda: backend.set_password(KEYRING_SERVICE, self._user(key_id), value), "write"
        )

    def delete(self, key_id: str) -> None:
        backend = self._use()

        def call() -> None:
            # Deleting an entry that is not there is not an error here.
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                backend.delete_password(KEYRING_SERVICE, self._user(key_id))

        self._timed(call, "delete")


# -- opening and creating -------------------------------------------------------


def _put_back(secrets: Secrets, kf: KeyFile, master: bytes) -> None:
    try:
        secrets.put(kf.key_id, master)
    except KeyringUnavailable as e:
        log.warning("could not put the store key back into the keyring: %s", e)


def unlock(
    key_file: Path,
    secrets: Secrets,
    ask: Callable[[str], str | None] | None,
    *,
    env: Mapping[str, str] = os.environ,
    attempts: int = 3,
) -> bytes:
    """The master key: from the keyring when it holds the right one, else
    from the passphrase (the environment first, then `ask`, up to
    `attempts` times). A passphrase unlock puts the key back into a working
    keyring whose entry was missing or wrong."""
    kf = KeyFile.read(key_file)
    restore = False
    if secrets.available():
        try:
            stored = secrets.get(kf.key_id)
        except KeyringUnavailable as e:
            log.warning("keyring not used: %s", e)
        else:
            if stored is not None and kf.matches(stored):
                return stored
            if stored is not None:
                log.warning("the keyring holds a different key for %s; ignoring it", key_file)
            restore = True

    passphrase = env.get(PASSPHRASE_ENV)
    if passphrase:
        try:
            master = unwrap(kf, passphrase)
        except WrongPassphrase:
            raise WrongPassphrase(
                f"the passphrase in {PASSPHRASE_ENV} is wrong; nothing was changed"
            ) from None
    else:
        master = _ask_passphrase(kf, key_file, ask, attempts)
    if restore:
        _put_back(secrets, kf, master)
    return master


def _ask_passphrase(
    kf: KeyFile, key_file: Path, ask: Callable[[str], str | None] | None, attempts: int
) -> bytes:
    locked = KeyLocked(
        f"the store is locked: set {PASSPHRASE_ENV} or start the app to enter the passphrase"
    )
    if ask is None:
        raise locked
    prompt = f"Passphrase for the store ({key_file.name})"
    for attempt in range(1, max(1, attempts) + 1):
        answer = ask(prompt)
        if answer is None:
            raise locked
        try:
            return unwrap(kf, answer)
        except WrongPassphrase:
            if attempt >= attempts:
                raise
            prompt = f"The passphrase is wrong; try again ({key_file.name})"
    raise locked  # not reached: the loop returns or raises


def create(
    key_file: Path,
    secrets: Secrets,
    passphrase: str,
    params: KdfParams = KdfParams(),
) -> bytes:
    """A new master key: wrapped into a new key file (never over an existing
    one, which would lock its store for good) and put in the keyring when
    there is one."""
    check_new_passphrase(passphrase)
    if key_file.exists():
        raise StoreError(f"{key_file} exists; a store has a key already")
    master = new_master_key()
    kf = wrap(master, passphrase, params)
    _write_new(key_file, kf.to_json())
    if secrets.available():
        _put_back(secrets, kf, master)
    return master


def _write_new(target: Path, text: str) -> None:
    """Write a file that must not exist yet: temporary file, fsync, then a
    no-clobber move (locker.publish_new)."""
    try:
        fd, name = tempfile.mkstemp(prefix=".key-", suffix=".partial", dir=target.parent)
    except OSError as e:
        raise StoreError(f"cannot write to {target.parent}: {e.strerror}") from None
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        publish_new(tmp, target)
    except OSError as e:
        raise StoreError(f"cannot write {target}: {e.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)


def export_recovery(key_file: Path, target: Path) -> None:
    """Copy the key file (already passphrase-protected) to `target`, which
    must not exist: the copy the user keeps elsewhere."""
    kf = KeyFile.read(key_file)
    if target.exists():
        raise StoreError(f"{target} exists; choose a new file name")
    if not target.parent.is_dir():
        raise StoreError(f"the folder {target.parent} does not exist")
    _write_new(target, kf.to_json())


def import_recovery(source: Path, key_file: Path) -> None:
    """Put a recovery file back as the store's key file, after checking it is
    one. An existing key file is never replaced (move a damaged one aside
    first); the same key already in place is fine."""
    if not source.exists():
        raise StoreError(f"no recovery file at {source}")
    kf = KeyFile.read(source)
    if key_file.exists():
        with contextlib.suppress(StoreError):
            if KeyFile.read(key_file) == kf:
                return
        raise StoreError(
            f"{key_file} exists; move it aside first if it is damaged or belongs to another store"
        )
    _write_new(key_file, kf.to_json())
