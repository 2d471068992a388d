"""One case in its own tab: the dates in force and why, the people, the
actions the user may take now, tasks, the identity decision, documents,
letters and the timeline.

This module only lays out widgets and shows a CaseSnapshot; what is enabled
(``case_ops``) and what each button does (``case_actions.CaseActions``) are
decided elsewhere, and the identity decision, the documents and the letters
are panels of their own (``verification_panel``, ``documents_panel``,
``letters_panel``; drafting a letter is ``letter_dialog``). Every value
typed by (or for) a requester is shown as plain text, never read as HTML.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from conneqt_dpo.domain import regimes
from conneqt_dpo.domain.calendars import format_date, format_day
from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.gui.bus import ChangeBus
from conneqt_dpo.gui.case_actions import CaseActions, CaseSnapshot, agent_of
from conneqt_dpo.gui.case_ops import (
    ADD_NOTE,
    ADD_TASK,
    EDIT_AGENT,
    EDIT_REQUESTER,
    LETTERS,
    RECORD_OUTCOME,
    VERIFY,
    due_text,
    outcome_label,
    status_text,
    words,
)
from conneqt_dpo.gui.dialogs import FormDialog, plain_label
from conneqt_dpo.gui.documents_panel import DocumentsPanel, FileChooser, Opener
from conneqt_dpo.gui.letter_dialog import LetterDialog
from conneqt_dpo.gui.letters_panel import LettersPanel
from conneqt_dpo.gui.style import status_colours, status_icon
from conneqt_dpo.gui.verification_panel import VerificationPanel
from conneqt_dpo.gui.widgets import Table
from conneqt_dpo.gui.worker import Runner
from conneqt_dpo.store.letter_services import LetterView
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import CaseDetail

# The action bar: the workflow as a grid, then one group per clock subject.
WORKFLOW_GRID: tuple[tuple[tuple[str, str], ...], ...] = (
    (("start", "Start"), ("submit", "Submit for approval"), ("approve", "Approve")),
    (("respond", "Mark responded…"), ("close", "Close"), ("reopen", "Reopen…")),
    (("return", "Return…"), ("refuse", "Refuse…"), ("withdraw", "Withdraw…")),
)
CLOCK_GROUPS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Identity", (("request-identity", "Request identity…"),
                  ("record-identity", "Identity received…"),
                  (VERIFY, "Decide…"))),
    ("Clarification", (("clarification-requested", "Ask to clarify…"),
                       ("clarification-received", "Answer received…"))),
    ("Fee", (("fee-requested", "Request fee…"), ("fee-received", "Fee received…"))),
    ("Agent's authority", (("authority-requested", "Request proof…"),
                           ("authority-received", "Proof received…"))),
    ("Deadline", (("extended", "Extend…"),)),
)  # fmt: skip
# Full names for buttons whose text relies on their group's title.
SPOKEN: dict[str, str] = {
    "clarification-received": "Clarification received…",
    "authority-requested": "Request the agent's authority…",
    "authority-received": "Agent's authority received…",
    VERIFY: "Decide whether identity is verified",
}
CHIP = "border-radius: 9px; padding: 2px 9px; font-weight: 600;"


class StatusBadge(QFrame):
    """The deadline status: its words, its mark and its colour (the words
    alone say it all; the shape and colour make it quick to see)."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("badge")
        self.status = ""
        self.icon = QLabel()
        self.label = plain_label(wrap=False)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 2, 10, 2)
        row.setSpacing(5)
        row.addWidget(self.icon)
        row.addWidget(self.label)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Deadline status")

    def show_status(self, status: str, text: str) -> None:
        self.status = status
        self.label.setText(text)
        self.setToolTip(f"Deadline status: {status}")
        icon = status_icon(status, self.palette())
        self.icon.setVisible(icon is not None)
        if icon is not None:
            self.icon.setPixmap(icon.pixmap(16, 16))
        colours = status_colours(status, self.palette())
        if colours is None:  # not urgent: drawn as the theme draws text
            self.setStyleSheet(
                "QFrame#badge { border: 1px solid palette(mid); border-radius: 9px; }"
            )
            self.label.setStyleSheet("font-weight: 600;")
        else:
            fg, bg = colours[0].name(), colours[1].name()
            self.setStyleSheet(f"QFrame#badge {{ background: {bg}; border-radius: 9px; }}")
            self.label.setStyleSheet(f"color: {fg}; font-weight: 600;")

    def text(self) -> str:
        return self.label.text()


def _bigger(label: QLabel, points: float) -> QLabel:
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() + points)
    font.setBold(True)
    label.setFont(font)
    return label


def _when(at: dt.datetime) -> str:
    return f"{format_date(at.date())} {at:%H:%M}"


