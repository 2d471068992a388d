"""A case's documents, as the case view shows them: what is in the evidence
locker for the case, when each identity document will be purged (or when
and why it was), and the buttons to attach, open and export them, and to
place a legal hold.

``DocumentsPanel`` lays out the list and its buttons; ``DocumentsPresenter``
runs every service call on the runner and publishes the CasesChanged, as the
case view's own actions do. Opening a document decrypts it into a private
temporary folder (``ViewingFolder``) that is removed with the case's tab,
or when the app quits. The file chooser, the save dialog and the program
that opens a document are all injectable: tests answer them without a
dialog and without launching a viewer.
"""

from __future__ import annotations

import atexit
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from conneqt_dpo.domain.calendars import format_date, format_day
from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.workflow import Role
from conneqt_dpo.gui.bus import ChangeBus
from conneqt_dpo.gui.case_actions import CaseSnapshot
from conneqt_dpo.gui.case_ops import Availability, words
from conneqt_dpo.gui.case_panel import CasePanelPresenter
from conneqt_dpo.gui.dialogs import plain_label
from conneqt_dpo.gui.widgets import Table, local_day, open_file_dialog, sentence
from conneqt_dpo.gui.worker import Runner
from conneqt_dpo.store.crypto import IntegrityError
from conneqt_dpo.store.document_services import (
    ATTACH_KINDS,
    private_folder,
    remove_folder,
)
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import DocumentView

KIND_LABELS: Mapping[str, str] = {
    "identity": "Identity proof",
    "correspondence": "Correspondence",
    "extract": "Data extract",
    "declaration": "Signed declaration",
    "letter": "Letter",
    "bundle": "Bundle",
}
# A signed declaration is offered besides the CLI's kinds: under the CCPA it
# is a record kept with the case (11 CCR §7062), and attached as an identity
# document it would be purged with them.
ATTACHABLE: tuple[str, ...] = (*ATTACH_KINDS, "declaration")
KIND_TIPS: Mapping[str, str] = {
    "identity": "Proof of identity: purged a set number of days after the identity decision "
    "(kept no longer than needed: GDPR Art 5(1)(e), 11 CCR §7060).",
    "correspondence": "Letters and emails to or from the requester: kept with the case.",
    "extract": "Data found in a system for the response: kept with the case.",
    "declaration": "A declaration signed under penalty of perjury (11 CCR §7062): a record, "
    "kept with the case.",
}
# Short: the reason shares its column with the dates of the live documents.
PURGE_REASONS: Mapping[str, str] = {
    "identity-minimisation": "minimisation",
    "retention": "retention ended",
}
CHOOSE_KIND = "Choose the kind…"
ATTACHERS = frozenset({Role.DPO, Role.SUPPORT})  # as DocumentServices.attach requires
DAMAGED_TITLE = "Document failed its integrity check"
NOT_DONE_TITLE = "Not done"

# (what to start with: a folder or a file name; what to do with the path
# chosen). It must not block: the defaults open a QFileDialog with open().
FileChooser = Callable[[str, Callable[[str], None]], object]
# Shows a decrypted file to the user; False when nothing on this computer can.
Opener = Callable[[Path], bool]


