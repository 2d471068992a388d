"""The settings dialog's pages that edit plain settings: the organisation
profile, and the forms built from the settings' own declaration
(``domain.settings.SETTINGS_FIELDS``: type, label, help, limits, choices).

Each page only lays out widgets, shows a SettingsSnapshot and says what
the user asked for (``save_requested``); the dialog hands that to the
presenter. A page with unsaved edits is not overwritten by a reload, and
says so (``has_unsaved``) so that closing the dialog can ask first.
"""

from __future__ import annotations

import dataclasses
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from conneqt_dpo.domain import calendars, regimes
from conneqt_dpo.domain.organisation import LIST_FIELDS, Organisation, Purpose
from conneqt_dpo.domain.settings import SETTINGS_FIELDS, SettingField, Settings
from conneqt_dpo.gui.dialogs import plain_label
from conneqt_dpo.gui.settings_presenter import SettingsSnapshot

if TYPE_CHECKING:
    from conneqt_dpo.store.backup import BackupReport

LIST_LABELS: Mapping[str, str] = {
    "categories": "Categories of personal information collected",
    "disclosed_categories": "Categories disclosed for a business purpose (last 12 months)",
    "recipients": "Recipients (categories of third parties)",
    "retention": "Retention",
    "sources": "Sources",
    "transfers": "Transfers outside the EEA / UK",
    "transfer_safeguards": "Safeguards for those transfers (GDPR Art 46, Art 15(2))",
    "automated_decisions": "Automated decision-making (or one line saying there is none)",
    "sold_or_shared": "Categories sold or shared, and to whom (last 12 months; or none)",
}
# The profile's texts, in the order the form shows them; a value starting
# "[to be completed" is a gap the letters that need it refuse to print.
TEXT_LABELS: tuple[tuple[str, str], ...] = (
    ("name", "&Name:"),
    ("dpo_name", "&DPO's name:"),
    ("dpo_title", "DPO's &title:"),
    ("dpo_email", "DPO's &email:"),
    ("support_email", "Su&pport email:"),
    ("phone", "P&hone:"),
    ("supervisory_authority", "EU supervisory a&uthority:"),
    ("uk_supervisory_authority", "UK supervisory authority:"),
    ("complaints_contact", "Complaints contact:"),
    ("appeal_instructions", "How to appeal (US states):"),
    ("opt_out_instructions", "How to opt out of sale/sharing:"),
)
FIELDS: Mapping[str, SettingField] = {f.name: f for f in SETTINGS_FIELDS}
# Where the declared help speaks of the command line's syntax, the form's words.
FORM_HELP: Mapping[str, str] = {
    "calendars": "The public holidays each regime's working days skip. “Default” follows the "
    "regime (EU GDPR: the member state chosen on the time zone page).",
}


def lines(text: str) -> tuple[str, ...]:
    """One item per line; blank lines dropped."""
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def _help(text: str) -> QLabel:
    label = plain_label(text)
    label.setForegroundRole(label.foregroundRole())
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 0.9)
    label.setFont(font)
    return label