def _regime_words(detail: CaseDetail) -> str:
    r = detail.row
    try:
        regime = regimes.get_regime(r.regime).label
        rule = regimes.get_rule(r.regime, r.right)
        right = f"{rule.label} ({rule.citation})"
    except DomainError:  # an identifier this version does not know
        regime, right = r.regime, r.right
    return f"{regime} · {right} · by {r.channel}"


class CaseView(QWidget):
    """Raises what the services raise when the case cannot be opened (it
    does not exist: NotFound), so that the caller opens no empty tab.

    `choose_file`, `choose_target` and `open_file` stand in for the file
    dialogs and the program that shows a document (tests)."""

    def __init__(
        self,
        services: Services,
        reference: str,
        bus: ChangeBus,
        runner: Runner,
        parent: QWidget | None = None,
        *,
        choose_file: FileChooser | None = None,
        choose_target: FileChooser | None = None,
        open_file: Opener | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.reference = reference
        self.presenter = CaseActions(services, reference, bus, runner, self)
        self.snapshot: CaseSnapshot | None = None
        self.dialog: FormDialog | None = None  # the dialog last opened
        self.message_box: QMessageBox | None = None  # the refusal last shown
        self.buttons: dict[str, QPushButton] = {}
        self.verification = VerificationPanel(services, reference, bus, runner)
        self.documents = DocumentsPanel(services, reference, bus, runner,
                                        choose_file=choose_file, choose_target=choose_target,
                                        opener=open_file)  # fmt: skip
        self.letters = LettersPanel(services, reference, bus, runner, choose_target=choose_target)
        self.letter_dialog: LetterDialog | None = None  # the draft last opened

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self._build_left())
        split.addWidget(self._build_timeline())
        split.setChildrenCollapsible(False)
        split.setSizes([660, 620])
        layout = QVBoxLayout(self)
        layout.addWidget(self._build_header())
        layout.addWidget(self._build_actions())
        layout.addWidget(split, 1)

        self.presenter.loaded.connect(self.show_snapshot)
        self.presenter.refused.connect(self.show_refusal)
        self.presenter.busy_changed.connect(self._update_buttons)
        for signal in (self.verification.presenter.loaded, self.documents.presenter.loaded,
                       self.letters.presenter.loaded):  # fmt: skip
            signal.connect(self._retitle)
        self._update_buttons()
        self.presenter.load_now()

    def act_as(self, services: Services) -> None:
        """Another user took over the window: what they may do here is
        asked again (their role decides which actions are enabled)."""
        self.services = services
        self.presenter.services = services
        self.verification.presenter.services = services
        self.documents.presenter.services = services
        self.letters.presenter.services = services
        self.presenter.refresh()

    # -- layout -------------------------------------------------------------

    def _button(self, op: str, text: str, handler: Callable[[], None] | None = None) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(op)
        button.setAccessibleName(SPOKEN.get(op, text))
        button.setEnabled(False)
        button.clicked.connect(handler or (lambda: self.begin(op)))
        self.buttons[op] = button
        return button

    def _build_header(self) -> QWidget:
        frame = QFrame()
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = _bigger(plain_label(self.reference, wrap=False), 5)
        self.state_chip = plain_label(wrap=False)
        self.state_chip.setStyleSheet(f"QLabel {{ border: 1px solid palette(mid); {CHIP} }}")
        # Wraps: a long regime and right (CCPA's cite two codes) would
        # otherwise widen the window past the screen and squeeze the queues.
        self.subtitle = plain_label()
        self.assignee = plain_label(wrap=False)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.state_chip)
        top.addSpacing(8)
        top.addWidget(self.subtitle, 1)
        top.addWidget(self.assignee)

        self.due = _bigger(plain_label(wrap=False), 3)
        self.status = StatusBadge()
        self.dates = plain_label(wrap=False)
        middle = QHBoxLayout()
        middle.addWidget(self.due)
        middle.addWidget(self.status)
        middle.addSpacing(12)
        middle.addWidget(self.dates, 1)

        self.why = QToolButton()
        self.why.setText("Why this date")
        self.why.setCheckable(True)
        self.why.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.why.setArrowType(Qt.ArrowType.RightArrow)
        self.why.setAutoRaise(True)
        self.explanation = plain_label()
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.explanation.setContentsMargins(22, 0, 0, 0)
        self.explanation.setVisible(False)
        self.why.toggled.connect(self._toggle_explanation)

        column = QVBoxLayout(frame)
        column.setSpacing(4)
        column.addLayout(top)
        column.addLayout(middle)
        column.addWidget(self.why, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.explanation)
        return frame

    def _toggle_explanation(self, shown: bool) -> None:
        self.why.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.explanation.setVisible(shown)

    def _build_actions(self) -> QWidget:
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        work = QGroupBox("Case")
        grid = QGridLayout(work)
        for r, ops in enumerate(WORKFLOW_GRID):
            for c, (op, text) in enumerate(ops):
                grid.addWidget(self._button(op, text), r, c)
        row.addWidget(work)
        for title, ops in CLOCK_GROUPS:
            box = QGroupBox(title)
            column = QVBoxLayout(box)
            for op, text in ops:
                column.addWidget(self._button(op, text))
            column.addStretch(1)
            row.addWidget(box)
        row.addStretch(1)
        return bar

    def _build_left(self) -> QWidget:
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        people = QHBoxLayout()
        people.addWidget(self._build_requester(), 1)
        people.addWidget(self._build_agent(), 1)
        column.addLayout(people)
        # One tab each: the identity form and the documents need the
        # column's whole height to show without scrolling.
        self.sections = QTabWidget()
        self.sections.setAccessibleName("Tasks, identity, documents and letters")
        self.sections.addTab(self._build_tasks(), "Tasks")
        self.sections.addTab(self.verification, "Identity")
        self.sections.addTab(self.documents, "Documents")
        self.sections.addTab(self._build_letters(), "Letters")
        column.addWidget(self.sections, 1)
        return left

    def _person_box(self, title: str, rows: Sequence[tuple[str, QLabel]], op: str) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        for label, value in rows:
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label, value)
        row = QHBoxLayout(box)
        row.addLayout(form, 1)
        row.addWidget(self._button(op, "Edit…"), 0, Qt.AlignmentFlag.AlignTop)
        return box

    def _build_requester(self) -> QGroupBox:
        self.requester_name = plain_label()
        self.requester_email = plain_label()
        self.requester_phone = plain_label()
        rows = (("Name:", self.requester_name), ("Email:", self.requester_email),
                ("Phone:", self.requester_phone))  # fmt: skip
        return self._person_box("Requester", rows, EDIT_REQUESTER)

    def _build_agent(self) -> QGroupBox:
        self.agent_name = plain_label()
        self.agent_details = plain_label()
        rows = (("Name:", self.agent_name), ("Contact:", self.agent_details))
        return self._person_box("Agent", rows, EDIT_AGENT)

    def _build_tasks(self) -> QWidget:
        page = QWidget()
        self.tasks = Table("System", "Outcome", "Done", "Note")
        self.tasks.setAccessibleName("Tasks (one per data system)")
        self.tasks.itemDoubleClicked.connect(lambda *_: self.begin(RECORD_OUTCOME))
        buttons = QHBoxLayout()
        buttons.addWidget(self._button(ADD_TASK, "Add task…"))
        buttons.addWidget(self._button(RECORD_OUTCOME, "Record outcome…"))
        buttons.addStretch(1)
        column = QVBoxLayout(page)
        column.addWidget(plain_label("One task per data system to search, correct or erase."))
        column.addWidget(self.tasks, 1)
        column.addLayout(buttons)
        return page

    def _build_letters(self) -> QWidget:
        self.letters.button_row.addWidget(self._button(LETTERS, "Draft letter…"))
        return self.letters

    def _build_timeline(self) -> QWidget:
        box = QGroupBox("Timeline (newest first)")
        self.timeline = Table("When", "Who", "What")
        self.note_box = QPlainTextEdit()
        self.note_box.setPlaceholderText("Write a note for the case file…")
        self.note_box.setTabChangesFocus(True)
        self.note_box.setFixedHeight(60)
        self.note_box.textChanged.connect(self._update_buttons)
        row = QHBoxLayout()
        row.addWidget(self.note_box, 1)
        row.addWidget(self._button(ADD_NOTE, "Add note", self.add_note), 0,
                      Qt.AlignmentFlag.AlignBottom)  # fmt: skip
        column = QVBoxLayout(box)
        column.addWidget(self.timeline, 1)
        column.addLayout(row)
        return box

    # -- showing a case -----------------------------------------------------

    def show_snapshot(self, snap: CaseSnapshot) -> None:
        self.snapshot = snap
        d, r = snap.detail, snap.detail.row
        self.title.setText(r.reference)
        self.state_chip.setText(words(r.state))
        self.state_chip.setToolTip(f"Work state: {r.state}")
        self.subtitle.setText(f"{_regime_words(d)} · received {format_day(r.received)}")
        self.assignee.setText(f"Assigned to {r.assignee}" if r.assignee else "Unassigned")

        self.due.setText(due_text(d))
        self.status.show_status(d.status or "unknown", status_text(d, snap.today))
        dates = []
        if d.extended_respond_by and d.respond_by:
            dates.append(f"Extended (unextended date {format_day(d.respond_by)})")
        dates.append(f"Internal target {format_day(r.target)}" if r.target
                     else "No internal target")  # fmt: skip
        if d.acknowledge_by:
            dates.append(f"Acknowledge by {format_day(d.acknowledge_by)}")
        dates.append(f"Clock {r.clock_state}")
        self.dates.setText("  ·  ".join(dates))
        self.explanation.setText(
            "\n".join(f"{i}. {step}" for i, step in enumerate(d.explanation, 1))
            or "The deadline engine gave no explanation."
        )

        self.requester_name.setText(r.requester_name)
        self.requester_email.setText(r.requester_email or "—")
        self.requester_phone.setText(d.requester_phone or "—")
        agent = agent_of(d)
        self.agent_name.setText(agent.name if agent else "None recorded")
        contact = [x for x in (agent.organisation, agent.email, agent.phone) if x] if agent else []
        self.agent_details.setText(", ".join(contact) or "—")

        self._show_tasks(d)
        self.verification.show_case(snap)
        self.documents.show_case(snap)
        self.letters.show_case(snap)
        self._retitle()
        self.timeline.set_rows([
            (_when(row.at), row.actor, f"Note: {row.text}" if row.kind == "note" else row.text)
            for row in snap.timeline
        ])  # fmt: skip
        self._update_buttons()

    def _show_tasks(self, d: CaseDetail) -> None:
        current = self.selected_task()
        rows = []
        for t in d.tasks:
            done = ""
            if t.done_at is not None:
                at = t.done_at.replace(tzinfo=dt.UTC).astimezone(self.services.tz)
                done = f"{t.done_by or '?'}, {format_date(at.date())}"
            rows.append((t.system, outcome_label(t.outcome), done, t.note or ""))
        ids = [t.id for t in d.tasks]
        self.tasks.set_rows(rows, ids)
        if current in ids:
            self.tasks.selectRow(ids.index(current))

    def _retitle(self) -> None:
        """The section tabs say what is in them (how many tasks are open,
        the identity decision, how many documents)."""
        tasks = self.snapshot.detail.tasks if self.snapshot else ()
        open_tasks = sum(1 for t in tasks if t.outcome is None)
        self.sections.setTabText(0, f"Tasks ({open_tasks} open)" if open_tasks else "Tasks")
        self.sections.setTabText(1, self.verification.title())
        self.sections.setTabText(2, self.documents.title())
        self.sections.setTabText(3, self.letters.title())

    def show_section(self, page: QWidget) -> None:
        self.sections.setCurrentWidget(page)
        page.setFocus(Qt.FocusReason.OtherFocusReason)

    def selected_task(self) -> int | None:
        key = self.tasks.current_key()
        return key if isinstance(key, int) else None

    def _update_buttons(self) -> None:
        busy = self.presenter.busy
        for op, button in self.buttons.items():
            # The decision is the identity panel's: the button takes you there.
            a = self.verification.allowed if op == VERIFY else self.presenter.available(op)
            enabled = a.enabled and not busy
            if op == ADD_NOTE:
                enabled = enabled and bool(self.note_box.toPlainText().strip())
            button.setEnabled(enabled)
            button.setToolTip(a.why)

    # -- doing --------------------------------------------------------------

    def begin(self, op: str) -> None:
        """A button was pressed: run it, or open its dialog (non-blocking)."""
        if op == VERIFY:
            self.show_section(self.verification)
            return
        if op == LETTERS:
            self.draft_letter()
            return
        if op == RECORD_OUTCOME:
            dialog: FormDialog | None = self.presenter.outcome_dialog(self.selected_task(), self)
        else:
            dialog = self.presenter.begin(op, self)
        if dialog is not None:
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.dialog = dialog
            dialog.open()

    def draft_letter(self) -> LetterDialog | None:
        """Open the draft dialog (non-blocking); an approved letter then
        shows in the Letters tab."""
        snap = self.snapshot
        if snap is None:
            return None
        p = self.presenter
        dialog = LetterDialog(self.services, snap, p.bus, p.runner, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.presenter.recorded.connect(self._letter_recorded)
        self.letter_dialog = dialog
        dialog.open()
        return dialog

    def _letter_recorded(self, letter: LetterView) -> None:
        self.show_section(self.letters)
        self.letters.status.setText(f"Letter recorded as {letter.filename}. Mark it sent "
                                    "when it goes out.")  # fmt: skip

    def add_note(self) -> None:
        text = self.note_box.toPlainText().strip()
        if text:
            self.presenter.add_note(text, after=self.note_box.clear)

    def show_refusal(self, message: str) -> None:
        """The services refused: say why, without blocking. A dialog that is
        still open stays open, filled in, so the user can correct it."""
        dialog = self.dialog
        open_dialog = dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible()
        parent: QWidget = dialog if open_dialog and dialog is not None else self
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Not done", message, QMessageBox.StandardButton.Ok, parent
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_box = box
        box.open()
