"""The main window, driven as a user drives it (clicking a queue, typing,
clicking headers, double-clicking, shortcuts) and checked on what the user
sees (cell text, counts, the status bar, the tabs)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QWidget
from pytestqt.qtbot import QtBot

from conneqt_dpo.gui.app import open_demo_store, open_main_window
from conneqt_dpo.gui.case_model import (
    ASSIGNEE_COLUMN,
    COLUMNS,
    DUE_COLUMN,
    REFERENCE_COLUMN,
    REQUESTER_COLUMN,
    STATE_COLUMN,
    STATUS_ROLE,
)
from conneqt_dpo.gui.main_window import (
    NEW_REQUEST_TIP,
    NO_CASES_HERE,
    NO_CASES_YET,
    NO_MATCH,
    MainWindow,
)
from conneqt_dpo.gui.nav import COUNT_ROLE, View
from conneqt_dpo.gui.worker import SyncRunner
from conneqt_dpo.store.services import Services
from tests.gui.conftest import Queue, log

MakeWindow = Callable[..., MainWindow]
CTRL = Qt.KeyboardModifier.ControlModifier


def column(w: MainWindow, c: int) -> list[str]:
    """The text of column `c`, top to bottom, as the table shows it."""
    m = w.table.model()
    return [m.index(r, c).data() for r in range(m.rowCount())]


def refs(w: MainWindow) -> list[str]:
    return column(w, REFERENCE_COLUMN)


def status(w: MainWindow) -> str:
    return w.count_label.text()


def click_header(qtbot: QtBot, w: MainWindow, c: int) -> None:
    header = w.table.horizontalHeader()
    x = header.sectionViewportPosition(c) + header.sectionSize(c) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(x, header.height() // 2))  # fmt: skip


def row_centre(w: MainWindow, reference: str) -> QPoint:
    row = refs(w).index(reference)
    return w.table.visualRect(w.table.model().index(row, REQUESTER_COLUMN)).center()


def click_row(qtbot: QtBot, w: MainWindow, reference: str) -> None:
    qtbot.mouseClick(w.table.viewport(), Qt.MouseButton.LeftButton, pos=row_centre(w, reference))


def double_click_row(qtbot: QtBot, w: MainWindow, reference: str) -> None:
    # What a mouse sends: press and release, then the double click (Qt 6's
    # QTest.mouseDClick sends only the last).
    click_row(qtbot, w, reference)
    qtbot.mouseDClick(w.table.viewport(), Qt.MouseButton.LeftButton, pos=row_centre(w, reference))


def click_nav(qtbot: QtBot, w: MainWindow, view: View) -> None:
    index = w.nav_model.index(w.nav_model.row_of(view))
    rect = w.nav.visualRect(index)
    qtbot.mouseClick(w.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert w.current_view is view


def nav_count(w: MainWindow, view: View) -> int:
    return int(w.nav_model.index(w.nav_model.row_of(view)).data(COUNT_ROLE))


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


def key(qtbot: QtBot, w: MainWindow, k: Qt.Key, modifier: Qt.KeyboardModifier = CTRL) -> None:
    """A shortcut typed wherever the focus is."""
    target = QApplication.focusWidget() or w
    qtbot.keyClick(target, k, modifier)


# -- the queues ------------------------------------------------------------------


def test_the_window_opens_on_all_open_cases_due_first(
    make_window: MakeWindow, queue: Queue
) -> None:
    w = make_window()
    assert w.current_view is View.OPEN
    assert refs(w) == [queue.overdue, queue.due_soon, queue.on_track]  # not the answered one
    assert status(w) == "3 cases"
    assert w.heading.text() == "All open · 3 cases"
    assert w.tabs.tabText(0) == "All open"
    assert not w.table.empty_label.isVisible()
    assert not w.windowIcon().isNull()


def test_the_pane_shows_each_queues_count(make_window: MakeWindow, queue: Queue) -> None:
    w = make_window()
    counts = {v: nav_count(w, v) for v in View}
    assert counts == {View.TRIAGE: 2, View.MINE: 0, View.DUE_SOON: 1, View.OVERDUE: 1,
                      View.AWAITING_APPROVAL: 0, View.OPEN: 3, View.CLOSED: 1,
                      View.ALL: 4}  # fmt: skip


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        (View.TRIAGE, ["due_soon", "on_track"]),
        (View.DUE_SOON, ["due_soon"]),
        (View.OVERDUE, ["overdue"]),
        (View.AWAITING_APPROVAL, []),
        (View.CLOSED, ["answered"]),
        (View.ALL, ["overdue", "answered", "due_soon", "on_track"]),
    ],
)
def test_clicking_a_queue_shows_its_cases_and_its_count(
    qtbot: QtBot, make_window: MakeWindow, queue: Queue, view: View, expected: list[str]
) -> None:
    w = make_window()
    click_nav(qtbot, w, view)
    assert refs(w) == [getattr(queue, name) for name in expected]
    assert status(w) == f"{len(expected)} case{'s' if len(expected) != 1 else ''}"
    assert w.tabs.tabText(0) == w.nav_model.index(w.nav_model.row_of(view)).data()
    if view is not View.CLOSED:  # (Closed shows one closed state at a time for now)
        assert nav_count(w, view) == len(expected)


def test_the_arrow_keys_move_between_queues(qtbot: QtBot, make_window: MakeWindow,
                                            queue: Queue) -> None:  # fmt: skip
    w = make_window()
    w.nav.setFocus()
    qtbot.keyClick(w.nav, Qt.Key.Key_Down)
    assert w.current_view is View.CLOSED and refs(w) == [queue.answered]
    qtbot.keyClick(w.nav, Qt.Key.Key_Home)
    assert w.current_view is View.TRIAGE


def test_my_cases_are_the_open_cases_assigned_to_me(
    qtbot: QtBot, svc: Services, make_window: MakeWindow, queue: Queue
) -> None:
    svc.assign(queue.due_soon, "dpo")
    svc.assign(queue.answered, "dpo")  # answered: not open
    svc.assign(queue.overdue, "sam")
    w = make_window()
    click_nav(qtbot, w, View.MINE)
    assert refs(w) == [queue.due_soon]
    assert nav_count(w, View.MINE) == 1
    # The assignee is fixed to me while in My cases, and free again after.
    assert w.assignee.currentText() == "dpo" and not w.assignee.isEnabled()
    click_nav(qtbot, w, View.OPEN)
    assert w.assignee.isEnabled() and w.assignee.currentText() == "Anyone"
    choose(qtbot, w.assignee, "sam")
    assert refs(w) == [queue.overdue]


def test_closed_lists_every_closed_state(
    qtbot: QtBot, svc: Services, make_window: MakeWindow, queue: Queue
) -> None:
    svc.act(queue.answered, "close")
    w = make_window()
    click_nav(qtbot, w, View.CLOSED)
    states = [w.state.itemText(i) for i in range(w.state.count())]
    assert states == ["Any closed state", "Responded", "Refused", "Withdrawn", "Closed"]
    assert refs(w) == [queue.answered]
    assert w.heading.text() == "Closed · 1 case"
    choose(qtbot, w.state, "Refused")
    assert refs(w) == []


def test_the_state_filter_offers_the_queues_states(
    qtbot: QtBot, make_window: MakeWindow, queue: Queue
) -> None:
    w = make_window()
    choose(qtbot, w.state, "In progress")
    assert refs(w) == [queue.overdue] and status(w) == "1 case"
    choose(qtbot, w.state, "New")
    assert refs(w) == [queue.due_soon, queue.on_track]
    click_nav(qtbot, w, View.TRIAGE)  # the inbox is "new" by definition
    assert not w.state.isEnabled() and w.state.currentText() == "New"
    click_nav(qtbot, w, View.ALL)
    assert w.state.currentText() == "Any state"
    # From the keyboard: End goes to the bottom of the list.
    w.state.setFocus()
    qtbot.keyClick(w.state, Qt.Key.Key_End)
    assert w.state.currentText() == "Closed" and refs(w) == []
    assert w.table.empty_label.text() == NO_MATCH.format(queue="All cases")


def test_the_regime_filter(qtbot: QtBot, make_window: MakeWindow, queue: Queue) -> None:
    w = make_window()
    choose(qtbot, w.regime, "CCPA (as amended by CPRA)")
    assert refs(w) == [queue.on_track]
    choose(qtbot, w.regime, "All regimes")
    assert len(refs(w)) == 3


# -- search ----------------------------------------------------------------------


def test_typing_searches_after_a_pause(qtbot: QtBot, make_window: MakeWindow,
                                       queue: Queue) -> None:  # fmt: skip
    w = make_window(search_delay_ms=200)
    calls: list[str | None] = []
    w.model.loaded.connect(lambda: calls.append(w.model.shown_query.text))
    qtbot.keyClicks(w.search, "cleo")
    assert len(refs(w)) == 3  # not yet: the user is still typing
    qtbot.waitUntil(lambda: refs(w) == [queue.overdue])
    assert calls == ["cleo"]  # one query for the four keys
    assert status(w) == "1 case"


def test_enter_in_the_search_box_searches_at_once(
    qtbot: QtBot, make_window: MakeWindow, queue: Queue
) -> None:
    w = make_window(search_delay_ms=60_000)
    qtbot.keyClicks(w.search, "ben")
    qtbot.keyClick(w.search, Qt.Key.Key_Return)
    assert refs(w) == [queue.due_soon]
    assert w.case_tabs() == []  # Enter in the search box does not open a case


def test_typing_in_the_search_box_filters_and_counts(
    qtbot: QtBot, make_window: MakeWindow, queue: Queue
) -> None:
    w = make_window()
    click_nav(qtbot, w, View.ALL)
    qtbot.keyClicks(w.search, "cleo")
    assert column(w, REQUESTER_COLUMN) == ["Cleo Overdue"]
    assert status(w) == "1 case"
    w.search.clear()  # the user presses the clear button
    qtbot.keyClicks(w.search, "example.org")  # emails too
    assert sorted(column(w, REQUESTER_COLUMN)) == ["Ada Fresh", "Ben Soon", "Cleo Overdue"]
    w.search.clear()
    qtbot.keyClicks(w.search, queue.due_soon.lower())  # references, any case
    assert refs(w) == [queue.due_soon]


def test_the_search_stays_within_the_queue(qtbot: QtBot, make_window: MakeWindow,
                                           queue: Queue) -> None:  # fmt: skip
    w = make_window()
    qtbot.keyClicks(w.search, "dev")  # Dev Answered: not open
    assert refs(w) == []
    assert w.table.empty_label.isVisible()
    assert w.table.empty_label.text() == NO_MATCH.format(queue="All open")
    click_nav(qtbot, w, View.ALL)  # the search stays; the queue widens
    assert refs(w) == [queue.answered]


def test_an_empty_store_says_there_are_no_cases_yet(qtbot: QtBot, make_window: MakeWindow) -> None:
    w = make_window()
    assert status(w) == "0 cases"
    assert w.table.empty_label.text() == NO_CASES_HERE.format(queue="All open")
    click_nav(qtbot, w, View.ALL)
    assert w.table.empty_label.isVisible() and w.table.empty_label.text() == NO_CASES_YET


@pytest.mark.parametrize(
    "name", ["<img src=x onerror=alert(1)>", "<b>bold</b>", "Tom & Jerry &amp; <script>"]
)
def test_names_are_shown_as_typed_never_as_markup(
    qtbot: QtBot, svc: Services, make_window: MakeWindow, name: str
) -> None:
    ref = log(svc, name=name, email="odd@example.org")
    w = make_window()
    assert column(w, REQUESTER_COLUMN) == [name]
    qtbot.keyClicks(w.search, name)  # and typed into the search box, as text
    assert refs(w) == [ref]


# -- sorting ---------------------------------------------------------------------


def test_clicking_a_header_sorts_and_clicking_again_reverses(
    qtbot: QtBot, make_window: MakeWindow, queue: Queue
) -> None:
    w = make_window()
    click_nav(qtbot, w, View.ALL)
    click_header(qtbot, w, REQUESTER_COLUMN)
    assert column(w, REQUESTER_COLUMN) == ["Ada Fresh", "Ben Soon", "Cleo Overdue",
                                           "Dev Answered"]  # fmt: skip
    assert w.table.horizontalHeader().sortIndicatorSection() == REQUESTER_COLUMN
    click_header(qtbot, w, REQUESTER_COLUMN)
    assert column(w, REQUESTER_COLUMN) == ["Dev Answered", "Cleo Overdue", "Ben Soon",
                                           "Ada Fresh"]  # fmt: skip
    click_header(qtbot, w, STATE_COLUMN)
    ascending = ["In progress", "New", "New", "Responded"]
    if w.table.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder:
        ascending.reverse()  # which way a new column starts is Qt's choice
    assert column(w, STATE_COLUMN) == ascending
    assert status(w) == "4 cases"
    click_nav(qtbot, w, View.TRIAGE)  # the order chosen stays across queues
    assert w.model.query.sort == "state"


@pytest.mark.parametrize("c", [c for c in range(len(COLUMNS)) if COLUMNS[c].sort])
def test_every_sortable_column_sorts_in_the_store(
    qtbot: QtBot, make_window: MakeWindow, queue: Queue, c: int
) -> None:
    w = make_window()
    click_header(qtbot, w, c)
    assert w.model.shown_query.sort == COLUMNS[c].sort
    assert len(refs(w)) == 3


# -- the status bar --------------------------------------------------------------


def test_the_status_bar_counts_due_soon_and_overdue(make_window: MakeWindow,
                                                    queue: Queue) -> None:  # fmt: skip
    w = make_window()
    assert w.due_soon_label.text() == "Due in 7 days: 1"
    assert w.overdue_label.text() == "Overdue: 1"


def test_the_due_column_shows_the_status_in_words(make_window: MakeWindow,
                                                  queue: Queue) -> None:  # fmt: skip
    w = make_window()
    assert column(w, DUE_COLUMN) == ["2026-10-15  Overdue", "2026-11-27  Due soon",
                                     "2027-01-07  On track"]  # fmt: skip
    m = w.table.model()
    assert [m.index(r, DUE_COLUMN).data(STATUS_ROLE) for r in range(3)] == [
        "overdue", "due-soon", "on-track"]  # fmt: skip


# -- changes -----------------------------------------------------------------------


def test_a_published_change_updates_rows_and_counts(
    qtbot: QtBot, svc: Services, make_window: MakeWindow, queue: Queue
) -> None:
    w = make_window()
    click_nav(qtbot, w, View.TRIAGE)
    assert refs(w) == [queue.due_soon, queue.on_track]
    changed = svc.act(queue.due_soon, "start")
    assert refs(w) == [queue.due_soon, queue.on_track]  # nothing until it is published
    w.bus.publish(changed)
    assert refs(w) == [queue.on_track]
    assert nav_count(w, View.TRIAGE) == 1 and status(w) == "1 case"


def test_a_change_to_a_listed_case_keeps_the_selection(
    qtbot: QtBot, svc: Services, make_window: MakeWindow, queue: Queue
) -> None:
    w = make_window()
    click_row(qtbot, w, queue.due_soon)
    scrolled = w.table.verticalScrollBar().value()
    with qtbot.assertNotEmitted(w.model.modelReset):
        w.bus.publish(svc.assign(queue.due_soon, "dpo"))
    row = refs(w).index(queue.due_soon)
    assert w.table.currentIndex().row() == row
    assert column(w, ASSIGNEE_COLUMN)[row] == "dpo"
    assert nav_count(w, View.MINE) == 1
    assert w.table.verticalScrollBar().value() == scrolled


def test_the_selected_case_stays_when_the_rows_are_replaced(
    qtbot: QtBot, svc: Services, make_window: MakeWindow, queue: Queue
) -> None:
    w = make_window()
    click_row(qtbot, w, queue.on_track)
    w.bus.publish(svc.act(queue.overdue, "withdraw"))  # a row goes
    assert refs(w) == [queue.due_soon, queue.on_track]
    assert refs(w)[w.table.currentIndex().row()] == queue.on_track


def test_f5_asks_the_store_again(
    qtbot: QtBot, svc: Services, make_window: MakeWindow, queue: Queue
) -> None:
    w = make_window()
    ref = log(svc, name="Another Process")  # e.g. logged from the command line
    assert ref not in refs(w)
    w.table.setFocus()
    key(qtbot, w, Qt.Key.Key_F5, Qt.KeyboardModifier.NoModifier)
    assert ref in refs(w) and nav_count(w, View.TRIAGE) == 3


# -- case tabs ---------------------------------------------------------------------


def test_double_click_opens_the_case_in_a_tab_and_ctrl_w_closes_it(
    qtbot: QtBot, make_window: MakeWindow, queue: Queue
) -> None:
    w = make_window()
    double_click_row(qtbot, w, queue.due_soon)
    assert w.case_tabs() == [queue.due_soon]
    current = w.tabs.currentWidget()
    assert getattr(current, "reference", None) == queue.due_soon
    assert w.tabs.tabText(w.tabs.currentIndex()) == queue.due_soon
    assert w.tabs.tabToolTip(w.tabs.currentIndex()) == "Ben Soon"
    key(qtbot, w, Qt.Key.Key_W)
    assert w.case_tabs() == [] and w.tabs.currentWidget() is w.queue_page
    key(qtbot, w, Qt.Key.Key_W)  # the queue tab stays
    assert w.tabs.count() == 1


def test_enter_opens_the_current_case(qtbot: QtBot, make_window: MakeWindow,
                                      queue: Queue) -> None:  # fmt: skip
    w = make_window()
    click_row(qtbot, w, queue.overdue)
    qtbot.keyClick(w.table, Qt.Key.Key_Down)
    qtbot.keyClick(w.table, Qt.Key.Key_Return)
    assert w.case_tabs() == [queue.due_soon]


def test_a_case_opens_once_and_ctrl_tab_cycles(
    qtbot: QtBot, make_window: MakeWindow, queue: Queue
) -> None:
    w = make_window()
    double_click_row(qtbot, w, queue.overdue)
    w.tabs.setCurrentIndex(0)
    double_click_row(qtbot, w, queue.on_track)
    w.tabs.setCurrentIndex(0)
    double_click_row(qtbot, w, queue.overdue)  # already open: its tab comes forward
    assert w.case_tabs() == [queue.overdue, queue.on_track]
    assert w.tabs.currentIndex() == 1
    key(qtbot, w, Qt.Key.Key_Tab)
    assert w.tabs.currentIndex() == 2
    key(qtbot, w, Qt.Key.Key_Tab)
    assert w.tabs.currentWidget() is w.queue_page
    key(qtbot, w, Qt.Key.Key_Backtab, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert w.tabs.currentIndex() == 2


def test_the_queue_tab_may_move_and_stays_the_queue(
    qtbot: QtBot, make_window: MakeWindow, queue: Queue
) -> None:
    w = make_window()
    w.open_case(queue.due_soon)
    w.tabs.tabBar().moveTab(0, 1)  # dragged to the right of the case
    click_nav(qtbot, w, View.OVERDUE)
    assert w.tabs.indexOf(w.queue_page) == 1 and w.tabs.tabText(1) == "Overdue"
    assert w.tabs.tabText(0) == queue.due_soon
    w.tabs.close_tab(1)  # the queue's: stays
    assert w.tabs.count() == 2
    w.open_case(queue.due_soon)  # open already: shown, not opened twice
    assert w.case_tabs() == [queue.due_soon] and w.tabs.currentIndex() == 0


def test_the_close_button_of_a_case_tab(qtbot: QtBot, make_window: MakeWindow,
                                        queue: Queue) -> None:  # fmt: skip
    w = make_window()
    w.open_case(queue.due_soon)
    bar = w.tabs.tabBar()
    button = bar.tabButton(1, bar.ButtonPosition.RightSide) or bar.tabButton(
        1, bar.ButtonPosition.LeftSide)  # fmt: skip
    assert button is not None
    assert bar.tabButton(0, bar.ButtonPosition.RightSide) is None  # the queue has none
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert w.case_tabs() == []


# -- keyboard, actions, accessibility ---------------------------------------------------


def test_ctrl_f_goes_to_the_search_box_from_anywhere(
    qtbot: QtBot, make_window: MakeWindow, queue: Queue
) -> None:
    w = make_window()
    w.activateWindow()
    w.open_case(queue.overdue)
    key(qtbot, w, Qt.Key.Key_F)
    assert w.tabs.currentWidget() is w.queue_page
    assert w.search.hasFocus()


def test_new_request_opens_the_intake_dialog(make_window: MakeWindow) -> None:
    w = make_window()
    a = w.new_request_action
    assert a.isEnabled() and a.toolTip() == NEW_REQUEST_TIP
    assert a.shortcut().toString() == "Ctrl+N"
    assert w.new_button.defaultAction() is a and w.new_button.isEnabled()
    w.new_button.click()
    assert w.intake is not None and w.intake.isVisible()
    w.intake.reject()  # nothing typed: it closes without asking


def test_no_two_shortcuts_collide_and_ctrl_q_quits(qtbot: QtBot, make_window: MakeWindow) -> None:
    w = make_window()
    keys = [k.toString() for a in [*w.actions(), w.open_action] for k in a.shortcuts()]
    assert len(keys) == len(set(keys))
    assert {"Ctrl+F", "F5", "Ctrl+N", "Ctrl+W", "Ctrl+Tab", "Ctrl+Q"} <= set(keys)
    w.activateWindow()
    key(qtbot, w, Qt.Key.Key_Q)
    assert not w.isVisible()


def test_a_key_listed_twice_is_kept_once() -> None:
    # On desktops whose Quit is Ctrl+Q, listing both would make Qt call
    # Ctrl+Q ambiguous and do nothing.
    from PySide6.QtGui import QKeySequence

    from conneqt_dpo.gui.main_window import _unique

    keys = _unique([QKeySequence("Ctrl+Q"), QKeySequence("Ctrl+Q"), QKeySequence()])
    assert [k.toString() for k in keys] == ["Ctrl+Q"]


def test_controls_have_names_and_a_tab_order(make_window: MakeWindow) -> None:
    w = make_window()
    named: list[QWidget] = [w.nav, w.search, w.regime, w.state, w.assignee, w.table, w.tabs,
                            w.due_soon_label, w.overdue_label]  # fmt: skip
    assert all(x.accessibleName() for x in named)
    chain = [w.nav]
    while len(chain) < 6:
        chain.append(chain[-1].nextInFocusChain())
        while not chain[-1].focusPolicy() & Qt.FocusPolicy.TabFocus or not chain[-1].isEnabled():
            chain[-1] = chain[-1].nextInFocusChain()
    assert chain == [w.nav, w.search, w.regime, w.state, w.assignee, w.table]


# -- paging and columns ------------------------------------------------------------------


def test_rows_beyond_the_first_page_arrive_as_the_view_needs_them(
    qtbot: QtBot, svc: Services, make_window: MakeWindow
) -> None:
    made = [log(svc, name=f"Person {i:02}", days_ago=i) for i in range(12)]
    w = make_window(page_size=3, show=False)
    assert w.model.rowCount() == 3
    assert status(w) == "12 cases"  # the count is of all matches, not the loaded page
    with qtbot.waitExposed(w):
        w.show()
    # The view asks for more pages until its viewport is full or rows run out.
    qtbot.waitUntil(lambda: w.model.rowCount() == 12)
    assert refs(w) == list(reversed(made))


def test_ctrl_end_goes_to_the_last_case_not_the_last_loaded(
    qtbot: QtBot, svc: Services, make_window: MakeWindow
) -> None:
    made = [log(svc, name=f"Person {i:02}", days_ago=i) for i in range(20)]
    w = make_window(page_size=3, show=False)
    w.resize(1280, 320)  # a few rows on screen: a few loaded
    with qtbot.waitExposed(w):
        w.show()
    assert w.model.rowCount() < 20
    click_row(qtbot, w, made[-1])
    loaded = w.model.rowCount()
    qtbot.keyClick(w.table, Qt.Key.Key_End)  # End alone: the end of the row, nothing loads
    assert w.model.rowCount() == loaded
    qtbot.keyClick(w.table, Qt.Key.Key_End, CTRL)
    assert w.model.rowCount() == 20
    assert refs(w)[w.table.currentIndex().row()] == made[0]


def test_the_columns_are_the_queue_columns(make_window: MakeWindow, queue: Queue) -> None:
    w = make_window()
    model = w.table.model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(len(COLUMNS))]
    assert headers == ["Reference", "Requester", "Regime", "Right", "Work state", "Clock",
                       "Received", "Due", "Days left", "Assignee"]  # fmt: skip
    # Fitted to the contents: the references are not cut off.
    ref_width = w.table.fontMetrics().horizontalAdvance(queue.overdue)
    assert w.table.horizontalHeader().sectionSize(REFERENCE_COLUMN) > ref_width


def test_the_columns_fit_the_default_window(make_window: MakeWindow, queue: Queue) -> None:
    w = make_window()
    header = w.table.horizontalHeader()
    assert header.length() <= w.table.viewport().width()  # no column hidden off to the right
    assert not w.table.horizontalScrollBar().isVisible()


# -- opening ---------------------------------------------------------------------------


def test_the_demo_window_says_demo(tmp_path: Path) -> None:
    window, store = open_main_window(demo_dir=tmp_path / "demo", demo_cases=3,
                                     runner=SyncRunner())  # fmt: skip
    try:
        assert "DEMO" in window.windowTitle()
        assert window.nav_model.counts is not None
        assert sum(nav_count(window, v) for v in (View.OPEN, View.CLOSED)) == 3
    finally:
        window.close()
        window.deleteLater()
        store.close()


def test_a_real_store_window_does_not_say_demo(svc: Services) -> None:
    window, store = open_main_window(database=svc.store.url, runner=SyncRunner())
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
