"""The master key (store/keys.py): the passphrase-wrapped key file, the OS
keyring behind a timeout (and never a plain-text fallback), and unlocking
from the keyring, the environment or a prompt."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import stat
import threading
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from conneqt_dpo.store import keys
from conneqt_dpo.store.crypto import MASTER_KEY_BYTES, new_master_key
from conneqt_dpo.store.errors import StoreError
from conneqt_dpo.store.keys import (
    PASSPHRASE_ENV,
    KdfParams,
    KeyFile,
    KeyFileError,
    KeyFileMissing,
    KeyLocked,
    KeyringUnavailable,
    Secrets,
    WrongPassphrase,
)

FAST = KdfParams(memory_kib=1024, iterations=1, lanes=1)
PASSPHRASE = "a long enough passphrase"
NO_ENV: dict[str, str] = {}


class DictKeyring(KeyringBackend):
    """An in-memory keyring backend."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.calls: list[str] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.calls.append("get")
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append("set")
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.calls.append("delete")
        if (service, username) not in self.entries:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.entries[(service, username)]


class AltKeyring(DictKeyring):
    """Looks like a keyrings.alt backend (files on disk): never to be used."""


AltKeyring.__module__ = "keyrings.alt.file"


class HangingKeyring(DictKeyring):
    """A keyring daemon that never answers."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait()
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.release.wait()


class BrokenKeyring(DictKeyring):
    """A keyring whose every call fails, as a dead D-Bus session does."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.error

    def delete_password(self, service: str, username: str) -> None:
        raise self.error


class EmptyChainer(chainer.ChainerBackend):
    backends = []  # type: ignore[assignment]  # noqa: RUF012


class AltOnlyChainer(chainer.ChainerBackend):
    backends = [AltKeyring()]  # type: ignore[assignment]  # noqa: RUF012


@pytest.fixture
def ring() -> DictKeyring:
    return DictKeyring()


@pytest.fixture
def hanging() -> Iterator[HangingKeyring]:
    ring = HangingKeyring()
    yield ring
    ring.release.set()  # let the abandoned keyring thread finish


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    return keys.key_file_for(tmp_path / "store.db")


def no_ask(prompt: str) -> str | None:
    raise AssertionError(f"asked for the passphrase: {prompt}")


class Answers:
    def __init__(self, *answers: str | None) -> None:
        self.answers = list(answers)
        self.prompts: list[str] = []

    def __call__(self, prompt: str) -> str | None:
        self.prompts.append(prompt)
        return self.answers.pop(0)


def entry(ring: DictKeyring, kf: KeyFile) -> str | None:
    return ring.entries.get(("conneqt-dpo", f"store-key-{kf.key_id}"))


# -- the key file ------------------------------------------------------------------


def test_key_file_sits_beside_the_store(tmp_path: Path) -> None:
    assert keys.key_file_for(tmp_path / "store.db") == tmp_path / "store.key.json"


def test_default_kdf_is_rfc_9106_second_option() -> None:
    assert KdfParams() == KdfParams(memory_kib=65536, iterations=3, lanes=4)
    master = new_master_key()
    kf = keys.wrap(master, PASSPHRASE)
    assert kf.kdf == KdfParams()
    assert keys.unwrap(kf, PASSPHRASE) == master


def test_wrap_unwrap_round_trip() -> None:
    master = new_master_key()
    kf = keys.wrap(master, PASSPHRASE, FAST)
    assert master not in kf.to_json().encode() and kf.wrapped != master
    assert keys.unwrap(kf, PASSPHRASE) == master
    assert kf.matches(master) and not kf.matches(new_master_key())
    again = keys.wrap(master, PASSPHRASE, FAST)
    assert (again.key_id, again.salt, again.nonce) != (kf.key_id, kf.salt, kf.nonce)


def test_wrong_passphrase() -> None:
    kf = keys.wrap(new_master_key(), PASSPHRASE, FAST)
    with pytest.raises(WrongPassphrase, match=r"^the passphrase is wrong; nothing was changed$"):
        keys.unwrap(kf, PASSPHRASE + "!")
    assert isinstance(WrongPassphrase("x"), StoreError)


def test_passphrase_is_unicode_normalised() -> None:
    composed = "Passwort für März 2026"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    master = new_master_key()
    assert keys.unwrap(keys.wrap(master, composed, FAST), decomposed) == master


