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
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from conneqt_dpo.domain.calendars import format_date
from conneqt_dpo.gui.dialogs import WARNING_STYLE, Hinted, plain_label
from conneqt_dpo.gui.intake_form import (
    Check,
    IntakeFields,
    missing_text,
)
from conneqt_dpo.gui.intake_presenter import IntakePresenter, Suggestion
from conneqt_dpo.gui.intake_widgets import (
    AgentBox,
    DuplicatesPanel,
    JoinedBanner,
    RequestBox,
    RequesterBox,
)
from conneqt_dpo.store.views import CaseRow

TITLE = "Log a request"
DISCARD_TITLE = "Discard this request?"
DISCARD_TEXT = (
    "The request you were logging has not been saved. Keep it as a draft (it is offered "
    "again next time), or discard what you typed?"
)


def _qdatetime(value: dt.datetime) -> QDateTime:
    return QDateTime(QDate(value.year, value.month, value.day), QTime(value.hour, value.minute))


def _pydatetime(value: QDateTime) -> dt.datetime:
    d, t = value.date(), value.time()
    return dt.datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())


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
        self.setWindowTitle(TITLE)
        self.setMinimumWidth(880)

        self._build_parts()
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

    def _build_parts(self) -> None:
        """The parts (intake_widgets), and their fields by name here too:
        the dialog reads and fills them, and tests type into them."""
        self.requester = r = RequesterBox()
        self.channel, self.name, self.email, self.phone = r.channel, r.name, r.email, r.phone
        self.address, self.account_id, self.country = r.address, r.account_id, r.country
        self.us_state, self.suggestion = r.us_state, r.suggestion
        self.agent = a = AgentBox()
        self.has_agent, self.agent_box, self.agent_name = a.has_agent, a.details, a.agent_name
        self.agent_organisation, self.agent_email = a.agent_organisation, a.agent_email
        self.agent_phone, self.agent_authority = a.agent_phone, a.agent_authority
        self.request = q = RequestBox(self.presenter.services.tz.key)
        self.regime, self.received, self.note = q.regime, q.received, q.note
        self.received_reason, self.reason_label = q.received_reason, q.reason_label
        self.ccpa_box, self.ccpa_radios = q.ccpa_box, q.ccpa_radios
        self.duplicates_box = DuplicatesPanel()
        self.duplicates = self.duplicates_box.tree
        self.join_button = self.duplicates_box.join_button
        self.log_anyway_button = self.duplicates_box.log_anyway_button
        self.joined_box = JoinedBanner()
        self.joined_label = self.joined_box.label
        self.unjoin_button = self.joined_box.unjoin_button
        self.hinted: dict[str, Hinted] = {**r.hinted, **a.hinted, **q.hinted}

    @property
    def right_boxes(self) -> dict[str, QCheckBox]:
        return self.request.right_boxes

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
        left.addWidget(self.requester)
        left.addWidget(self.agent)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.request)
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
        self.request.ccpa_group.buttonToggled.connect(self._ccpa_toggled)
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
        """The regime's rights on the received date (the ones ticked stay
        ticked while the regime still has them)."""
        received = f.received() or self.presenter.now()
        if self.request.fill_rights(f.regime, received.date(), set(f.rights), self._edited):
            self._fix_tab_order()

    def _show_parts(self, f: IntakeFields) -> None:
        """The parts of the form that come and go with what is typed."""
        self.agent_box.setVisible(f.has_agent)
        country = f.country_code()
        self.us_state.setEnabled(country in (None, "US") or bool(f.us_state.strip()))
        self.request.show_ccpa(f.wants_ccpa_detail())
        received = f.received()
        late = received is not None and received.date() < self.presenter.today()
        self.request.show_reason(late)

    def _fix_tab_order(self) -> None:
        """Reading order, whatever the order the widgets were made in
        (the rights' boxes are made again when the regime changes)."""
        chain: list[QWidget] = []
        if self.blank_button is not None:
            chain.append(self.blank_button)
        chain += [*self.requester.focus_chain(), *self.agent.focus_chain(),
                  *self.request.focus_chain(), self.duplicates, self.join_button,
                  self.log_anyway_button, self.unjoin_button, self.save_button,
                  self.cancel_button]  # fmt: skip
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
        self.duplicates_box.show_rows(rows)

    def _join(self) -> None:
        rows = self.presenter.offered()
        i = self.duplicates_box.current_row()
        if 0 <= i < len(rows):
            self.presenter.join(rows[i])

    def _show_joined(self, row: CaseRow | None) -> None:
        self.joined_box.show_joined(row)
        if row is not None:
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
        self.request.forget_rights()
        self._show_fields(presenter.start(None))
        self._show_joined(None)
        self.channel.setFocus(Qt.FocusReason.OtherFocusReason)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closing:
            event.accept()
            return
        super().closeEvent(event)  # QDialog: reject(), which may ask first
