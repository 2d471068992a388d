"""The store's key, as the desktop app asks for it: the passphrase of an
existing store (where no keyring holds its key), a new passphrase (a new
store, or a plain one being encrypted), and what to say when the store
cannot be unlocked.

These dialogs come before the main window exists, so ``gui_unlock`` shows
them modally (``exec``); the dialog classes themselves never block, so tests
fill them in and press their buttons directly. Cancel means "do not open
the store": the asker raises UnlockCancelled, and the app quits without an
error message.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from conneqt_dpo.gui import style
from conneqt_dpo.gui.dialogs import plain_label
from conneqt_dpo.store import keys
from conneqt_dpo.store.crypto import IntegrityError
from conneqt_dpo.store.errors import StoreError, StoreUnavailable
from conneqt_dpo.store.store import Unlock

WRONG = "That passphrase is wrong. Check Caps Lock and the keyboard layout, and try again."
BACKUP_TITLE = "What to keep safe"
BACKUP_TEXT = (
    "• The passphrase. Where this computer has no keyring to hold the store's key, it is "
    "asked for at every start; and if the keyring entry is ever lost, it is the only way "
    "back in. Nobody can reset it.\n"
    "• The key file, store.key.json in the data folder. It comes with every backup, so a "
    "restored backup brings its key with it.\n"
    "• A recovery copy of the key: the command “conneqt-dpo key export -o FILE” writes "
    "one. Keep it somewhere else than this computer, with the backups.\n"
    "Losing both the key and the passphrase loses the store: nobody can open it or its "
    "documents again."
)
RULE = (
    f"At least {keys.MIN_PASSPHRASE} characters. A few unrelated words are easy to type "
    "and hard to guess."
)


class UnlockCancelled(keys.KeyLocked):
    """The person chose not to enter a passphrase: the app quits quietly."""


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def _hint(text: str = "") -> QLabel:
    label = plain_label(text)
    label.setVisible(bool(text))
    return label


def _paint(label: QLabel, palette: QPalette, *, error: bool) -> None:
    """An error in the hint colour; advice as the theme draws disabled text."""
    p = label.palette()
    group = QPalette.ColorGroup.Active if error else QPalette.ColorGroup.Disabled
    colour = style.hint_colour(palette) if error else palette.color(
        group, QPalette.ColorRole.WindowText)  # fmt: skip
    p.setColor(QPalette.ColorRole.WindowText, colour)
    label.setPalette(p)


def fit_height(dialog: QWidget) -> None:
    """Grow a shown dialog to the height its wrapped text needs now: a
    window is sized to its contents only when first shown, so a message
    that appears later would be squeezed."""
    layout = dialog.layout()
    if layout is None:
        return
    layout.activate()
    need = dialog.heightForWidth(dialog.width()) if dialog.hasHeightForWidth() else -1
    need = max(need, dialog.sizeHint().height())
    if need > dialog.height():
        dialog.resize(dialog.width(), need)


def backup_box() -> QFrame:
    """The "what to keep safe" explanation, framed."""
    frame = QFrame()
    frame.setFrameShape(QFrame.Shape.StyledPanel)
    title = plain_label(BACKUP_TITLE)
    font = title.font()
    font.setBold(True)
    title.setFont(font)
    column = QVBoxLayout(frame)
    column.addWidget(title)
    column.addWidget(plain_label(BACKUP_TEXT))
    return frame


class _Buttons(QDialogButtonBox):
    def __init__(self, ok_text: str, cancel_text: str) -> None:
        super().__init__(QDialogButtonBox.StandardButton.Ok
                         | QDialogButtonBox.StandardButton.Cancel)  # fmt: skip
        ok = self.button(QDialogButtonBox.StandardButton.Ok)
        cancel = self.button(QDialogButtonBox.StandardButton.Cancel)
        assert ok is not None and cancel is not None
        ok.setText(ok_text)
        cancel.setText(cancel_text)
        self.ok: QPushButton = ok
        self.cancel: QPushButton = cancel


class PassphraseDialog(QDialog):
    """The passphrase of an existing store. OK (Open) is enabled once
    something is typed; ``show_wrong`` says inline that the last try was
    wrong."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Unlock the case store")
        self.setMinimumWidth(460)
        intro = plain_label(
            "The case store is encrypted, and this computer's keyring does not hold its "
            "key. Enter the store's passphrase to open it."
        )
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.show_box = QCheckBox("Show")
        self.show_box.toggled.connect(self._show)
        self.error = _hint()
        self.error.setAccessibleName("Why the store did not open")
        self.buttons = _Buttons("Open", "Quit")
        self.ok_button = self.buttons.ok
        self.cancel_button = self.buttons.cancel
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.passphrase.textChanged.connect(self._validate)

        form = QFormLayout()
        form.addRow("&Passphrase:", self.passphrase)
        form.addRow("", self.show_box)
        column = QVBoxLayout(self)
        column.addWidget(intro)
        column.addLayout(form)
        column.addWidget(self.error)
        forgot = plain_label(
            "Forgotten it? The recovery file (from “conneqt-dpo key export”) needs the same "
            "passphrase; a computer whose keyring still holds the key opens the store "
            "without it."
        )
        column.addWidget(forgot)
        column.addWidget(self.buttons)
        self._validate()

    def _show(self, shown: bool) -> None:
        self.passphrase.setEchoMode(
            QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        )

    def _validate(self) -> None:
        self.ok_button.setEnabled(bool(self.passphrase.text()))

    def accept(self) -> None:
        if self.passphrase.text():
            super().accept()

    def show_wrong(self) -> None:
        _paint(self.error, self.palette(), error=True)
        self.error.setText(WRONG)
        self.error.setVisible(True)
        self.passphrase.clear()
        self.passphrase.setFocus()
        fit_height(self)

    def text(self) -> str:
        return self.passphrase.text()