def test_key_id_is_bound_to_the_wrapped_key() -> None:
    a = keys.wrap(new_master_key(), PASSPHRASE, FAST)
    b = keys.wrap(new_master_key(), PASSPHRASE, FAST)
    with pytest.raises(WrongPassphrase):
        keys.unwrap(dataclasses.replace(a, key_id=b.key_id), PASSPHRASE)


def test_key_file_round_trip(key_file: Path) -> None:
    kf = keys.wrap(new_master_key(), PASSPHRASE, FAST)
    assert KeyFile.from_json(kf.to_json()) == kf
    kf.write(key_file)
    assert KeyFile.read(key_file) == kf
    assert sorted(p.name for p in key_file.parent.iterdir()) == [key_file.name]
    if os.name == "posix":
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    raw = json.loads(key_file.read_text())
    assert raw["format"] == "conneqt-dpo-key" and raw["version"] == 1
    assert raw["kdf"] == {"name": "argon2id", "memory_kib": 1024, "iterations": 1, "lanes": 1}


def argon2id(**changes: object) -> dict[str, object]:
    return {"name": "argon2id", "memory_kib": 1024, "iterations": 1, "lanes": 1, **changes}


def _mutated(kf: KeyFile, **changes: object) -> str:
    raw = json.loads(kf.to_json())
    for k, v in changes.items():
        if v is None:
            raw.pop(k, None)
        else:
            raw[k] = v
    return json.dumps(raw)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format": "something-else"}, "not a conneqt-dpo key file"),
        ({"format": None}, "not a conneqt-dpo key file"),
        ({"version": 2}, "newer version"),
        ({"version": True}, "version"),
        ({"version": 0}, "unknown version"),
        ({"key_id": "zz"}, "key id"),
        ({"check": "00"}, "key check"),
        ({"salt": "not base64!"}, "salt"),
        ({"salt": "AAAA"}, "salt"),
        ({"nonce": "AAAA"}, "nonce"),
        ({"wrapped_key": None}, "wrapped key"),
        ({"kdf": {"name": "pbkdf2"}}, "Argon2id"),
        ({"kdf": argon2id(memory_kib=1 << 40)}, "memory"),
        ({"kdf": argon2id(iterations="3")}, "Argon2id"),
        ({"kdf": argon2id(lanes=0)}, "lanes"),
        ({"kdf": argon2id(iterations=10**6)}, "iterations"),
        ({"created_at": None}, "creation time"),
    ],
)
def test_damaged_key_files_are_refused(
    key_file: Path, changes: dict[str, object], message: str
) -> None:
    kf = keys.wrap(new_master_key(), PASSPHRASE, FAST)
    key_file.write_text(_mutated(kf, **changes))
    with pytest.raises(KeyFileError, match=message) as e:
        KeyFile.read(key_file)
    assert str(key_file) in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b"[1, 2]", b"null", b"\xff\xfe binary", b"{" * 100_000, "truncated"],
)
def test_broken_key_files_are_refused(key_file: Path, content: bytes | str) -> None:
    if content == "truncated":
        text = keys.wrap(new_master_key(), PASSPHRASE, FAST).to_json()
        content = text[: len(text) // 2].encode()
    assert isinstance(content, bytes)
    key_file.write_bytes(content)
    with pytest.raises(KeyFileError) as e:
        KeyFile.read(key_file)
    assert str(key_file) in str(e.value) and "\n" not in str(e.value)


def test_missing_key_file_explains_recovery(key_file: Path, ring: DictKeyring) -> None:
    with pytest.raises(KeyFileMissing) as e:
        keys.unlock(key_file, Secrets(ring), no_ask, env=NO_ENV)
    msg = str(e.value)
    assert str(key_file) in msg and "cannot be opened" in msg
    assert "conneqt-dpo key export" in msg


def test_new_passphrase_rules() -> None:
    keys.check_new_passphrase("ten chars!")
    for bad in ("", "short", " " * 12, "\t\n" * 6, "123456789"):
        with pytest.raises(StoreError):
            keys.check_new_passphrase(bad)


# -- the keyring --------------------------------------------------------------------


def test_secrets_with_a_real_backend(ring: DictKeyring) -> None:
    s = Secrets(ring)
    assert s.available() and s.backend_name() == "test keys DictKeyring"
    master = new_master_key()
    assert s.get("abc") is None
    s.put("abc", master)
    assert ("conneqt-dpo", "store-key-abc") in ring.entries
    assert master.hex() not in ring.entries[("conneqt-dpo", "store-key-abc")]  # base64
    assert s.get("abc") == master
    s.delete("abc")
    s.delete("abc")  # already gone: fine
    assert s.get("abc") is None


def test_default_backend_is_the_keyring_module_s(
    ring: DictKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keyring, "get_keyring", lambda: ring)
    s = Secrets()
    assert s.available()
    s.put("k", b"x" * 32)
    assert ring.entries


@pytest.mark.parametrize(
    "backend",
    [fail.Keyring(), null.Keyring(), AltKeyring(), EmptyChainer(), AltOnlyChainer()],
    ids=["fail", "null", "keyrings.alt", "empty-chainer", "alt-only-chainer"],
)
def test_no_real_keyring_is_unavailable(backend: KeyringBackend) -> None:
    s = Secrets(backend)
    assert not s.available()
    assert s.backend_name().startswith("none (")
    with pytest.raises(KeyringUnavailable):
        s.get("abc")
    with pytest.raises(KeyringUnavailable):
        s.put("abc", new_master_key())
    if isinstance(backend, DictKeyring):
        assert backend.calls == []  # never touched


def test_keyrings_alt_is_named_as_the_reason() -> None:
    assert "keyrings.alt" in Secrets(AltKeyring()).backend_name()


def test_chainer_uses_its_best_real_backend_and_skips_alt(ring: DictKeyring) -> None:
    alt = AltKeyring()

    class Mixed(chainer.ChainerBackend):
        backends = [alt, ring]  # type: ignore[assignment]  # noqa: RUF012

    s = Secrets(Mixed())
    assert s.available() and "DictKeyring" in s.backend_name()
    s.put("abc", new_master_key())
    assert ring.entries and not alt.entries and alt.calls == []


def test_hanging_keyring_times_out(hanging: HangingKeyring) -> None:
    s = Secrets(hanging, timeout_s=0.05)
    assert s.available()
    with pytest.raises(KeyringUnavailable, match=r"did not answer within 0\.05 s"):
        s.get("abc")
    # Not waited on again: the next call fails at once.
    with pytest.raises(KeyringUnavailable, match="stopped answering"):
        s.put("abc", new_master_key())


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (keyring.errors.KeyringError("org.freedesktop.secrets was not provided"), "failed"),
        (keyring.errors.KeyringLocked("locked"), "locked"),
        (RuntimeError("D-Bus\nconnection refused"), "D-Bus connection refused"),
        (OSError(5, "Input/output error"), "failed"),
    ],
)
def test_keyring_errors_become_unavailable(
    error: Exception, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    s = Secrets(BrokenKeyring(error))
    with pytest.raises(KeyringUnavailable, match=message) as e:
        s.get("abc")
    assert "\n" not in str(e.value)
    with pytest.raises(KeyringUnavailable):
        s.delete("abc")


def test_a_bug_in_the_keyring_call_is_not_swallowed() -> None:
    class Interrupted(DictKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Secrets(Interrupted()).get("abc")


def test_garbage_keyring_entry_reads_as_none(ring: DictKeyring) -> None:
    ring.entries[("conneqt-dpo", "store-key-abc")] = "not base64 at all!"
    assert Secrets(ring).get("abc") is None


# -- creating and unlocking ------------------------------------------------------------


def test_create_writes_key_file_and_keyring(key_file: Path, ring: DictKeyring) -> None:
    master = keys.create(key_file, Secrets(ring), PASSPHRASE, FAST)
    assert len(master) == MASTER_KEY_BYTES
    kf = KeyFile.read(key_file)
    assert keys.unwrap(kf, PASSPHRASE) == master
    assert entry(ring, kf) is not None
    if os.name == "posix":
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert sorted(p.name for p in key_file.parent.iterdir()) == [key_file.name]


def test_create_never_replaces_a_key_file(key_file: Path, ring: DictKeyring) -> None:
    keys.create(key_file, Secrets(ring), PASSPHRASE, FAST)
    before = key_file.read_bytes()
    with pytest.raises(StoreError, match="exists"):
        keys.create(key_file, Secrets(ring), PASSPHRASE, FAST)
    assert key_file.read_bytes() == before


def test_create_refuses_a_weak_passphrase(key_file: Path, ring: DictKeyring) -> None:
    with pytest.raises(StoreError, match="at least 10"):
        keys.create(key_file, Secrets(ring), "short", FAST)
    assert not key_file.exists() and not ring.entries


def test_create_without_keyring_stores_nothing_else(key_file: Path) -> None:
    alt = AltKeyring()
    master = keys.create(key_file, Secrets(alt), PASSPHRASE, FAST)
    assert not alt.entries and alt.calls == []
    assert keys.unlock(key_file, Secrets(alt), Answers(PASSPHRASE), env=NO_ENV) == master
    assert not alt.entries and alt.calls == []  # asked every start, never stored


def test_create_survives_a_broken_keyring(key_file: Path) -> None:
    broken = BrokenKeyring(keyring.errors.PasswordSetError("denied"))
    master = keys.create(key_file, Secrets(broken), PASSPHRASE, FAST)
    assert keys.unwrap(KeyFile.read(key_file), PASSPHRASE) == master


def test_unlock_from_the_keyring(key_file: Path, ring: DictKeyring) -> None:
    master = keys.create(key_file, Secrets(ring), PASSPHRASE, FAST)
    assert keys.unlock(key_file, Secrets(ring), no_ask, env=NO_ENV) == master
    assert keys.unlock(key_file, Secrets(ring), None, env=NO_ENV) == master


def test_deleted_keyring_entry_asks_and_puts_the_key_back(
    key_file: Path, ring: DictKeyring
) -> None:
    master = keys.create(key_file, Secrets(ring), PASSPHRASE, FAST)
    ring.entries.clear()
    ask = Answers(PASSPHRASE)
    assert keys.unlock(key_file, Secrets(ring), ask, env=NO_ENV) == master
    assert len(ask.prompts) == 1 and key_file.name in ask.prompts[0]
    assert entry(ring, KeyFile.read(key_file)) is not None
    assert keys.unlock(key_file, Secrets(ring), no_ask, env=NO_ENV) == master


def test_wrong_keyring_entry_is_replaced(key_file: Path, ring: DictKeyring) -> None:
    master = keys.create(key_file, Secrets(ring), PASSPHRASE, FAST)
    kf = KeyFile.read(key_file)
    Secrets(ring).put(kf.key_id, new_master_key())  # another store's key
    assert keys.unlock(key_file, Secrets(ring), Answers(PASSPHRASE), env=NO_ENV) == master
    assert Secrets(ring).get(kf.key_id) == master


def test_unlock_from_the_environment(key_file: Path) -> None:
    master = keys.create(key_file, Secrets(null.Keyring()), PASSPHRASE, FAST)
    env = {PASSPHRASE_ENV: PASSPHRASE}
    assert keys.unlock(key_file, Secrets(null.Keyring()), no_ask, env=env) == master
    assert keys.unlock(key_file, Secrets(fail.Keyring()), None, env=env) == master


def test_environment_passphrase_restores_the_keyring(key_file: Path, ring: DictKeyring) -> None:
    master = keys.create(key_file, Secrets(ring), PASSPHRASE, FAST)
    ring.entries.clear()
    env = {PASSPHRASE_ENV: PASSPHRASE}
    assert keys.unlock(key_file, Secrets(ring), None, env=env) == master
    assert Secrets(ring).get(KeyFile.read(key_file).key_id) == master


def test_wrong_environment_passphrase(key_file: Path) -> None:
    keys.create(key_file, Secrets(null.Keyring()), PASSPHRASE, FAST)
    before = key_file.read_bytes()
    env = {PASSPHRASE_ENV: "not the passphrase"}
    with pytest.raises(WrongPassphrase, match=f"passphrase in {PASSPHRASE_ENV} is wrong"):
        keys.unlock(key_file, Secrets(null.Keyring()), no_ask, env=env)
    assert key_file.read_bytes() == before  # nothing destroyed


def test_locked_without_keyring_or_passphrase(key_file: Path) -> None:
    keys.create(key_file, Secrets(null.Keyring()), PASSPHRASE, FAST)
    for ask in (None, Answers(None)):
        with pytest.raises(KeyLocked, match=PASSPHRASE_ENV) as e:
            keys.unlock(key_file, Secrets(null.Keyring()), ask, env={PASSPHRASE_ENV: ""})
        assert "start the app" in str(e.value)


def test_ask_again_after_a_wrong_passphrase(key_file: Path) -> None:
    master = keys.create(key_file, Secrets(null.Keyring()), PASSPHRASE, FAST)
    ask = Answers("nope", PASSPHRASE)
    assert keys.unlock(key_file, Secrets(null.Keyring()), ask, env=NO_ENV) == master
    assert "wrong" not in ask.prompts[0] and "wrong" in ask.prompts[1]


def test_three_wrong_answers(key_file: Path) -> None:
    keys.create(key_file, Secrets(null.Keyring()), PASSPHRASE, FAST)
    ask = Answers("one", "two", "three", PASSPHRASE)
    with pytest.raises(WrongPassphrase, match="nothing was changed"):
        keys.unlock(key_file, Secrets(null.Keyring()), ask, env=NO_ENV)
    assert len(ask.prompts) == 3


def test_hanging_keyring_falls_back_to_the_passphrase(
    key_file: Path, hanging: HangingKeyring
) -> None:
    master = keys.create(key_file, Secrets(null.Keyring()), PASSPHRASE, FAST)
    secrets = Secrets(hanging, timeout_s=0.05)
    ask = Answers(PASSPHRASE)
    assert keys.unlock(key_file, secrets, ask, env=NO_ENV) == master
    assert len(ask.prompts) == 1


def test_broken_keyring_falls_back_to_the_passphrase(
    key_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    master = keys.create(key_file, Secrets(null.Keyring()), PASSPHRASE, FAST)
    broken = Secrets(BrokenKeyring(keyring.errors.KeyringError("no D-Bus session")))
    with caplog.at_level(logging.WARNING, logger="conneqt_dpo.store.keys"):
        assert keys.unlock(key_file, broken, Answers(PASSPHRASE), env=NO_ENV) == master
    assert "no D-Bus session" in caplog.text


def test_failed_put_back_is_logged_not_fatal(
    key_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    class ReadOnly(DictKeyring):
        def set_password(self, service: str, username: str, password: str) -> None:
            raise keyring.errors.PasswordSetError("read-only keychain")

    master = keys.create(key_file, Secrets(null.Keyring()), PASSPHRASE, FAST)
    with caplog.at_level(logging.WARNING, logger="conneqt_dpo.store.keys"):
        got = keys.unlock(key_file, Secrets(ReadOnly()), Answers(PASSPHRASE), env=NO_ENV)
    assert got == master and "read-only keychain" in caplog.text


# -- recovery files ----------------------------------------------------------------------


def test_export_and_import_recovery(key_file: Path, tmp_path: Path, ring: DictKeyring) -> None:
    master = keys.create(key_file, Secrets(ring), PASSPHRASE, FAST)
    recovery = tmp_path / "elsewhere" / "conneqt-dpo-recovery.json"
    recovery.parent.mkdir()
    keys.export_recovery(key_file, recovery)
    assert KeyFile.read(recovery) == KeyFile.read(key_file)
    if os.name == "posix":
        assert stat.S_IMODE(recovery.stat().st_mode) == 0o600
    with pytest.raises(StoreError, match="exists"):
        keys.export_recovery(key_file, recovery)

    key_file.unlink()  # lost
    ring.entries.clear()
    with pytest.raises(KeyFileMissing):
        keys.unlock(key_file, Secrets(ring), Answers(PASSPHRASE), env=NO_ENV)
    keys.import_recovery(recovery, key_file)
    assert keys.unlock(key_file, Secrets(ring), Answers(PASSPHRASE), env=NO_ENV) == master
    keys.import_recovery(recovery, key_file)  # the same key already in place: fine


def test_export_checks_its_source_and_target(key_file: Path, tmp_path: Path) -> None:
    with pytest.raises(KeyFileMissing):
        keys.export_recovery(key_file, tmp_path / "r.json")
    keys.create(key_file, Secrets(null.Keyring()), PASSPHRASE, FAST)
    with pytest.raises(StoreError, match="does not exist"):
        keys.export_recovery(key_file, tmp_path / "missing-folder" / "r.json")


def test_import_refuses_garbage_and_other_keys(key_file: Path, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.json"
    garbage.write_text('{"format": "conneqt-dpo-key", "version": 1}')
    with pytest.raises(KeyFileError, match=r"garbage\.json"):
        keys.import_recovery(garbage, key_file)
    assert not key_file.exists()
    with pytest.raises(StoreError, match="no recovery file"):
        keys.import_recovery(tmp_path / "absent.json", key_file)

    keys.create(key_file, Secrets(null.Keyring()), PASSPHRASE, FAST)
    other = tmp_path / "other.key.json"
    keys.wrap(new_master_key(), PASSPHRASE, FAST).write(other)
    before = key_file.read_bytes()
    with pytest.raises(StoreError, match="move it aside"):
        keys.import_recovery(other, key_file)
    assert key_file.read_bytes() == before


def test_secrets_repr_names_the_backend(ring: DictKeyring) -> None:
    assert "DictKeyring" in repr(Secrets(ring))
    assert "none" in repr(Secrets(null.Keyring()))
