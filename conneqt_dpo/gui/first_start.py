"""A new store has nobody in it: the first start asks who its DPO is (name
and email) and creates that user, through the services (audited there).

Where the store does not exist yet (``is_new_store``), the same dialog also
asks for the store's passphrase, twice, and says what to keep safe; it runs
before the store is opened (``ask_first_run``), and the store is then
created with ``FirstRun.unlock()``. Where the store exists but has nobody
in it, ``FirstStart`` asks for the DPO only and runs the service call on the
runner; nothing blocks there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QLineEdit, QMessageBox, QWidget

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.validation import clean_email, clean_name
from conneqt_dpo.gui.dialogs import FormDialog, Hinted, plain_label
from conneqt_dpo.gui.unlock import NewPassphrase, Run, backup_box, exec_modal, fit_height
from conneqt_dpo.gui.worker import Runner
from conneqt_dpo.store import engine, keys, paths
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.store import Unlock, resolve_url
from conneqt_dpo.store.views import UserView

FIRST_LOGIN = "dpo"  # as `conneqt-dpo init` names the first DPO
INTRO = (
    "This store is new: nobody uses it yet. Who is the Data Protection Officer? They "
    "become its first user (login “dpo”) and can add support staff in Settings."
)
NEW_STORE_INTRO = (
    "This sets up a new case store, encrypted on this computer. Who is the Data Protection "
    "Officer? They become its first user (login “dpo”) and can add support staff in "
    "Settings. Then choose the store's passphrase."
)


@dataclass(frozen=True)
class FirstRun:
    """The first-run answers for a store that does not exist yet."""

    name: str
    email: str
    passphrase: str = field(repr=False)

    def unlock(self) -> Unlock:
        """How to create the store: with this passphrase, asking nothing.
        The environment is not read: a CONNEQT_DPO_PASSPHRASE left set for
        scripts would otherwise win over the one the person just chose."""
        passphrase = self.passphrase
        return Unlock(ask_new=lambda _prompt: passphrase, env={})


def is_new_store(database: str | None = None, data_dir: Path | None = None) -> bool:
    """Whether opening the store would create a new local one: neither its
    file nor its key file exists. As open_store decides (store/store.py);
    a database server's store is never "new" here (its key is asked for on
    its own: it may hold people already)."""
    p = paths.resolve(data_dir)
    url = resolve_url(database, p)
    if not engine.is_sqlite(url):
        return False
    store_file = engine.sqlite_path(url)
    if store_file is None:  # an in-memory database
        return False
    if keys.key_file_for(store_file).exists():
        return False
    return engine.file_kind(store_file) == "missing" or store_file.stat().st_size == 0


class FirstStartDialog(FormDialog):
    """`new_store`: the store does not exist yet, so its passphrase is
    asked too, with what to keep safe."""

    def __init__(self, parent: QWidget | None = None, *, new_store: bool = False) -> None:
        super().__init__("Welcome to conneqt-dpo", parent)
        self.new_store = new_store
        self.column.addWidget(plain_label(NEW_STORE_INTRO if new_store else INTRO))
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Dana Officer")
        self.email = QLineEdit()
        self.email.setPlaceholderText("dpo@example.org")
        self.name_field = Hinted(self.name)
        self.email_field = Hinted(self.email)
        self.form.addRow("DPO's &name:", self.name_field)
        self.form.addRow("DPO's &email:", self.email_field)
        self.passphrase: NewPassphrase | None = None
        if new_store:
            self.setMinimumWidth(560)
            self.passphrase = NewPassphrase(self)
            self.passphrase.add_to(self.form)
            self.passphrase.changed.connect(self.validate)
        self.ok_button.setText("Create the store" if new_store else "Create the DPO")
        self.name.textChanged.connect(self.validate)
        self.email.textChanged.connect(self.validate)
        self._finish_layout()
        if new_store:
            self.column.insertWidget(self.column.count() - 1, backup_box())

    def _problem(self, value: str, clean: Callable[[str], str]) -> str | None:
        if not value.strip():
            return None
        try:
            clean(value)
        except DomainError as e:
            text = str(e)
            return text[:1].upper() + text[1:]
        return None

    def validate(self) -> None:
        if hasattr(self, "email_field"):
            self.name_field.set_hint(self._problem(self.name.text(), clean_name))
            self.email_field.set_hint(self._problem(self.email.text(), clean_email))
            if self.isVisible():
                fit_height(self)  # a hint that appears must not squeeze the rest
        super().validate()

    def is_complete(self) -> bool:
        name, email = self.name.text(), self.email.text()
        return (
            bool(name.strip() and email.strip())
            and self._problem(name, clean_name) is None
            and self._problem(email, clean_email) is None
            and (self.passphrase is None or self.passphrase.is_complete())
        )

    def answers(self) -> FirstRun:
        """What was typed (a new store's: with its passphrase)."""
        passphrase = self.passphrase.text() if self.passphrase is not None else ""
        return FirstRun(self.name.text().strip(), self.email.text().strip(), passphrase)


def ask_first_run(parent: QWidget | None = None, *, run: Run = exec_modal) -> FirstRun | None:
    """Before a new store exists: who its DPO is and its passphrase; None
    when cancelled. Modal (no window exists yet to return to); `run` shows
    the dialog and returns its result (tests answer it without a loop)."""
    dialog = FirstStartDialog(parent, new_store=True)
    dialog.submitted.connect(dialog.finish)  # nothing to wait for: the store comes after
    try:
        if run(dialog) != QDialog.DialogCode.Accepted:
            return None
        return dialog.answers()
    finally:
        if dialog.passphrase is not None:  # not kept in a widget longer than needed
            dialog.passphrase.first.clear()
            dialog.passphrase.again.clear()
        dialog.deleteLater()


def create_first_dpo(services: Services, first: FirstRun) -> UserView:
    """The DPO of a store just created from the first-run answers."""
    return services.init(login=FIRST_LOGIN, name=first.name, email=first.email)


class FirstStart(QObject):
    """Asks for the DPO and creates them; ``done`` with the new user."""

    done = Signal(object)  # UserView

    def __init__(
        self,
        services: Services,
        runner: Runner,
        *,
        on_error: Callable[[BaseException], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.runner = runner
        self._on_error = on_error
        self.dialog: FirstStartDialog | None = None
        self.message_box: QMessageBox | None = None

    def ask(self, parent: QWidget | None = None) -> FirstStartDialog:
        dialog = FirstStartDialog(parent)
        dialog.submitted.connect(self._submit)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _submit(self) -> None:
        dialog = self.dialog
        assert dialog is not None
        name, email = dialog.name.text().strip(), dialog.email.text().strip()
        dialog.set_busy(True)
        svc = self.services

        def created(user: UserView) -> None:
            if shiboken6.isValid(dialog):
                dialog.finish()
            self.done.emit(user)

        def failed(e: BaseException) -> None:
            if shiboken6.isValid(dialog):
                dialog.set_busy(False)
            if not isinstance(e, DomainError):
                self._on_error(e)
                return
            box = QMessageBox(QMessageBox.Icon.Warning, "Not created", str(e),
                              QMessageBox.StandardButton.Ok, dialog)  # fmt: skip
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.message_box = box
            box.open()

        self.runner.submit(lambda: svc.init(login=FIRST_LOGIN, name=name, email=email),
                           created, failed)  # fmt: skip
