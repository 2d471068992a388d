"""Shared fixtures: every test gets its own data folder and store, a frozen
clock passed in (never patched), and no leak from the developer's
environment (real store, acting user)."""

from __future__ import annotations

import os

# Before anything imports Qt.
os.environ["QT_QPA_PLATFORM"] = "offscreen"

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import keyring
import pytest
from hypothesis import HealthCheck, settings

from conneqt_dpo.store import keys
from conneqt_dpo.store import store as store_mod
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.store import Store, open_store
from tests.memory_keyring import MemoryKeyring

# Property tests judge results, not speed: a loaded CI machine must not fail
# them for being slow.
settings.register_profile(
    "conneqt", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("conneqt")

NEW_YORK = ZoneInfo("America/New_York")
PASSPHRASE = "correct horse battery staple"
# Argon2id at RFC 9106's cost takes ~0.2 s per new store; the tests of the
# key itself use the real parameters (tests/store/test_keys.py).
FAST_KDF = keys.KdfParams(memory_kib=1024, iterations=1, lanes=1)
# Tue 24 Nov 2026, 10:00 at the organisation (Fort Lauderdale).
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=NEW_YORK)


class FrozenClock:
    """A clock tests move by hand."""

    def __init__(self, now: dt.datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("CONNEQT_DPO_DATA_DIR", str(data))
    for name in (
        "CONNEQT_DPO_DATABASE_URL",
        "CONNEQT_DPO_USER",
        "CONNEQT_DPO_PASSPHRASE",
        "CONNEQT_DPO_BUNDLE_PASSPHRASE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    # The headless unlock, as scripts use it; child processes get no keyring.
    monkeypatch.setenv("CONNEQT_DPO_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    monkeypatch.setattr(store_mod, "DEFAULT_KDF", FAST_KDF)
    return data


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Every test gets an empty in-memory keyring in place of the OS one."""
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


@pytest.fixture
def data_dir(_isolated_env: Path) -> Path:
    return _isolated_env


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def store(data_dir: Path, clock: FrozenClock) -> Iterator[Store]:
    s = open_store(data_dir=data_dir, clock=clock)
    yield s
    s.close()


@pytest.fixture
def svc(store: Store, clock: FrozenClock) -> Services:
    """Services acting as the store's first DPO (login `dpo`), plus a support
    user `sam` and an admin `ada`."""
    services = Services(store, clock=clock)
    services.init(login="dpo", name="Dana Officer", email="dpo@example.org")
    services.add_user(login="sam", name="Sam Support", role="support")
    services.add_user(login="ada", name="Ada Admin", role="admin")
    return services


def as_user(svc: Services, login: str) -> Services:
    return Services(svc.store, user=login, clock=svc.clock)
