"""A case's recorded letters, as the case view's Letters tab shows them:
which kind, who approved it and when, from which template, and whether and
how it was sent; viewing a letter, exporting it, and marking it sent.

A recorded letter is its stored PDF: viewing renders those bytes and export
writes them, never a new rendering. Marking a letter sent records its clock
step (the response, the refusal, the identity request...) dated the day it
went out, so the case's dates change with it.

``LettersPresenter`` runs every service call on the runner and publishes the
CasesChanged, as the case view's own actions do; ``LettersPanel`` lays out
the list and its buttons; ``MarkSentDialog`` and ``LetterViewer`` are the
small windows they open. The save dialog is injectable (tests answer it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import shiboken6
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from conneqt_dpo.domain.calendars import format_date
from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.workflow import Role, State
from conneqt_dpo.gui.bus import ChangeBus
from conneqt_dpo.gui.case_actions import CaseSnapshot
from conneqt_dpo.gui.case_ops import Availability, reason_label, words
from conneqt_dpo.gui.case_panel import CasePanelPresenter
from conneqt_dpo.gui.dialogs import CHOOSE, WARNING_STYLE, FormDialog, plain_label
from conneqt_dpo.gui.documents_panel import FileChooser
from conneqt_dpo.gui.letter_dialog import kind_label
from conneqt_dpo.gui.letter_preview import LetterPreview, render_pages
from conneqt_dpo.gui.widgets import Table, local_day, open_file_dialog, sentence, show_refusal
from conneqt_dpo.gui.worker import Runner
from conneqt_dpo.outputs.letters.kinds import get_kind, refusal_grounds
from conneqt_dpo.store.letter_services import SEND_METHODS, LetterView
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import CaseDetail

METHOD_LABELS: Mapping[str, str] = {"email": "Email", "post": "Post", "in-person": "In person"}
SENDERS = frozenset({Role.DPO.value, Role.SUPPORT.value})  # as mark_letter_sent requires


def method_label(code: str | None) -> str:
    return METHOD_LABELS.get(code or "", words(code or "?"))


def sent_text(letter: LetterView) -> str:
    if letter.sent_on is None:
        return "not sent"
    return f"{format_date(letter.sent_on)}, {method_label(letter.sent_method).lower()}"


def needs_ground(letter: LetterView, detail: CaseDetail) -> bool:
    """A refusal marked sent refuses the case, which needs its ground; not
    when the case is refused already (the letter follows the decision)."""
    return letter.kind == "refusal" and detail.row.state != State.REFUSED.value


def send_availability(letter: LetterView | None, role: str) -> Availability:
    if letter is None:
        return Availability(False, "Select a letter first.")
    if role not in SENDERS:
        return Availability(False, f"Only dpo or support users mark letters sent (you are {role}).")
    if letter.sent_on is not None:
        return Availability(False, f"Already marked sent: {sent_text(letter)}.")
    if get_kind(letter.kind).clock_event:
        return Availability(
            True,
            "Record the day it went out and how; the case's clock records the step this "
            "letter stands for, on that day.",
        )
    return Availability(True, "Record the day it went out and how.")


# -- the presenter ----------------------------------------------------------------


@dataclass(frozen=True)
class Viewed:
    letter: LetterView
    size: int
    images: tuple[QImage, ...]


def _stored_pages(services: Services, letter: LetterView) -> Viewed:
    """Runs on a worker thread: the stored bytes (checked by the locker),
    rendered as they are."""
    pdf = services.letter_pdf(letter.id)
    return Viewed(letter, len(pdf), render_pages(pdf))


class LettersPresenter(CasePanelPresenter):
    """The letters of one case: loads them and does what the panel asks,
    each on the runner."""

    loaded = Signal(object)  # tuple[LetterView, ...]
    viewed = Signal(object)  # Viewed
    view_failed = Signal(str)  # shown in the viewer, in place of the pages
    done = Signal(str)  # what was done, in words
    letters: tuple[LetterView, ...] = ()

    def load(self) -> None:
        svc, ref = self.services, self.reference
        self._load(lambda: tuple(svc.letters(ref)), self._loaded)

    def _loaded(self, letters: tuple[LetterView, ...]) -> None:
        self.letters = letters
        self.loaded.emit(letters)

    def letter(self, letter_id: int) -> LetterView | None:
        return next((x for x in self.letters if x.id == letter_id), None)

    def view(self, letter: LetterView) -> None:
        svc = self.services
        self._set_busy(True)

        def done(viewed: Viewed) -> None:
            if shiboken6.isValid(self):
                self._set_busy(False)
                self.viewed.emit(viewed)

        def failed(error: BaseException) -> None:
            if shiboken6.isValid(self):
                self._set_busy(False)
            if not isinstance(error, DomainError):
                raise error  # a bug: the crash handler reports it
            if shiboken6.isValid(self):
                self.view_failed.emit(sentence(str(error)))

        self.runner.submit(lambda: _stored_pages(svc, letter), done, failed)

    def export(self, letter: LetterView, target: Path) -> None:
        """Write the stored PDF (decrypted and checked) to `target`."""
        if letter.document_id is None:
            self.refused.emit(f"Letter {letter.id} has no stored PDF.")
            return
        svc, doc = self.services, letter.document_id
        self._run(lambda: svc.export_document(doc, target),
                  lambda _doc: self.done.emit(f"Exported to {target}."))  # fmt: skip

    def mark_sent(
        self,
        letter: LetterView,
        *,
        method: str,
        on: dt.date,
        reason: str | None,
        dialog: FormDialog | None = None,
    ) -> None:
        svc = self.services

        def work() -> LetterView:
            from conneqt_dpo.outputs.letters.drafting import mark_sent

            return mark_sent(svc, letter.id, method=method, on=on, reason=reason)

        def after(sent: LetterView) -> None:
            if dialog is not None and shiboken6.isValid(dialog):
                dialog.finish()
            self.done.emit(f"{kind_label(sent.kind)} marked sent: {sent_text(sent)}.")

        def undo() -> None:
            if dialog is not None and shiboken6.isValid(dialog):
                dialog.set_busy(False)

        if dialog is not None:
            dialog.set_busy(True)
        self._run(work, after, undo=undo)


# -- the small windows --------------------------------------------------------------


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


class MarkSentDialog(FormDialog):
    """The day a letter went out (not in the future, not before it was
    recorded), how, and for a refusal that decides the case, its ground."""

    def __init__(
        self,
        letter: LetterView,
        detail: CaseDetail,
        *,
        today: dt.date,
        recorded_on: dt.date,
        step: StepWords,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(f"Mark sent — {kind_label(letter.kind).lower()}", parent)
        self.ok_button.setText("Mark sent")
        self.refused = step.refused
        self.intro = plain_label(("⚠ " if step.refused else "") + step.text)
        if step.refused:
            self.intro.setStyleSheet(WARNING_STYLE)
        self.column.addWidget(self.intro)
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("ddd d MMM yyyy")
        # A letter goes out once it is approved and recorded, and not later
        # than today (the services refuse a day in the future).
        first, last = _qdate(recorded_on), _qdate(max(today, recorded_on))
        self.date.setDateRange(first, last)
        self.date.setDate(last)
        self.form.addRow("Sent &on:", self.date)
        self.method = QComboBox()
        self.method.addItem(CHOOSE, None)
        for code in SEND_METHODS:
            self.method.addItem(method_label(code), code)
        self.method.currentIndexChanged.connect(self.validate)
        self.form.addRow("&How:", self.method)
        self.ground: QComboBox | None = None
        if needs_ground(letter, detail):
            r = detail.row
            self.ground = QComboBox()
            self.ground.addItem(CHOOSE, None)
            for code in refusal_grounds(r.regime, r.right):
                self.ground.addItem(reason_label(code), code)
            self.ground.currentIndexChanged.connect(self.validate)
            self.form.addRow("Refusal &ground:", self.ground)
        self.error = plain_label()
        self.error.setVisible(False)
        self._finish_layout()
        self.column.insertWidget(self.column.count() - 1, self.error)

    def on(self) -> dt.date:
        d = self.date.date()
        return dt.date(d.year(), d.month(), d.day())

    def method_code(self) -> str | None:
        code = self.method.currentData()
        return code if isinstance(code, str) else None

    def ground_code(self) -> str | None:
        code = self.ground.currentData() if self.ground is not None else None
        return code if isinstance(code, str) else None

    def choose(self, method: str, ground: str | None = None) -> None:
        self.method.setCurrentIndex(self.method.findData(method))
        if ground is not None:
            assert self.ground is not None
            self.ground.setCurrentIndex(self.ground.findData(ground))

    def is_complete(self) -> bool:
        if self.refused:
            return False  # the clock step cannot be taken: nothing to send
        return self.method_code() is not None and (
            self.ground is None or self.ground_code() is not None
        )

    def show_error(self, message: str) -> None:
        show_refusal(self.error, message, self)


@dataclass(frozen=True)
class StepWords:
    text: str
    refused: bool = False  # the case cannot take the step now


# What the case becomes when the letter's workflow action is taken.
_BECOMES: Mapping[str, str] = {
    "respond": "responded (its clock stops that day)",
    "refuse": "refused (its clock stops that day)",
    "request-identity": "awaiting identity, from that day",
}


def step_words(letter: LetterView, detail: CaseDetail) -> StepWords:
    """What marking this letter sent will record, said before it is done
    (the same ``sent_step`` the services are given decides it)."""
    from conneqt_dpo.outputs.letters.drafting import sent_step

    try:
        # Any ground tells which step it is; the form asks for the real one.
        step = sent_step(letter.kind, detail, reason="other")
    except DomainError as e:
        return StepWords(f"{sentence(str(e))} Until then it cannot be marked sent.", True)
    if step is None:
        if get_kind(letter.kind).clock_event is None:
            return StepWords("This records the day it went out and how.")
        return StepWords("The case already records the step this letter stands for; this "
                         "records the day it went out and how.")  # fmt: skip
    if step.how == "act":
        becomes = _BECOMES.get(step.name, words(step.name).lower())
        return StepWords(f"This records the day it went out and how, and the case becomes "
                         f"{becomes}.")  # fmt: skip
    if step.how == "redate":
        return StepWords(f"This records the day it went out and how, and moves the recorded "
                         f"“{words(step.name).lower()}” to that day.")  # fmt: skip
    return StepWords(f"This records the day it went out and how, and the clock event "
                     f"“{words(step.name).lower()}” on that day.")  # fmt: skip


class LetterViewer(QDialog):
    """A recorded letter: its stored PDF, page by page."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Letter")
        self.setSizeGripEnabled(True)
        self.resize(900, 860)
        self.heading = plain_label()
        self.preview = LetterPreview("Reading the stored letter…")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(self.heading)
        column.addWidget(self.preview, 1)
        column.addWidget(buttons)

    def show_letter(self, viewed: Viewed, services: Services) -> None:
        x = viewed.letter
        self.setWindowTitle(f"{kind_label(x.kind)} — {x.reference}")
        self.heading.setText(
            f"The letter as recorded by {x.created_by} on "
            f"{format_date(local_day(x.created_at, services))} ({x.filename}, "
            f"{viewed.size:,} bytes); {sent_text(x)}."
        )
        self.preview.show_pages(viewed.images, template=x.template or "not recorded")