def size_text(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def purge_text(doc: DocumentView, services: Services) -> str:
    """The "Purge after" cell: the date an identity document goes, or, for
    a tombstone, when and why it went."""
    if doc.purged_at is not None:
        why = PURGE_REASONS.get(doc.purge_reason or "", words(doc.purge_reason or "purged"))
        return f"purged {format_date(local_day(doc.purged_at, services))} ({why})"
    if doc.purge_after is not None:
        return format_day(doc.purge_after)
    if doc.kind == "identity":
        return "after the identity decision"
    return "—"


def attach_availability(role: str) -> Availability:
    if role not in {r.value for r in ATTACHERS}:
        return Availability(False, f"Only dpo or support users attach documents (you are {role}).")
    return Availability(True, "Stores a file on the case, encrypted.")


def hold_availability(role: str) -> Availability:
    if role != Role.DPO.value:
        return Availability(False, f"Only the DPO places or lifts a legal hold (you are {role}).")
    return Availability(True, "A legal hold keeps this case and its documents from every purge "
                              "(identity minimisation and the end of retention).")  # fmt: skip


# -- viewing ----------------------------------------------------------------------


class ViewingFolder:
    """Where documents are decrypted for viewing: one private folder (only
    this user may read it), made on first use and removed with everything in
    it by ``remove()`` (when the case's tab closes; at the latest when
    Python exits, for the tabs still open when the app quits). Each opening
    gets its own subfolder, so two documents of the same name, or the same
    one opened twice, never collide."""

    def __init__(self) -> None:
        self.root: Path | None = None

    def new(self) -> Path:
        if self.root is None:
            self.root = private_folder()
            atexit.register(self.remove)
        return Path(tempfile.mkdtemp(dir=self.root))

    def remove(self) -> None:
        root, self.root = self.root, None
        if root is not None:
            atexit.unregister(self.remove)
            remove_folder(root)


def open_with_desktop(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


# -- the presenter ------------------------------------------------------------------


class DocumentsPresenter(CasePanelPresenter):
    """The documents of one case: loads them and runs what the panel's
    buttons ask for, each on the runner. A refusal is emitted as
    ``refused``, or as ``damaged`` when a stored file failed its integrity
    check."""

    loaded = Signal(object)  # tuple[DocumentView, ...]
    damaged = Signal(str)
    done = Signal(str)  # what was done, in words

    def __init__(
        self,
        services: Services,
        reference: str,
        bus: ChangeBus,
        runner: Runner,
        *,
        opener: Opener = open_with_desktop,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(services, reference, bus, runner, parent)
        self.opener = opener
        self.viewing = ViewingFolder()
        self.documents: tuple[DocumentView, ...] = ()

    def load(self) -> None:
        svc, ref = self.services, self.reference
        self._load(lambda: tuple(svc.documents(ref)), self._loaded)

    def _loaded(self, documents: tuple[DocumentView, ...]) -> None:
        self.documents = documents
        self.loaded.emit(documents)

    def document(self, document_id: int) -> DocumentView | None:
        return next((d for d in self.documents if d.id == document_id), None)

    def _refuse(self, error: DomainError) -> None:
        if isinstance(error, IntegrityError):
            self.damaged.emit(
                f"{sentence(str(error))}\n\nThe case's other documents are not "
                "affected. A backup made before the damage holds an intact copy."
            )
        else:
            super()._refuse(error)

    def attach(self, path: Path, kind: str) -> None:
        svc, ref = self.services, self.reference
        self._run(lambda: svc.attach(ref, path, kind=kind),
                  lambda doc: self.done.emit(f"Attached {doc.filename}."))  # fmt: skip

    def open(self, document_id: int) -> None:
        """Decrypt the document into its own private folder and show it."""
        svc = self.services
        folder = self.viewing.new()

        def opened(path: Path) -> None:
            if self.opener(path):
                self.done.emit(f"Opened {path.name}.")
            else:
                self.refused.emit(f"Nothing on this computer opens “{path.name}”; use Export… "
                                  "to save a copy instead.")  # fmt: skip

        def work() -> Path:
            try:
                return svc.open_document(document_id, folder)
            except BaseException:
                remove_folder(folder)  # nothing half-written is left to view
                raise

        self._run(work, opened)

    def export(self, document_id: int, target: Path) -> None:
        svc = self.services
        self._run(lambda: svc.export_document(document_id, target),
                  lambda _doc: self.done.emit(f"Exported to {target}."))  # fmt: skip

    def set_hold(self, on: bool, *, undo: Callable[[], None] | None = None) -> None:
        svc, ref = self.services, self.reference
        what = "Legal hold placed." if on else "Legal hold lifted."
        self._run(lambda: svc.set_hold(ref, on), lambda _changed: self.done.emit(what), undo)


# -- the panel ------------------------------------------------------------------------


class DocumentsPanel(QWidget):
    """The case view's Documents tab."""

    def __init__(
        self,
        services: Services,
        reference: str,
        bus: ChangeBus,
        runner: Runner,
        *,
        choose_file: FileChooser | None = None,
        choose_target: FileChooser | None = None,
        opener: Opener | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.presenter = DocumentsPresenter(services, reference, bus, runner,
                                            opener=opener or open_with_desktop,
                                            parent=self)  # fmt: skip
        self.choose_file = choose_file or self._open_dialog
        self.choose_target = choose_target or self._save_dialog
        self.role = ""
        self.message_box: QMessageBox | None = None
        self.file_dialog: QFileDialog | None = None
        # The folder of decrypted copies goes with the tab (the presenter
        # goes with this widget; the lambda holds the folder, not the widget).
        viewing = self.presenter.viewing
        self.destroyed.connect(lambda *_: viewing.remove())

        self.table = Table("File", "Kind", "Size", "Added", "Purge after", stretch=0)
        self.table.setAccessibleName("Documents")
        self.table.itemSelectionChanged.connect(self._update)
        self.table.itemDoubleClicked.connect(lambda *_: self.open_selected())
        self.empty = plain_label("No documents on this case.")
        self.empty.setEnabled(False)

        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind of document to attach")
        self.kind.addItem(CHOOSE_KIND, None)
        for code in ATTACHABLE:
            self.kind.addItem(KIND_LABELS[code], code)
            self.kind.setItemData(self.kind.count() - 1, KIND_TIPS[code],
                                  Qt.ItemDataRole.ToolTipRole)  # fmt: skip
        self.kind.currentIndexChanged.connect(self._update)
        self.attach_button = QPushButton("Attach…")
        self.attach_button.clicked.connect(self.attach)
        self.open_button = QPushButton("Open")
        self.open_button.clicked.connect(self.open_selected)
        self.export_button = QPushButton("Export…")
        self.export_button.clicked.connect(self.export_selected)
        self.hold = QCheckBox("Legal hold")
        self.hold.clicked.connect(self._hold_clicked)
        self.status = plain_label()

        buttons = QHBoxLayout()
        buttons.addWidget(self.kind)
        buttons.addWidget(self.attach_button)
        buttons.addSpacing(12)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        buttons.addWidget(self.hold)
        column = QVBoxLayout(self)
        column.addWidget(self.table, 1)
        column.addWidget(self.empty)
        column.addStretch(0)  # takes the room only while the list is hidden
        column.addLayout(buttons)
        column.addWidget(self.status)

        p = self.presenter
        p.loaded.connect(self.show_documents)
        p.refused.connect(lambda message: self._tell(QMessageBox.Icon.Warning, NOT_DONE_TITLE,
                                                      message))  # fmt: skip
        p.damaged.connect(lambda message: self._tell(QMessageBox.Icon.Critical, DAMAGED_TITLE,
                                                      message))  # fmt: skip
        p.done.connect(self.status.setText)
        p.busy_changed.connect(lambda _busy: self._update())
        self.show_documents(())

    # -- showing --------------------------------------------------------------

    def show_case(self, snapshot: CaseSnapshot) -> None:
        """The case (re)loaded: who acts, and its hold; then its documents."""
        self.role = snapshot.actor.role
        self.hold.setChecked(snapshot.detail.legal_hold)
        self._update()
        self.presenter.load()

    def show_documents(self, documents: Sequence[DocumentView]) -> None:
        selected = self.selected_id()
        svc = self.presenter.services
        rows, tips = [], []
        for d in documents:
            added = f"{d.added_by}, {format_date(local_day(d.added_at, svc))}"
            rows.append((d.filename, KIND_LABELS.get(d.kind, words(d.kind)), size_text(d.size),
                         added, purge_text(d, svc)))  # fmt: skip
            tips.append(KIND_TIPS.get(d.kind, "") if d.purged_at is None else
                        "Purged: only this record of it is left (its name, kind, size and "
                        "keyed hash).")  # fmt: skip
        ids = [d.id for d in documents]
        self.table.set_rows(rows, ids, dimmed=[d.purged_at is not None for d in documents],
                            tips=tips)  # fmt: skip
        if selected in ids:
            self.table.selectRow(ids.index(selected))
        self.table.setVisible(bool(documents))
        self.empty.setVisible(not documents)
        self._update()

    def title(self) -> str:
        live = sum(1 for d in self.presenter.documents if d.purged_at is None)
        return f"Documents ({live})" if live else "Documents"

    def selected_id(self) -> int | None:
        key = self.table.current_key()
        return key if isinstance(key, int) else None

    def selected(self) -> DocumentView | None:
        key = self.selected_id()
        return self.presenter.document(key) if key is not None else None

    def select(self, filename: str) -> None:
        """Select the (first) document of that name."""
        for d in self.presenter.documents:
            if d.filename == filename:
                self.table.selectRow(self.table.column_texts(0).index(filename))
                return
        raise LookupError(filename)

    def _update(self) -> None:
        busy = self.presenter.busy
        attach = attach_availability(self.role)
        kind = self.kind.currentData()
        self.kind.setEnabled(attach.enabled and not busy)
        self.attach_button.setEnabled(attach.enabled and kind is not None and not busy)
        self.attach_button.setToolTip(attach.why if not attach.enabled or kind is not None
                                      else "Choose what kind of document it is first.")  # fmt: skip
        doc = self.selected()
        if not attach.enabled:  # the same roles read the content (the services say so too)
            why = f"Only dpo or support users open or export documents (you are {self.role})."
        elif doc is None:
            why = "Select a document first."
        elif doc.purged_at is not None:
            why = (f"{doc.filename} was purged on "
                   f"{format_date(local_day(doc.purged_at, self.presenter.services))}; "
                   "only its record is left.")  # fmt: skip
        else:
            why = ""
        for button, tip in ((self.open_button, "Decrypts it into a private temporary folder "
                                               "and opens it; the copy is removed when this "
                                               "tab closes."),
                            (self.export_button, "Decrypts, checks and saves a copy where you "
                                                 "choose.")):  # fmt: skip
            button.setEnabled(not why and not busy)
            button.setToolTip(why or tip)
        hold = hold_availability(self.role)
        self.hold.setEnabled(hold.enabled and not busy)
        self.hold.setToolTip(hold.why)

    # -- doing ----------------------------------------------------------------

    def attach(self) -> None:
        kind = self.kind.currentData()
        if kind is None:
            return
        self.choose_file(str(Path.home()), lambda path: self._attach(Path(path), str(kind)))

    def _attach(self, path: Path, kind: str) -> None:
        self.status.setText(f"Attaching {path.name}…")
        self.kind.setCurrentIndex(0)  # the next file's kind is chosen afresh
        self.presenter.attach(path, kind)

    def open_selected(self) -> None:
        doc = self.selected()
        if doc is not None and doc.purged_at is None and not self.presenter.busy:
            self.status.setText(f"Opening {doc.filename}…")
            self.presenter.open(doc.id)

    def export_selected(self) -> None:
        doc = self.selected()
        if doc is None or doc.purged_at is not None:
            return
        doc_id = doc.id
        self.choose_target(doc.filename, lambda path: self.presenter.export(doc_id, Path(path)))

    def _hold_clicked(self, on: bool) -> None:
        # Refused: the box shows the hold as it still is.
        self.presenter.set_hold(on, undo=lambda: self.hold.setChecked(not on))

    def _tell(self, icon: QMessageBox.Icon, title: str, message: str) -> None:
        self.status.clear()
        box = QMessageBox(icon, title, message, QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_box = box
        box.open()

    # -- the default choosers (non-blocking) -----------------------------------------

    def _open_dialog(self, start: str, chosen: Callable[[str], None]) -> QFileDialog:
        d = QFileDialog(self, "Attach a document", start)
        d.setFileMode(QFileDialog.FileMode.ExistingFile)
        return self._show_file_dialog(d, chosen)

    def _save_dialog(self, name: str, chosen: Callable[[str], None]) -> QFileDialog:
        d = QFileDialog(self, "Export a copy of the document")
        d.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        d.selectFile(name)
        return self._show_file_dialog(d, chosen)

    def _show_file_dialog(self, d: QFileDialog, chosen: Callable[[str], None]) -> QFileDialog:
        self.file_dialog = open_file_dialog(d, chosen)
        return d
