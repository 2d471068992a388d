"""The parts of the intake dialog, laid out: the requester, the agent, the
request (with its rights as check boxes), and the possible duplicates.
They hold widgets only; the dialog reads and fills them and its presenter
decides. Each field that can be wrong sits in a ``Hinted`` (its red hint
under it), collected in ``hinted`` by the name of the field it checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from conneqt_dpo.domain import regimes
from conneqt_dpo.domain.calendars import format_date
from conneqt_dpo.gui.dialogs import Hinted, plain_label
from conneqt_dpo.gui.intake_form import (
    AUTHORITY_LABELS,
    CCPA_DETAIL_LABELS,
    CHANNEL_LABELS,
    US_STATES,
    countries,
    place_label,
    right_choices,
)
from conneqt_dpo.store.views import CaseRow

CHOOSE = "Choose…"
QT_DATETIME_FORMAT = "ddd d MMM yyyy  HH:mm"
DUPLICATE_COLUMNS = ["Reference", "Requester", "Email", "Regime", "Right", "Received", "State"]


def _completer(items: Sequence[str], parent: QWidget) -> QCompleter:
    c = QCompleter(list(items), parent)
    c.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    c.setFilterMode(Qt.MatchFlag.MatchContains)
    return c


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


class _Section(QGroupBox):
    def __init__(self, title: str) -> None:
        super().__init__(title)
        self.hinted: dict[str, Hinted] = {}

    def _row(self, form: QFormLayout, text: str, widget: QWidget, name: str | None) -> QLabel:
        """A labelled row; the label's Alt+letter focuses the field."""
        label = QLabel(text)
        label.setBuddy(widget)
        if name is None:
            form.addRow(label, widget)
        else:
            self.hinted[name] = Hinted(widget)
            form.addRow(label, self.hinted[name])
        return label


class RequesterBox(_Section):
    def __init__(self) -> None:
        super().__init__("Requester")
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
        self.us_state.setCompleter(_completer([place_label(c, US_STATES) for c in US_STATES], self))
        self.suggestion = plain_label()
        self.suggestion.setObjectName("regimeSuggestion")
        self.suggestion.setAccessibleName("Regime suggested")
        self.suggestion.setVisible(False)

        form = _form()
        for text, widget, name in (
            ("C&hannel:", self.channel, "channel"),
            ("&Name:", self.name, "name"),
            ("&Email:", self.email, "email"),
            ("&Phone:", self.phone, "phone"),
            ("Postal a&ddress:", self.address, "address"),
            ("Account &ID:", self.account_id, "account_id"),
            ("Countr&y:", self.country, "country"),
            ("US &state:", self.us_state, "us_state"),
        ):
            self._row(form, text, widget, name)
        form.addRow("", self.suggestion)
        self.setLayout(form)

    def focus_chain(self) -> list[QWidget]:
        return [self.channel, self.name, self.email, self.phone, self.address,
                self.account_id, self.country, self.us_state]  # fmt: skip


class AgentBox(_Section):
    def __init__(self) -> None:
        super().__init__("Agent")
        self.has_agent = QCheckBox("An a&gent acts for the requester")
        self.agent_name = QLineEdit()
        self.agent_organisation = QLineEdit()
        self.agent_email = QLineEdit()
        self.agent_phone = QLineEdit()
        self.agent_authority = QComboBox()
        self.agent_authority.addItem(CHOOSE, "")
        for code, label in AUTHORITY_LABELS.items():
            self.agent_authority.addItem(label, code)
        self.details = QWidget()
        form = _form()
        form.setContentsMargins(18, 0, 0, 0)
        self.details.setLayout(form)
        for text, widget, name in (
            ("Agent's na&me:", self.agent_name, "agent_name"),
            ("Organisation:", self.agent_organisation, None),
            ("Agent's email:", self.agent_email, "agent_email"),
            ("Agent's phone:", self.agent_phone, "agent_phone"),
            ("A&uthority:", self.agent_authority, None),
        ):
            self._row(form, text, widget, name)
            widget.setAccessibleName(text.replace("&", "").rstrip(":"))
        self.details.setVisible(False)
        column = QVBoxLayout(self)
        column.addWidget(self.has_agent)
        column.addWidget(self.details)

    def focus_chain(self) -> list[QWidget]:
        return [self.has_agent, self.agent_name, self.agent_organisation, self.agent_email,
                self.agent_phone, self.agent_authority]  # fmt: skip