# -- the panel ------------------------------------------------------------------------


class LettersPanel(QWidget):
    """The case view's Letters tab (the case view adds its "Draft letter…"
    button to ``button_row``)."""

    def __init__(
        self,
        services: Services,
        reference: str,
        bus: ChangeBus,
        runner: Runner,
        *,
        choose_target: FileChooser | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.presenter = LettersPresenter(services, reference, bus, runner, self)
        self.choose_target = choose_target or self._save_dialog
        self.snapshot: CaseSnapshot | None = None
        self.viewer: LetterViewer | None = None
        self.dialog: MarkSentDialog | None = None
        self.file_dialog: QFileDialog | None = None

        self.table = Table("Letter", "Recorded", "Template", "Sent", stretch=2)
        self.table.setAccessibleName("Letters")
        self.table.itemSelectionChanged.connect(self._update)
        self.table.itemDoubleClicked.connect(lambda *_: self.view_selected())
        self.empty = plain_label("No letters recorded on this case. Draft one with “Draft "
                                 "letter…”; once the DPO approves it, the PDF is kept here "
                                 "as approved.")  # fmt: skip
        self.empty.setEnabled(False)
        self.view_button = QPushButton("&View")
        self.view_button.clicked.connect(self.view_selected)
        self.export_button = QPushButton("E&xport…")
        self.export_button.clicked.connect(self.export_selected)
        self.sent_button = QPushButton("&Mark sent…")
        self.sent_button.clicked.connect(self.mark_sent_selected)
        self.status = plain_label()
        self.error = plain_label()
        self.error.setVisible(False)

        self.button_row = QHBoxLayout()
        for b in (self.view_button, self.export_button, self.sent_button):
            self.button_row.addWidget(b)
        self.button_row.addStretch(1)
        column = QVBoxLayout(self)
        column.addWidget(self.table, 1)
        column.addWidget(self.empty)
        column.addStretch(0)  # takes the room only while the list is hidden
        column.addLayout(self.button_row)
        column.addWidget(self.error)
        column.addWidget(self.status)

        p = self.presenter
        p.loaded.connect(self.show_letters)
        p.viewed.connect(self._viewed)
        p.view_failed.connect(self._view_failed)
        p.refused.connect(self.show_error)
        p.done.connect(self._done)
        p.busy_changed.connect(lambda _busy: self._update())
        self.show_letters(())

    @property
    def role(self) -> str:
        return self.snapshot.actor.role if self.snapshot else ""

    # -- showing --------------------------------------------------------------

    def show_case(self, snapshot: CaseSnapshot) -> None:
        self.snapshot = snapshot
        self.presenter.load()

    def show_letters(self, letters: Sequence[LetterView]) -> None:
        selected = self.selected_id()
        svc = self.presenter.services
        rows = [(kind_label(x.kind),
                 f"{x.created_by}, {format_date(local_day(x.created_at, svc))}",
                 x.template or "—",
                 sent_text(x)) for x in letters]  # fmt: skip
        ids = [x.id for x in letters]
        self.table.set_rows(rows, ids, tips=[x.filename for x in letters])
        if selected in ids:
            self.table.selectRow(ids.index(selected))
        elif ids:
            self.table.selectRow(len(ids) - 1)  # the newest: usually the one to act on
        self.table.setVisible(bool(letters))
        self.empty.setVisible(not letters)
        self._update()

    def title(self) -> str:
        n = len(self.presenter.letters)
        return f"Letters ({n})" if n else "Letters"

    def selected_id(self) -> int | None:
        key = self.table.current_key()
        return key if isinstance(key, int) else None

    def selected(self) -> LetterView | None:
        key = self.selected_id()
        return self.presenter.letter(key) if key is not None else None

    def select(self, letter_id: int) -> None:
        ids = [x.id for x in self.presenter.letters]
        self.table.selectRow(ids.index(letter_id))

    def _update(self) -> None:
        busy = self.presenter.busy
        letter = self.selected()
        for button, tip in ((self.view_button, "Shows the stored PDF, as approved."),
                            (self.export_button, "Saves a copy of the stored PDF where you "
                                                 "choose.")):  # fmt: skip
            button.setEnabled(letter is not None and not busy)
            button.setToolTip(tip if letter is not None else "Select a letter first.")
        a = send_availability(letter, self.role)
        self.sent_button.setEnabled(a.enabled and not busy)
        self.sent_button.setToolTip(a.why)

    def show_error(self, message: str) -> None:
        """A refusal, inline: in the open form when there is one, else here."""
        dialog = self.dialog
        if dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible():
            dialog.show_error(message)
            return
        self.status.clear()
        show_refusal(self.error, message, self)

    def _done(self, message: str) -> None:
        self.error.setVisible(False)
        self.status.setText(message)

    # -- doing ----------------------------------------------------------------

    def view_selected(self) -> None:
        letter = self.selected()
        if letter is None or self.presenter.busy:
            return
        viewer = LetterViewer(self)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.viewer = viewer
        viewer.open()
        self.presenter.view(letter)

    def _viewed(self, viewed: Viewed) -> None:
        viewer = self.viewer
        if viewer is not None and shiboken6.isValid(viewer):
            viewer.show_letter(viewed, self.presenter.services)

    def _view_failed(self, message: str) -> None:
        viewer = self.viewer
        if viewer is not None and shiboken6.isValid(viewer) and viewer.isVisible():
            viewer.preview.show_error(message)
        else:
            self.show_error(message)

    def export_selected(self) -> None:
        letter = self.selected()
        if letter is not None:
            self.choose_target(
                letter.filename, lambda path: self.presenter.export(letter, Path(path))
            )

    def mark_sent_selected(self) -> MarkSentDialog | None:
        letter = self.selected()
        snap = self.snapshot
        if letter is None or snap is None or not send_availability(letter, self.role).enabled:
            return None
        svc = self.presenter.services
        dialog = MarkSentDialog(letter, snap.detail, today=snap.today,
                                recorded_on=local_day(letter.created_at, svc),
                                step=step_words(letter, snap.detail), parent=self)  # fmt: skip
        dialog.submitted.connect(lambda: self._send(letter, dialog))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _send(self, letter: LetterView, dialog: MarkSentDialog) -> None:
        method = dialog.method_code()
        if method is None:
            return
        dialog.error.setVisible(False)
        self.presenter.mark_sent(letter, method=method, on=dialog.on(),
                                 reason=dialog.ground_code(), dialog=dialog)  # fmt: skip

    # -- the default save dialog (non-blocking) -------------------------------------

    def _save_dialog(self, name: str, chosen: Callable[[str], None]) -> QFileDialog:
        d = QFileDialog(self, "Export the letter as recorded")
        d.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        d.setNameFilter("PDF files (*.pdf)")
        d.setDefaultSuffix("pdf")
        d.selectFile(name)
        self.file_dialog = open_file_dialog(d, chosen)
        return d
