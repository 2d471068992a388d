"""The queue as a Qt table model over the services.

Sorting and filtering happen in SQL (a QSortFilterProxyModel over 100,000
rows takes seconds); rows arrive a page at a time through fetchMore."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from conneqt_dpo.domain.deadlines import DeadlineSettings
from conneqt_dpo.store.views import CaseQuery, CaseRow

PAGE = 500
Index = QModelIndex | QPersistentModelIndex


def days_left(row: CaseRow, today: dt.date) -> int | None:
    """Days to the date in force, only while the clock runs: a case that has
    been answered or withdrawn (clock stopped) has no days left to count."""
    if row.clock_state != "running" or row.due is None:
        return None
    return (row.due - today).days


# (header, sort key in the store, cell text)
COLUMNS: tuple[tuple[str, str, Callable[[CaseRow, dt.date], str]], ...] = (
    ("Reference", "reference", lambda r, _t: r.reference),
    ("Regime", "regime", lambda r, _t: r.regime),
    ("Right", "right", lambda r, _t: r.right),
    ("State", "state", lambda r, _t: r.state),
    ("Received", "received", lambda r, _t: r.received.isoformat()),
    ("Due", "due", lambda r, _t: r.due.isoformat() if r.due else "—"),
    ("Days left", "due", lambda r, t: "" if (d := days_left(r, t)) is None else str(d)),
    ("Requester", "requester", lambda r, _t: r.requester_name),
    ("Assignee", "assignee", lambda r, _t: r.assignee or ""),
)
DUE_COLUMN = 5
DAYS_LEFT_COLUMN = 6
REQUESTER_COLUMN = 7


class Urgency(enum.Enum):
    OVERDUE = "overdue"
    DUE_SOON = "due soon"


def urgency(row: CaseRow, today: dt.date, due_soon_days: int) -> Urgency | None:
    """How the queue flags a row, from the dates it already carries: the
    store decides the due date, this only compares it with today."""
    left = days_left(row, today)
    if left is None:
        return None
    if left < 0:
        return Urgency.OVERDUE
    return Urgency.DUE_SOON if left <= due_soon_days else None


# (foreground, background): both set so the cell reads in light and dark themes.
_COLOURS = {
    Urgency.OVERDUE: (QColor("#8b1a1a"), QColor("#fbe0de")),
    Urgency.DUE_SOON: (QColor("#6b4400"), QColor("#fff1c7")),
}


class CaseTableModel(QAbstractTableModel):
    def __init__(
        self,
        fetch: Callable[[CaseQuery], list[CaseRow]],
        count: Callable[[CaseQuery], int],
        today: Callable[[], dt.date],
        parent: Any = None,
        *,
        page_size: int = PAGE,
        due_soon_days: int = DeadlineSettings().due_soon_days,
    ) -> None:
        super().__init__(parent)
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self._fetch = fetch
        self._count = count
        self._today = today
        self._page = page_size
        self._due_soon_days = due_soon_days
        self._query = CaseQuery(limit=page_size)
        self._rows: list[CaseRow] = []
        self._total = 0
        self._exhausted = True

    # -- loading ----------------------------------------------------------

    @property
    def total(self) -> int:
        """How many cases match the query, loaded or not."""
        return self._total

    @property
    def query(self) -> CaseQuery:
        return self._query

    def set_query(self, query: CaseQuery) -> None:
        query = replace(query, limit=self._page, offset=0)
        rows = self._fetch(query)
        total = self._count(query)
        # Fetch before the reset so that a failing query leaves the view as it was.
        self.beginResetModel()
        self._query = query
        self._rows = rows
        self._total = total
        self._exhausted = len(rows) < self._page
        self.endResetModel()

    def reload(self) -> None:
        self.set_query(self._query)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted:
            return
        more = self._fetch(replace(self._query, offset=len(self._rows)))
        self._exhausted = len(more) < self._page
        if more:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(more) - 1)
            self._rows.extend(more)
            self.endInsertRows()

    def row_at(self, row: int) -> CaseRow:
        return self._rows[row]

    def row_of(self, reference: str) -> int | None:
        """The row of a loaded case, None when it is not loaded."""
        for i, r in enumerate(self._rows):
            if r.reference == reference:
                return i
        return None

    # -- Qt model ---------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[column][2](row, self._today())
        if role == Qt.ItemDataRole.TextAlignmentRole and column == DAYS_LEFT_COLUMN:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole and column == REQUESTER_COLUMN:
            # The name may be cut short in its cell.
            email = f"\n{row.requester_email}" if row.requester_email else ""
            return row.requester_name + email
        if column not in (DUE_COLUMN, DAYS_LEFT_COLUMN):
            return None
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole):
            flag = urgency(row, self._today(), self._due_soon_days)
            if flag is None:
                return None
            fg, bg = _COLOURS[flag]
            return fg if role == Qt.ItemDataRole.ForegroundRole else bg
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(row, self._today(), self._due_soon_days)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section][0]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self.set_query(
            replace(
                self._query,
                sort=COLUMNS[column][1],
                descending=order == Qt.SortOrder.DescendingOrder,
            )
        )


def _tooltip(row: CaseRow, today: dt.date, due_soon_days: int) -> str | None:
    parts = []
    flag = urgency(row, today, due_soon_days)
    left = days_left(row, today)
    if flag is Urgency.OVERDUE and left is not None:
        parts.append(f"Overdue by {-left} day{'s' if left != -1 else ''}")
    elif flag is Urgency.DUE_SOON:
        parts.append("Due today" if left == 0 else "Due soon")
    if row.due is None:
        parts.append(f"No date in force (clock {row.clock_state})")
    elif row.clock_state != "running":
        parts.append(f"Clock {row.clock_state}")
    if row.target is not None and row.clock_state == "running":
        parts.append(f"Internal target {row.target.isoformat()}")
    return "\n".join(parts) or None
