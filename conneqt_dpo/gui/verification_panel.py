"""The identity decision of a case, as the case view shows it: how identity
was checked (the methods, and the names of the data points that matched),
the CCPA's degree of certainty where the case is a CCPA one, the decision,
what it means for the case, and the decisions recorded so far.

Requesting the proof and recording that it arrived are clock events, on
the case view's action bar ("Request identity…", "Identity received…");
this panel records the decision, which is the DPO's. The rules (which
combination the law accepts) are the domain's: the services check them and
a refusal is shown here, inline, for the DPO to correct the form.
``VerificationPanel`` lays out the form; ``VerificationPresenter`` runs the
service calls on the runner.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from conneqt_dpo.domain.calendars import format_date, format_day
from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.verification import (
    LEVEL_POINTS,
    MAX_DATA_POINTS,
    METHOD_LABELS,
    Decision,
    Level,
    Method,
)
from conneqt_dpo.domain.workflow import OPEN_STATES, Role, parse_state
from conneqt_dpo.gui.bus import ChangeBus
from conneqt_dpo.gui.case_actions import CaseSnapshot
from conneqt_dpo.gui.case_ops import Availability, words
from conneqt_dpo.gui.case_panel import CasePanelPresenter
from conneqt_dpo.gui.dialogs import plain_label
from conneqt_dpo.gui.widgets import Table, sentence, show_refusal
from conneqt_dpo.gui.worker import Runner
from conneqt_dpo.store.document_services import VerificationView, VerifyResult
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import CaseDetail

DECISION_LABELS: Mapping[Decision, str] = {
    Decision.VERIFIED: "Verified",
    Decision.NOT_VERIFIED: "Not verified",
    Decision.NOT_REQUIRED: "Not required",
}
LEVEL_LABELS: Mapping[Level, str] = {
    Level.REASONABLE: "Reasonable degree",
    Level.REASONABLY_HIGH: "Reasonably high degree",
}
LEVEL_CHOICES: tuple[tuple[str | None, str, str], ...] = (
    (None, "Choose the degree reached…", ""),
    (Level.REASONABLE.value,
     f"Reasonable ({LEVEL_POINTS[Level.REASONABLE]} data points)",
     f"A reasonable degree of certainty: at least {LEVEL_POINTS[Level.REASONABLE]} data "
     "points matched; enough for categories of information (11 CCR §7062(b))."),
    (Level.REASONABLY_HIGH.value,
     f"Reasonably high ({LEVEL_POINTS[Level.REASONABLY_HIGH]} points + declaration)",
     f"A reasonably high degree of certainty: at least {LEVEL_POINTS[Level.REASONABLY_HIGH]} "
     "data points matched and a declaration signed under penalty of perjury; needed for "
     "specific pieces of information (11 CCR §7062(c))."),
)  # fmt: skip
NO_AGENT = "No authorised agent on this case: record the agent first (Agent, Edit…)."
POINT_HINT = "A data point's name, not its value: “email address”, not the address"


@dataclass(frozen=True)
class DecisionForm:
    """What the DPO filled in."""

    methods: tuple[str, ...]
    decision: str
    level: str | None
    data_points: tuple[str, ...]
    note: str | None


def decide_availability(detail: CaseDetail, role: str) -> Availability:
    """Whether `role` may record the decision on this case now (the
    services check the same: the DPO, on an open case)."""
    if role != Role.DPO.value:
        return Availability(
            False, f"Only the DPO decides whether identity is verified (you are {role})."
        )
    try:
        state = parse_state(detail.row.state)
    except DomainError as e:
        return Availability(False, sentence(str(e)))
    if state not in OPEN_STATES:
        return Availability(
            False, f"The case is {words(state.value).lower()}: identity is decided on open "
                   "cases only."
        )  # fmt: skip
    return Availability(True, "Records the identity decision with who made it and when.")


def _local(at: dt.datetime, services: Services) -> dt.datetime:
    return at.replace(tzinfo=dt.UTC).astimezone(services.tz)


def _method_words(code: str) -> str:
    try:
        return words(Method(code).value)
    except ValueError:
        return words(code)


def _decision_words(code: str) -> str:
    try:
        return DECISION_LABELS[Decision(code)]
    except ValueError:
        return words(code)


def _level_words(code: str | None) -> str:
    if code is None:
        return "—"
    try:
        return LEVEL_LABELS[Level(code)]
    except ValueError:
        return words(code)


# -- the presenter ------------------------------------------------------------------


class VerificationPresenter(CasePanelPresenter):
    """Loads a case's decisions and records a new one, on the runner. A
    refusal (the law or the facts do not allow it) is emitted for the panel
    to show inline."""

    loaded = Signal(object)  # tuple[VerificationView, ...]
    recorded = Signal(object)  # VerifyResult
    history: tuple[VerificationView, ...] = ()

    def load(self) -> None:
        svc, ref = self.services, self.reference
        self._load(lambda: tuple(svc.verifications(ref)), self._loaded)

    def _loaded(self, rows: tuple[VerificationView, ...]) -> None:
        self.history = rows
        self.loaded.emit(rows)

    def record(self, form: DecisionForm) -> None:
        svc, ref = self.services, self.reference

        def work() -> VerifyResult:
            return svc.verify_identity(ref, methods=form.methods, decision=form.decision,
                                       level=form.level, data_points=form.data_points,
                                       note=form.note)  # fmt: skip

        # The case view (and this panel) reload on what it publishes.
        self._run(work, self.recorded.emit, changed=lambda result: result.changed)


# -- the panel ------------------------------------------------------------------------


def _note_label(text: str = "") -> QLabel:
    label = plain_label(text)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label


class VerificationPanel(QWidget):
    """The case view's Identity tab."""

    def __init__(
        self,
        services: Services,
        reference: str,
        bus: ChangeBus,
        runner: Runner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.presenter = VerificationPresenter(services, reference, bus, runner, self)
        self.snapshot: CaseSnapshot | None = None
        self.allowed = Availability(False, "Loading…")
        self.ccpa = False  # the level is asked for CCPA cases only

        self.form_area = QWidget()
        grid = QGridLayout(self.form_area)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self._build_methods(), 0, 0, 1, 2)
        grid.addWidget(self._build_decision(), 1, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self._build_points(), 1, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        # The room left goes to the history, not to stretched group boxes.
        self.form_area.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        self.why = _note_label()
        self.why.setEnabled(False)  # drawn dim: it says why the button is disabled

        self.error = _note_label()
        self.error.setAccessibleName("Why the decision was not recorded")
        self.error.setVisible(False)
        self.result = _note_label()
        self.result.setAccessibleName("What the decision means")
        self.result.setFrameShape(QFrame.Shape.StyledPanel)
        self.result.setContentsMargins(6, 4, 6, 4)
        self.result.setVisible(False)

        history_title = QLabel("Decisions recorded")
        font = history_title.font()
        font.setBold(True)
        history_title.setFont(font)
        self.history = Table("When", "Who", "Decision", "Methods", "Level", stretch=3)
        self.history.setAccessibleName("Identity decisions recorded")
        self.history.setMinimumHeight(48)
        self.no_history = plain_label("No identity decision yet.")
        self.no_history.setEnabled(False)

        column = QVBoxLayout(self)
        column.setSpacing(4)
        column.addWidget(self.form_area)
        column.addWidget(self.why)
        column.addWidget(self.error)
        column.addWidget(self.result)
        column.addWidget(history_title)
        column.addWidget(self.history, 1)
        column.addWidget(self.no_history)
        column.addStretch(0)  # takes the room only while the list is hidden

        p = self.presenter
        p.loaded.connect(self.show_history)
        p.recorded.connect(self.show_result)
        p.refused.connect(self.show_error)
        p.busy_changed.connect(lambda _busy: self._update())
        self.show_history(())
        self._update()

    # -- layout -------------------------------------------------------------------

    def _build_methods(self) -> QGroupBox:
        box = QGroupBox("How identity was checked")
        # Two columns of three: the panel must fit the case view's height.
        grid = QGridLayout(box)
        grid.setContentsMargins(6, 4, 6, 4)
        grid.setVerticalSpacing(1)
        self.method_boxes: dict[Method, QCheckBox] = {}
        rows = (len(METHOD_LABELS) + 1) // 2
        for i, (method, label) in enumerate(METHOD_LABELS.items()):
            check = QCheckBox(label)
            check.setToolTip(label)
            check.toggled.connect(self._update)
            self.method_boxes[method] = check
            grid.addWidget(check, i % rows, i // rows)
        grid.setColumnStretch(1, 1)
        self.setFocusProxy(self.method_boxes[Method.DATA_POINTS])
        return box

    def _build_points(self) -> QGroupBox:
        box = QGroupBox("Data points matched")
        box.setToolTip(POINT_HINT)
        self.point_edit = QLineEdit()
        self.point_edit.setPlaceholderText("e.g. email address")
        self.point_edit.setToolTip(POINT_HINT)
        self.point_edit.setAccessibleName("Data point matched (its name)")
        self.point_edit.setMaxLength(80)
        self.point_edit.returnPressed.connect(self.add_point)
        self.point_edit.textChanged.connect(self._update)
        self.add_point_button = QPushButton("Add")
        self.add_point_button.clicked.connect(self.add_point)
        self.points = QListWidget()
        self.points.setAccessibleName("Data points matched")
        self.points.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.points.itemSelectionChanged.connect(self._update)
        self.points.setMinimumHeight(40)
        self.points.setMaximumHeight(64)  # about three names; it scrolls for more
        self.remove_point_button = QPushButton("Remove")
        self.remove_point_button.clicked.connect(self.remove_point)
        grid = QGridLayout(box)
        grid.setContentsMargins(6, 4, 6, 4)
        grid.setVerticalSpacing(4)
        grid.addWidget(self.point_edit, 0, 0)
        grid.addWidget(self.add_point_button, 0, 1)
        grid.addWidget(self.points, 1, 0)
        grid.addWidget(self.remove_point_button, 1, 1, Qt.AlignmentFlag.AlignTop)
        grid.setRowStretch(1, 1)
        return box

    def _build_decision(self) -> QWidget:
        area = QWidget()
        form = QFormLayout(area)
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(4)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.decision_group = QButtonGroup(self)
        self.decision_buttons: dict[Decision, QRadioButton] = {}
        radios = QHBoxLayout()
        for decision, label in DECISION_LABELS.items():
            radio = QRadioButton(label)
            radio.toggled.connect(self._update)
            self.decision_group.addButton(radio)
            self.decision_buttons[decision] = radio
            radios.addWidget(radio)
        radios.addStretch(1)
        form.addRow("Decision:", radios)
        self.level = QComboBox()
        self.level.setAccessibleName("CCPA degree of certainty")
        # Its longest choice must not set the panel's width.
        self.level.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.level.setMinimumContentsLength(24)
        for code, label, tip in LEVEL_CHOICES:
            self.level.addItem(label, code)
            self.level.setItemData(self.level.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.level.setToolTip(
            "The degree of certainty the CCPA regulations ask for when the person has no "
            "password-protected account (11 CCR §7062)."
        )
        self.level_label = QLabel("CCPA level:")
        form.addRow(self.level_label, self.level)
        # One line: a note says what was seen or said; the case's own notes
        # are for longer text.
        self.note = QLineEdit()
        self.note.setAccessibleName("Note on the decision")
        self.note.setPlaceholderText("Optional")
        self.note.setToolTip("What was seen or said, for the case file (optional)")
        self.record_button = QPushButton("Record decision")
        self.record_button.clicked.connect(self.record)
        last = QHBoxLayout()
        last.addWidget(self.note, 1)
        last.addWidget(self.record_button)
        form.addRow("Note:", last)
        return area

    # -- showing -----------------------------------------------------------------------

    def show_case(self, snapshot: CaseSnapshot) -> None:
        """The case (re)loaded: who acts, its regime and state; then its
        decisions."""
        self.snapshot = snapshot
        detail = snapshot.detail
        self.allowed = decide_availability(detail, snapshot.actor.role)
        self.ccpa = detail.row.regime == "ccpa"
        self.level_label.setVisible(self.ccpa)
        self.level.setVisible(self.ccpa)
        agent = self.method_boxes[Method.AGENT_PERMISSION]
        has_agent = bool(detail.agent_name)
        agent.setEnabled(has_agent)
        agent.setToolTip(agent.text() if has_agent else NO_AGENT)
        if not has_agent:
            agent.setChecked(False)
        self._update()
        self.presenter.load()

    def show_history(self, rows: Sequence[VerificationView]) -> None:
        svc = self.presenter.services
        newest_first = list(reversed(rows))
        cells, tips = [], []
        for v in newest_first:
            at = _local(v.decided_at, svc)
            cells.append((f"{format_date(at.date())} {at:%H:%M}", v.decided_by,
                          _decision_words(v.decision),
                          ", ".join(_method_words(m) for m in v.methods) or "—",
                          _level_words(v.level)))  # fmt: skip
            tip = []
            if v.data_points:
                tip.append("Data points matched: " + ", ".join(v.data_points))
            if v.note:
                tip.append(f"Note: {v.note}")
            tips.append("\n".join(tip))
        self.history.set_rows(cells, [v.id for v in newest_first], tips=tips)
        self.history.setVisible(bool(rows))
        self.no_history.setVisible(not rows)

    def title(self) -> str:
        history = self.presenter.history
        if not history:
            return "Identity"
        return f"Identity ({_decision_words(history[-1].decision).lower()})"

    def show_error(self, message: str) -> None:
        show_refusal(self.error, message, self)

    def show_result(self, result: VerifyResult) -> None:
        lines = list(result.consequences)
        if result.purge_after is not None:
            lines.append("Identity documents on this case will be purged after "
                         f"{format_day(result.purge_after)}.")  # fmt: skip
        self.result.setText("\n".join(f"• {line}" for line in lines))
        self.result.setVisible(True)
        self.error.setVisible(False)
        self.clear_form()

    # -- the form --------------------------------------------------------------------

    def form(self) -> DecisionForm | None:
        decision = next((d for d, b in self.decision_buttons.items() if b.isChecked()), None)
        if decision is None:
            return None
        level = self.level.currentData() if self.ccpa else None
        note = self.note.text().strip() or None
        return DecisionForm(
            methods=tuple(m.value for m, b in self.method_boxes.items() if b.isChecked()),
            decision=decision.value,
            level=level if isinstance(level, str) else None,
            data_points=tuple(self.data_points()),
            note=note,
        )

    def data_points(self) -> list[str]:
        return [item.text() for i in range(self.points.count())
                if (item := self.points.item(i)) is not None]  # fmt: skip

    def add_point(self) -> None:
        text = " ".join(self.point_edit.text().split())
        if not text:
            return
        if text.casefold() not in (p.casefold() for p in self.data_points()):
            self.points.addItem(text)
        self.point_edit.clear()
        # Naming a matched data point says the method was used.
        self.method_boxes[Method.DATA_POINTS].setChecked(True)
        self._update()

    def remove_point(self) -> None:
        row = self.points.currentRow()
        if row >= 0:
            self.points.takeItem(row)
        self._update()

    def clear_form(self) -> None:
        for box in self.method_boxes.values():
            box.setChecked(False)
        self.points.clear()
        self.point_edit.clear()
        self.decision_group.setExclusive(False)  # lets every radio be unchecked
        for radio in self.decision_buttons.values():
            radio.setChecked(False)
        self.decision_group.setExclusive(True)
        self.level.setCurrentIndex(0)
        self.note.clear()
        self._update()

    def record(self) -> None:
        form = self.form()
        if form is None or not self.allowed.enabled or self.presenter.busy:
            return
        self.error.setVisible(False)
        self.result.setVisible(False)
        self.presenter.record(form)

    def _update(self) -> None:
        busy = self.presenter.busy
        allowed = self.allowed
        self.form_area.setEnabled(allowed.enabled and not busy)
        full = self.points.count() >= MAX_DATA_POINTS
        self.add_point_button.setEnabled(bool(self.point_edit.text().strip()) and not full)
        self.remove_point_button.setEnabled(self.points.currentRow() >= 0)
        if not allowed.enabled:
            why = allowed.why
        elif self.form() is None:
            why = "Choose the decision first: verified, not verified or not required."
        else:
            why = ""
        self.record_button.setEnabled(not why and not busy)
        self.record_button.setToolTip(why or allowed.why)
        self.why.setText(why)
        self.why.setVisible(bool(why))
