"""The small forms the case view asks its questions with.

Each dialog only lays out and checks its fields (OK stays disabled until the
form is complete). Pressing OK does not close it: it emits ``submitted``, the
presenter runs the work, and calls ``finish()`` when the services accepted it
or ``set_busy(False)`` when they refused (the form stays open, filled in, so
the user can correct it). Nothing here blocks: the view opens them with
``open()``, and tests fill them and press OK without an event loop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from conneqt_dpo.gui import style

CHOOSE = "Choose…"
WARNING_STYLE = (
    "QLabel { background: #fff4e5; color: #7a3e00; border: 1px solid #f0b429;"
    " border-radius: 4px; padding: 6px; }"
)


def plain_label(text: str = "", *, wrap: bool = True) -> QLabel:
    """A label that never reads its text as HTML: names and notes are typed
    by (or for) the requester."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    return label


class Hinted(QWidget):
    """A field with its hint line under it (empty and hidden while it checks)."""

    def __init__(self, field: QWidget) -> None:
        super().__init__()
        self.field = field
        self.hint = plain_label()
        self.hint.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(field)
        layout.addWidget(self.hint)
        self.setFocusProxy(field)

    def set_hint(self, text: str | None) -> None:
        palette = self.hint.palette()
        palette.setColor(QPalette.ColorRole.WindowText, style.hint_colour(self.palette()))
        self.hint.setPalette(palette)
        self.hint.setText(text or "")
        self.hint.setVisible(bool(text))
        self.field.setAccessibleDescription(text or "")


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


class FormDialog(QDialog):
    """OK emits ``submitted``; the presenter decides when the form closes."""

    submitted = Signal()

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        self._busy = False
        self.discard_box: QMessageBox | None = None
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert ok is not None and cancel is not None
        self.ok_button: QPushButton = ok
        self.cancel_button: QPushButton = cancel
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.column = QVBoxLayout(self)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

    def _finish_layout(self) -> None:
        self.column.addLayout(self.form)
        self.column.addWidget(self.buttons)
        self.validate()

    def is_complete(self) -> bool:
        return True

    def validate(self) -> None:
        self.ok_button.setEnabled(not self._busy and self.is_complete())

    def set_busy(self, busy: bool) -> None:
        """While the work runs the form cannot be sent twice or cancelled."""
        self._busy = busy
        self.cancel_button.setEnabled(not busy)
        self.validate()

    def accept(self) -> None:
        if self._busy or not self.is_complete():
            return
        self.submitted.emit()

    def has_input(self) -> bool:
        """Whether cancelling would throw away something typed; a form
        that says so is asked about before it closes."""
        return False

    def reject(self) -> None:
        if self._busy:
            return
        if self.has_input():
            self._ask_discard()
            return
        super().reject()

    def _ask_discard(self) -> None:
        self.discard_box = ask_discard(
            self, "Discard what you typed?",
            f"Close “{self.windowTitle()}” without saving what you typed?",
        )  # fmt: skip

    def finish(self) -> None:
        """The work is done: close as accepted."""
        self._busy = False
        super().accept()


