"""The settings pages that list things: the data systems inventory (each
active system becomes a task on every new case) and the people who use the
store. Adding and editing go through small forms; retiring, deactivating
and reactivating act on the selected row (deactivating someone who still
has open cases first asks who takes them over). The pages say what the user asked
for with signals; the dialog hands it to the presenter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from conneqt_dpo.domain.workflow import Role
from conneqt_dpo.gui.dialogs import FormDialog, plain_label
from conneqt_dpo.gui.settings_pages import lines
from conneqt_dpo.gui.settings_presenter import SettingsSnapshot
from conneqt_dpo.gui.user_picker import ROLE_WORDS
from conneqt_dpo.store.views import DataSystemView, UserView


def _table(*headers: str, stretch: int) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(list(headers))
    t.verticalHeader().hide()
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setTabKeyNavigation(False)
    t.setAlternatingRowColors(True)
    t.setWordWrap(False)
    header = t.horizontalHeader()
    for c in range(len(headers)):
        header.setSectionResizeMode(
            c,
            QHeaderView.ResizeMode.Stretch if c == stretch
            else QHeaderView.ResizeMode.ResizeToContents,
        )  # fmt: skip
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return t


def _heading(text: str) -> QLabel:
    heading = QLabel(text)
    font = heading.font()
    font.setPointSizeF(font.pointSizeF() * 1.2)
    font.setBold(True)
    heading.setFont(font)
    return heading


def _fill(table: QTableWidget, rows: Sequence[Sequence[str]], greyed: Sequence[bool]) -> None:
    current = table.currentRow()
    table.setRowCount(len(rows))
    for r, (texts, grey) in enumerate(zip(rows, greyed, strict=True)):
        for c, text in enumerate(texts):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if grey:
                item.setForeground(table.palette().placeholderText())
            table.setItem(r, c, item)
    if rows:
        table.selectRow(min(max(current, 0), len(rows) - 1))


# -- data systems ---------------------------------------------------------------------


@dataclass(frozen=True)
class SystemFields:
    name: str
    owner: str | None
    categories: tuple[str, ...]
    purposes: tuple[str, ...]
    recipients: tuple[str, ...]


class SystemDialog(FormDialog):
    """A data system: its name, owner and what it holds (one per line)."""

    def __init__(self, system: DataSystemView | None, parent: QWidget | None = None) -> None:
        super().__init__("Edit data system" if system else "Add data system", parent)
        self.column.addWidget(plain_label(
            "A system that holds personal data: every new case gets a task to search it "
            "(and to correct or erase in it)."
        ))  # fmt: skip
        self.name = QLineEdit(system.name if system else "")
        self.name.setPlaceholderText("e.g. CRM, billing, mailing list")
        self.owner = QLineEdit((system.owner or "") if system else "")
        self.owner.setPlaceholderText("Who answers for it")
        self.lists: dict[str, QPlainTextEdit] = {}
        self.form.addRow("&Name:", self.name)
        self.form.addRow("&Owner:", self.owner)
        for field, text in (("categories", "&Categories held:"), ("purposes", "&Purposes:"),
                            ("recipients", "&Recipients:")):  # fmt: skip
            edit = QPlainTextEdit("\n".join(getattr(system, field)) if system else "")
            edit.setTabChangesFocus(True)
            edit.setPlaceholderText("One per line")
            edit.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
            self.lists[field] = edit
            self.form.addRow(text, edit)
        self.name.textChanged.connect(self.validate)
        self.ok_button.setText("Save system" if system else "Add system")
        self._finish_layout()
        self._given = self.fields()

    def is_complete(self) -> bool:
        return bool(self.name.text().strip())

    def has_input(self) -> bool:
        return self.fields() != self._given

    def fields(self) -> SystemFields:
        return SystemFields(
            self.name.text().strip(),
            self.owner.text().strip() or None,
            lines(self.lists["categories"].toPlainText()),
            lines(self.lists["purposes"].toPlainText()),
            lines(self.lists["recipients"].toPlainText()),
        )


class SystemsPage(QWidget):
    add_requested = Signal()
    edit_requested = Signal(object)  # DataSystemView
    retire_requested = Signal(object)  # DataSystemView
    reinstate_requested = Signal(object)  # DataSystemView

    def __init__(self) -> None:
        super().__init__()
        self.title = "Data systems"
        self.systems: tuple[DataSystemView, ...] = ()
        self.table = _table("System", "Owner", "Categories", "Purposes", "Recipients", "Status",
                            stretch=2)  # fmt: skip
        self.table.setAccessibleName("Data systems")
        self.add_button = QPushButton("&Add system…")
        self.edit_button = QPushButton("&Edit…")
        self.retire_button = QPushButton("&Retire")
        self.retire_button.setToolTip("New cases get no task for it; its tasks stay")
        self.reinstate_button = QPushButton("Rei&nstate")
        column = QVBoxLayout(self)
        column.addWidget(_heading(self.title))
        column.addWidget(plain_label(
            "The inventory of systems that hold personal data. Each active system becomes a "
            "task on every new case; retiring one keeps its tasks on the cases that have them."
        ))  # fmt: skip
        column.addWidget(self.table, 1)
        row = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.retire_button, self.reinstate_button):
            row.addWidget(b)
        row.addStretch(1)
        column.addLayout(row)
        self.add_button.clicked.connect(self.add_requested)
        self.edit_button.clicked.connect(lambda: self._emit(self.edit_requested))
        self.retire_button.clicked.connect(lambda: self._emit(self.retire_requested))
        self.reinstate_button.clicked.connect(lambda: self._emit(self.reinstate_requested))
        self.table.itemSelectionChanged.connect(self._enable)
        self.table.itemActivated.connect(lambda _item: self._emit(self.edit_requested))
        self._enable()

    def selected(self) -> DataSystemView | None:
        row = self.table.currentRow()
        return self.systems[row] if 0 <= row < len(self.systems) else None

    def select(self, name: str) -> None:
        for i, s in enumerate(self.systems):
            if s.name == name:
                self.table.selectRow(i)
                return
        raise LookupError(f"no data system {name!r}")

    def _emit(self, signal: SignalInstance) -> None:
        system = self.selected()
        if system is not None:
            signal.emit(system)

    def _enable(self) -> None:
        s = self.selected()
        self.edit_button.setEnabled(s is not None)
        self.retire_button.setEnabled(s is not None and s.active)
        self.reinstate_button.setEnabled(s is not None and not s.active)

    def show_snapshot(self, snapshot: SettingsSnapshot) -> None:
        self.systems = tuple(sorted(snapshot.systems, key=lambda s: (not s.active, s.name)))
        _fill(self.table, [
            (s.name, s.owner or "", "; ".join(s.categories), "; ".join(s.purposes),
             "; ".join(s.recipients), "Active" if s.active else "Retired")
            for s in self.systems
        ], [not s.active for s in self.systems])  # fmt: skip
        self._enable()


# -- users ----------------------------------------------------------------------------

ROLE_LABELS = {Role.SUPPORT.value: "Support (logs and works on cases)",
               Role.DPO.value: "DPO (decides: approves, refuses, extends)",
               Role.ADMIN.value: "Admin (settings and users, no case work)"}  # fmt: skip


class UserDialog(FormDialog):
    """A new user: support staff by default."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Add user", parent)
        self.login = QLineEdit()
        self.login.setPlaceholderText("lower-case letters and digits, e.g. sam")
        self.name = QLineEdit()
        self.email = QLineEdit()
        self.role = QComboBox()
        for code, label in ROLE_LABELS.items():
            self.role.addItem(label, code)
        self.form.addRow("&Login:", self.login)
        self.form.addRow("&Name:", self.name)
        self.form.addRow("&Email:", self.email)
        self.form.addRow("&Role:", self.role)
        for edit in (self.login, self.name):
            edit.textChanged.connect(self.validate)
        self.ok_button.setText("Add user")
        self._finish_layout()

    def has_input(self) -> bool:
        return any(e.text().strip() for e in (self.login, self.name, self.email))

    def is_complete(self) -> bool:
        return bool(self.login.text().strip() and self.name.text().strip())

    def role_code(self) -> str:
        return str(self.role.currentData())


