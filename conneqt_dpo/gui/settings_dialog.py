"""Settings, for the DPO and admins: the organisation profile, the data
systems inventory, the time zone and EU member state, holiday calendars and
deadlines, retention, the data folder, and the users.

Pages on the left, one at a time on the right. Every change goes through
the services (which check the role and audit it) via the presenter; the
store's refusal is shown in a message box that does not block, and the page
keeps what was typed so it can be corrected. Closing the dialog (Close,
Escape, the window's button) with edits not saved asks first: save them,
discard them, or stay.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from conneqt_dpo.domain.workflow import Role
from conneqt_dpo.gui.dialogs import FormDialog, plain_label
from conneqt_dpo.gui.settings_lists import (
    HandOverDialog,
    SystemDialog,
    SystemsPage,
    UserDialog,
    UsersPage,
)
from conneqt_dpo.gui.settings_pages import (
    DataFolderPage,
    OrganisationPage,
    Page,
    SettingsFormPage,
)
from conneqt_dpo.gui.settings_presenter import SettingsPresenter, SettingsSnapshot
from conneqt_dpo.gui.worker import Runner
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import DataSystemView

if TYPE_CHECKING:
    from conneqt_dpo.store.backup import BackupReport

ONLY_DPO_OR_ADMIN = "Only a DPO or an admin can change settings (you are {role})."
PROFILE_FILTER = "Organisation profile (*.json)"
UNSAVED_TITLE = "Unsaved changes"
UNSAVED_TEXT = "What you changed on {pages} is not saved yet."
NO_BACKUP = "No backup written"
# (the folder to start in, what to do with the folder chosen); it must not
# block: the default opens a QFileDialog with open().
FolderChooser = Callable[[str, Callable[[str], None]], object]


class SettingsDialog(QDialog):
    def __init__(
        self,
        services: Services,
        runner: Runner,
        *,
        on_error: Callable[[BaseException], None] | None = None,
        parent: QWidget | None = None,
        choose_folder: FolderChooser | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._choose_folder = choose_folder or self._folder_dialog
        self.unsaved_box: QMessageBox | None = None
        self._closing = False  # saving what is left, then closing
        self.resize(980, 700)
        self.presenter = SettingsPresenter(services, runner, on_error=on_error or _raise,
                                           parent=self)  # fmt: skip
        self.message_box: QMessageBox | None = None
        self.form: FormDialog | None = None  # the add/edit form open now
        self.file_dialog: QFileDialog | None = None

        self.organisation = OrganisationPage()
        self.systems = SystemsPage()
        self.time = SettingsFormPage(
            "Time zone and EU member state",
            "The day a request is received is the date in this time zone.",
            ("timezone", "eu_member_state"),
        )
        self.deadlines = SettingsFormPage(
            "Calendars and deadlines",
            "Working days skip the public holidays of the calendar each regime rolls over; "
            "a change recomputes the open cases' dates.",
            ("calendars", "target_working_days", "due_soon_days", "reminder_working_days",
             "identity_wait_days"),
        )  # fmt: skip
        self.retention = SettingsFormPage(
            "Retention",
            "How long documents and closed cases are kept; `conneqt-dpo purge` removes what is "
            "due (a legal hold keeps a case).",
            (
                "identity_purge_days",
                "retention_months_ccpa",
                "retention_months_hipaa",
                "retention_years",
                "max_document_mb",
            ),
        )
        self.folder = DataFolderPage()
        self.users = UsersPage()
        self.pages: list[QWidget] = [self.organisation, self.systems, self.time, self.deadlines,
                                     self.retention, self.folder, self.users]  # fmt: skip

        self.nav = QListWidget()
        self.nav.setAccessibleName("Settings pages")
        self.stack = QStackedWidget()
        for page in self.pages:
            self.nav.addItem(str(getattr(page, "title", "")))
            self.stack.addWidget(page)
        self.nav.setSpacing(3)
        self.nav.setFixedWidth(self.nav.sizeHintForColumn(0) + 24)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.status = plain_label()
        self.status.setAccessibleName("Last change")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(buttons)
        column = QVBoxLayout(self)
        column.addLayout(row, 1)
        column.addLayout(bottom)
        self.nav.setCurrentRow(0)

        p = self.presenter
        p.loaded.connect(self._show)
        p.refused.connect(self.show_refusal)
        p.done.connect(self._done)
        for page in self.form_pages():
            page.save_requested.connect(lambda value, page=page: self._save(page, value))
        self.organisation.export_requested.connect(self.export_profile)
        self.organisation.import_requested.connect(self.import_profile)
        self.systems.add_requested.connect(lambda: self.system_form(None))
        self.systems.edit_requested.connect(self.system_form)
        self.systems.retire_requested.connect(lambda s: p.retire_system(s.id))
        self.systems.reinstate_requested.connect(lambda s: p.reinstate_system(s.id))
        self.users.add_requested.connect(self.user_form)
        self.users.deactivate_requested.connect(self.deactivate_user)
        self.users.reactivate_requested.connect(p.reactivate_user)
        self.folder.choose_folder_requested.connect(self.choose_backup_folder)
        self.folder.backup_requested.connect(p.back_up)
        self.folder.copied.connect(
            lambda path: self.status.setText(f"Copied {path} to the clipboard.")
        )
        p.backing_up.connect(self.folder.set_backing_up)
        p.backed_up.connect(self._backed_up)
        p.backup_failed.connect(self._backup_failed)
        self._saving: Page | None = None
        p.load()

    def form_pages(self) -> list[Page]:
        return [page for page in self.pages if isinstance(page, Page)]

    def show_page(self, page: QWidget) -> None:
        self.nav.setCurrentRow(self.pages.index(page))

    # -- what the presenter says ----------------------------------------------

    def _show(self, snapshot: SettingsSnapshot) -> None:
        for page in self.pages:
            page.show_snapshot(snapshot)  # type: ignore[attr-defined]
        role = snapshot.actor.role
        if role not in (Role.DPO, Role.ADMIN):  # the menu does not open it; the store refuses
            why = ONLY_DPO_OR_ADMIN.format(role=role)
            for page in self.pages:
                page.setEnabled(False)
                page.setToolTip(why)
            self.status.setText(why)

    def _done(self, said: str) -> None:
        if self._saving is not None:
            self._saving.mark_clean()
            self._saving = None
        self.status.setText(said)
        if self._closing:
            self._save_next()

    def _save(self, page: Page, value: object) -> bool:
        """Whether a change went to the services (the answer comes later)."""
        if isinstance(value, dict) and not value:
            page.mark_clean()
            return False
        self._saving = page
        if page is self.organisation:
            self.presenter.set_organisation(value)  # type: ignore[arg-type]
        elif isinstance(value, dict):
            self.presenter.update_settings(**value)
        return True

    def show_refusal(self, message: str) -> None:
        self._saving = None
        self._closing = False  # stay open on the page refused, its edits kept
        parent: QWidget = self
        if self.form is not None and shiboken6.isValid(self.form) and self.form.isVisible():
            parent = self.form
            self.form.set_busy(False)
        box = QMessageBox(QMessageBox.Icon.Warning, "Not saved", message,
                          QMessageBox.StandardButton.Ok, parent)  # fmt: skip
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_box = box
        box.open()

    # -- closing with edits not saved -----------------------------------------

    def unsaved_pages(self) -> list[Page]:
        return [page for page in self.form_pages() if page.has_unsaved()]

    def reject(self) -> None:
        """Close, Escape and the window's close button come here: edits not
        saved are asked about first, never dropped silently."""
        if self._closing:
            return  # saving what is left; it closes when done
        if self.unsaved_pages():
            self.ask_unsaved()
            return
        super().reject()

    def ask_unsaved(self) -> QMessageBox:
        pages = self.unsaved_pages()
        names = ", ".join(f"“{page.title}”" for page in pages)
        Button = QMessageBox.StandardButton
        box = QMessageBox(QMessageBox.Icon.Question, UNSAVED_TITLE,
                          UNSAVED_TEXT.format(pages=names),
                          Button.Save | Button.Discard | Button.Cancel, self)  # fmt: skip
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText("Save before closing?")
        box.setDefaultButton(Button.Save)
        box.setEscapeButton(Button.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button: QAbstractButton) -> None:
            choice = box.standardButton(button)
            if choice == Button.Save:
                self._closing = True
                if not self.presenter.busy:  # else ``_done`` goes on when it is
                    self._save_next()
            elif choice == Button.Discard:
                QDialog.reject(self)

        box.buttonClicked.connect(answered)
        self.unsaved_box = box
        box.open()
        return box

    def _save_next(self) -> None:
        """Save the next page with edits (each through the services, one
        after the other); close when none is left."""
        for page in self.unsaved_pages():
            self.show_page(page)
            if self._save(page, page.value()):
                return  # ``_done`` goes on from here; a refusal stops
        self._closing = False
        QDialog.reject(self)

    # -- forms ----------------------------------------------------------------

    def _open_form(self, form: FormDialog) -> None:
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.form = form
        form.open()

    def _finish_form(self) -> None:
        form = self.form
        if form is not None and shiboken6.isValid(form) and form.isVisible():
            form.finish()

    def system_form(self, system: DataSystemView | None) -> SystemDialog:
        form = SystemDialog(system, self)
        p = self.presenter

        def submit() -> None:
            f = form.fields()
            form.set_busy(True)
            done = self._finish_form
            if system is None:
                p.add_system(f.name, owner=f.owner, categories=f.categories,
                             purposes=f.purposes, recipients=f.recipients,
                             after=lambda _r: done())  # fmt: skip
            else:
                p.update_system(system.id, name=f.name, owner=f.owner,
                                categories=f.categories, purposes=f.purposes,
                                recipients=f.recipients, after=lambda _r: done())  # fmt: skip

        form.submitted.connect(submit)
        self._open_form(form)
        return form

    def deactivate_user(self, login: str) -> HandOverDialog | None:
        """Deactivate at once, or, when they still have open cases, ask who
        takes those over first (the store refuses to leave them with
        someone who can no longer act)."""
        snap = self.presenter.snapshot
        leaver = next((u for u in snap.users if u.login == login), None) if snap else None
        count = snap.open_cases.get(login, 0) if snap else 0
        if snap is None or leaver is None or not count:
            self.presenter.deactivate_user(login)
            return None
        heirs = [u for u in snap.users if u.active and u.login != login
                 and u.role in (Role.DPO, Role.SUPPORT)]  # fmt: skip
        form = HandOverDialog(leaver, count, heirs, preferred=snap.actor.login, parent=self)

        def submit() -> None:
            heir = form.heir_login()
            form.set_busy(True)
            self.presenter.deactivate_user(login, heir, after=lambda _r: self._finish_form())

        form.submitted.connect(submit)
        self._open_form(form)
        return form

    def user_form(self) -> UserDialog:
        form = UserDialog(self)
        p = self.presenter

        def submit() -> None:
            login, name = form.login.text().strip(), form.name.text().strip()
            email, role = form.email.text().strip() or None, form.role_code()
            form.set_busy(True)
            p.add_user(login=login, name=name, role=role, email=email,
                       after=lambda _r: self._finish_form())  # fmt: skip

        form.submitted.connect(submit)
        self._open_form(form)
        return form

    # -- backups --------------------------------------------------------------

    def choose_backup_folder(self, shown: str) -> None:
        snap = self.presenter.snapshot
        start = shown or (str(snap.data_folder) if snap is not None else str(Path.home()))
        self._choose_folder(start, self.folder.set_backup_folder)

    def _folder_dialog(self, start: str, chosen: Callable[[str], None]) -> QFileDialog:
        d = QFileDialog(self, "Choose the backup folder", start)
        d.setFileMode(QFileDialog.FileMode.Directory)
        d.setOption(QFileDialog.Option.ShowDirsOnly, True)
        d.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        d.fileSelected.connect(chosen)
        self.file_dialog = d
        d.open()
        return d

    def _backed_up(self, report: BackupReport) -> None:
        self.folder.show_backup(report)
        self.status.setText(f"Backed up to {report.path.name}.")

    def _backup_failed(self, message: str) -> None:
        self.folder.show_backup_failure(message)
        said = message[:1].upper() + message[1:].rstrip(".")
        box = QMessageBox(QMessageBox.Icon.Warning, NO_BACKUP,
                          f"No backup was written.\n\n{said}.",
                          QMessageBox.StandardButton.Ok, self)  # fmt: skip
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_box = box
        box.open()

    # -- the profile as a file ----------------------------------------------

    def _file_dialog(self, save: bool) -> QFileDialog:
        d = QFileDialog(self, "Export the organisation profile" if save
                        else "Import an organisation profile")  # fmt: skip
        d.setNameFilter(PROFILE_FILTER)
        d.setDefaultSuffix("json")
        if save:
            d.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            d.selectFile("organisation-profile.json")
        else:
            d.setFileMode(QFileDialog.FileMode.ExistingFile)
        d.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.file_dialog = d
        return d

    def export_profile(self) -> QFileDialog:
        d = self._file_dialog(save=True)
        d.fileSelected.connect(lambda path: self.presenter.export_organisation(Path(path)))
        d.open()
        return d

    def import_profile(self) -> QFileDialog:
        d = self._file_dialog(save=False)

        def chosen(path: str) -> None:
            self.organisation.mark_clean()  # the file replaces what the page shows
            self.presenter.import_organisation(Path(path))

        d.fileSelected.connect(chosen)
        d.open()
        return d


def _raise(e: BaseException) -> None:
    raise e