class NewPassphrase(QObject):
    """A new passphrase typed twice, with the rule checked as it is typed
    (``keys.check_new_passphrase``) and said inline. Its fields go into the
    form of whichever dialog asks (the first start's, or the new-passphrase
    dialog)."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.first = QLineEdit()
        self.again = QLineEdit()
        for edit, name in ((self.first, "New passphrase"), (self.again, "New passphrase again")):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setAccessibleName(name)
            edit.textChanged.connect(self._check)
        self.first.setToolTip(RULE)
        self.show_box = QCheckBox("Show")
        self.show_box.toggled.connect(self._show)
        # One line for the rule and for what breaks it: the rule is the
        # longest text, so the dialog never has to grow for a message.
        self.hint = plain_label(RULE)
        self.hint.setAccessibleName("The passphrase rule, or what breaks it")
        _paint(self.hint, self.first.palette(), error=False)

    def add_to(self, form: QFormLayout) -> None:
        form.addRow("&Passphrase:", self.first)
        form.addRow("A&gain:", self.again)
        form.addRow("", self.show_box)
        form.addRow("", self.hint)

    def _show(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.first.setEchoMode(mode)
        self.again.setEchoMode(mode)

    def problem(self) -> str | None:
        """What is wrong so far, in words (None: nothing yet, which does not
        make it complete)."""
        first, again = self.first.text(), self.again.text()
        if first:
            try:
                keys.check_new_passphrase(first)
            except StoreError as e:
                return _sentence(str(e))
        if again and first != again:
            return "The two passphrases differ."
        return None

    def is_complete(self) -> bool:
        return bool(self.first.text()) and self.first.text() == self.again.text() and (
            self.problem() is None)  # fmt: skip

    def text(self) -> str:
        return self.first.text()

    def _check(self) -> None:
        message = self.problem()
        _paint(self.hint, self.first.palette(), error=bool(message))
        self.hint.setText(message or RULE)
        self.first.setAccessibleDescription(message or "")
        self.changed.emit()

    def problem_shown(self) -> str | None:
        """The message the form shows now (None: only the rule)."""
        text = self.hint.text()
        return None if text == RULE else text


class NewPassphraseDialog(QDialog):
    """A new passphrase for the store (a plain store being encrypted, or a
    new store created without the first-start dialog)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose the store's passphrase")
        self.setMinimumWidth(520)
        intro = plain_label(
            "The case store is getting its encryption key. Choose the passphrase that "
            "protects the key: it unlocks the store where no keyring holds the key, and "
            "recovers it if the keyring entry is lost."
        )
        self.fields = NewPassphrase(self)
        self.buttons = _Buttons("Encrypt the store", "Quit")
        self.ok_button = self.buttons.ok
        self.cancel_button = self.buttons.cancel
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.fields.changed.connect(self._validate)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields.add_to(form)
        column = QVBoxLayout(self)
        column.addWidget(intro)
        column.addLayout(form)
        column.addWidget(backup_box())
        column.addWidget(self.buttons)
        self._validate()

    def _validate(self) -> None:
        self.ok_button.setEnabled(self.fields.is_complete())

    def accept(self) -> None:
        if self.fields.is_complete():
            super().accept()

    def text(self) -> str:
        return self.fields.text()


