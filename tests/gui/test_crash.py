"""Errors nobody caught: a bug is logged with its traceback and shown in a
dialog whose details can be copied; an expected error (DomainError) is a
plain message. Nothing blocks: the test goes on while the boxes are open."""

from __future__ import annotations

import gc
import logging
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QEvent, Qt, QThread
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.gui import crash
from conneqt_dpo.gui.crash import CrashDialog, CrashHandler
from conneqt_dpo.store.errors import StoreError


@pytest.fixture
def handler(qtbot: QtBot, tmp_path: Path) -> Iterator[CrashHandler]:
    h = CrashHandler(crash.log_path(tmp_path / "data"))
    h.install()
    try:
        yield h
    finally:
        h.uninstall()
        for box in list(h.messages):
            box.close()
        if h.dialog is not None:
            h.dialog.close()


def raise_and_hook(error: BaseException) -> None:
    """An exception escaping to the top, as Python hands it to the hook."""
    try:
        raise error
    except BaseException:
        sys.excepthook(*sys.exc_info())


def log_text(h: CrashHandler) -> str:
    assert h.log_file is not None
    return h.log_file.read_text(encoding="utf-8")


def test_a_bug_is_logged_and_shown_with_copyable_details(
    qtbot: QtBot, handler: CrashHandler
) -> None:
    raise_and_hook(RuntimeError("the unexpected happened"))
    # Logged, with the traceback, in the data folder's logs/ (owner-only).
    assert handler.log_file is not None and handler.log_file.parent.name == "logs"
    text = log_text(handler)
    assert "ERROR conneqt_dpo: unexpected error" in text
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: the unexpected happened" in text
    if sys.platform != "win32":
        assert handler.log_file.parent.stat().st_mode & 0o077 == 0
    # Shown, without blocking: we are already here.
    dialog = handler.dialog
    assert isinstance(dialog, CrashDialog) and dialog.isVisible() and not dialog.isModal()
    details = dialog.text.toPlainText()
    assert details.startswith("conneqt-dpo ")  # versions first, for the report
    assert "RuntimeError: the unexpected happened" in details
    assert str(handler.log_file) in dialog.message.text()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == details
    assert dialog.copy_button.text() == "Copied"


def test_further_bugs_go_into_the_open_dialog(handler: CrashHandler) -> None:
    raise_and_hook(RuntimeError("first"))
    dialog = handler.dialog
    raise_and_hook(KeyError("second"))
    assert handler.dialog is dialog
    text = dialog.text.toPlainText() if dialog else ""
    assert "RuntimeError: first" in text and "KeyError: 'second'" in text
    assert len([w for w in QApplication.topLevelWidgets()
                if isinstance(w, CrashDialog) and w.isVisible()]) == 1  # fmt: skip


def test_closing_the_dialog_lets_the_next_bug_open_a_new_one(
    qtbot: QtBot, handler: CrashHandler
) -> None:
    raise_and_hook(RuntimeError("first"))
    assert handler.dialog is not None
    handler.dialog.reject()
    assert handler.dialog is None
    raise_and_hook(RuntimeError("second"))
    assert handler.dialog is not None
    assert "first" not in handler.dialog.text.toPlainText()


@pytest.mark.parametrize(
    "error",
    [
        DomainError("a receipt dated before today needs a reason"),
        StoreError("the store is busy in another window or process; try again"),
        StoreError("the disk is full: free some space; nothing was saved"),
    ],
)
def test_an_expected_error_is_a_plain_message(
    qtbot: QtBot, handler: CrashHandler, error: DomainError
) -> None:
    raise_and_hook(error)
    assert handler.dialog is None  # not a crash
    (box,) = handler.messages
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.text() == str(error)
    assert box.icon() == QMessageBox.Icon.Warning
    text = log_text(handler)
    assert f"WARNING conneqt_dpo: {type(error).__name__} shown" in text
    assert str(error) not in text and "Traceback" not in text  # no personal data in the log
    with qtbot.waitSignal(box.finished):
        qtbot.mouseClick(box.button(QMessageBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert handler.messages == []


def test_an_error_in_a_slot_reaches_the_handler(qtbot: QtBot, handler: CrashHandler) -> None:
    button = QPushButton("Go")
    qtbot.addWidget(button)

    def boom() -> None:
        raise ZeroDivisionError("in a slot")

    button.clicked.connect(boom)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert handler.dialog is not None
    assert "ZeroDivisionError: in a slot" in handler.dialog.text.toPlainText()


def test_an_error_on_another_thread_is_shown_on_the_gui_thread(
    qtbot: QtBot, handler: CrashHandler
) -> None:
    def boom() -> None:
        raise ValueError("on a worker thread")

    t = threading.Thread(target=boom, name="importer")
    t.start()
    t.join()
    qtbot.waitUntil(lambda: handler.dialog is not None)  # queued to the GUI thread
    assert handler.dialog is not None
    assert "ValueError: on a worker thread" in handler.dialog.text.toPlainText()
    assert "unexpected error (thread importer)" in log_text(handler)


def test_report_is_for_errors_caught_on_their_way(handler: CrashHandler) -> None:
    try:
        raise StoreError("the store refused the change")
    except StoreError as e:
        handler.report(e)
    (box,) = handler.messages
    assert box.text() == "the store refused the change"


def test_uninstall_puts_the_hooks_back_and_closes_the_log(tmp_path: Path) -> None:
    before = (sys.excepthook, threading.excepthook)
    h = CrashHandler(crash.log_path(tmp_path))
    h.install()
    assert sys.excepthook == h.excepthook
    h.uninstall()
    assert (sys.excepthook, threading.excepthook) == before
    assert not [x for x in logging.getLogger("conneqt_dpo").handlers
                if isinstance(x, crash._LogFile)]  # fmt: skip


def test_the_log_rotates(handler: CrashHandler) -> None:
    log_handler = next(x for x in handler.log.handlers if isinstance(x, crash._LogFile))
    assert (log_handler.maxBytes, log_handler.backupCount) == (crash.LOG_BYTES, crash.LOG_BACKUPS)
    log_handler.maxBytes = 2000
    for i in range(5):
        raise_and_hook(RuntimeError(f"message {i} " + "x" * 600))
    assert handler.log_file is not None
    assert handler.log_file.with_name(crash.LOG_NAME + ".1").exists()


def test_ctrl_c_is_not_a_crash(handler: CrashHandler, capsys: pytest.CaptureFixture[str]) -> None:
    handler.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
    assert handler.dialog is None and handler.messages == []
    assert "KeyboardInterrupt" in capsys.readouterr().err


def test_a_dropped_handler_leaves_the_gui_thread_alone(qtbot: QtBot) -> None:
    # PySide6 makes the QThread that QObject.thread() returns a child of the
    # object: gone with the handler, invalidated here, or deleted when the
    # collector clears it first, and then every event loop crashes.
    gui_thread = QThread.currentThread()
    h = CrashHandler(None)
    h.handle((DomainError, DomainError("on the GUI thread"), None))
    worker = threading.Thread(target=h.report, args=(DomainError("on a worker"),))
    worker.start()
    worker.join()
    (box,) = h.messages  # the worker's waits for an event loop that never runs
    box.close()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # the closed box
    del h, box
    gc.collect()
    assert shiboken6.isValid(gui_thread)
    assert QThread.currentThread() is gui_thread
