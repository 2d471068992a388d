"""A new store has nobody in it: the first start asks who its DPO is (name
and email) and creates that user, through the services (audited there).

The form only lays out and checks its fields; ``FirstStart`` runs the
service call on the runner and says when the DPO exists. Nothing blocks.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLineEdit, QMessageBox, QWidget

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.validation import clean_email, clean_name
from conneqt_dpo.gui.dialogs import FormDialog, Hinted, plain_label
from conneqt_dpo.gui.worker import Runner
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import UserView

FIRST_LOGIN = "dpo"  # as `conneqt-dpo init` names the first DPO
INTRO = (
    "This store is new: nobody uses it yet. Who is the Data Protection Officer? They "
    "become its first user (login “dpo”) and can add support staff in Settings."
)


class FirstStartDialog(FormDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Welcome to conneqt-dpo", parent)
        self.column.addWidget(plain_label(INTRO))
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Dana Officer")
        self.email = QLineEdit()
        self.email.setPlaceholderText("dpo@example.org")
        self.name_field = Hinted(self.name)
        self.email_field = Hinted(self.email)
        self.form.addRow("DPO's &name:", self.name_field)
        self.form.addRow("DPO's &email:", self.email_field)
        self.ok_button.setText("Create the DPO")
        self.name.textChanged.connect(self.validate)
        self.email.textChanged.connect(self.validate)
        self._finish_layout()

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
        super().validate()

    def is_complete(self) -> bool:
        name, email = self.name.text(), self.email.text()
        return (
            bool(name.strip() and email.strip())
            and self._problem(name, clean_name) is None
            and self._problem(email, clean_email) is None
        )


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