class Page(QWidget):
    """A page with a Save button that is enabled while it has edits."""

    save_requested = Signal(object)  # what to save (the page says what)

    def __init__(self, title: str, intro: str) -> None:
        super().__init__()
        self.title = title
        self.dirty = False
        self._showing = False
        self._clean: object = None  # the value as last shown from the store
        self.column = QVBoxLayout(self)
        heading = QLabel(title)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        heading.setFont(font)
        self.column.addWidget(heading)
        if intro:
            self.column.addWidget(plain_label(intro))
        self.save_button = QPushButton("&Save changes")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self._save)

    def changed(self) -> None:
        if not self._showing:
            self.dirty = True
            self.save_button.setEnabled(True)

    def mark_clean(self) -> None:
        self.dirty = False
        self.save_button.setEnabled(False)

    def show_snapshot(self, snapshot: SettingsSnapshot) -> None:
        if self.dirty:
            return  # the user's edits stay until saved or the dialog closes
        self._showing = True
        try:
            self.fill(snapshot)
        finally:
            self._showing = False
        self._clean = self.value()

    def has_unsaved(self) -> bool:
        """Edits that would change what the store holds (typing something
        and then typing it back is not a change)."""
        return self.dirty and self.value() != self._clean

    # Each page overrides these two (a QWidget cannot also be an ABC).
    def fill(self, snapshot: SettingsSnapshot) -> None:
        raise NotImplementedError(f"{type(self).__name__} must say how it shows the settings")

    def value(self) -> object:
        raise NotImplementedError(f"{type(self).__name__} must say what it saves")

    def _save(self) -> None:
        self.save_requested.emit(self.value())

    def set_editable(self, editable: bool, why: str = "") -> None:
        for child in self.findChildren(QWidget):
            if isinstance(child, QLineEdit | QPlainTextEdit | QSpinBox | QComboBox | QPushButton
                          | QTableWidget):  # fmt: skip
                child.setEnabled(editable and (child is not self.save_button or self.dirty))
                if not editable:
                    child.setToolTip(why)


# -- the organisation ----------------------------------------------------------


class PurposeTable(QTableWidget):
    """Purposes and their lawful basis, edited in place."""

    def __init__(self) -> None:
        super().__init__(0, 2)
        self.setHorizontalHeaderLabels(["Purpose", "Lawful basis"])
        self.verticalHeader().hide()
        self.setWordWrap(True)
        self.setAccessibleName("Purposes and lawful bases")
        self.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.setTabKeyNavigation(False)  # Tab leaves the table: keyboard users go on
        header = self.horizontalHeader()
        for c in range(2):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.Stretch)
        self.setMinimumHeight(180)

    def set_purposes(self, purposes: Sequence[Purpose]) -> None:
        self.setRowCount(0)
        for p in purposes:
            self.add_row(p.purpose, p.lawful_basis)
        self.resizeRowsToContents()

    def add_row(self, purpose: str = "", basis: str = "") -> int:
        row = self.rowCount()
        self.insertRow(row)
        self.setItem(row, 0, QTableWidgetItem(purpose))
        self.setItem(row, 1, QTableWidgetItem(basis))
        return row

    def purposes(self) -> tuple[Purpose, ...]:
        out = []
        for r in range(self.rowCount()):
            cells = [self.item(r, c) for c in range(2)]
            purpose, basis = (c.text().strip() if c is not None else "" for c in cells)
            if purpose or basis:
                out.append(Purpose(purpose, basis))
        return tuple(out)


