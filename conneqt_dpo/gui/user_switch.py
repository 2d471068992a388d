"""Switching user without restarting: the same picker as at start, then
the window acts as the one chosen. The choice is checked with the store
before anything changes (the user may have been deactivated since the list
was shown), and remembered for the next start like the start's own choice.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.gui.user_picker import LastUser, UserPickerDialog
from conneqt_dpo.gui.worker import Runner
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import UserView

SWITCH_TITLE = "Switch user"
SWITCH_INTRO = "Who is using conneqt-dpo now? What you do from here on is recorded under them."
NOT_SWITCHED = "Not switched"


class UserSwitch(QObject):
    """`apply(services, actor)` makes the window act as the chosen user;
    `current()` says who it acts as now."""

    def __init__(
        self,
        window: QWidget,
        runner: Runner,
        services_for: Callable[[str], Services],
        *,
        current: Callable[[], Services],
        apply: Callable[[Services, UserView], None],
        last_user: LastUser | None,
        on_error: Callable[[BaseException], None],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.runner = runner
        self.services_for = services_for
        self._current = current
        self._apply = apply
        self.last_user = last_user
        self._on_error = on_error
        self.picker: UserPickerDialog | None = None
        self.message_box: QMessageBox | None = None

    def ask(self) -> None:
        """The picker, over the store's active users, the current one first."""
        services = self._current()
        me = services.actor

        def listed(found: tuple[list[UserView], UserView]) -> None:
            if shiboken6.isValid(self):
                self._open_picker(*found)

        self.runner.submit(lambda: (services.users(), me()), listed, self._failed)

    def _open_picker(self, users: list[UserView], me: UserView) -> None:
        # Everyone active is offered, even when that is only the current
        # user: an empty list would read as a fault.
        active = [u for u in users if u.active]
        picker = UserPickerDialog(active, me, self.window, title=SWITCH_TITLE, intro=SWITCH_INTRO)
        picker.ok_button.setText("Switch")
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.chosen.connect(self.switch_to)
        self.picker = picker
        picker.open()

    def switch_to(self, login: str) -> None:
        """Act as `login` once the store confirms they may act."""
        services = self.services_for(login)

        def confirmed(actor: UserView) -> None:
            if not shiboken6.isValid(self):
                return
            if self.last_user is not None:
                self.last_user.set(actor.login)
            self._apply(services, actor)

        self.runner.submit(services.actor, confirmed, self._failed)

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, DomainError):
            self._on_error(error)
            return
        if not shiboken6.isValid(self):
            return
        box = QMessageBox(QMessageBox.Icon.Warning, NOT_SWITCHED, str(error),
                          QMessageBox.StandardButton.Ok, self.window)  # fmt: skip
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_box = box
        box.open()