class RequestBox(_Section):
    def __init__(self, timezone: str) -> None:
        super().__init__("Request")
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
        self.right_boxes: dict[str, QCheckBox] = {}
        self._rights_key: tuple[str, dt.date] | None = None
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
        self.received = QDateTimeEdit()
        self.received.setDisplayFormat(QT_DATETIME_FORMAT)
        self.received.setCalendarPopup(True)
        self.received.setAccessibleName("Received at (organisation time)")
        self.received.setToolTip(f"Local time at the organisation ({timezone})")
        self.received_reason = QLineEdit()
        self.received_reason.setPlaceholderText("e.g. letter opened late, after a holiday")
        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText("Anything the case worker should know (kept with each case)")
        self.note.setAccessibleName("Note")

        form = _form()
        self._row(form, "&Regime:", self.regime, "regime")
        self._row(form, "Righ&ts:", self.rights_box, "rights")
        form.addRow("", self.rights_help)
        self.ccpa_label = self._row(form, "CCPA, asks for:", self.ccpa_box, None)
        self._row(form, "Recei&ved:", self.received, "received_at")
        self.reason_label = self._row(form, "&Why logged late:", self.received_reason,
                                      "received_reason")  # fmt: skip
        self._row(form, "N&ote:", self.note, "note")
        self.setLayout(form)
        self.show_ccpa(False)

    def show_ccpa(self, shown: bool) -> None:
        self.ccpa_box.setVisible(shown)
        self.ccpa_label.setVisible(shown)

    def show_reason(self, shown: bool) -> None:
        self.received_reason.setVisible(shown)
        self.hinted["received_reason"].setVisible(shown)
        self.reason_label.setVisible(shown)

    def fill_rights(self, regime: str, received: dt.date, ticked: set[str],
                    toggled: Callable[[], None]) -> bool:  # fmt: skip
        """The regime's rights on the received date as check boxes (made
        again only when either changed); those in `ticked` stay ticked
        while the regime has them. True when the boxes were made again."""
        if (regime, received) == self._rights_key:
            return False
        self._rights_key = (regime, received)
        ticked = ticked | {c for c, box in self.right_boxes.items() if box.isChecked()}
        for box in self.right_boxes.values():
            self.rights_grid.removeWidget(box)
            box.deleteLater()
        self.right_boxes = {}
        for i, (code, label) in enumerate(right_choices(regime, received)):
            box = QCheckBox(label, self.rights_box)
            box.setChecked(code in ticked)
            box.setToolTip(regimes.get_rule(regime, code).citation)
            box.toggled.connect(toggled)
            self.right_boxes[code] = box
            self.rights_grid.addWidget(box, i, 0)  # one column: the labels are long
            box.show()  # now, not at the layout's next turn: it can take the focus at once
        if self.right_boxes:
            self.rights_box.setFocusProxy(next(iter(self.right_boxes.values())))
        self.rights_help.setVisible(not self.right_boxes)
        self.rights_help.setText(
            "Choose the regime to see its rights." if not regime else
            "This regime has no rights for a request received on that day."
        )  # fmt: skip
        return True

    def forget_rights(self) -> None:
        """The next fill makes the boxes again (a form started afresh)."""
        self._rights_key = None

    def focus_chain(self) -> list[QWidget]:
        return [self.regime, *self.right_boxes.values(), *self.ccpa_radios.values(),
                self.received, self.received_reason, self.note]  # fmt: skip


class DuplicatesPanel(QFrame):
    """The people who asked before, as typed: add to one's request, or not."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("duplicates")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        title = plain_label("Possible duplicates: this may be someone who asked before.")
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Possible duplicates")
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAllColumnsShowFocus(True)
        self.tree.setHeaderLabels(DUPLICATE_COLUMNS)
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
        row.addWidget(self.tree, 1)
        row.addLayout(buttons)
        column = QVBoxLayout(self)
        column.addWidget(title)
        column.addLayout(row)
        self.setVisible(False)

    def show_rows(self, rows: Sequence[CaseRow]) -> None:
        current = self.current_row()
        self.tree.clear()
        for r in rows:
            regime = regimes.REGIMES.get(r.regime)
            rule = regime.rights.get(r.right) if regime is not None else None
            item = QTreeWidgetItem([
                r.reference, r.requester_name, r.requester_email or "",
                regime.label if regime else r.regime, rule.label if rule else r.right,
                format_date(r.received), r.state.replace("-", " "),
            ])  # fmt: skip
            self.tree.addTopLevelItem(item)
        for c in range(len(DUPLICATE_COLUMNS)):
            self.tree.resizeColumnToContents(c)
        # As tall as its rows (up to four, then it scrolls): no empty band.
        row = self.tree.sizeHintForRow(0) if rows else self.fontMetrics().lineSpacing()
        header = self.tree.header().sizeHint().height()
        frame = 2 * self.tree.frameWidth()
        scroll = self.tree.horizontalScrollBar().sizeHint().height()
        self.tree.setFixedHeight(header + row * min(max(len(rows), 1), 4) + frame + scroll)
        if rows:
            first = self.tree.topLevelItem(min(max(current, 0), len(rows) - 1))
            if first is not None:
                self.tree.setCurrentItem(first)
        self.setVisible(bool(rows))

    def current_row(self) -> int:
        item = self.tree.currentItem()
        return self.tree.indexOfTopLevelItem(item) if item is not None else -1


class JoinedBanner(QFrame):
    """Says which request this one is being added to, with the way back."""

    def __init__(self) -> None:
        super().__init__()
        self.label = plain_label()
        self.unjoin_button = QPushButton("Keep separate (&undo)")
        self.unjoin_button.setAutoDefault(False)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.unjoin_button)
        self.setVisible(False)

    def show_joined(self, row: CaseRow | None) -> None:
        self.setVisible(row is not None)
        if row is not None:
            self.label.setText(
                f"Adding to {row.reference} ({row.requester_name}, received "
                f"{format_date(row.received)}): the rights ticked become cases linked to it."
            )