class OrganisationPage(Page):
    export_requested = Signal()
    import_requested = Signal()

    def __init__(self) -> None:
        super().__init__(
            "Organisation profile",
            "What letters and access responses say about the organisation (GDPR Art 13-15; "
            "Cal. Civ. Code §1798.110). Lists: one item per line.",
        )
        self.texts: dict[str, QLineEdit] = {}
        self.address = QPlainTextEdit()
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        self.lists: dict[str, QPlainTextEdit] = {}
        self.purposes = PurposeTable()
        self.timezone = ""  # kept as stored: the time zone setting counts

        body = QWidget()
        form = QFormLayout(body)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name, text in TEXT_LABELS:
            edit = QLineEdit()
            edit.textChanged.connect(self.changed)
            self.texts[name] = edit
            label = QLabel(text)
            label.setBuddy(edit)
            form.addRow(label, edit)
            if name == "name":
                form.addRow("Address:", self.address)
        self.texts["supervisory_authority"].setPlaceholderText(
            "Where EU residents may complain (GDPR Art 77); access responses and refusals need it"
        )
        self.texts["opt_out_instructions"].setPlaceholderText(
            "Empty when the organisation neither sells nor shares personal information"
        )
        self.stored: Organisation | None = None
        self.address.textChanged.connect(self.changed)
        form.addRow(QLabel("Purposes:"))
        form.addRow(self.purposes)
        add, remove = QPushButton("Add purpose"), QPushButton("Remove purpose")
        add.clicked.connect(self._add_purpose)
        remove.clicked.connect(self._remove_purpose)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        form.addRow(row)
        self.purposes.itemChanged.connect(lambda _item: self.changed())
        for name in LIST_FIELDS:
            box = QPlainTextEdit()
            box.setTabChangesFocus(True)
            box.setAccessibleName(LIST_LABELS.get(name, name))
            box.setFixedHeight(self.fontMetrics().lineSpacing() * 5 + 12)
            box.textChanged.connect(self.changed)
            self.lists[name] = box
            form.addRow(QLabel(LIST_LABELS.get(name, name) + ":"))
            form.addRow(box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.column.addWidget(scroll, 1)
        self.export_button = QPushButton("E&xport to a file…")
        self.import_button = QPushButton("&Import from a file…")
        self.export_button.clicked.connect(self.export_requested)
        self.import_button.clicked.connect(self.import_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        self.column.addLayout(buttons)

    def _add_purpose(self) -> None:
        row = self.purposes.add_row()
        self.purposes.setCurrentCell(row, 0)
        item = self.purposes.item(row, 0)
        if item is not None:
            self.purposes.editItem(item)
        self.changed()

    def _remove_purpose(self) -> None:
        row = self.purposes.currentRow()
        if row >= 0:
            self.purposes.removeRow(row)
            self.changed()

    def fill(self, snapshot: SettingsSnapshot) -> None:
        org = snapshot.organisation
        self.stored = org
        for name, edit in self.texts.items():
            edit.setText(str(getattr(org, name)))
            edit.setCursorPosition(0)  # a long value shows its start, not its end
        self.address.setPlainText(org.address)
        self.purposes.set_purposes(org.purposes)
        for name, box in self.lists.items():
            box.setPlainText("\n".join(getattr(org, name)))
        self.timezone = org.timezone

    def value(self) -> Organisation:
        """The profile as edited (the services check it)."""
        values: dict[str, Any] = {n: e.text().strip() for n, e in self.texts.items()}
        values["address"] = self.address.toPlainText().strip()
        values["timezone"] = self.timezone
        values["purposes"] = self.purposes.purposes()
        for name, box in self.lists.items():
            values[name] = lines(box.toPlainText())
        if self.stored is not None:
            # Whatever the form does not show stays as stored.
            return dataclasses.replace(self.stored, **values)
        return Organisation(**values)


# -- forms from the settings' declaration ---------------------------------------------


def _calendar_label(code: str) -> str:
    return f"{code}: {calendars.get_calendar(code).label}"


class SettingsFormPage(Page):
    """Some of the settings, each as its type asks (a number, a choice,
    a time zone, a calendar per regime)."""

    def __init__(self, title: str, intro: str, names: Sequence[str]) -> None:
        super().__init__(title, intro)
        self.names = tuple(names)
        self.editors: dict[str, QWidget] = {}
        self.calendar_combos: dict[str, QComboBox] = {}
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.settings = Settings()
        for name in self.names:
            self._add(FIELDS[name])
        self.column.addLayout(self.form)
        self.column.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_button)
        self.column.addLayout(row)

    def _add(self, f: SettingField) -> None:
        editor: QWidget
        if f.type == "int":
            spin = QSpinBox()
            spin.setRange(f.minimum or 0, f.maximum if f.maximum is not None else 10_000)
            spin.setMaximumWidth(120)
            spin.valueChanged.connect(self.changed)
            editor = spin
        elif f.name == "timezone":
            combo = QComboBox()
            combo.setEditable(True)
            zones = sorted(zoneinfo.available_timezones())
            combo.addItems(zones)
            completer = QCompleter(zones, combo)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            combo.setCompleter(completer)
            combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            combo.currentTextChanged.connect(self.changed)
            editor = combo
        elif f.name == "eu_member_state":
            combo = QComboBox()
            combo.addItem("None: weekends only", None)
            for code in f.choices:
                combo.addItem(f"{calendars.EU_MEMBER_STATE_NAMES.get(code, code)} ({code})", code)
            combo.currentIndexChanged.connect(self.changed)
            editor = combo
        elif f.type == "Mapping[str, str]":
            editor = QWidget()
            grid = QFormLayout(editor)
            grid.setContentsMargins(0, 0, 0, 0)
            for regime in sorted(regimes.REGIMES.values(), key=lambda r: r.label):
                combo = QComboBox()
                combo.addItem("", None)  # the default, named when the settings arrive
                for code in f.choices:
                    combo.addItem(_calendar_label(code), code)
                combo.setAccessibleName(f"Holiday calendar for {regime.label}")
                combo.currentIndexChanged.connect(self.changed)
                self.calendar_combos[regime.code] = combo
                grid.addRow(regime.label + ":", combo)
        else:  # text; empty means none
            edit = QLineEdit()
            edit.textChanged.connect(self.changed)
            editor = edit
        help_text = FORM_HELP.get(f.name, f.help)
        editor.setToolTip(help_text)
        self.editors[f.name] = editor
        label = QLabel(f.label + ":")
        label.setBuddy(editor)
        label.setToolTip(help_text)
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 6)
        column.setSpacing(2)
        column.addWidget(self._field(f, editor))
        column.addWidget(_help(help_text))
        self.form.addRow(label, box)

    def _field(self, f: SettingField, editor: QWidget) -> QWidget:
        """What stands in the form for the setting (a page may add buttons)."""
        return editor

    def fill(self, snapshot: SettingsSnapshot) -> None:
        s = self.settings = snapshot.settings
        for name, editor in self.editors.items():
            value = getattr(s, name)
            if isinstance(editor, QSpinBox):
                editor.setValue(int(value))
            elif name == "timezone" and isinstance(editor, QComboBox):
                editor.setCurrentText(str(value))
            elif isinstance(editor, QComboBox):
                editor.setCurrentIndex(max(0, editor.findData(value)))
            elif isinstance(editor, QLineEdit):
                editor.setText(value or "")
        for regime, combo in self.calendar_combos.items():
            default = (s.eu_member_state if regime == "eu-gdpr" and s.eu_member_state
                       else regimes.get_regime(regime).default_calendar)  # fmt: skip
            combo.setItemText(0, f"Default: {_calendar_label(default)}")
            combo.setCurrentIndex(max(0, combo.findData(s.calendars.get(regime))))

    def value(self) -> dict[str, object]:
        """The settings changed on this page (name -> new value)."""
        out: dict[str, object] = {}
        for name, editor in self.editors.items():
            new: object
            if isinstance(editor, QSpinBox):
                new = editor.value()
            elif name == "timezone" and isinstance(editor, QComboBox):
                new = editor.currentText().strip()
            elif isinstance(editor, QComboBox):
                new = editor.currentData()
            elif isinstance(editor, QLineEdit):
                new = editor.text().strip() or None
            else:  # the calendars
                new = {r: c.currentData() for r, c in self.calendar_combos.items()
                       if c.currentData()}  # fmt: skip
            old = getattr(self.settings, name)
            if (dict(old) if isinstance(old, Mapping) else old) != new:
                out[name] = new
        return out


