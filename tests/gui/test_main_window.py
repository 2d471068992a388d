"""The main window, driven as a user drives it (typing, clicking) and
checked on what the user sees (cell text, the status bar, the detail pane)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from conneqt_dpo.gui.app import open_demo_store, open_main_window
from conneqt_dpo.gui.case_model import COLUMNS
from conneqt_dpo.gui.main_window import NO_CASES_YET, NO_MATCH, SELECT_A_CASE, MainWindow
from conneqt_dpo.store.services import Services
from tests.gui.conftest import Queue, log

MakeWindow = Callable[..., MainWindow]
REFERENCE = 0
STATE = 3
REQUESTER = 7


def column(w: MainWindow, c: int) -> list[str]:
    """The text of column `c`, top to bottom, as the table shows it."""
    m = w.table.model()
    return [m.index(r, c).data() for r in range(m.rowCount())]


def status(w: MainWindow) -> str:
    return w.count_label.text()


def click_header(qtbot: QtBot, w: MainWindow, c: int) -> None:
    header = w.table.horizontalHeader()
    x = header.sectionViewportPosition(c) + header.sectionSize(c) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(x, header.height() // 2))


def click_row(qtbot: QtBot, w: MainWindow, reference: str) -> None:
    row = column(w, REFERENCE).index(reference)
    rect = w.table.visualRect(w.table.model().index(row, REQUESTER))
    qtbot.mouseClick(w.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_the_queue_lists_every_case_due_first(make_window: MakeWindow, queue: Queue) -> None:
    w = make_window()
    # Answered cases keep their (past) due date, so they sort among the others.
    assert column(w, REFERENCE) == [queue.overdue, queue.answered, queue.due_soon,
                                    queue.on_track]
    assert status(w) == "4 cases"
    assert w.detail.toPlainText() == "" and w.detail.placeholderText() == SELECT_A_CASE
    assert not w.table.empty_label.isVisible()


def test_clicking_a_header_sorts_and_clicking_again_reverses(
    qtbot: QtBot, make_window: MakeWindow, queue: Queue
) -> None:
    w = make_window()
    click_header(qtbot, w, REQUESTER)
    assert column(w, REQUESTER) == ["Ada Fresh", "Ben Soon", "Cleo Overdue", "Dev Answered"]
    assert w.table.horizontalHeader().sortIndicatorSection() == REQUESTER
    click_header(qtbot, w, REQUESTER)
    assert column(w, REQUESTER) == ["Dev Answered", "Cleo Overdue", "Ben Soon", "Ada Fresh"]
    click_header(qtbot, w, STATE)
    ascending = ["in-progress", "new", "new", "responded"]
    if w.table.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder:
        ascending.reverse()  # which way a new column starts is Qt's choice
    assert column(w, STATE) == ascending
    assert status(w) == "4 cases"


def test_typing_in_the_search_box_filters_and_counts(
    qtbot: QtBot, make_window: MakeWindow, queue: Queue
) -> None:
    w = make_window()
    qtbot.keyClicks(w.search, "cleo")
    assert column(w, REQUESTER) == ["Cleo Overdue"]
    assert status(w) == "1 case"
    w.search.clear()  # the user presses the clear button
    qtbot.keyClicks(w.search, "example.org")  # emails too
    assert sorted(column(w, REQUESTER)) == ["Ada Fresh", "Ben Soon", "Cleo Overdue"]
    assert status(w) == "3 cases"
    w.search.clear()
    qtbot.keyClicks(w.search, queue.due_soon.lower())  # references, any case
    assert column(w, REFERENCE) == [queue.due_soon]


def test_a_search_that_matches_nothing_says_so(
    qtbot: QtBot, make_window: MakeWindow, queue: Queue
) -> None:
    w = make_window()
    qtbot.keyClicks(w.search, "nobody at all")
    assert column(w, REFERENCE) == []
    assert status(w) == "0 cases"
    assert w.table.empty_label.isVisible() and w.table.empty_label.text() == NO_MATCH
    qtbot.keyClick(w.search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(w.search, Qt.Key.Key_Backspace)
    assert status(w) == "4 cases" and not w.table.empty_label.isVisible()


def test_an_empty_store_says_there_are_no_cases_yet(make_window: MakeWindow) -> None:
    w = make_window()
    assert status(w) == "0 cases"
    assert w.table.empty_label.isVisible() and w.table.empty_label.text() == NO_CASES_YET


def choose(qtbot: QtBot, combo: QComboBox, text: str) -> None:
    """Open the list and click the item, as a user with a mouse does."""
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    row = combo.findText(text)
    assert row >= 0, f"no item {text!r}"
    rect = view.visualRect(view.model().index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert not view.isVisible()


def test_the_state_list_filters(qtbot: QtBot, make_window: MakeWindow, queue: Queue) -> None:
    w = make_window()
    choose(qtbot, w.state, "in-progress")
    assert w.state.currentText() == "in-progress"
    assert column(w, REFERENCE) == [queue.overdue]
    assert status(w) == "1 case"
    choose(qtbot, w.state, "responded")
    assert column(w, REFERENCE) == [queue.answered]
    choose(qtbot, w.state, "closed")
    assert column(w, REFERENCE) == [] and w.table.empty_label.text() == NO_MATCH
    # From the keyboard: Home goes back to the top of the list.
    w.state.setFocus()
    qtbot.keyClick(w.state, Qt.Key.Key_Home)
    assert w.state.currentText() == "All states" and status(w) == "4 cases"


def test_overdue_only_shows_the_open_cases_past_their_date(
    qtbot: QtBot, make_window: MakeWindow, queue: Queue
) -> None:
    w = make_window()
    qtbot.mouseClick(w.overdue, Qt.MouseButton.LeftButton)
    assert w.overdue.isChecked()
    assert column(w, REFERENCE) == [queue.overdue]  # not the one answered late
    assert status(w) == "1 case"
    qtbot.keyClicks(w.search, "ben")  # filters combine
    assert column(w, REFERENCE) == [] and w.table.empty_label.text() == NO_MATCH
    qtbot.mouseClick(w.overdue, Qt.MouseButton.LeftButton)
    assert column(w, REFERENCE) == [queue.due_soon]


def test_selecting_a_row_shows_the_case(
    qtbot: QtBot, make_window: MakeWindow, queue: Queue
) -> None:
    w = make_window()
    click_row(qtbot, w, queue.due_soon)
    text = w.detail.toPlainText()
    assert text.startswith(queue.due_soon)
    assert "Ben Soon" in text and "ben@example.org" in text
    assert "\nDue\n2026-11-27\n" in text  # one table cell a line
    assert "Why this date" in text and "Received Tue 27 Oct 2026" in text
    assert "Clock events" in text and "received" in text
    # Moving down with the keyboard shows the next case.
    qtbot.keyClick(w.table, Qt.Key.Key_Down)
    assert w.detail.toPlainText().startswith(queue.on_track)


def test_the_selected_case_stays_across_a_sort_and_goes_when_filtered_out(
    qtbot: QtBot, make_window: MakeWindow, queue: Queue
) -> None:
    w = make_window()
    click_row(qtbot, w, queue.due_soon)
    click_header(qtbot, w, REQUESTER)
    current = w.table.currentIndex()
    assert column(w, REFERENCE)[current.row()] == queue.due_soon
    assert w.detail.toPlainText().startswith(queue.due_soon)
    qtbot.keyClicks(w.search, "ben")  # still listed: still shown
    assert w.detail.toPlainText().startswith(queue.due_soon)
    qtbot.keyClicks(w.search, "x")  # "benx": gone from the list, gone from the pane
    assert w.detail.toPlainText() == ""
    assert not w.table.currentIndex().isValid()


@pytest.mark.parametrize(
    "name", ["<img src=x onerror=alert(1)>", "<b>bold</b>", "Tom & Jerry &amp; <script>"]
)
def test_names_are_shown_as_typed_never_as_markup(
    qtbot: QtBot, svc: Services, make_window: MakeWindow, name: str
) -> None:
    ref = log(svc, name=name, email="odd@example.org", note=f"Note from {name}\nsecond line")
    w = make_window()
    assert column(w, REQUESTER) == [name]
    click_row(qtbot, w, ref)
    text = w.detail.toPlainText()
    assert name in text
    assert f"Note from {name}" in text and "second line" in text
    qtbot.keyClicks(w.search, name)  # and typed into the search box, as text
    assert column(w, REQUESTER) == [name]


def test_rows_beyond_the_first_page_arrive_as_the_view_needs_them(
    qtbot: QtBot, svc: Services, make_window: MakeWindow
) -> None:
    refs = [log(svc, name=f"Person {i:02}", days_ago=i) for i in range(12)]
    w = make_window(page_size=3, show=False)
    assert w.model.rowCount() == 3
    assert status(w) == "12 cases"  # the count is of all matches, not the loaded page
    with qtbot.waitExposed(w):
        w.show()
    # The view asks for more pages until its viewport is full or rows run out.
    qtbot.waitUntil(lambda: w.model.rowCount() == 12)
    assert column(w, REFERENCE) == list(reversed(refs))
    w.table.setFocus()
    qtbot.keyClick(w.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert w.detail.toPlainText().startswith(refs[0])


def test_the_demo_window_says_demo(tmp_path: Path) -> None:
    window, store = open_main_window(demo_dir=tmp_path / "demo", demo_cases=3)
    try:
        assert "DEMO" in window.windowTitle()
        assert status(window) == "3 cases"
    finally:
        window.close()
        window.deleteLater()
        store.close()


def test_a_real_store_window_does_not_say_demo(svc: Services) -> None:
    window, store = open_main_window(database=svc.store.url)
    try:
        assert "DEMO" not in window.windowTitle()
    finally:
        window.close()
        window.deleteLater()
        store.close()


def test_the_demo_store_is_filled_once(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    store = open_demo_store(demo, 4)
    try:
        assert Services(store).count_cases() == 4
    finally:
        store.close()
    store = open_demo_store(demo, 4)
    try:
        assert Services(store).count_cases() == 4
    finally:
        store.close()


def test_the_columns_are_the_queue_columns(make_window: MakeWindow, queue: Queue) -> None:
    w = make_window()
    header = w.table.horizontalHeader()
    model = w.table.model()
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(header.count())] == [
        c[0] for c in COLUMNS
    ]
    # Fitted to the contents: the references are not cut off.
    ref_width = w.table.fontMetrics().horizontalAdvance(queue.overdue)
    assert header.sectionSize(REFERENCE) > ref_width


def test_the_columns_fit_the_default_window(make_window: MakeWindow, queue: Queue) -> None:
    w = make_window()
    header = w.table.horizontalHeader()
    assert header.length() <= w.table.viewport().width()  # no column hidden off to the right
    assert not w.table.horizontalScrollBar().isVisible()
