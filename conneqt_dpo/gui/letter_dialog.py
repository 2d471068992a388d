"""Drafting a letter for a case: choose the kind, write its free-text parts,
preview the rendered pages, and (the DPO) approve exactly that PDF, which is
then stored with the case as the letter.

``LetterDraft`` owns the behaviour and needs no window: which kinds the case
may have now, which parts each one asks for, drafting on the runner, and
recording the draft that was previewed (never a new rendering of it). The
services decide; a refusal (a DomainError, written for a person: a missing
part, a profile field still to be completed) is emitted to be shown inline.
``LetterDialog`` lays out the form and the preview.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication, QImage, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.workflow import Role
from conneqt_dpo.gui.bus import ChangeBus
from conneqt_dpo.gui.case_actions import CaseSnapshot
from conneqt_dpo.gui.case_ops import Availability, reason_label, words
from conneqt_dpo.gui.case_panel import CasePanelPresenter
from conneqt_dpo.gui.dialogs import CHOOSE, ask_discard, plain_label
from conneqt_dpo.gui.letter_preview import LetterPreview, render_pages
from conneqt_dpo.gui.widgets import sentence, show_refusal
from conneqt_dpo.gui.worker import Runner
from conneqt_dpo.outputs.letters.kinds import ExtraField, get_kind, refusal_grounds
from conneqt_dpo.store.letter_services import LetterView
from conneqt_dpo.store.services import Services

if TYPE_CHECKING:
    from conneqt_dpo.outputs.letters.drafting import Draft

# What was previewed: the kind and its parts, in a form that compares.
Inputs = tuple[str, tuple[tuple[str, str], ...]]
NONE_CHOSEN = "(none)"
RECORDED_BY = Role.DPO  # as LetterServices.record_letter requires

# What marking a letter sent records, by the clock event of its kind.
_SENDING = "Marking it sent records the day and how it went"
SENT_NOTES: Mapping[str | None, str] = {
    None: f"{_SENDING}; the clock does not change.",
    "identity-requested": f"{_SENDING}, and the identity request (the case awaits identity).",
    "clarification-requested": f"{_SENDING}, and the clarification request (the clock pauses).",
    "fee-requested": f"{_SENDING}, and the fee request (the clock pauses).",
    # The notice is written from the extension, so that is recorded first.
    "extended": f"{_SENDING}. Record the extension itself on the case first: the notice "
    "states its reason and new date.",
    "responded": f"{_SENDING}, and the response (the clock stops).",
}


def inputs_of(kind: str, extra: Mapping[str, str]) -> Inputs:
    return kind, tuple(sorted(extra.items()))


def kind_label(code: str) -> str:
    try:
        label = get_kind(code).label
    except DomainError:
        label = words(code)
    return label[:1].upper() + label[1:]


def part_label(key: str) -> str:
    """``proof_needed`` -> ``Proof needed``."""
    return words(key.replace("_", "-"))


def choice_label(field: ExtraField, code: str) -> str:
    return reason_label(code) if field.key == "ground" else words(code)


def _template_keys(text: str) -> frozenset[str]:
    """The free-text parts a template uses (``extra.key`` or
    ``extra["key"]``)."""
    found = re.findall(r"""\bextra\s*(?:\.\s*(\w+)|\[\s*["'](\w+)["']\s*\])""", text)
    return frozenset(a or b for a, b in found)


@dataclass(frozen=True)
class Preview:
    inputs: Inputs
    draft: Draft
    images: tuple[QImage, ...]


def _draft_and_render(services: Services, reference: str, kind: str,
                      extra: Mapping[str, str]) -> tuple[Draft, tuple[QImage, ...]]:  # fmt: skip
    """Runs on a worker thread: the letter as the services build it, and
    its pages as images (QImage may be made off the GUI thread)."""
    from conneqt_dpo.outputs.letters.drafting import draft_letter  # jinja2, ReportLab: lazily

    draft = draft_letter(services, reference, kind, extra=extra)
    return draft, render_pages(draft.pdf)


# -- the presenter ----------------------------------------------------------------


class LetterDraft(CasePanelPresenter):
    """One letter being drafted for one case by the acting user. Its
    ``refused`` says why approving was refused; a refused preview is
    ``preview_failed``."""

    previewed = Signal(object)  # Preview
    preview_failed = Signal(str)  # for a person: what is missing, named
    recorded = Signal(object)  # LetterView

    def __init__(
        self,
        services: Services,
        snapshot: CaseSnapshot,
        bus: ChangeBus,
        runner: Runner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(services, snapshot.reference, bus, runner, parent)
        from conneqt_dpo.outputs.letters.drafting import offered_kinds

        self.detail = snapshot.detail
        self.role = snapshot.actor.role
        self.kinds: tuple[str, ...] = offered_kinds(self.detail)
        self.preview: Preview | None = None  # the last preview that succeeded
        self._fields: dict[str, tuple[ExtraField, ...]] = {}

    # -- the form -----------------------------------------------------------

    def required(self, f: ExtraField) -> bool:
        r = self.detail.row
        return f.required_on(r.regime, r.right)

    def fields(self, kind: str) -> tuple[ExtraField, ...]:
        """The parts the DPO may write for this case: the required ones and
        those the letter's template uses (so a UK access response does not
        ask for the HIPAA fee); all of them when the template cannot be read
        (drafting then says why)."""
        if kind not in self._fields:
            from conneqt_dpo.outputs.letters.kinds import regime_family
            from conneqt_dpo.outputs.letters.templates import find_template

            k, regime = get_kind(kind), self.detail.row.regime
            try:
                source = find_template(kind, regime, regime_family(regime),
                                       self.services.store.paths.data_dir)  # fmt: skip
            except DomainError:
                used = frozenset(f.key for f in k.extra)
            else:
                used = _template_keys(source.text)
            self._fields[kind] = tuple(f for f in k.extra if self.required(f) or f.key in used)
        return self._fields[kind]

    def choices(self, f: ExtraField) -> tuple[tuple[str, str], ...]:
        """(code, label) for a part chosen from a list; a refusal offers the
        grounds open under the case's law only."""
        codes = f.choices
        if f.key == "ground":
            r = self.detail.row
            open_here = set(refusal_grounds(r.regime, r.right))
            codes = tuple(c for c in codes if c in open_here)
        return tuple((c, choice_label(f, c)) for c in codes)

    def sent_note(self, kind: str) -> str:
        event = get_kind(kind).clock_event
        return SENT_NOTES.get(event, f"{_SENDING}, and the clock event {event}.")

    # -- previewing ----------------------------------------------------------

    def request_preview(self, kind: str, extra: Mapping[str, str]) -> None:
        """Draft the letter on the runner; ``previewed`` or ``preview_failed``."""
        self._generation += 1  # as with loads: only the latest preview is shown
        generation = self._generation
        inputs = inputs_of(kind, extra)
        svc, ref, parts = self.services, self.reference, dict(extra)
        self.preview = None
        self._set_busy(True)

        def done(result: tuple[Draft, tuple[QImage, ...]]) -> None:
            if not shiboken6.isValid(self) or generation != self._generation:
                return
            self._set_busy(False)
            self.preview = Preview(inputs, result[0], result[1])
            self.previewed.emit(self.preview)

        def failed(error: BaseException) -> None:
            if not shiboken6.isValid(self) or generation != self._generation:
                if isinstance(error, DomainError):
                    return  # a refusal of a preview no longer wanted
                raise error
            self._set_busy(False)
            if not isinstance(error, DomainError):
                raise error  # a bug: the crash handler reports it
            self.preview_failed.emit(sentence(str(error)))

        self.runner.submit(lambda: _draft_and_render(svc, ref, kind, parts), done, failed)

    def is_previewed(self, kind: str, extra: Mapping[str, str]) -> bool:
        return self.preview is not None and self.preview.inputs == inputs_of(kind, extra)

    # -- approving -----------------------------------------------------------

    def approval(self, kind: str | None, extra: Mapping[str, str]) -> Availability:
        """Whether "Approve and record" may be pressed now, and why (not)."""
        if self.role != RECORDED_BY.value:
            return Availability(
                False,
                f"Only the DPO approves and records letters (you are {self.role}); you can "
                "draft and preview them.",
            )
        if self.busy:
            return Availability(False, "Wait for the letter to be ready.")
        if kind is None or self.preview is None:
            return Availability(False, "Preview the letter first: what is recorded is "
                                       "exactly the PDF you previewed.")  # fmt: skip
        if not self.is_previewed(kind, extra):
            return Availability(False, "The letter changed since its preview: preview it "
                                       "again before approving it.")  # fmt: skip
        return Availability(True, "Stores this PDF, exactly as previewed, with the case; from "
                                  "then on it is the letter (audited).")  # fmt: skip

    def approve(self) -> None:
        """Record the previewed draft (its PDF as it is) on the runner."""
        preview = self.preview
        if preview is None or self.busy:
            return
        svc = self.services

        def work() -> LetterView:
            from conneqt_dpo.outputs.letters.drafting import record_draft

            return record_draft(svc, preview.draft)

        # The case shows its new letter on what this publishes.
        self._run(work, self.recorded.emit)


# -- the form's parts -------------------------------------------------------------


class PartField(QWidget):
    """One free-text part: its name (marked when required), the field (a
    list to choose from, or text), and what to write under it."""

    def __init__(self, f: ExtraField, required: bool,
                 choices: Sequence[tuple[str, str]]) -> None:  # fmt: skip
        super().__init__()
        self.key = f.key
        self.required = required
        self.label = plain_label(part_label(f.key) + (" *" if required else ""))
        font = QFont(self.label.font())
        font.setBold(True)
        self.label.setFont(font)
        self.label.setToolTip(f"“{f.key}” in the letter's template")
        self.combo: QComboBox | None = None
        self.text: QPlainTextEdit | None = None
        field: QWidget
        if f.choices:
            self.combo = QComboBox()
            self.combo.addItem(CHOOSE if required else NONE_CHOSEN, None)
            for code, label in choices:
                self.combo.addItem(label, code)
                self.combo.setItemData(self.combo.count() - 1, code, Qt.ItemDataRole.ToolTipRole)
            field = self.combo
        else:
            self.text = QPlainTextEdit()
            self.text.setTabChangesFocus(True)
            lines = self.text.fontMetrics().lineSpacing()
            self.text.setFixedHeight(lines * 4 + 12)
            field = self.text
        self.field = field
        field.setAccessibleName(part_label(f.key))
        field.setAccessibleDescription(("Required. " if required else "") + f.description)
        self.label.setBuddy(field)
        self.hint = plain_label(sentence(f.description))
        palette = self.hint.palette()
        palette.setColor(QPalette.ColorRole.WindowText,
                         palette.color(QPalette.ColorRole.PlaceholderText))  # fmt: skip
        self.hint.setPalette(palette)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        column.addWidget(self.label)
        column.addWidget(field)
        column.addWidget(self.hint)
        self.setFocusProxy(field)

    def value(self) -> str:
        if self.combo is not None:
            code = self.combo.currentData()
            return code if isinstance(code, str) else ""
        assert self.text is not None
        return self.text.toPlainText().strip()

    def set_value(self, value: str) -> None:
        if self.combo is not None:
            index = self.combo.findData(value) if value else 0
            if index < 0:
                raise ValueError(f"no choice {value!r} for {self.key}")
            self.combo.setCurrentIndex(index)
        else:
            assert self.text is not None
            self.text.setPlainText(value)


class PartsPage(QWidget):
    """The parts of one kind of letter."""

    def __init__(self, presenter: LetterDraft, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.parts: dict[str, PartField] = {}
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(10)
        fields = presenter.fields(kind)
        if not fields:
            column.addWidget(plain_label(
                "This letter has nothing for you to write: it is made from the case and the "
                "organisation profile."
            ))  # fmt: skip
        for f in fields:
            part = PartField(f, presenter.required(f), presenter.choices(f))
            self.parts[f.key] = part
            column.addWidget(part)
        if any(p.required for p in self.parts.values()):
            column.addWidget(plain_label("* required"))

    def extra(self) -> dict[str, str]:
        """The parts written (empty ones are left to the template's default)."""
        return {key: v for key, part in self.parts.items() if (v := part.value())}

    def has_input(self) -> bool:
        return bool(self.extra())


# -- the dialog -------------------------------------------------------------------


class LetterDialog(QDialog):
    """Draft, preview and approve one letter. Opened with ``open()``; nothing
    here blocks."""

    def __init__(
        self,
        services: Services,
        snapshot: CaseSnapshot,
        bus: ChangeBus,
        runner: Runner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.presenter = LetterDraft(services, snapshot, bus, runner, self)
        self.setWindowTitle(f"Draft a letter — {snapshot.reference}")
        self.setSizeGripEnabled(True)
        self._fit_screen(1180, 820)
        self.pages: dict[str, PartsPage] = {}
        self.discard_box: QMessageBox | None = None
        self._recorded = False

        self.kind = QComboBox()
        self.kind.setAccessibleName("Letter")
        if len(self.presenter.kinds) != 1:
            self.kind.addItem(CHOOSE, None)
        for code in self.presenter.kinds:
            self.kind.addItem(kind_label(code), code)
        self.kind_note = plain_label()
        # The current kind's page, then Preview right under it: a page of
        # its own height (hidden pages take no room, unlike a stack's).
        self.parts = QWidget()
        self.parts_column = QVBoxLayout(self.parts)
        self.parts_column.setContentsMargins(0, 0, 0, 0)
        self.parts_column.setSpacing(10)
        self.nothing = plain_label(
            "Choose a letter to write its parts." if self.presenter.kinds
            else "No letter fits this case in its present state."
        )  # fmt: skip
        self.preview_button = QPushButton("&Preview")
        self.preview_button.clicked.connect(self.request_preview)
        self.parts_column.addWidget(self.nothing)
        self.parts_column.addWidget(self.preview_button, 0, Qt.AlignmentFlag.AlignRight)
        self.parts_column.addStretch(1)

        self.preview = LetterPreview("Preview the letter to see its pages here.")
        self.approve_button = QPushButton("&Approve and record")
        self.approve_button.clicked.connect(self.presenter.approve)
        self.approval = plain_label()  # why Approve is (not) available, said in full
        self.record_error = plain_label()
        self.record_error.setVisible(False)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)

        self._lay_out()
        p = self.presenter
        self.kind.currentIndexChanged.connect(self._kind_changed)
        p.previewed.connect(self._previewed)
        p.preview_failed.connect(self._preview_failed)
        p.recorded.connect(self._recorded_letter)
        p.refused.connect(self._record_failed)
        p.busy_changed.connect(lambda _busy: self._update())
        self._kind_changed()

    def _lay_out(self) -> None:
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 6, 0)
        column.addWidget(plain_label(
            "Choose the letter and write its parts, then preview it. The DPO approves the "
            "preview: what is recorded is exactly the PDF shown."
        ))  # fmt: skip
        letter = plain_label("&Letter:")
        letter.setBuddy(self.kind)
        row = QHBoxLayout()
        row.addWidget(letter)
        row.addWidget(self.kind, 1)
        column.addLayout(row)
        column.addWidget(self.kind_note)
        parts = QScrollArea()
        parts.setWidget(self.parts)
        parts.setWidgetResizable(True)
        parts.setFrameShape(QScrollArea.Shape.NoFrame)
        parts.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        column.addWidget(parts, 1)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.preview)
        split.setChildrenCollapsible(False)
        split.setStretchFactor(1, 1)
        split.setSizes([380, 800])
        left.setMinimumWidth(300)

        buttons = QHBoxLayout()
        buttons.addWidget(self.approval, 1)
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.close_button)
        outer = QVBoxLayout(self)
        outer.addWidget(split, 1)
        outer.addWidget(self.record_error)
        outer.addLayout(buttons)

    def _fit_screen(self, width: int, height: int) -> None:
        """Room for a page at 100 % beside the form, within the screen (a
        laptop's 768 pixels are not 820)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            room = screen.availableGeometry()
            width, height = min(width, room.width() - 40), min(height, room.height() - 40)
        self.resize(width, height)

    # -- reading the form -----------------------------------------------------

    def kind_code(self) -> str | None:
        code = self.kind.currentData()
        return code if isinstance(code, str) else None

    def page(self) -> PartsPage | None:
        code = self.kind_code()
        return self.pages.get(code) if code is not None else None

    def extra(self) -> dict[str, str]:
        page = self.page()
        return page.extra() if page is not None else {}

    def choose_kind(self, code: str) -> None:
        index = self.kind.findData(code)
        if index < 0:
            raise ValueError(f"{code!r} is not offered for this case")
        self.kind.setCurrentIndex(index)

    def part(self, key: str) -> PartField:
        page = self.page()
        if page is None or key not in page.parts:
            raise LookupError(key)
        return page.parts[key]

    # -- reacting -------------------------------------------------------------

    def _kind_changed(self) -> None:
        code = self.kind_code()
        self.nothing.setVisible(code is None)
        if code is None:
            self.kind_note.setVisible(False)
        else:
            if code not in self.pages:
                # Each kind keeps its own page: going back to a kind keeps
                # what was written for it.
                page = PartsPage(self.presenter, code)
                for part in page.parts.values():
                    if part.combo is not None:
                        part.combo.currentIndexChanged.connect(self._inputs_changed)
                    elif part.text is not None:
                        part.text.textChanged.connect(self._inputs_changed)
                self.pages[code] = page
                self.parts_column.insertWidget(len(self.pages), page)
            self.kind_note.setText(self.presenter.sent_note(code))
            self.kind_note.setVisible(True)
        for kind, shown in self.pages.items():
            shown.setVisible(kind == code)
        self._inputs_changed()

    def _inputs_changed(self) -> None:
        p = self.presenter
        if p.preview is not None and not p.busy:
            code = self.kind_code()
            if code is not None and p.is_previewed(code, self.extra()):
                self.preview.set_note("")
            else:
                self.preview.set_note("Out of date: the letter changed since this preview. "
                                      "Preview it again.")  # fmt: skip
        self._update()

    def _update(self) -> None:
        busy = self.presenter.busy
        code = self.kind_code()
        self.kind.setEnabled(not busy)
        for page in self.pages.values():
            page.setEnabled(not busy)
        self.preview_button.setEnabled(code is not None and not busy)
        self.preview_button.setToolTip(
            "Makes the letter from the case, the organisation profile and what you wrote, "
            "and shows its pages; nothing is recorded." if code is not None
            else "Choose a letter first."
        )  # fmt: skip
        a = self.presenter.approval(code, self.extra())
        self.approve_button.setEnabled(a.enabled and not self._recorded)
        self.approve_button.setToolTip(a.why)
        self.approval.setText("" if a.enabled else a.why)
        self.close_button.setEnabled(not busy)

    def request_preview(self) -> None:
        code = self.kind_code()
        if code is None or self.presenter.busy:
            return
        self.record_error.setVisible(False)
        self.preview.clear("Making the letter…")
        self.presenter.request_preview(code, self.extra())

    def _previewed(self, preview: Preview) -> None:
        d = preview.draft
        pages = f"{d.pages} page{'' if d.pages == 1 else 's'}"
        self.preview.show_pages(preview.images, warnings=d.warnings, template=d.doc.template)
        self.preview.pages.setAccessibleDescription(f"{kind_label(d.kind)}, {pages}")
        self._inputs_changed()

    def _preview_failed(self, message: str) -> None:
        self.preview.show_error(message)
        self._update()

    def _recorded_letter(self, letter: LetterView) -> None:
        self._recorded = True
        self.done(QDialog.DialogCode.Accepted)

    def _record_failed(self, message: str) -> None:
        show_refusal(self.record_error, message, self)
        self._update()

    # -- closing --------------------------------------------------------------

    def has_input(self) -> bool:
        """Whether closing would throw away something written."""
        return not self._recorded and any(p.has_input() for p in self.pages.values())

    def reject(self) -> None:
        if self.presenter.busy:
            return
        if self.has_input():
            self._ask_discard()
            return
        super().reject()

    def _ask_discard(self) -> None:
        self.discard_box = ask_discard(
            self, "Discard this letter?",
            "Close without approving it? What you wrote for it is lost.",
        )  # fmt: skip
