"""The queue as a Qt table model over the services.

Sorting and filtering happen in SQL (a QSortFilterProxyModel over 100,000
rows takes seconds); rows arrive a page at a time through fetchMore."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from conneqt_dpo.store.views import CaseQuery, CaseRow

PAGE = 500
Index = QModelIndex | QPersistentModelIndex

# (header, sort key in the store, cell text)
COLUMNS: tuple[tuple[str, str, Callable[[CaseRow, dt.date], str]], ...] = (
    ("Reference", "reference", lambda r, _t: r.reference),
    ("Regime", "regime", lambda r, _t: r.regime),
    ("Right", "right", lambda r, _t: r.right),
    ("State", "state", lambda r, _t: r.state),
    ("Received", "received", lambda r, _t: r.received.isoformat()),
    ("Due", "due", lambda r, _t: r.due.isoformat() if r.due else "—"),
    ("Days left", "due", lambda r, t: "" if r.due is None else str((r.due - t).days)),
    ("Requester", "requester", lambda r, _t: r.requester_name),
    ("Assignee", "assignee", lambda r, _t: r.assignee or ""),
)


class CaseTableModel(QAbstractTableModel):
    def __init__(
        self,
        fetch: Callable[[CaseQuery], list[CaseRow]],
        count: Callable[[CaseQuery], int],
        today: Callable[[], dt.date],
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self._count = count
        self._today = today
        self._query = CaseQuery(limit=PAGE)
        self._rows: list[CaseRow] = []
        self._total = 0
        self._exhausted = True

    # -- loading ----------------------------------------------------------

    @property
    def total(self) -> int:
        return self._total

    @property
    def query(self) -> CaseQuery:
        return self._query

    def set_query(self, query: CaseQuery) -> None:
        self.beginResetModel()
        self._query = replace(query, limit=PAGE, offset=0)
        self._rows = self._fetch(self._query)
        self._total = self._count(self._query)
        self._exhausted = len(self._rows) < PAGE
        self.endResetModel()

    def reload(self) -> None:
        self.set_query(self._query)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted:
            return
        more = self._fetch(replace(self._query, offset=len(self._rows)))
        self._exhausted = len(more) < PAGE
        if more:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(more) - 1)
            self._rows.extend(more)
            self.endInsertRows()

    def row_at(self, row: int) -> CaseRow:
        return self._rows[row]

    # -- Qt model ---------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[index.column()][2](row, self._today())
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 5 and row.due:
            return f"Internal target {row.target.isoformat()}" if row.target else None
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
