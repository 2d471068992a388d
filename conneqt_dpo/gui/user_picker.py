"""Who is using the app: chosen at start from the store's active users, the
one chosen last time offered first. Only that login is remembered (in
QSettings), nothing else. CONNEQT_DPO_USER or --user decides instead, and a
store with one active user needs no question. File > Switch user… offers
the same list later (gui/user_switch.py).

This is a choice, not a sign-in: the desktop account is the protection
(the store is owner-only). Every change is recorded under the login chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from conneqt_dpo.domain.workflow import Role
from conneqt_dpo.gui.dialogs import FormDialog, plain_label
from conneqt_dpo.store.views import UserView

LAST_USER_KEY = "last_user"
SETTINGS_FILE = "gui.ini"
ROLE_WORDS = {Role.DPO.value: "DPO", Role.SUPPORT.value: "support",
              Role.ADMIN.value: "admin"}  # fmt: skip


class LastUser:
    """The login chosen last time, and nothing else."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    @classmethod
    def beside(cls, data_dir: Path) -> LastUser:
        """Kept in the data folder, so each store (the demo's too)
        remembers its own people."""
        return cls(QSettings(str(data_dir / SETTINGS_FILE), QSettings.Format.IniFormat))

    def get(self) -> str | None:
        value = self.settings.value(LAST_USER_KEY)
        return value if isinstance(value, str) and value else None

    def set(self, login: str) -> None:
        self.settings.setValue(LAST_USER_KEY, login)
        self.settings.sync()


def choose(
    users: Sequence[UserView], *, remembered: str | None
) -> tuple[list[UserView], UserView | None]:
    """(the users to choose from, the one offered first). One active user:
    no list to choose from, just them."""
    active = [u for u in users if u.active]
    first = next((u for u in active if u.login == remembered), None)
    if first is None:  # else the first DPO, else whoever comes first
        first = next((u for u in active if u.role == Role.DPO), active[0] if active else None)
    return (active if len(active) > 1 else []), first


class UserPickerDialog(FormDialog):
    """Who are you? A list of the active users; Enter takes the one shown."""

    chosen = Signal(str)  # the login

    def __init__(
        self,
        users: Sequence[UserView],
        first: UserView | None,
        parent: QWidget | None = None,
        *,
        title: str = "Who is using conneqt-dpo?",
        intro: str = "Choose yourself: what you do is recorded under your name.",
    ) -> None:
        super().__init__(title, parent)
        self.column.addWidget(plain_label(intro))
        self.list = QListWidget()
        self.list.setAccessibleName("Users")
        for u in users:
            item = QListWidgetItem(f"{u.name}  ({u.login}, {ROLE_WORDS.get(u.role, u.role)})")
            item.setData(Qt.ItemDataRole.UserRole, u.login)
            self.list.addItem(item)
            if first is not None and u.login == first.login:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        self.list.currentItemChanged.connect(lambda *_: self.validate())
        self.list.itemActivated.connect(lambda _item: self.accept())
        self.column.addWidget(self.list)
        self.ok_button.setText("Continue")
        self.submitted.connect(self._chosen)
        self._finish_layout()
        self.list.setFocus(Qt.FocusReason.OtherFocusReason)

    def login(self) -> str | None:
        item = self.list.currentItem()
        value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return str(value) if value else None

    def choose_login(self, login: str) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == login:
                self.list.setCurrentItem(item)
                return
        raise LookupError(f"no active user {login!r} to choose")

    def is_complete(self) -> bool:
        return hasattr(self, "list") and self.login() is not None

    def _chosen(self) -> None:
        login = self.login()
        if login is not None:
            self.finish()
            self.chosen.emit(login)
