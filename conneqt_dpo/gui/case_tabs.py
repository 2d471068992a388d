"""The tabs beside the queue: the queue's own tab, which stays, and one tab
per open case, each case open once."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabBar, QTabWidget, QWidget


class CaseTabs(QTabWidget):
    """`make_view(reference)` builds a case's tab (it has a `reference`)."""

    def __init__(
        self,
        queue_page: QWidget,
        make_view: Callable[[str], QWidget],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.queue_page = queue_page
        self._make_view = make_view
        self.setAccessibleName("Queue and open cases")
        self.setDocumentMode(True)
        self.setTabsClosable(True)
        self.setMovable(True)
        self.addTab(queue_page, "Queue")
        # The queue's tab has no close button: it stays.
        for side in (QTabBar.ButtonPosition.RightSide, QTabBar.ButtonPosition.LeftSide):
            self.tabBar().setTabButton(0, side, None)
        self.tabCloseRequested.connect(self.close_tab)

    def set_queue_title(self, title: str) -> None:
        self.setTabText(self.indexOf(self.queue_page), title)

    def show_queue(self) -> None:
        self.setCurrentWidget(self.queue_page)

    def on_queue(self) -> bool:
        return self.currentWidget() is self.queue_page

    def open_case(self, reference: str, tooltip: str | None = None) -> QWidget:
        """Show the case in its tab (the one it has if it is open already)."""
        for i in range(self.count()):
            widget = self.widget(i)
            if widget is None or widget is self.queue_page:
                continue
            if getattr(widget, "reference", None) == reference:
                self.setCurrentIndex(i)
                return widget
        view = self._make_view(reference)
        i = self.addTab(view, reference)
        if tooltip:
            self.setTabToolTip(i, tooltip)
        self.setCurrentIndex(i)
        view.setFocus(Qt.FocusReason.OtherFocusReason)
        return view

    def case_views(self) -> list[QWidget]:
        """The open case tabs' widgets, left to right."""
        return [w for i in range(self.count())
                if (w := self.widget(i)) is not None and w is not self.queue_page]  # fmt: skip

    def case_references(self) -> list[str]:
        """The references of the open case tabs, left to right."""
        return [
            str(getattr(self.widget(i), "reference", ""))
            for i in range(self.count())
            if self.widget(i) is not self.queue_page
        ]

    def close_tab(self, index: int) -> None:
        """Close a case's tab (the queue's stays)."""
        widget = self.widget(index)
        if widget is None or widget is self.queue_page:
            return
        self.removeTab(index)
        widget.deleteLater()

    def close_current(self) -> None:
        self.close_tab(self.currentIndex())

    def cycle(self, step: int) -> None:
        """Next (1) or previous (-1) tab, round the end."""
        n = self.count()
        if n > 1:
            self.setCurrentIndex((self.currentIndex() + step) % n)