class DataFolderPage(SettingsFormPage):
    """Where the data is (read-only here: CONNEQT_DPO_DATA_DIR moves it)
    and where backups go; a backup taken now, and what it holds."""

    choose_folder_requested = Signal(str)  # the folder shown, to start from
    backup_requested = Signal(str)  # the backup folder as shown (empty: the default)
    copied = Signal(str)  # the path put on the clipboard

    def __init__(self) -> None:
        super().__init__(
            "Data folder",
            "The store and its audit anchor live in the data folder; move it by starting the "
            "app with CONNEQT_DPO_DATA_DIR set (see the README).",
            ("backup_folder",),
        )
        self.folder = QLineEdit()
        self.folder.setReadOnly(True)
        self.folder.setAccessibleName("Data folder")
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setToolTip("Put the data folder's path on the clipboard")
        self.copy_button.setAccessibleName("Copy the data folder's path")
        self.copy_button.clicked.connect(self.copy_folder)
        self.store_url = QLineEdit()
        self.store_url.setReadOnly(True)
        self.store_url.setAccessibleName("Store")
        folder_label = QLabel("Data folder:")
        folder_label.setBuddy(self.folder)
        self.form.insertRow(0, folder_label, _beside(self.folder, self.copy_button))
        self.form.insertRow(1, "Store:", self.store_url)

        self.backup_button = QPushButton("&Back up now")
        self.backup_button.setToolTip(
            "Copy the store into a new file in the backup folder and check the copy "
            "(integrity, the audit chain, the number of cases)"
        )
        self.backup_button.clicked.connect(lambda: self.backup_requested.emit(self.backup_folder()))
        self._backing_up = False
        self.backup_result = plain_label()
        self.backup_result.setAccessibleName("Last backup")
        self.backup_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.backup_result.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.backup_result.setVisible(False)
        backups = QWidget()
        column = QVBoxLayout(backups)
        column.setContentsMargins(0, 6, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.backup_button)
        row.addStretch(1)
        column.addLayout(row)
        column.addWidget(self.backup_result)
        self.form.addRow("", backups)

    def _field(self, f: SettingField, editor: QWidget) -> QWidget:
        if f.name != "backup_folder":
            return editor
        self.choose_button = QPushButton("C&hoose…")
        self.choose_button.setToolTip("Pick the backup folder")
        self.choose_button.setAccessibleName("Choose the backup folder")
        self.choose_button.clicked.connect(
            lambda: self.choose_folder_requested.emit(self.backup_folder())
        )
        return _beside(editor, self.choose_button)

    @property
    def backup_edit(self) -> QLineEdit:
        edit = self.editors["backup_folder"]
        assert isinstance(edit, QLineEdit)
        return edit

    def backup_folder(self) -> str:
        return self.backup_edit.text().strip()

    def set_backup_folder(self, path: str) -> None:
        """A folder was chosen: shown, and saved with Save changes."""
        self.backup_edit.setText(path)

    def copy_folder(self) -> None:
        clipboard = QApplication.clipboard()
        clipboard.setText(self.folder.text())
        self.copied.emit(self.folder.text())

    def set_backing_up(self, busy: bool) -> None:
        self._backing_up = busy
        self.backup_button.setEnabled(not busy and self._local)
        self.backup_button.setText("Backing up…" if busy else "&Back up now")

    def show_backup(self, report: BackupReport) -> None:
        cases = f"{report.cases:,} case{'s' if report.cases != 1 else ''}"
        events = f"{report.events:,} audit event{'s' if report.events != 1 else ''}"
        self.backup_result.setText(
            f"Backed up to {report.path}\nChecked: {cases} and {events} in the copy."
        )
        self.backup_result.setVisible(True)

    def show_backup_failure(self, message: str) -> None:
        self.backup_result.setText(f"No backup written: {message}")
        self.backup_result.setVisible(True)

    def fill(self, snapshot: SettingsSnapshot) -> None:
        super().fill(snapshot)
        self.folder.setText(str(snapshot.data_folder))
        self.store_url.setText(snapshot.store_url)
        self.set_backing_up(self._backing_up)
        if not self._local:
            self.backup_button.setToolTip(
                "A database server is backed up with its own tools (pg_dump)"
            )

    @property
    def _local(self) -> bool:
        return self.store_url.text().startswith("sqlite")


def _beside(field: QWidget, button: QPushButton) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(field, 1)
    layout.addWidget(button)
    row.setFocusProxy(field)
    return row
