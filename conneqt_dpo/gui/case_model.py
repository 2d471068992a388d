"""The queue as a Qt table model over the services.

Sorting and filtering happen in SQL (a QSortFilterProxyModel over 100,000
rows takes seconds). A new query runs through the runner (off the GUI thread
in the app) and replaces the rows when it answers; further rows arrive
through fetchMore in windows that grow from one page to `max_window` rows,
so that scrolling to the end of 100,000 cases takes a few dozen queries,
not two hundred."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import shiboken6
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QGuiApplication

from conneqt_dpo.domain.deadlines import DeadlineSettings
from conneqt_dpo.domain.regimes import REGIMES
from conneqt_dpo.domain.rights import RIGHTS
from conneqt_dpo.gui import style
from conneqt_dpo.gui.worker import Runner, SyncRunner
from conneqt_dpo.store.views import CaseQuery, CaseRow

PAGE = 500
MAX_WINDOW = 5000
Index = QModelIndex | QPersistentModelIndex
# The deadline status identifier of a row (CaseRow.status), for views and tests.
STATUS_ROLE = Qt.ItemDataRole.UserRole + 1
REFERENCE_ROLE = Qt.ItemDataRole.UserRole + 2


def _words(identifier: str) -> str:
    """A workflow identifier as words: "awaiting-identity" -> "Awaiting identity"."""
    return identifier.replace("-", " ").capitalize()


def _regime(code: str) -> str:
    return code.upper() if code in REGIMES else code


def _right(code: str) -> str:
    right = RIGHTS.get(code)
    return right.label if right else code


def _due(row: CaseRow, today: dt.date) -> str:
    label = style.status_label(row.status(today))
    return f"{row.due.isoformat()}  {label}" if row.due else label


def _days_left(row: CaseRow, today: dt.date) -> str:
    left = row.days_left(today)
    return "" if left is None else str(left)


@dataclass(frozen=True)
class Column:
    header: str
    sort: str  # the store's sort key (CaseQuery.sort)
    text: Callable[[CaseRow, dt.date], str]


COLUMNS: tuple[Column, ...] = (
    Column("Reference", "reference", lambda r, _t: r.reference),
    Column("Requester", "requester", lambda r, _t: r.requester_name),
    Column("Regime", "regime", lambda r, _t: _regime(r.regime)),
    Column("Right", "right", lambda r, _t: _right(r.right)),
    Column("Work state", "state", lambda r, _t: _words(r.state)),
    Column("Clock", "clock", lambda r, _t: _words(r.clock_state)),
    Column("Received", "received", lambda r, _t: r.received.isoformat()),
    Column("Due", "due", _due),
    # Days left order is the due date order.
    Column("Days left", "due", _days_left),
    Column("Assignee", "assignee", lambda r, _t: r.assignee or ""),
)
(REFERENCE_COLUMN, REQUESTER_COLUMN, REGIME_COLUMN, RIGHT_COLUMN, STATE_COLUMN, CLOCK_COLUMN,
 RECEIVED_COLUMN, DUE_COLUMN, DAYS_LEFT_COLUMN, ASSIGNEE_COLUMN) = range(len(COLUMNS))  # fmt: skip


def _report(e: BaseException) -> None:
    sys.excepthook(type(e), e, e.__traceback__)


class CaseTableModel(QAbstractTableModel):
    # After every answer to set_query() or refresh(), in place or by reset:
    # the total and the rows are the store's now.
    loaded = Signal()
    # fetch_rest() started (True) or ended (False).
    loading_rest = Signal(bool)

    def __init__(
        self,
        fetch: Callable[[CaseQuery], list[CaseRow]],
        count: Callable[[CaseQuery], int],
        today: Callable[[], dt.date],
        parent: Any = None,
        *,
        runner: Runner | None = None,
        on_error: Callable[[BaseException], None] = _report,
        page_size: int = PAGE,
        max_window: int = MAX_WINDOW,
        due_soon_days: int = DeadlineSettings().due_soon_days,
    ) -> None:
        super().__init__(parent)
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self._fetch = fetch
        self._count = count
        self._today = today
        self._runner: Runner = runner or SyncRunner()
        self._on_error = on_error
        self._page = page_size
        self._max_window = max(max_window, page_size)
        self._due_soon_days = due_soon_days
        self._query = CaseQuery(limit=page_size)  # the latest asked for
        self._shown = self._query  # the one the rows answer
        self._rows: list[CaseRow] = []
        self._total = 0
        self._exhausted = True
        self._generation = 0  # answers to older requests are dropped
        self._has_loaded = False
        self._rest_pending = False

    # -- loading ----------------------------------------------------------

    @property
    def total(self) -> int:
        """How many cases match the shown query, loaded or not."""
        return self._total

    @property
    def query(self) -> CaseQuery:
        """The query last asked for (its answer may still be on its way)."""
        return self._query

    @property
    def shown_query(self) -> CaseQuery:
        """The query the rows answer."""
        return self._shown

    @property
    def has_loaded(self) -> bool:
        """Whether any query has answered yet (an empty table before then
        means "loading", not "no cases")."""
        return self._has_loaded

    @property
    def busy(self) -> bool:
        return self._query != self._shown

    def set_query(self, query: CaseQuery) -> None:
        """Show the cases matching `query`, first page first. The rows stay
        as they are until the store answers; a failed query leaves them."""
        self._query = replace(query, limit=self._page, offset=0)
        self._load(self._query, self._page)

    def refresh(self) -> None:
        """Ask the store again for the rows loaded so far (after a change):
        rows that only changed are updated in place, keeping selection and
        scroll; if cases came or went, the rows are replaced."""
        if self._query != self._shown:
            self._load(self._query, self._page)  # a new query is on its way: ask again
        else:
            self._load(self._query, min(max(self._page, len(self._rows)), self._max_window))

    def reload(self) -> None:
        self.set_query(self._query)

    def set_sources(
        self,
        fetch: Callable[[CaseQuery], list[CaseRow]],
        count: Callable[[CaseQuery], int],
        today: Callable[[], dt.date],
    ) -> None:
        """Ask these from now on (another user took over the window); the
        caller sets the query again."""
        self._fetch, self._count, self._today = fetch, count, today

    def _load(self, query: CaseQuery, n: int) -> None:
        self._generation += 1
        generation = self._generation
        fetch, count = self._fetch, self._count

        def work() -> tuple[list[CaseRow], int]:
            return fetch(replace(query, limit=n, offset=0)), count(query)

        def done(result: tuple[list[CaseRow], int]) -> None:
            # (The window may have closed while the query ran.)
            if shiboken6.isValid(self) and generation == self._generation:
                rows, total = result
                self._apply(query, rows, total, exhausted=len(rows) < n)

        def failed(e: BaseException) -> None:
            if shiboken6.isValid(self) and generation == self._generation:
                self._query = self._shown  # the view shows what it showed
            self._on_error(e)

        self._runner.submit(work, done, failed)

    def _apply(self, query: CaseQuery, rows: list[CaseRow], total: int, *, exhausted: bool) -> None:
        same = (
            query == self._shown
            and self._has_loaded
            and len(rows) == len(self._rows)
            and all(a.reference == b.reference for a, b in zip(rows, self._rows, strict=True))
        )
        self._total = total
        self._has_loaded = True
        if same:
            old, self._rows = self._rows, rows
            self._exhausted = exhausted
            last = len(COLUMNS) - 1
            for i, (a, b) in enumerate(zip(old, rows, strict=True)):
                if a != b:
                    self.dataChanged.emit(self.index(i, 0), self.index(i, last))
        else:
            self.beginResetModel()
            self._shown = query
            self._rows = rows
            self._exhausted = exhausted
            self.endResetModel()
        self.loaded.emit()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self._rest_pending

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted:
            return
        # Windows grow with what is loaded: a user who scrolls far goes on far.
        n = min(max(self._page, len(self._rows)), self._max_window)
        try:
            more = self._fetch(replace(self._shown, limit=n, offset=len(self._rows)))
        except Exception as e:
            self._exhausted = True  # do not ask again on every scroll
            self._on_error(e)
            return
        self._exhausted = len(more) < n
        if more:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(more) - 1)
            self._rows.extend(more)
            self.endInsertRows()

    def fetch_all(self) -> None:
        """Load every matching case, here and now."""
        while self.canFetchMore():
            self.fetchMore()

    def fetch_rest(self, then: Callable[[], None] | None = None) -> None:
        """Load every matching case not loaded yet, in one query through the
        runner (100,000 rows take a second: not on the GUI thread), then
        call `then`. Dropped if the query changes meanwhile."""
        if self._exhausted or self._rest_pending:
            return
        self._rest_pending = True
        self.loading_rest.emit(True)
        generation, query, start, fetch = (
            self._generation,
            self._shown,
            len(self._rows),
            self._fetch,
        )

        def work() -> list[CaseRow]:
            return fetch(replace(query, offset=start, limit=None))

        def finish() -> bool:
            if not shiboken6.isValid(self):
                return False
            self._rest_pending = False
            self.loading_rest.emit(False)
            return generation == self._generation and len(self._rows) == start

        def done(rows: list[CaseRow]) -> None:
            if not finish():
                return
            self._exhausted = True
            if rows:
                self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
                self._rows.extend(rows)
                self.endInsertRows()
            if then is not None:
                then()

        def failed(e: BaseException) -> None:
            finish()
            self._on_error(e)

        self._runner.submit(work, done, failed)

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
            return COLUMNS[column].text(row, self._today())
        if role == STATUS_ROLE:
            return row.status(self._today(), self._due_soon_days)
        if role == REFERENCE_ROLE:
            return row.reference
        if role == Qt.ItemDataRole.TextAlignmentRole and column == DAYS_LEFT_COLUMN:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if column != DUE_COLUMN:
            return None
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole):
            status = row.status(self._today(), self._due_soon_days)
            colours = style.status_colours(status, QGuiApplication.palette())
            if colours is None:
                return None
            return colours[0] if role == Qt.ItemDataRole.ForegroundRole else colours[1]
        if role == Qt.ItemDataRole.DecorationRole:
            status = row.status(self._today(), self._due_soon_days)
            return style.status_icon(status, QGuiApplication.palette())
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return _due_sentence(row, self._today(), self._due_soon_days)
        return None

    def _tooltip(self, row: CaseRow, column: int) -> str | None:
        if column == REQUESTER_COLUMN:
            # The name may be cut short in its cell.
            email = f"\n{row.requester_email}" if row.requester_email else ""
            return row.requester_name + email
        if column == REGIME_COLUMN:
            regime = REGIMES.get(row.regime)
            return regime.label if regime else None
        if column == RIGHT_COLUMN:
            regime = REGIMES.get(row.regime)
            rule = regime.rights.get(row.right) if regime else None
            return f"{rule.label} ({rule.citation})" if rule else None
        if column in (DUE_COLUMN, DAYS_LEFT_COLUMN):
            return _due_sentence(row, self._today(), self._due_soon_days)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].header
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        key = COLUMNS[column].sort
        self.set_query(
            replace(self._query, sort=key, descending=order == Qt.SortOrder.DescendingOrder)
        )


def _due_sentence(row: CaseRow, today: dt.date, due_soon_days: int) -> str:
    """The deadline in words: what a screen reader says and a tooltip shows."""
    status = row.status(today, due_soon_days)
    left = row.days_left(today)
    parts = [style.status_label(status)]
    if status == "overdue" and left is not None:
        parts[0] = f"Overdue by {-left} day{'s' if left != -1 else ''}"
    elif status in ("due-soon", "on-track") and left is not None:
        parts[0] += f": {left} day{'s' if left != 1 else ''} left"
    if row.due is not None:
        parts.append(f"Due {row.due.isoformat()}")
    else:
        parts.append(f"No date in force (clock {row.clock_state})")
    if row.target is not None and row.clock_state == "running":
        parts.append(f"Internal target {row.target.isoformat()}")
    return "\n".join(parts)