# Shows a dialog and returns its result code; the default is modal.
Run = Callable[[QDialog], int]


def exec_modal(dialog: QDialog) -> int:
    return dialog.exec()


class Asker:
    """`ask` for Unlock: shows the passphrase dialog. The store asks again
    only after a wrong answer (keys.unlock), so every call after the first
    shows the dialog again with the wrong-passphrase message."""

    def __init__(self, parent: QWidget | None = None, run: Run = exec_modal) -> None:
        self.parent = parent
        self.run = run
        self.dialog: PassphraseDialog | None = None

    def __call__(self, _prompt: str) -> str:
        if self.dialog is None:
            self.dialog = PassphraseDialog(self.parent)
        else:
            self.dialog.show_wrong()
        if self.run(self.dialog) != QDialog.DialogCode.Accepted:
            raise UnlockCancelled("the store stays locked: no passphrase was entered")
        text = self.dialog.text()
        self.dialog.passphrase.clear()  # not kept in a widget longer than needed
        return text


class NewAsker:
    """`ask_new` for Unlock: shows the new-passphrase dialog."""

    def __init__(self, parent: QWidget | None = None, run: Run = exec_modal) -> None:
        self.parent = parent
        self.run = run
        self.dialog: NewPassphraseDialog | None = None

    def __call__(self, _prompt: str) -> str:
        self.dialog = NewPassphraseDialog(self.parent)
        if self.run(self.dialog) != QDialog.DialogCode.Accepted:
            raise UnlockCancelled("the store was not encrypted: no passphrase was chosen")
        text = self.dialog.text()
        self.dialog.fields.first.clear()
        self.dialog.fields.again.clear()
        return text


def gui_unlock(parent: QWidget | None = None, *, run: Run = exec_modal) -> Unlock:
    """How the app unlocks the store: the keyring first (store/keys.py),
    then these dialogs. `run` shows a dialog and returns its result (tests
    answer it without a modal loop)."""
    return Unlock(ask=Asker(parent, run), ask_new=NewAsker(parent, run))


def explain_store_error(e: StoreError) -> str:
    """Why the store did not open, and what to do, for a person."""
    said = _sentence(str(e))
    if isinstance(e, UnlockCancelled):
        return "The store was not opened: no passphrase was entered. Nothing was changed."
    if isinstance(e, keys.WrongPassphrase):
        if keys.PASSPHRASE_ENV in str(e):
            return (f"The passphrase in the environment variable {keys.PASSPHRASE_ENV} is "
                    "wrong. Correct it, or unset it to be asked. Nothing was changed.")  # fmt: skip
        return (
            "The passphrase was wrong too many times, so the store was not opened. Nothing "
            "was changed.\n\nStart the app again to retry. Without the passphrase the store "
            "opens only on a computer whose keyring still holds its key."
        )
    if isinstance(e, keys.KeyLocked):
        return (
            "The store is locked: this computer's keyring does not hold its key, and no "
            "passphrase was given. Start the app to enter it, or set "
            f"{keys.PASSPHRASE_ENV} for scripted use. Nothing was changed."
        )
    if isinstance(e, keys.KeyFileMissing):
        return (
            f"The store's key file is missing, so the store cannot be opened.\n\n{said}\n\n"
            "Put the recovery file back with “conneqt-dpo key import FILE”, or restore "
            "a backup. The store itself was left untouched."
        )
    if isinstance(e, keys.KeyFileError):
        return (
            f"The store's key file cannot be used.\n\n{said}\n\nMove it aside and put back "
            "the recovery file with “conneqt-dpo key import FILE”, or restore a backup. The "
            "store itself was left untouched."
        )
    if isinstance(e, IntegrityError):
        return f"{said}\n\nRestore the store from a backup."
    if isinstance(e, StoreUnavailable):
        return f"The store cannot be opened.\n\n{said}"
    return said
