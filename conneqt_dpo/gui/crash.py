"""What happens to an exception nobody caught.

Two kinds (STYLE.md, "Errors in two kinds"): an expected one (a DomainError:
bad input, a rule of the law, the store locked or the disk full) is a plain
message for the person at the keyboard; anything else is a bug, logged with
its traceback to `<data folder>/logs/conneqt-dpo.log` (rotating) and shown in
a dialog with a "Copy details" button for the report.

Nothing here blocks: message boxes are opened with open()/show(), never
exec(), so the app keeps running (and tests can drive them). Errors raised on
other threads (threading.excepthook) are handed to the GUI thread first."""

from __future__ import annotations

import importlib.metadata
import io
import logging
import platform
import queue
import sys
import threading
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, Qt, Signal, qVersion
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from conneqt_dpo.domain.errors import DomainError

LOG_NAME = "conneqt-dpo.log"
LOG_BYTES = 1_000_000
LOG_BACKUPS = 3
TITLE = "conneqt-dpo"
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def log_path(data_dir: Path) -> Path:
    return data_dir / "logs" / LOG_NAME


class _LogFile(RotatingFileHandler):
    """A rotating log that creates its (owner-only) folder when it first
    writes, so that merely starting the app creates nothing."""

    def _open(self) -> io.TextIOWrapper:
        Path(self.baseFilename).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        return super()._open()


def details(exc: ExcInfo) -> str:
    """The text a bug report needs: versions, then the traceback."""
    try:
        app_version = importlib.metadata.version("conneqt-dpo")
    except importlib.metadata.PackageNotFoundError:  # a frozen build without metadata
        app_version = "(version unknown)"
    head = (
        f"conneqt-dpo {app_version}, Python {platform.python_version()}, "
        f"Qt {qVersion()}, PySide6 {pyside_version}, {platform.platform()}"
    )
    return head + "\n\n" + "".join(traceback.format_exception(*exc))


class CrashDialog(QDialog):
    """The traceback of a bug, copyable, without stopping the app. Later
    errors while it is open are appended to it rather than piling up
    dialogs (a failing paint raises on every repaint)."""

    def __init__(self, log_file: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{TITLE}: something went wrong")
        self.setObjectName("crashDialog")
        where = f"It was written to the log:\n{log_file}" if log_file else "It was not logged."
        self.message = QLabel(
            "conneqt-dpo hit an error it did not expect. What you were doing may not "
            "have been saved; the rest of the app keeps working.\n\n"
            f"{where}\nPlease send the details below with a note of what you were doing."
        )
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Error details")
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy details")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.resize(720, 480)

    def add(self, text: str) -> None:
        previous = self.text.toPlainText()
        self.text.setPlainText(f"{previous}\n\n--- and then ---\n\n{text}" if previous else text)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())
        self.copy_button.setText("Copied")


class CrashHandler(QObject):
    """Installs itself as sys.excepthook and threading.excepthook."""

    # From any thread, with no argument: the error itself waits in a plain
    # thread-safe queue, and Qt queues only the wake-up to the thread this
    # object lives in (the GUI's). A traceback is not sent through the signal:
    # its frames belong to the dying thread.
    _raised = Signal()

    def __init__(self, log_file: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_file = log_file
        self.log = logging.getLogger("conneqt_dpo")
        self._handler: logging.Handler | None = None
        if log_file is not None:
            self._handler = _LogFile(log_file, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS,
                                     encoding="utf-8", delay=True)  # fmt: skip
            self._handler.setFormatter(
                logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
            )
            self.log.addHandler(self._handler)
            self.log.setLevel(logging.INFO)
        self.dialog: CrashDialog | None = None
        self.messages: list[QMessageBox] = []  # open ones, kept alive until closed
        self._previous: tuple[Any, Any] | None = None
        self._pending: queue.SimpleQueue[ExcInfo] = queue.SimpleQueue()
        # The thread this object lives in (it is never moved), by Python's id.
        # Not self.thread(): PySide6 makes the QThread it returns a child of
        # self, and a handler collected in a reference cycle can then hand
        # Python the GUI thread's QThread to delete (every later event loop
        # crashes).
        self._home = threading.get_ident()
        self._raised.connect(self._drain, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None
        if self._handler is not None:
            self.log.removeHandler(self._handler)
            self._handler.close()
            self._handler = None

    # -- the hooks ------------------------------------------------------------

    def excepthook(
        self, kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            app = QApplication.instance()
            if app is not None:
                app.quit()
            return
        self.handle((kind, value, tb))

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        thread = args.thread.name if args.thread is not None else "?"
        self.handle((args.exc_type, args.exc_value, args.exc_traceback), thread=thread)

    def handle(self, exc: ExcInfo, *, thread: str | None = None) -> None:
        """Log the error and show it (from any thread)."""
        try:
            where = f" (thread {thread})" if thread else ""
            if isinstance(exc[1], DomainError):
                # The kind only: the message may quote what the person typed
                # (a name, an email), and the log is not encrypted.
                self.log.warning("%s shown%s", type(exc[1]).__name__, where)
            else:
                self.log.error("unexpected error%s", where, exc_info=exc)
        except Exception:  # the log must never hide the error itself
            traceback.print_exception(*exc)
        if threading.get_ident() == self._home:
            self._show(exc)
        else:
            self._pending.put(exc)
            self._raised.emit()

    def report(self, error: BaseException) -> None:
        """For an error caught on its way (a failed background job)."""
        self.handle((type(error), error, error.__traceback__))

    # -- showing --------------------------------------------------------------

    def _drain(self) -> None:
        while True:
            try:
                exc = self._pending.get_nowait()
            except queue.Empty:
                return
            self._show(exc)

    def _show(self, exc: ExcInfo) -> None:
        try:
            if isinstance(exc[1], DomainError):
                self._message(str(exc[1]))
            else:
                self._crash(details(exc))
        except Exception:  # showing failed too: at least the terminal hears of it
            traceback.print_exception(*exc)

    def _message(self, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, TITLE, text,
                          QMessageBox.StandardButton.Ok, _parent())  # fmt: skip
        box.setObjectName("errorMessage")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.messages.append(box)
        box.finished.connect(lambda _r: self.messages.remove(box) if box in self.messages else None)
        box.open()

    def _crash(self, text: str) -> None:
        if self.dialog is None:
            self.dialog = CrashDialog(self.log_file, _parent())
            self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.dialog.finished.connect(self._dialog_closed)
        self.dialog.add(text)
        self.dialog.show()
        self.dialog.raise_()

    def _dialog_closed(self) -> None:
        self.dialog = None


def _parent() -> QWidget | None:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return None
    return app.activeWindow()
