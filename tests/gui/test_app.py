"""Starting the app: its icon, a store that cannot be opened (a message,
exit code 2, nothing blocks), and a start and quit with queries on the
real thread pool."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImageReader
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from conneqt_dpo.gui import style
from conneqt_dpo.gui.app import run_gui
from conneqt_dpo.gui.crash import log_path
from conneqt_dpo.gui.main_window import MainWindow
from conneqt_dpo.gui.nav import View
from conneqt_dpo.gui.user_picker import UserPickerDialog
from conneqt_dpo.store.services import Services


@pytest.fixture(autouse=True)
def _keep_sigint() -> Iterator[None]:
    before = signal.getsignal(signal.SIGINT)
    yield
    signal.signal(signal.SIGINT, before)


def test_the_app_icon_is_a_drawn_svg(qapp: QApplication) -> None:
    assert style.app_icon_path().is_file()
    assert b"svg" in [bytes(f.data()) for f in QImageReader.supportedImageFormats()]
    image = style.app_icon().pixmap(64, 64).toImage()
    assert not image.isNull()
    assert image.pixelColor(32, 32).alpha() == 255  # drawn, not an empty square
    assert image.pixelColor(0, 0).alpha() == 0  # with rounded corners


def test_a_store_that_cannot_open_is_a_message_not_a_hang(
    qtbot: QtBot, data_dir: Path, tmp_path: Path
) -> None:
    seen: list[str] = []

    def answer() -> None:
        boxes = [w for w in QApplication.topLevelWidgets()
                 if isinstance(w, QMessageBox) and w.isVisible()]  # fmt: skip
        if not boxes:
            QTimer.singleShot(10, answer)
            return
        seen.append(boxes[0].text())
        boxes[0].done(0)

    QTimer.singleShot(0, answer)
    missing = tmp_path / "no" / "such" / "folder" / "store.db"
    assert run_gui(database=f"sqlite:///{missing}") == 2
    assert len(seen) == 1 and "cannot create the store" in seen[0].lower()
    assert "cannot start" in log_path(data_dir).read_text(encoding="utf-8")


def test_the_app_starts_shows_the_queue_and_quits(
    qtbot: QtBot, svc: Services, data_dir: Path
) -> None:
    from tests.gui.conftest import log

    log(svc, name="Rosa Example")
    shown: list[MainWindow] = []
    pickers: list[UserPickerDialog] = []

    def look_then_quit() -> None:
        # The store has three users: who is using the app? (Enter takes the DPO.)
        for picker in [w for w in QApplication.topLevelWidgets()
                       if isinstance(w, UserPickerDialog) and w.isVisible()]:  # fmt: skip
            assert picker.login() == "dpo"
            pickers.append(picker)
            picker.accept()
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]  # fmt: skip
        if not windows or windows[0].nav_model.counts is None or not windows[0].model.total:
            QTimer.singleShot(10, look_then_quit)  # the pool has not answered yet
            return
        shown.append(windows[0])
        windows[0].close()

    QTimer.singleShot(0, look_then_quit)
    assert run_gui(database=svc.store.url) == 0
    (window,) = shown
    assert len(pickers) == 1
    assert window.me == "dpo"
    assert window.model.total == 1 and window.nav_model.count(View.TRIAGE) == 1
    assert not window.windowIcon().isNull()
    window.deleteLater()
