"""From an open store to the main window, one step at a time and without
blocking: the first DPO of a new store, who is using the app, the window;
then the request left unsaved last time, and the reminders.

Each step that asks opens its dialog with ``open()`` and goes on from its
signal, so tests drive the whole start by answering the dialogs.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.gui.first_start import FirstStart
from conneqt_dpo.gui.main_window import MainWindow
from conneqt_dpo.gui.reminders import HOUR_MS
from conneqt_dpo.gui.user_picker import LastUser, UserPickerDialog, choose
from conneqt_dpo.gui.worker import Runner
from conneqt_dpo.store.services import Services

NO_ACTIVE_USER = "This store has no active user. Reactivate one with `conneqt-dpo users`."


class Startup(QObject):
    ready = Signal(object)  # the MainWindow, shown
    given_up = Signal(int)  # the exit code: 0 the user cancelled, 2 the store refused

    def __init__(
        self,
        services_for: Callable[[str | None], Services],
        make_window: Callable[[Services], MainWindow],
        *,
        runner: Runner,
        on_error: Callable[[BaseException], None],
        last_user: LastUser,
        user: str | None = None,
        reminder_interval_ms: int = HOUR_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.services_for = services_for
        self.make_window = make_window
        self.runner = runner
        self._on_error = on_error
        self.last_user = last_user
        self.user = user
        self.reminder_interval_ms = reminder_interval_ms
        self.first_start: FirstStart | None = None
        self.picker: UserPickerDialog | None = None
        self.window: MainWindow | None = None
        self.message_box: QMessageBox | None = None

    def begin(self) -> None:
        anyone = self.services_for(None)
        if anyone.users():
            self._pick()
            return
        self.first_start = FirstStart(anyone, self.runner, on_error=self._on_error, parent=self)
        self.first_start.done.connect(lambda _user: self._pick())
        dialog = self.first_start.ask()
        dialog.rejected.connect(lambda: self.given_up.emit(0))

    def _pick(self) -> None:
        if self.user:
            self._open(self.user, remember=False)
            return
        users, first = choose(self.services_for(None).users(), remembered=self.last_user.get())
        if first is None:
            self._refuse(NO_ACTIVE_USER)
            return
        if not users:
            self._open(first.login)
            return
        picker = UserPickerDialog(users, first)
        picker.chosen.connect(self._open)
        picker.rejected.connect(lambda: self.given_up.emit(0))
        self.picker = picker
        picker.open()

    def _open(self, login: str, *, remember: bool = True) -> None:
        try:
            window = self.make_window(self.services_for(login))
        except DomainError as e:  # a deactivated or unknown --user
            self._refuse(str(e))
            return
        if remember:
            self.last_user.set(login)
        self.window = window
        window.show()
        window.offer_draft()
        window.start_reminders(self.reminder_interval_ms)
        self.ready.emit(window)

    def _refuse(self, message: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Critical, "conneqt-dpo cannot start", message)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.finished.connect(lambda _r: self.given_up.emit(2) if shiboken6.isValid(self) else None)
        self.message_box = box
        box.open()
