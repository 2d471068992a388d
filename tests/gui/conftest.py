"""GUI test setup: a small queue of cases of each kind the window has to
show differently. (Any Qt warning fails a test: see pyproject.toml.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from conneqt_dpo.gui import style
from conneqt_dpo.gui.case_model import PAGE
from conneqt_dpo.gui.main_window import MainWindow
from conneqt_dpo.gui.worker import SyncRunner
from conneqt_dpo.store.services import Services
from tests.conftest import NOW
from tests.factories import request


@dataclass(frozen=True)
class Queue:
    """References of a small queue on 24 Nov 2026."""

    overdue: str  # received in September, clock running: due in October
    due_soon: str  # received 27 Oct: due 27 Nov, three days left
    on_track: str  # received today
    answered: str  # received 25 Sep (due Mon 26 Oct) but responded: clock stopped


def log(svc: Services, *, days_ago: int = 0, **kw: object) -> str:
    received = NOW - dt.timedelta(days=days_ago)
    extra: dict[str, object] = {"received_at": received}
    if days_ago:
        extra["received_reason"] = "logged late"
    extra.update(kw)
    (ref,) = svc.log_request(request(**extra))
    return ref


@pytest.fixture
def queue(svc: Services) -> Queue:
    overdue = log(svc, days_ago=70, name="Cleo Overdue", email="cleo@example.org")
    due_soon = log(svc, days_ago=28, name="Ben Soon", email="ben@example.org")
    on_track = log(svc, name="Ada Fresh", email="ada@example.org", regime="ccpa")
    answered = log(svc, days_ago=60, name="Dev Answered", email="dev@example.com")
    svc.act(overdue, "start")
    for action in ("start", "submit", "approve", "respond"):
        svc.act(answered, action)
    return Queue(overdue, due_soon, on_track, answered)


@pytest.fixture
def make_window(qtbot: QtBot, svc: Services) -> Callable[..., MainWindow]:
    """A shown main window over `svc`, closed after the test. Queries run
    synchronously (SyncRunner) and the search box searches at each key
    unless `search_delay_ms` is given."""

    def make(*, page_size: int = PAGE, show: bool = True, search_delay_ms: int = 0,
             **kw: Any) -> MainWindow:  # fmt: skip
        w = MainWindow(
            svc, page_size=page_size, runner=SyncRunner(), search_delay_ms=search_delay_ms, **kw
        )
        qtbot.addWidget(w)
        if show:
            with qtbot.waitExposed(w):
                w.show()
        return w

    return make


@pytest.fixture(params=["light", "dark"])
def theme(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[QPalette]:
    """The application palette set to a light or a dark theme for the test."""
    before = qapp.palette()
    palette = style.dark_palette() if request.param == "dark" else QPalette(QColor("#efefef"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e" if request.param == "dark"
                                                     else "#ffffff"))  # fmt: skip
    qapp.setPalette(palette)
    yield qapp.palette()
    qapp.setPalette(before)