class HandOverDialog(FormDialog):
    """Deactivating someone who still has open cases: who takes them over.
    Only active dpo and support users work on cases, so only they are offered."""

    def __init__(
        self,
        leaver: UserView,
        open_cases: int,
        heirs: Sequence[UserView],
        *,
        preferred: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(f"Deactivate {leaver.name}", parent)
        n = f"{open_cases} open case{'s' if open_cases != 1 else ''}"
        self.intro = plain_label(
            f"{leaver.name} ({leaver.login}) still has {n} assigned. Choose who takes "
            f"{'them' if open_cases != 1 else 'it'} over: each case moves to them (recorded "
            f"in its audit trail) and {leaver.name} is deactivated."
        )
        self.column.addWidget(self.intro)
        self.heir = QComboBox()
        self.heir.setAccessibleName("Hand the open cases over to")
        for u in heirs:
            self.heir.addItem(f"{u.name} ({u.login}, {ROLE_WORDS.get(u.role, u.role)})", u.login)
        if preferred is not None:
            self.heir.setCurrentIndex(max(0, self.heir.findData(preferred)))
        self.heir.currentIndexChanged.connect(self.validate)
        self.form.addRow("&Hand over to:", self.heir)
        self.no_one = plain_label(
            "No one else can take them: add or reactivate a dpo or support user first."
        )
        self.no_one.setVisible(not heirs)
        self.column.addWidget(self.no_one)
        self.ok_button.setText("Hand over and deactivate")
        self._finish_layout()

    def is_complete(self) -> bool:
        return hasattr(self, "heir") and self.heir_login() is not None

    def heir_login(self) -> str | None:
        value = self.heir.currentData()
        return value if isinstance(value, str) else None

    def choose_heir(self, login: str) -> None:
        index = self.heir.findData(login)
        if index < 0:
            raise LookupError(f"{login!r} cannot take the cases over")
        self.heir.setCurrentIndex(index)


class UsersPage(QWidget):
    add_requested = Signal()
    deactivate_requested = Signal(str)  # login
    reactivate_requested = Signal(str)  # login

    def __init__(self) -> None:
        super().__init__()
        self.title = "Users"
        self.users: tuple[UserView, ...] = ()
        self.open_cases: Mapping[str, int] = {}
        self.me = ""
        self.table = _table("Login", "Name", "Email", "Role", "Status", "Open cases", stretch=1)
        self.table.setAccessibleName("Users")
        self.add_button = QPushButton("&Add user…")
        self.deactivate_button = QPushButton("&Deactivate")
        self.deactivate_button.setToolTip(
            "They can no longer use the store; their name stays on what they did"
        )
        self.reactivate_button = QPushButton("&Reactivate")
        column = QVBoxLayout(self)
        column.addWidget(_heading(self.title))
        column.addWidget(plain_label(
            "The people who use this store. Users are never deleted (the audit trail names "
            "them): deactivate someone who leaves."
        ))  # fmt: skip
        column.addWidget(self.table, 1)
        row = QHBoxLayout()
        for b in (self.add_button, self.deactivate_button, self.reactivate_button):
            row.addWidget(b)
        row.addStretch(1)
        column.addLayout(row)
        self.add_button.clicked.connect(self.add_requested)
        self.deactivate_button.clicked.connect(lambda: self._emit_login(self.deactivate_requested))
        self.reactivate_button.clicked.connect(lambda: self._emit_login(self.reactivate_requested))
        self.table.itemSelectionChanged.connect(self._enable)
        self._enable()

    def selected(self) -> UserView | None:
        row = self.table.currentRow()
        return self.users[row] if 0 <= row < len(self.users) else None

    def select(self, login: str) -> None:
        for i, u in enumerate(self.users):
            if u.login == login:
                self.table.selectRow(i)
                return
        raise LookupError(f"no user {login!r}")

    def _emit_login(self, signal: SignalInstance) -> None:
        u = self.selected()
        if u is not None:
            signal.emit(u.login)

    def _enable(self) -> None:
        u = self.selected()
        self.deactivate_button.setEnabled(u is not None and u.active and u.login != self.me)
        n = self.open_cases.get(u.login, 0) if u is not None else 0
        if u is not None and u.login == self.me:
            tip = "You cannot deactivate yourself"
        elif n:
            tip = (f"They can no longer use the store; you choose who takes over their "
                   f"{n} open case{'s' if n != 1 else ''}")  # fmt: skip
        else:
            tip = "They can no longer use the store; their name stays on what they did"
        self.deactivate_button.setToolTip(tip)
        self.reactivate_button.setEnabled(u is not None and not u.active)

    def show_snapshot(self, snapshot: SettingsSnapshot) -> None:
        self.me = snapshot.actor.login
        self.users = tuple(snapshot.users)
        self.open_cases = dict(snapshot.open_cases)
        _fill(self.table, [
            (u.login, u.name, u.email or "", u.role, "Active" if u.active else "Deactivated",
             str(self.open_cases.get(u.login, 0)))
            for u in self.users
        ], [not u.active for u in self.users])  # fmt: skip
        self._enable()