def ask_discard(dialog: QDialog, title: str, text: str) -> QMessageBox:
    """Ask, without blocking, whether to close `dialog` and lose what was
    typed in it; Discard closes it (as rejected), "Keep editing" stays. The
    caller keeps the box returned (tests answer it)."""
    Button = QMessageBox.StandardButton
    box = QMessageBox(QMessageBox.Icon.Question, title, text, Button.Discard | Button.Cancel,
                      dialog)  # fmt: skip
    box.setTextFormat(Qt.TextFormat.PlainText)
    keep = box.button(Button.Cancel)
    if keep is not None:
        keep.setText("Keep editing")
    box.setDefaultButton(Button.Cancel)
    box.setEscapeButton(Button.Cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.buttonClicked.connect(
        lambda b: QDialog.reject(dialog) if box.standardButton(b) == Button.Discard else None
    )
    box.open()
    return box


def _date_edit(today: dt.date, earliest: dt.date | None) -> QDateEdit:
    edit = QDateEdit(_qdate(today))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("ddd d MMM yyyy")
    # Services refuse a date in the future or before receipt; the form
    # does not offer them.
    edit.setMaximumDate(_qdate(today))
    if earliest is not None and earliest <= today:
        edit.setMinimumDate(_qdate(earliest))
    return edit


def _reason_combo(reasons: Sequence[tuple[str, str]], default: str | None) -> QComboBox:
    combo = QComboBox()
    if default is None:
        combo.addItem(CHOOSE, None)
    for code, label in reasons:
        combo.addItem(label, code)
        combo.setItemData(combo.count() - 1, code, Qt.ItemDataRole.ToolTipRole)
    if default is not None:
        combo.setCurrentIndex(max(0, combo.findData(default)))
    return combo


@dataclass(frozen=True)
class ActionForm:
    """What one action asks for. ``reasons`` are (code, label) pairs from the
    domain's catalogue; with no ``default_reason`` the user must choose."""

    title: str
    intro: str
    ok_text: str
    reasons: tuple[tuple[str, str], ...] = ()
    reason_label: str = "Reason:"
    default_reason: str | None = None
    fixed_reason: str | None = None  # shown, not chosen (the action names it)
    date_label: str | None = None  # None: the action takes no date
    note_label: str | None = "Note (optional):"
    note_required_for: tuple[str, ...] = ()  # reasons that need free text
    warning: str | None = None


class ActionDialog(FormDialog):
    """A workflow action or clock event: a reason, a date and a note."""

    def __init__(
        self,
        form: ActionForm,
        *,
        today: dt.date,
        earliest: dt.date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(form.title, parent)
        self.action_form = form
        self.ok_button.setText(form.ok_text)
        self.intro = plain_label(form.intro)
        self.column.addWidget(self.intro)
        self.warning: QLabel | None = None
        if form.warning:
            self.warning = plain_label("⚠ " + form.warning)
            self.warning.setStyleSheet(WARNING_STYLE)
            self.warning.setAccessibleName("Warning")
            self.column.addWidget(self.warning)
        self.reason: QComboBox | None = None
        if form.reasons:
            self.reason = _reason_combo(form.reasons, form.default_reason)
            self.reason.currentIndexChanged.connect(self._reason_changed)
            self.form.addRow(form.reason_label, self.reason)
        elif form.fixed_reason:
            self.form.addRow(form.reason_label, plain_label(form.fixed_reason))
        self.date: QDateEdit | None = None
        if form.date_label:
            self.date = _date_edit(today, earliest)
            self.form.addRow(form.date_label, self.date)
        self.note: QPlainTextEdit | None = None
        if form.note_label:
            self.note = QPlainTextEdit()
            self.note.setTabChangesFocus(True)
            self.note.setFixedHeight(90)
            self.note.textChanged.connect(self.validate)
            self.form.addRow(form.note_label, self.note)
        self._finish_layout()
        self._reason_changed()

    def _reason_changed(self) -> None:
        if self.note is not None and self.reason_code() in self.action_form.note_required_for:
            self.note.setPlaceholderText("Required for this reason: explain it in a sentence.")
        elif self.note is not None:
            self.note.setPlaceholderText("")
        self.validate()

    def reason_code(self) -> str | None:
        if self.reason is not None:
            code = self.reason.currentData()
            return code if isinstance(code, str) else None
        return None

    def on(self) -> dt.date | None:
        return None if self.date is None else _pydate(self.date.date())

    def note_text(self) -> str | None:
        if self.note is None:
            return None
        return self.note.toPlainText().strip() or None

    def choose_reason(self, code: str) -> None:
        assert self.reason is not None
        index = self.reason.findData(code)
        if index < 0:
            raise ValueError(f"no reason {code!r} in this form")
        self.reason.setCurrentIndex(index)

    def is_complete(self) -> bool:
        if self.reason is not None and self.reason_code() is None:
            return False
        return not (
            self.reason_code() in self.action_form.note_required_for and not self.note_text()
        )


@dataclass(frozen=True)
class Person:
    name: str
    email: str | None = None
    phone: str | None = None
    organisation: str | None = None


class PersonDialog(FormDialog):
    """The requester's or the agent's contact details."""

    def __init__(
        self,
        title: str,
        intro: str,
        person: Person | None,
        *,
        name_required: bool = True,
        with_organisation: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, parent)
        self.name_required = name_required
        self.column.addWidget(plain_label(intro))
        p = person or Person("")
        self.name = QLineEdit(p.name)
        self.email = QLineEdit(p.email or "")
        self.phone = QLineEdit(p.phone or "")
        self.name.textChanged.connect(self.validate)
        self.form.addRow("&Name:", self.name)
        self.form.addRow("&Email:", self.email)
        self.form.addRow("&Phone:", self.phone)
        self.organisation: QLineEdit | None = None
        if with_organisation:
            self.organisation = QLineEdit(p.organisation or "")
            self.form.addRow("&Organisation:", self.organisation)
        if not name_required:
            self.name.setPlaceholderText("Leave empty to remove")
        self._finish_layout()

    def is_complete(self) -> bool:
        return bool(self.name.text().strip()) or not self.name_required

    def person(self) -> Person | None:
        """The details typed; None when the name was cleared (remove)."""
        name = self.name.text().strip()
        if not name:
            return None
        org = self.organisation.text().strip() if self.organisation is not None else ""
        return Person(
            name,
            self.email.text().strip() or None,
            self.phone.text().strip() or None,
            org or None,
        )


class TaskDialog(FormDialog):
    """A data system to search, correct or erase for this case."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Add task", parent)
        self.column.addWidget(
            plain_label("One task per data system to search, correct or erase for this case.")
        )
        self.system = QLineEdit()
        self.system.setPlaceholderText("e.g. CRM, billing, mailing list")
        self.system.textChanged.connect(self.validate)
        self.form.addRow("&System:", self.system)
        self.ok_button.setText("Add task")
        self._finish_layout()

    def is_complete(self) -> bool:
        return bool(self.system.text().strip())

    def system_name(self) -> str:
        return self.system.text().strip()


class OutcomeDialog(FormDialog):
    """What was done in one system: an outcome from the catalogue and a note."""

    def __init__(
        self,
        tasks: Sequence[tuple[int, str]],
        outcomes: Sequence[tuple[str, str]],
        *,
        selected: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Record outcome", parent)
        self.task = QComboBox()
        for task_id, label in tasks:
            self.task.addItem(label, task_id)
        if selected is not None:
            self.task.setCurrentIndex(max(0, self.task.findData(selected)))
        self.outcome = _reason_combo(outcomes, None)
        self.outcome.currentIndexChanged.connect(self.validate)
        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(90)
        self.form.addRow("&Task:", self.task)
        self.form.addRow("&Outcome:", self.outcome)
        self.form.addRow("Note (optional):", self.note)
        self.ok_button.setText("Record outcome")
        self._finish_layout()

    def is_complete(self) -> bool:
        return self.task_id() is not None and self.outcome_code() is not None

    def task_id(self) -> int | None:
        value = self.task.currentData()
        return value if isinstance(value, int) else None

    def outcome_code(self) -> str | None:
        value = self.outcome.currentData()
        return value if isinstance(value, str) else None

    def choose_outcome(self, code: str) -> None:
        index = self.outcome.findData(code)
        if index < 0:
            raise ValueError(f"no outcome {code!r}")
        self.outcome.setCurrentIndex(index)

    def note_text(self) -> str | None:
        return self.note.toPlainText().strip() or None
