"""Widgets and words shared by the case view's tabs and their dialogs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from conneqt_dpo.gui import style
from conneqt_dpo.store.services import Services


def sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def local_day(at: dt.datetime, services: Services) -> dt.date:
    """A stored UTC time's day at the organisation."""
    return at.replace(tzinfo=dt.UTC).astimezone(services.tz).date()


def show_refusal(label: QLabel, message: str, owner: QWidget) -> None:
    """Say `message` on `label`, in the hint colour for `owner`'s theme: a
    refusal shown inline, where the form is, rather than in a message box."""
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, style.hint_colour(owner.palette()))
    label.setPalette(palette)
    label.setText(message)
    label.setVisible(True)


def open_file_dialog(d: QFileDialog, chosen: Callable[[str], None]) -> QFileDialog:
    """Open `d` without blocking; `chosen` gets the path picked. The caller
    keeps the dialog returned (tests answer it)."""
    d.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    d.fileSelected.connect(chosen)
    d.open()
    return d


class Table(QTableWidget):
    """A read-only list whose rows grow to show wrapped text in full: the
    `stretch` column takes the width left and wraps, the others fit their
    contents."""

    def __init__(self, *headers: str, stretch: int = -1) -> None:
        super().__init__(0, len(headers))
        self.setHorizontalHeaderLabels(list(headers))
        self.verticalHeader().hide()
        self.setWordWrap(True)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        stretch %= len(headers)
        for c in range(len(headers)):
            header.setSectionResizeMode(
                c,
                QHeaderView.ResizeMode.Stretch
                if c == stretch
                else QHeaderView.ResizeMode.ResizeToContents,
            )
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.sectionResized.connect(self.resizeRowsToContents)

    def set_rows(
        self,
        rows: Sequence[Sequence[str]],
        keys: Sequence[object] = (),
        *,
        dimmed: Sequence[bool] = (),
        tips: Sequence[str] = (),
    ) -> None:
        """`dimmed` rows are drawn in the theme's disabled text colour and
        italic (what is no longer there); `tips` are whole-row tooltips."""
        self.setRowCount(len(rows))
        grey = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if keys:
                    item.setData(Qt.ItemDataRole.UserRole, keys[r])
                if dimmed and dimmed[r]:
                    item.setForeground(grey)
                    font = QFont(self.font())
                    font.setItalic(True)
                    item.setFont(font)
                if tips and tips[r]:
                    item.setToolTip(tips[r])
                self.setItem(r, c, item)
        self.resizeRowsToContents()

    def column_texts(self, column: int) -> list[str]:
        return [self._text(r, column) for r in range(self.rowCount())]

    def _text(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return item.text() if item is not None else ""

    def current_key(self) -> object:
        item = self.item(self.currentRow(), 0) if self.currentRow() >= 0 else None
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None
