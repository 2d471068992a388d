"""Logging a request: the requester, any agent, the regime (suggested from
where they live), the rights (one linked case each), when it came in, and a
note.

This module lays out the form and shows what its presenter
(``intake_presenter.IntakePresenter``) says: a red hint under a field that
does not check, what is still needed beside Save (disabled until the form
is complete), the people who asked before, the regime suggested and why.
Every edit is handed to the presenter, which also keeps the draft.

Keyboard: every field has a mnemonic (Alt+letter) or is reached with Tab in
reading order; Enter saves when the form is complete (Ctrl+Enter from the
note); Esc asks before anything typed is discarded. Nothing here blocks:
questions and refusals are message boxes opened with ``open()``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

import shiboken6
from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtGui import QCloseEvent, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from conneqt_dpo.domain import regimes
from conneqt_dpo.domain.calendars import format_date
from conneqt_dpo.gui.dialogs import WARNING_STYLE, Hinted, plain_label
from conneqt_dpo.gui.intake_form import (
    AUTHORITY_LABELS,
    CCPA_DETAIL_LABELS,
    CHANNEL_LABELS,
    US_STATES,
    Check,
    IntakeFields,
    countries,
    missing_text,
    place_label,
    right_choices,
)
from conneqt_dpo.gui.intake_presenter import IntakePresenter, Suggestion
from conneqt_dpo.store.views import CaseRow

TITLE = "Log a request"
CHOOSE = "Choose…"
DISCARD_TITLE = "Discard this request?"
DISCARD_TEXT = (
    "The request you were logging has not been saved. Keep it as a draft (it is offered "
    "again next time), or discard what you typed?"
)
QT_DATETIME_FORMAT = "ddd d MMM yyyy  HH:mm"
DUPLICATE_COLUMNS = ["Reference", "Requester", "Email", "Regime", "Right", "Received", "State"]


def _qdatetime(value: dt.datetime) -> QDateTime:
    return QDateTime(QDate(value.year, value.month, value.day), QTime(value.hour, value.minute))


def _pydatetime(value: QDateTime) -> dt.datetime:
    d, t = value.date(), value.time()
    return dt.datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())


def _completer(items: Sequence[str], parent: QWidget) -> QCompleter:
    c = QCompleter(list(items), parent)
    c.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    c.setFilterMode(Qt.MatchFlag.MatchContains)
    return c


class IntakeDialog(QDialog):
    """The form; `presenter` holds its state and does its work."""

    def __init__(
        self,
        presenter: IntakePresenter,
        *,
        draft: IntakeFields | None = None,
        draft_saved_at: dt.datetime | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.presenter = presenter
        presenter.setParent(self)
        self.message_box: QMessageBox | None = None  # the question or refusal last shown
        self._loading = False  # filling widgets from fields: edits are not the user's
        self._closing = False
        self._rights_key: tuple[str, dt.date] | None = None
        self.right_boxes: dict[str, QCheckBox] = {}
        self.setWindowTitle(TITLE)
        self.setMinimumWidth(880)

        self._build_requester()
        self._build_agent()
        self._build_request()
        self._build_duplicates()
        self._build_bottom()
        self._lay_out(draft is not None, draft_saved_at)
        # Enter saves: the default button is set once it is in the dialog (else
        # the dialog makes the first button it finds the default).
        self.save_button.setDefault(True)
        self._connect()

        fields = presenter.start(draft)
        self._show_fields(fields)
        self.channel.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- building -------------------------------------------------------------

    def _hinted(self, field: QWidget, name: str) -> Hinted:
        box = Hinted(field)
        self.hinted[name] = box
        return box

    def _build_requester(self) -> None:
        self.hinted: dict[str, Hinted] = {}
        self.channel = QComboBox()
        self.channel.addItem(CHOOSE, "")
        for code, label in CHANNEL_LABELS.items():
            self.channel.addItem(label, code)
        self.channel.setAccessibleName("How the request came in")
        self.name = QLineEdit()
        self.email = QLineEdit()
        self.email.setPlaceholderText("name@example.org")
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("+1 954 555 0100")
        self.address = QPlainTextEdit()
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        self.address.setAccessibleName("Postal address")
        self.account_id = QLineEdit()
        self.account_id.setPlaceholderText("Customer or account number, if any")
        self.country = QLineEdit()
        names = countries()
        self.country.setCompleter(_completer([place_label(c, names) for c in names], self))
        self.country.setPlaceholderText("Where the requester lives")
        self.us_state = QLineEdit()
        self.us_state.setCompleter(
            _completer([place_label(c, US_STATES) for c in US_STATES], self)
        )
        self.suggestion = plain_label()
        self.suggestion.setObjectName("regimeSuggestion")
        self.suggestion.setAccessibleName("Regime suggested")
        self.suggestion.setVisible(False)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        rows: list[tuple[str, QWidget, str | None]] = [
            ("C&hannel:", self.channel, "channel"),
            ("&Name:", self.name, "name"),
            ("&Email:", self.email, "email"),
            ("&Phone:", self.phone, "phone"),
            ("Postal a&ddress:", self.address, "address"),
            ("Account &ID:", self.account_id, "account_id"),
            ("Countr&y:", self.country, "country"),
            ("US &state:", self.us_state, "us_state"),
        ]
        for text, widget, name in rows:
            buddy = QLabel(text)
            buddy.setBuddy(widget)
            form.addRow(buddy, self._hinted(widget, name) if name else widget)
        form.addRow("", self.suggestion)
        self.requester_box = QGroupBox("Requester")
        self.requester_box.setLayout(form)

    def _build_agent(self) -> None:
        self.has_agent = QCheckBox("An a&gent acts for the requester")
        self.agent_name = QLineEdit()
        self.agent_organisation = QLineEdit()
        self.agent_email = QLineEdit()
        self.agent_phone = QLineEdit()
        self.agent_authority = QComboBox()
        self.agent_authority.addItem(CHOOSE, "")
        for code, label in AUTHORITY_LABELS.items():
            self.agent_authority.addItem(label, code)
        self.agent_box = QWidget()
        form = QFormLayout(self.agent_box)
        form.setContentsMargins(18, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for text, widget, name in (
            ("Agent's na&me:", self.agent_name, "agent_name"),
            ("Organisation:", self.agent_organisation, None),
            ("Agent's email:", self.agent_email, "agent_email"),
            ("Agent's phone:", self.agent_phone, "agent_phone"),
            ("A&uthority:", self.agent_authority, None),
        ):
            buddy = QLabel(text)
            buddy.setBuddy(widget)
            form.addRow(buddy, self._hinted(widget, name) if name else widget)
            widget.setAccessibleName(text.replace("&", "").rstrip(":"))
        self.agent_box.setVisible(False)

    def _build_request(self) -> None:
        self.regime = QComboBox()
        self.regime.addItem(CHOOSE, "")
        for r in sorted(regimes.REGIMES.values(), key=lambda r: r.label):
            self.regime.addItem(r.label, r.code)
            self.regime.setItemData(self.regime.count() - 1, r.citation,
                                    Qt.ItemDataRole.ToolTipRole)  # fmt: skip
        self.rights_box = QWidget()
        # A label's mnemonic focuses its buddy only if the buddy takes focus:
        # by click (Tab skips it), handed on to the first right's box.
        self.rights_box.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.rights_grid = QGridLayout(self.rights_box)
        self.rights_grid.setContentsMargins(0, 0, 0, 0)
        self.rights_grid.setHorizontalSpacing(16)
        self.rights_help = plain_label("Choose the regime to see its rights.")
        self.rights_help.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.ccpa_box = QWidget()
        ccpa = QVBoxLayout(self.ccpa_box)
        ccpa.setContentsMargins(0, 0, 0, 0)
        ccpa.setSpacing(2)
        self.ccpa_group = QButtonGroup(self)
        self.ccpa_radios: dict[str, QRadioButton] = {}
        for code, text in (("categories", "&Categories of personal information"),
                           ("specific", "Speci&fic pieces of personal information")):  # fmt: skip
            radio = QRadioButton(text)
            radio.setToolTip(CCPA_DETAIL_LABELS[code])
            self.ccpa_group.addButton(radio)
            self.ccpa_radios[code] = radio
            ccpa.addWidget(radio)
        self.ccpa_box.setVisible(False)
        self.received = QDateTimeEdit()
        self.received.setDisplayFormat(QT_DATETIME_FORMAT)
        self.received.setCalendarPopup(True)
        self.received.setAccessibleName("Received at (organisation time)")
        self.received.setToolTip(
            f"Local time at the organisation ({self.presenter.services.tz.key})"
        )
        self.received_reason = QLineEdit()
        self.received_reason.setPlaceholderText("e.g. letter opened late, after a holiday")
        self.reason_label = QLabel("&Why logged late:")
        self.reason_label.setBuddy(self.received_reason)
        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText("Anything the case worker should know (kept with each case)")
        self.note.setAccessibleName("Note")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for text, widget, name in (("&Regime:", self.regime, "regime"),
                                   ("Righ&ts:", self.rights_box, "rights")):  # fmt: skip
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, self._hinted(widget, name))
        form.addRow("", self.rights_help)
        self.ccpa_label = QLabel("CCPA, asks for:")
        form.addRow(self.ccpa_label, self.ccpa_box)
        label = QLabel("Recei&ved:")
        label.setBuddy(self.received)
        form.addRow(label, self._hinted(self.received, "received_at"))
        form.addRow(self.reason_label, self._hinted(self.received_reason, "received_reason"))
        label = QLabel("N&ote:")
        label.setBuddy(self.note)
        form.addRow(label, self._hinted(self.note, "note"))
        self.request_form = form
        self.request_box = QGroupBox("Request")
        self.request_box.setLayout(form)

    def _build_duplicates(self) -> None:
        self.duplicates_box = QFrame()
        self.duplicates_box.setObjectName("duplicates")
        self.duplicates_box.setFrameShape(QFrame.Shape.StyledPanel)
        self.duplicates_title = plain_label(
            "Possible duplicates: this may be someone who asked before."
        )
        font = self.duplicates_title.font()
        font.setBold(True)
        self.duplicates_title.setFont(font)
        self.duplicates = QTreeWidget()
        self.duplicates.setAccessibleName("Possible duplicates")
        self.duplicates.setRootIsDecorated(False)
        self.duplicates.setUniformRowHeights(True)
        self.duplicates.setAllColumnsShowFocus(True)
        self.duplicates.setHeaderLabels(DUPLICATE_COLUMNS)

        self.join_button = QPushButton("&Add to that request")
        self.join_button.setToolTip(
            "Add the rights ticked here to the selected request (same person, linked cases)"
        )
        self.log_anyway_button = QPushButton("&Log anyway")
        self.log_anyway_button.setToolTip("It is a new request: stop suggesting these")
        buttons = QVBoxLayout()
        buttons.addWidget(self.join_button)
        buttons.addWidget(self.log_anyway_button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.duplicates, 1)
        row.addLayout(buttons)
        column = QVBoxLayout(self.duplicates_box)
        column.addWidget(self.duplicates_title)
        column.addLayout(row)
        self.duplicates_box.setVisible(False)

        self.joined_box = QFrame()
        self.joined_label = plain_label()
        self.unjoin_button = QPushButton("Keep separate (&undo)")
        self.unjoin_button.setAutoDefault(False)
        row = QHBoxLayout(self.joined_box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.joined_label, 1)
        row.addWidget(self.unjoin_button)
        self.joined_box.setVisible(False)

    def _build_bottom(self) -> None:
        self.missing = plain_label()
        self.missing.setObjectName("missing")
        self.buttons = QDialogButtonBox()
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("Log the request: one case per right (Enter)")
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        assert cancel is not None
        self.cancel_button: QPushButton = cancel
        self.cancel_button.setAutoDefault(False)
        self.restored_box: QLabel | None = None
        self.blank_button: QPushButton | None = None

    def _lay_out(self, restored: bool, saved_at: dt.datetime | None) -> None:
        column = QVBoxLayout(self)
        if restored:
            when = ""
            if saved_at is not None:
                utc = saved_at if saved_at.tzinfo else saved_at.replace(tzinfo=dt.UTC)
                local = utc.astimezone(self.presenter.services.tz)
                when = f" (last typed {format_date(local.date())}, {local:%H:%M})"
            self.restored_box = plain_label(
                f"This is the request you were logging{when}, restored from its draft."
            )
            self.restored_box.setStyleSheet(WARNING_STYLE)
            self.blank_button = QPushButton("Start over with a &blank form")
            self.blank_button.setAutoDefault(False)
            row = QHBoxLayout()
            row.addWidget(self.restored_box, 1)
            row.addWidget(self.blank_button)
            column.addLayout(row)
        left = QVBoxLayout()
        left.addWidget(self.requester_box)
        agent = QGroupBox("Agent")
        agent_layout = QVBoxLayout(agent)
        agent_layout.addWidget(self.has_agent)
        agent_layout.addWidget(self.agent_box)
        left.addWidget(agent)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.request_box)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        column.addLayout(columns, 1)
        column.addWidget(self.duplicates_box)
        column.addWidget(self.joined_box)
        bottom = QHBoxLayout()
        bottom.addWidget(self.missing, 1)
        bottom.addWidget(self.buttons)
        column.addLayout(bottom)
        self.missing.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def _connect(self) -> None:
        for edit in (self.name, self.email, self.phone, self.account_id, self.country,
                     self.us_state, self.agent_name, self.agent_organisation, self.agent_email,
                     self.agent_phone, self.received_reason):  # fmt: skip
            edit.textChanged.connect(self._edited)
        for text in (self.address, self.note):
            text.textChanged.connect(self._edited)
        self.channel.currentIndexChanged.connect(self._edited)
        self.agent_authority.currentIndexChanged.connect(self._edited)
        self.has_agent.toggled.connect(self._agent_toggled)
        self.regime.currentIndexChanged.connect(self._regime_chosen)
        self.received.dateTimeChanged.connect(self._edited)
        self.ccpa_group.buttonToggled.connect(self._ccpa_toggled)
        self.save_button.clicked.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.join_button.clicked.connect(self._join)
        self.log_anyway_button.clicked.connect(self.presenter.log_anyway)
        self.unjoin_button.clicked.connect(self.presenter.unjoin)
        self.duplicates.itemActivated.connect(lambda _item, _column: self._join())
        if self.blank_button is not None:
            self.blank_button.clicked.connect(self.start_blank)
        for keys in ("Ctrl+Return", "Ctrl+Enter", "Ctrl+S"):
            QShortcut(QKeySequence(keys), self, self.accept)

        p = self.presenter
        p.checked.connect(self._show_check)
        p.suggested.connect(self._show_suggestion)
        p.duplicates_found.connect(self._show_duplicates)
        p.joined.connect(self._show_joined)
        p.refused.connect(self.show_refusal)
        p.busy_changed.connect(lambda _busy: self._show_check(p.check_result))
        p.saved.connect(lambda _refs: self._finish())

    # -- fields <-> widgets ---------------------------------------------------

    def fields(self) -> IntakeFields:
        """What the widgets hold now."""
        rights = tuple(code for code, box in self.right_boxes.items() if box.isChecked())
        ccpa = next((c for c, r in self.ccpa_radios.items() if r.isChecked()), "")
        regime = self.regime.currentData()
        return IntakeFields(
            channel=str(self.channel.currentData() or ""),
            name=self.name.text(),
            email=self.email.text(),
            phone=self.phone.text(),
            address=self.address.toPlainText(),
            account_id=self.account_id.text(),
            country=self.country.text(),
            us_state=self.us_state.text(),
            has_agent=self.has_agent.isChecked(),
            agent_name=self.agent_name.text(),
            agent_organisation=self.agent_organisation.text(),
            agent_email=self.agent_email.text(),
            agent_phone=self.agent_phone.text(),
            agent_authority=str(self.agent_authority.currentData() or ""),
            regime=str(regime or ""),
            regime_by_hand=self.presenter.fields.regime_by_hand,
            rights=rights,
            ccpa_detail=ccpa,
            received_at=_pydatetime(self.received.dateTime()).isoformat(timespec="minutes"),
            received_reason=self.received_reason.text(),
            note=self.note.toPlainText(),
            join_reference=self.presenter.fields.join_reference,
        )

    def _show_fields(self, f: IntakeFields) -> None:
        self._loading = True
        try:
            self.channel.setCurrentIndex(max(0, self.channel.findData(f.channel)))
            for edit, value in ((self.name, f.name), (self.email, f.email),
                                (self.phone, f.phone), (self.account_id, f.account_id),
                                (self.country, f.country), (self.us_state, f.us_state),
                                (self.agent_name, f.agent_name),
                                (self.agent_organisation, f.agent_organisation),
                                (self.agent_email, f.agent_email),
                                (self.agent_phone, f.agent_phone),
                                (self.received_reason, f.received_reason)):  # fmt: skip
                if edit.text() != value:
                    edit.setText(value)
            for text, value in ((self.address, f.address), (self.note, f.note)):
                if text.toPlainText() != value:
                    text.setPlainText(value)
            self.has_agent.setChecked(f.has_agent)
            self.agent_box.setVisible(f.has_agent)
            self.agent_authority.setCurrentIndex(
                max(0, self.agent_authority.findData(f.agent_authority))
            )
            self.regime.setCurrentIndex(max(0, self.regime.findData(f.regime)))
            received = f.received() or self.presenter.now()
            self.received.setMaximumDateTime(_qdatetime(max(received, self.presenter.now())))
            self.received.setDateTime(_qdatetime(received))
            self._fill_rights(f)
            for code, radio in self.ccpa_radios.items():
                radio.setChecked(code == f.ccpa_detail)
        finally:
            self._loading = False
        self._show_parts(f)

    def _edited(self) -> None:
        if self._loading:
            return
        before = self.presenter.fields
        self._fill_rights(before.with_(regime=str(self.regime.currentData() or ""),
                                       received_at=self.fields().received_at))  # fmt: skip
        self.presenter.update(self.fields())
        self._show_parts(self.presenter.fields)

    def _regime_chosen(self) -> None:
        if self._loading:
            return
        regime = str(self.regime.currentData() or "")
        self._fill_rights(self.presenter.fields.with_(regime=regime))
        self.presenter.update(self.fields().with_(regime_by_hand=bool(regime)))
        self._show_parts(self.presenter.fields)

    def _agent_toggled(self, on: bool) -> None:
        self.agent_box.setVisible(on)
        self._edited()

    def _ccpa_toggled(self, _button: QAbstractButton, checked: bool) -> None:
        if checked:
            self._edited()

    def _fill_rights(self, f: IntakeFields) -> None:
        """The regime's rights on the received date, as check boxes; the
        ones ticked stay ticked while the regime still has them."""
        received = f.received() or self.presenter.now()
        key = (f.regime, received.date())
        if key == self._rights_key:
            return
        self._rights_key = key
        ticked = {c for c, box in self.right_boxes.items() if box.isChecked()} | set(f.rights)
        for box in self.right_boxes.values():
            self.rights_grid.removeWidget(box)
            box.deleteLater()
        self.right_boxes = {}
        choices = right_choices(f.regime, received.date())
        for i, (code, label) in enumerate(choices):
            box = QCheckBox(label, self.rights_box)
            box.setChecked(code in ticked)
            rule = regimes.get_rule(f.regime, code)
            box.setToolTip(rule.citation)
            box.toggled.connect(self._edited)
            self.right_boxes[code] = box
            self.rights_grid.addWidget(box, i, 0)  # one column: the labels are long
            box.show()  # now, not at the layout's next turn: it can take the focus at once
        if self.right_boxes:
            self.rights_box.setFocusProxy(next(iter(self.right_boxes.values())))
        self.rights_help.setVisible(not choices)
        self.rights_help.setText(
            "Choose the regime to see its rights." if not f.regime else
            "This regime has no rights for a request received on that day."
        )  # fmt: skip
        self._fix_tab_order()

    def _show_parts(self, f: IntakeFields) -> None:
        """The parts of the form that come and go with what is typed."""
        self.agent_box.setVisible(f.has_agent)
        country = f.country_code()
        self.us_state.setEnabled(country in (None, "US") or bool(f.us_state.strip()))
        ccpa = f.wants_ccpa_detail()
        self.ccpa_box.setVisible(ccpa)
        self.ccpa_label.setVisible(ccpa)
        received = f.received()
        late = received is not None and received.date() < self.presenter.today()
        self.received_reason.setVisible(late)
        self.hinted["received_reason"].setVisible(late)
        self.reason_label.setVisible(late)

    def _fix_tab_order(self) -> None:
        """Reading order, whatever the order the widgets were made in
        (the rights' boxes are made again when the regime changes)."""
        chain: list[QWidget] = []
        if self.blank_button is not None:
            chain.append(self.blank_button)
        chain += [self.channel, self.name, self.email, self.phone, self.address,
                  self.account_id, self.country, self.us_state, self.has_agent,
                  self.agent_name, self.agent_organisation, self.agent_email, self.agent_phone,
                  self.agent_authority, self.regime, *self.right_boxes.values(),
                  *self.ccpa_radios.values(), self.received, self.received_reason, self.note,
                  self.duplicates, self.join_button, self.log_anyway_button,
                  self.unjoin_button, self.save_button, self.cancel_button]  # fmt: skip
        for a, b in itertools.pairwise(chain):
            QWidget.setTabOrder(a, b)

    # -- what the presenter says ---------------------------------------------

    def _show_check(self, c: Check) -> None:
        for name, box in self.hinted.items():
            box.set_hint(c.hints.get(name))
        self.missing.setText(missing_text(c))
        self.save_button.setEnabled(self.presenter.can_save())
        self.cancel_button.setEnabled(not self.presenter.busy)

    def _show_suggestion(self, s: Suggestion) -> None:
        if not s.reason:
            self.suggestion.setVisible(False)
            return
        self.suggestion.setText(f"Suggested: {s.reason}" if s.regime else s.reason)
        self.suggestion.setVisible(True)
        f = self.presenter.fields
        if s.regime and not f.regime_by_hand:
            self._loading = True
            try:
                self.regime.setCurrentIndex(max(0, self.regime.findData(s.regime)))
            finally:
                self._loading = False
            self._fill_rights(f.with_(regime=s.regime))

    def _show_duplicates(self, rows: Sequence[CaseRow]) -> None:
        current = self._duplicate_row()
        self.duplicates.clear()
        for r in rows:
            regime = regimes.REGIMES.get(r.regime)
            rule = regime.rights.get(r.right) if regime is not None else None
            item = QTreeWidgetItem([
                r.reference, r.requester_name, r.requester_email or "",
                regime.label if regime else r.regime, rule.label if rule else r.right,
                format_date(r.received), r.state.replace("-", " "),
            ])  # fmt: skip
            item.setData(0, Qt.ItemDataRole.UserRole, r.reference)
            self.duplicates.addTopLevelItem(item)
        for c in range(len(DUPLICATE_COLUMNS)):
            self.duplicates.resizeColumnToContents(c)
        # As tall as its rows (up to four, then it scrolls): no empty band.
        row = self.duplicates.sizeHintForRow(0) if rows else self.fontMetrics().lineSpacing()
        header = self.duplicates.header().sizeHint().height()
        frame = 2 * self.duplicates.frameWidth()
        scroll = self.duplicates.horizontalScrollBar().sizeHint().height()
        self.duplicates.setFixedHeight(header + row * min(max(len(rows), 1), 4) + frame + scroll)
        if rows:
            first = self.duplicates.topLevelItem(min(max(current, 0), len(rows) - 1))
            if first is not None:
                self.duplicates.setCurrentItem(first)
        self.duplicates_box.setVisible(bool(rows))

    def _duplicate_row(self) -> int:
        item = self.duplicates.currentItem()
        return self.duplicates.indexOfTopLevelItem(item) if item is not None else -1

    def _join(self) -> None:
        rows = self.presenter.offered()
        i = self._duplicate_row()
        if 0 <= i < len(rows):
            self.presenter.join(rows[i])

    def _show_joined(self, row: CaseRow | None) -> None:
        self.joined_box.setVisible(row is not None)
        if row is not None:
            self.joined_label.setText(
                f"Adding to {row.reference} ({row.requester_name}, received "
                f"{format_date(row.received)}): the rights ticked become cases linked to it."
            )
            self._loading = True
            try:
                self.regime.setCurrentIndex(
                    max(0, self.regime.findData(self.presenter.fields.regime))
                )
            finally:
                self._loading = False
            self._fill_rights(self.presenter.fields)
            self.save_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_refusal(self, message: str) -> None:
        """The services refused: say why; the form stays filled in."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Not logged", message,
                          QMessageBox.StandardButton.Ok, self)  # fmt: skip
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_box = box
        box.open()

    # -- closing --------------------------------------------------------------

    def accept(self) -> None:
        """Enter or Save: log it when the form is complete."""
        if self.presenter.can_save():
            self.presenter.update(self.fields(), draft=False)
            self.presenter.save()

    def _finish(self) -> None:
        self._closing = True
        self.presenter.stop()
        super().accept()

    def reject(self) -> None:
        """Esc, Cancel or the window's close button: ask first when
        something was typed."""
        if self._closing or self.presenter.busy:
            return
        if not self.presenter.fields.has_content():
            self.presenter.discard(then=self._close)
            return
        if self.message_box is not None and shiboken6.isValid(self.message_box) \
                and self.message_box.isVisible():  # fmt: skip
            return
        box = QMessageBox(QMessageBox.Icon.Question, DISCARD_TITLE, DISCARD_TEXT,
                          QMessageBox.StandardButton.NoButton, self)  # fmt: skip
        keep = box.addButton("&Keep as draft", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("&Discard", QMessageBox.ButtonRole.DestructiveRole)
        back = box.addButton("Go &back", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(back)
        box.setEscapeButton(back)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button: QAbstractButton) -> None:
            if button is discard:
                self.presenter.discard(then=self._close)
            elif button is keep:
                self.keep_as_draft()

        box.buttonClicked.connect(answered)
        self.message_box = box
        box.open()

    def keep_as_draft(self) -> None:
        """Close, with what was typed kept in the store for next time."""
        self.presenter.update(self.fields(), draft=False)
        self.presenter.save_draft(then=self._close)

    def _close(self) -> None:
        if self._closing or not shiboken6.isValid(self):
            return
        self._closing = True
        self.presenter.stop()
        super().reject()

    def start_blank(self) -> None:
        """Drop the restored draft and start again."""
        presenter = self.presenter
        presenter.discard()
        presenter.done = False
        if self.restored_box is not None:
            self.restored_box.setVisible(False)
        if self.blank_button is not None:
            self.blank_button.setVisible(False)
        presenter.joined_row = None
        self._rights_key = None
        self._show_fields(presenter.start(None))
        self._show_joined(None)
        self.channel.setFocus(Qt.FocusReason.OtherFocusReason)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closing:
            event.accept()
            return
        super().closeEvent(event)  # QDialog: reject(), which may ask first
