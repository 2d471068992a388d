"""The navigation pane: the queues a DPO works from (Triage inbox, My cases,
Due in 7 days, ...), each a query over the store and a live count.

What each queue asks the store is decided here, without Qt, so that it can
be read and tested on its own (`query_for`)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from conneqt_dpo.domain.workflow import OPEN_STATES, State
from conneqt_dpo.gui import style
from conneqt_dpo.store.casework_services import QueueCounts
from conneqt_dpo.store.views import CaseQuery

Index = QModelIndex | QPersistentModelIndex
COUNT_ROLE = Qt.ItemDataRole.UserRole + 1
VIEW_ROLE = Qt.ItemDataRole.UserRole + 2


class View(enum.Enum):
    TRIAGE = "triage"
    MINE = "mine"
    DUE_SOON = "due-soon"
    OVERDUE = "overdue"
    AWAITING_APPROVAL = "awaiting-approval"
    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"


OPEN_ORDER = tuple(s for s in State if s in OPEN_STATES)  # workflow order
CLOSED_ORDER = tuple(s for s in State if s not in OPEN_STATES)


@dataclass(frozen=True)
class ViewSpec:
    label: str
    description: str
    count: Callable[[QueueCounts], int]
    # The work states the state filter offers in this queue, and what its
    # "no filter" entry says (None: there is none, pick one state).
    states: tuple[State, ...]
    any_state: str | None
    assignee_fixed: bool = False  # My cases: the assignee is me


SPECS: dict[View, ViewSpec] = {
    View.TRIAGE: ViewSpec(
        "Triage inbox", "New requests nobody has looked at yet", lambda c: c.triage,
        (State.NEW,), None,
    ),
    View.MINE: ViewSpec(
        "My cases", "Open cases assigned to you", lambda c: c.mine,
        OPEN_ORDER, "Any open state", assignee_fixed=True,
    ),
    View.DUE_SOON: ViewSpec(
        "Due in 7 days", "Open cases due today or in the next 7 days", lambda c: c.due_soon,
        OPEN_ORDER, "Any open state",
    ),
    View.OVERDUE: ViewSpec(
        "Overdue", "Open cases past their date in force, clock running", lambda c: c.overdue,
        OPEN_ORDER, "Any open state",
    ),
    View.AWAITING_APPROVAL: ViewSpec(
        "Awaiting approval", "Responses waiting for the DPO's approval",
        lambda c: c.awaiting_approval, (State.AWAITING_APPROVAL,), None,
    ),
    View.OPEN: ViewSpec(
        "All open", "Every case not yet answered or withdrawn", lambda c: c.open,
        OPEN_ORDER, "Any open state",
    ),
    View.CLOSED: ViewSpec(
        "Closed", "Responded, refused, withdrawn or closed cases", lambda c: c.closed,
        CLOSED_ORDER, "Any closed state",
    ),
    View.ALL: ViewSpec(
        "All cases", "Every case in the store", lambda c: c.open + c.closed,
        tuple(State), "Any state",
    ),
}  # fmt: skip


def query_for(view: View, *, today: dt.date, me: str, due_soon_days: int = 7) -> CaseQuery:
    """The store query behind a queue (before the user's own filters)."""
    if view is View.TRIAGE:
        return CaseQuery(state=State.NEW.value)
    if view is View.MINE:
        return CaseQuery(open_only=True, assignee=me)
    if view is View.DUE_SOON:
        return CaseQuery(due_from=today, due_to=today + dt.timedelta(days=due_soon_days))
    if view is View.OVERDUE:
        return CaseQuery(overdue_on=today)
    if view is View.AWAITING_APPROVAL:
        return CaseQuery(state=State.AWAITING_APPROVAL.value)
    if view is View.OPEN:
        return CaseQuery(open_only=True)
    if view is View.CLOSED:
        return CaseQuery(closed_only=True)
    return CaseQuery()


def apply_filters(
    base: CaseQuery,
    *,
    text: str | None,
    regime: str | None,
    state: str | None,
    assignee: str | None,
    sort: str,
    descending: bool,
) -> CaseQuery:
    """The queue's query refined by the filter bar; a filter the queue fixes
    (the state of the Triage inbox, the assignee of My cases) stays."""
    return replace(
        base,
        text=text or None,
        regime=regime or base.regime,
        state=state or base.state,
        assignee=base.assignee or assignee or None,
        sort=sort,
        descending=descending,
    )


class NavModel(QAbstractListModel):
    """The queues, in the order the pane lists them, with their counts
    (None until the store has answered)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._views = list(SPECS)
        self._counts: QueueCounts | None = None

    @property
    def counts(self) -> QueueCounts | None:
        return self._counts

    def set_counts(self, counts: QueueCounts) -> None:
        if counts == self._counts:
            return
        self._counts = counts
        if self._views:
            self.dataChanged.emit(self.index(0), self.index(len(self._views) - 1))

    def count(self, view: View) -> int | None:
        return None if self._counts is None else SPECS[view].count(self._counts)

    def view_at(self, row: int) -> View:
        return self._views[row]

    def row_of(self, view: View) -> int:
        return self._views.index(view)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._views)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._views):
            return None
        view = self._views[index.row()]
        spec = SPECS[view]
        n = self.count(view)
        if role == Qt.ItemDataRole.DisplayRole:
            return spec.label
        if role == COUNT_ROLE:
            return n
        if role == VIEW_ROLE:
            return view.value
        if role == Qt.ItemDataRole.ToolTipRole:
            return spec.description
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return spec.label if n is None else f"{spec.label}: {n} case{'s' if n != 1 else ''}"
        return None


class NavDelegate(QStyledItemDelegate):
    """Draws each queue's count right-aligned in a badge; an overdue count
    above zero in the overdue colours (its number says it too)."""

    MARGIN = 6

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), size.height() + 10)  # room to aim, as in a sidebar

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        count = index.data(COUNT_ROLE)
        label = opt.text
        opt.text = ""
        widget = opt.widget
        style_ = widget.style() if widget is not None else None
        if style_ is None:
            return super().paint(painter, option, index)
        style_.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        text_rect = style_.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        text_rect.adjust(self.MARGIN, 0, -self.MARGIN, 0)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = (
            QPalette.ColorGroup.Active
            if opt.state & QStyle.StateFlag.State_Active
            else QPalette.ColorGroup.Inactive
        )
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        fm = opt.fontMetrics
        painter.save()
        badge = QRect()
        if count is not None:
            number = str(count)
            width = max(fm.horizontalAdvance(number) + 2 * self.MARGIN, fm.height() + 4)
            badge = QRect(0, 0, width, fm.height() + 2)
            badge.moveCenter(text_rect.center())
            badge.moveRight(text_rect.right() - 2)
            urgent = index.data(VIEW_ROLE) == View.OVERDUE.value and count > 0
            if urgent:
                fg, bg = style.urgent_badge_colours(opt.palette)
            else:
                bg = opt.palette.color(group, QPalette.ColorRole.Mid)
                bg.setAlpha(70)
                fg = opt.palette.color(group, text_role)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(bg)
            painter.drawRoundedRect(badge, badge.height() / 2, badge.height() / 2)
            painter.setPen(fg)
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, number)
        label_rect = text_rect.adjusted(0, 0, -(badge.width() + self.MARGIN), 0)
        painter.setPen(opt.palette.color(group, text_role))
        painter.setFont(opt.font)
        painter.drawText(
            label_rect,
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
            fm.elidedText(label, Qt.TextElideMode.ElideRight, label_rect.width()),
        )
        painter.restore()
        return None


class NavPane(QListView):
    """The list of queues; `view_changed` when the user picks another."""

    view_changed = Signal(object)  # View

    def __init__(self, model: NavModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("navPane")
        self.setAccessibleName("Queues")
        self.setModel(model)
        self.setItemDelegate(NavDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setUniformItemSizes(True)
        self.setSpacing(1)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._nav = model
        self.selectionModel().currentRowChanged.connect(self._current_changed)

    def current_view(self) -> View | None:
        index = self.currentIndex()
        return self._nav.view_at(index.row()) if index.isValid() else None

    def select(self, view: View) -> None:
        self.setCurrentIndex(self._nav.index(self._nav.row_of(view)))

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.view_changed.emit(self._nav.view_at(current.row()))

    def sizeHintForColumn(self, column: int) -> int:
        # Wide enough for the longest label and a four-digit badge.
        fm = self.fontMetrics()
        longest = max(fm.horizontalAdvance(s.label) for s in SPECS.values())
        return longest + fm.horizontalAdvance("00000") + 6 * NavDelegate.MARGIN
