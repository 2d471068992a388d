"""The queue's table: a QTableView that says so when it has no rows (instead
of a blank area the user has to interpret), sorts in the store through the
model, and goes to the real end of the list on Ctrl+End."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QWidget

# Columns never get wider than this when fitted to their contents; the user
# can still drag them wider.
MAX_FITTED_WIDTH = 260


class QueueView(QTableView):
    """`stretch_column` takes the width the others leave, so that the table
    fills its pane without a horizontal scroll bar while it can."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        stretch_column: int | None = None,
    ) -> None:
        super().__init__(parent)
        self._stretch = stretch_column
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)  # one line per case; a wrapped cell doubles the row
        self.setAlternatingRowColors(True)
        # Tab leaves the table (to the next control), as in any form; the
        # arrows move between rows.
        self.setTabKeyNavigation(False)
        self.verticalHeader().hide()
        # Fixed row heights: Qt never measures 100,000 rows.
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(stretch_column is None)
        header.setHighlightSections(False)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        # Sorting is the store's (the model's sort()), not QTableView's: it
        # calls the model for every column, this asks only for sortable ones.
        header.sortIndicatorChanged.connect(self._sort_indicator_changed)
        self._sorted = (header.sortIndicatorSection(), header.sortIndicatorOrder())
        self._fitted = False

        self.empty_label = QLabel(self.viewport())
        self.empty_label.setObjectName("emptyState")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setTextFormat(Qt.TextFormat.PlainText)
        self.empty_label.setWordWrap(True)
        self.empty_label.setEnabled(False)  # greyed, like placeholder text
        self.empty_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.empty_label.hide()

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        if self._stretch is not None and model is not None:
            self.horizontalHeader().setSectionResizeMode(
                self._stretch, QHeaderView.ResizeMode.Stretch
            )
        if model is not None:
            model.modelReset.connect(self._rows_changed)
            model.rowsInserted.connect(self._rows_changed)
            model.rowsRemoved.connect(self._rows_changed)
        self._rows_changed()

    def set_sort_indicator(self, column: int, order: Qt.SortOrder) -> None:
        """Show an order without asking the model to sort (it already is)."""
        header = self.horizontalHeader()
        blocked = header.blockSignals(True)
        header.setSortIndicator(column, order)
        header.blockSignals(blocked)
        self._sorted = (column, order)

    def _sort_indicator_changed(self, column: int, order: Qt.SortOrder) -> None:
        self._sorted = (column, order)
        model = self.model()
        if model is not None:
            model.sort(column, order)

    def set_empty_text(self, text: str) -> None:
        """What to say when there are no rows (e.g. "No cases match")."""
        self.empty_label.setText(text)

    def _rows_changed(self) -> None:
        model = self.model()
        empty = model is None or model.rowCount() == 0
        self.empty_label.setVisible(empty)
        if not empty and not self._fitted:
            # Fit the columns to the first real rows once; after that they are
            # the user's to drag, and a new search must not make them jump.
            self._fitted = True
            self.resizeColumnsToContents()
            header = self.horizontalHeader()
            for column in range(header.count()):
                if column != self._stretch and header.sectionSize(column) > MAX_FITTED_WIDTH:
                    header.resizeSection(column, MAX_FITTED_WIDTH)

    def moveCursor(
        self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        # Ctrl+End means the last case, not the last one loaded so far: the
        # rest is loaded (in the background where the model can), then the
        # cursor goes to the real end.
        model = self.model()
        to_end = (
            cursorAction == QAbstractItemView.CursorAction.MoveEnd
            and modifiers & Qt.KeyboardModifier.ControlModifier  # End alone: the row's end
        )
        if to_end and model is not None:
            fetch_rest = getattr(model, "fetch_rest", None)
            if fetch_rest is not None:
                fetch_rest(then=self._go_to_end)
            else:
                while model.canFetchMore(QModelIndex()):
                    model.fetchMore(QModelIndex())
        return super().moveCursor(cursorAction, modifiers)

    def _go_to_end(self) -> None:
        model = self.model()
        if model is None or not model.rowCount():
            return
        column = max(0, self.currentIndex().column())
        self.setCurrentIndex(model.index(model.rowCount() - 1, column))
        self.scrollToBottom()

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.empty_label.setGeometry(self.viewport().rect().adjusted(16, 16, -16, -16))
        return super().viewportEvent(event)
