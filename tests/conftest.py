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

import pytest
from hypothesis import HealthCheck, settings

from conneqt_dpo.store.services import Services
from conneqt_dpo.store.store import Store, open_store

# Property tests judge results, not speed: a loaded CI machine must not fail
# them for being slow.
settings.register_profile(
    "conneqt", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("conneqt")

NEW_YORK = ZoneInfo("America/New_York")
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
    return data


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
