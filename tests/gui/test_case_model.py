"""The queue's table model: Qt's model contract, paging in growing windows,
loading through a runner (stale answers dropped, failures kept out), what
each cell says, and the deadline status as words, a mark and colours that
read in light and dark themes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPalette
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from conneqt_dpo.gui import style
from conneqt_dpo.gui.case_model import (
    CLOCK_COLUMN,
    COLUMNS,
    DAYS_LEFT_COLUMN,
    DUE_COLUMN,
    REGIME_COLUMN,
    REQUESTER_COLUMN,
    RIGHT_COLUMN,
    STATUS_ROLE,
    CaseTableModel,
)
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import CaseQuery
from tests.gui.conftest import Queue, log

DISPLAY = Qt.ItemDataRole.DisplayRole
BACKGROUND = Qt.ItemDataRole.BackgroundRole
FOREGROUND = Qt.ItemDataRole.ForegroundRole
DECORATION = Qt.ItemDataRole.DecorationRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole
ACCESSIBLE = Qt.ItemDataRole.AccessibleTextRole


def model_over(svc: Services, *, page_size: int = 500, **kw: Any) -> CaseTableModel:
    m = CaseTableModel(svc.list_cases, svc.count_cases, svc.today, page_size=page_size, **kw)
    m.set_query(CaseQuery())
    return m


def cells(m: CaseTableModel, reference: str) -> dict[str, object]:
    row = m.row_of(reference)
    assert row is not None
    return {c.header: m.data(m.index(row, i), DISPLAY) for i, c in enumerate(COLUMNS)}


def at(m: CaseTableModel, reference: str, column: int, role: int) -> Any:
    row = m.row_of(reference)
    assert row is not None
    return m.data(m.index(row, column), role)


class DeferredRunner:
    """A runner that keeps the work until the test lets it run, in any
    order: a slow query answering after a newer one."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Callable[[], Any], Callable[[Any], None],
                              Callable[[BaseException], None]]] = []  # fmt: skip

    def submit(self, work: Callable[[], Any], on_done: Callable[[Any], None],
               on_error: Callable[[BaseException], None]) -> None:  # fmt: skip
        self.jobs.append((work, on_done, on_error))

    def run(self, i: int) -> None:
        work, done, failed = self.jobs[i]
        try:
            result = work()
        except Exception as e:
            failed(e)
            return
        done(result)


# -- the contract and paging ---------------------------------------------------


def test_model_contract_with_a_few_cases(qtmodeltester: ModelTester, svc: Services,
                                         queue: Queue) -> None:  # fmt: skip
    m = model_over(svc)
    qtmodeltester.check(m, force_py=True)
    qtmodeltester.check(m)  # Qt's own QAbstractItemModelTester as well
    for column in range(m.columnCount()):  # and after each sort, which resets the model
        m.sort(column, Qt.SortOrder.DescendingOrder)
    m.refresh()  # and a refresh in place
    assert m.rowCount() == 4


def test_model_contract_with_no_cases(qtmodeltester: ModelTester, svc: Services) -> None:
    m = model_over(svc)
    assert (m.rowCount(), m.total, m.canFetchMore(QModelIndex())) == (0, 0, False)
    qtmodeltester.check(m, force_py=True)
    qtmodeltester.check(m)


def test_model_contract_while_paging(qtmodeltester: ModelTester, svc: Services) -> None:
    for i in range(5):
        log(svc, name=f"Person {i}")
    m = model_over(svc, page_size=2)
    qtmodeltester.check(m)  # the tester fetches more and watches the inserts
    assert m.rowCount() == 5


def test_rows_arrive_in_windows_that_grow(svc: Services) -> None:
    refs = [log(svc, name=f"Person {i}", days_ago=i) for i in range(13)]
    m = model_over(svc, page_size=2, max_window=4)
    sizes = [m.rowCount()]
    while m.canFetchMore(QModelIndex()):
        m.fetchMore(QModelIndex())
        sizes.append(m.rowCount())
    # One page first; then as many as are loaded, up to the largest window.
    assert sizes == [2, 4, 8, 12, 13]
    # Due date first: the oldest request is due first; no case twice or missed.
    assert [m.row_at(r).reference for r in range(m.rowCount())] == list(reversed(refs))
    assert m.total == 13


def test_fetch_all_loads_to_the_end(svc: Services) -> None:
    for i in range(7):
        log(svc, name=f"Person {i}")
    m = model_over(svc, page_size=2)
    m.fetch_all()
    assert m.rowCount() == 7 and not m.canFetchMore(QModelIndex())


def test_the_rest_loads_in_the_background_then_says_so(qtbot: QtBot, svc: Services) -> None:
    for i in range(7):
        log(svc, name=f"Person {i}")
    runner = DeferredRunner()
    m = CaseTableModel(svc.list_cases, svc.count_cases, svc.today, runner=runner, page_size=2)
    m.set_query(CaseQuery())
    runner.run(0)
    states: list[bool] = []
    m.loading_rest.connect(states.append)
    ended: list[int] = []
    m.fetch_rest(then=lambda: ended.append(m.rowCount()))
    m.fetch_rest()  # asked twice: one load
    assert len(runner.jobs) == 2 and states == [True]
    assert not m.canFetchMore(QModelIndex())  # no page-by-page fetching meanwhile
    with qtbot.waitSignal(m.rowsInserted):
        runner.run(1)
    assert ended == [7] and states == [True, False]
    assert m.rowCount() == 7 and not m.canFetchMore(QModelIndex())


def test_the_rest_of_an_old_query_is_dropped(svc: Services, queue: Queue) -> None:
    runner = DeferredRunner()
    m = CaseTableModel(svc.list_cases, svc.count_cases, svc.today, runner=runner, page_size=1)
    m.set_query(CaseQuery())
    runner.run(0)
    ended: list[bool] = []
    m.fetch_rest(then=lambda: ended.append(True))
    m.set_query(CaseQuery(text="ben"))
    runner.run(2)
    runner.run(1)  # the rest of the old query arrives last: dropped
    assert [m.row_at(r).reference for r in range(m.rowCount())] == [queue.due_soon]
    assert ended == []


def test_a_page_exactly_full_stops_after_an_empty_fetch(svc: Services) -> None:
    for i in range(4):
        log(svc, name=f"Person {i}")
    m = model_over(svc, page_size=2, max_window=2)
    m.fetchMore(QModelIndex())
    assert m.rowCount() == 4 and m.canFetchMore(QModelIndex())
    m.fetchMore(QModelIndex())  # nothing more: no empty insert, and no more asking
    assert m.rowCount() == 4 and not m.canFetchMore(QModelIndex())


def test_a_page_size_below_one_is_refused(svc: Services) -> None:
    with pytest.raises(ValueError, match="page_size"):
        CaseTableModel(svc.list_cases, svc.count_cases, svc.today, page_size=0)


# -- loading through a runner --------------------------------------------------


def test_rows_stay_until_the_store_answers_and_a_stale_answer_is_dropped(
    svc: Services, queue: Queue
) -> None:
    runner = DeferredRunner()
    m = CaseTableModel(svc.list_cases, svc.count_cases, svc.today, runner=runner)
    assert not m.has_loaded
    m.set_query(CaseQuery())
    runner.run(0)
    assert m.rowCount() == 4 and m.has_loaded and not m.busy
    m.set_query(CaseQuery(text="cleo"))  # slow
    m.set_query(CaseQuery(text="ben"))  # typed on
    assert m.rowCount() == 4 and m.busy  # nothing yet: the old rows stay
    runner.run(2)
    assert [m.row_at(r).reference for r in range(m.rowCount())] == [queue.due_soon]
    runner.run(1)  # the older answer arrives last: dropped
    assert [m.row_at(r).reference for r in range(m.rowCount())] == [queue.due_soon]
    assert m.query.text == "ben" and not m.busy


def test_a_failed_query_is_reported_and_leaves_the_rows(svc: Services, queue: Queue) -> None:
    errors: list[BaseException] = []
    broken = False

    def fetch(q: CaseQuery) -> list[Any]:
        if broken:
            raise RuntimeError("the disk went away")
        return svc.list_cases(q)

    m = CaseTableModel(fetch, svc.count_cases, svc.today, on_error=errors.append, page_size=2)
    m.set_query(CaseQuery())
    broken = True
    m.set_query(CaseQuery(text="cleo"))
    assert [str(e) for e in errors] == ["the disk went away"]
    assert m.rowCount() == 2 and m.query.text is None  # as it was
    m.fetchMore(QModelIndex())  # the next page fails too: reported once, not asked again
    assert len(errors) == 2 and not m.canFetchMore(QModelIndex())


def test_a_refresh_updates_changed_rows_in_place(qtbot: QtBot, svc: Services, queue: Queue) -> None:
    m = model_over(svc)
    svc.assign(queue.due_soon, "sam")
    changed: list[int] = []
    m.dataChanged.connect(lambda top, bottom: changed.extend(range(top.row(), bottom.row() + 1)))
    with qtbot.assertNotEmitted(m.modelReset), qtbot.waitSignal(m.loaded):
        m.refresh()
    assert changed == [m.row_of(queue.due_soon)]
    assert cells(m, queue.due_soon)["Assignee"] == "sam"


def test_a_refresh_replaces_the_rows_when_cases_come_or_go(
    qtbot: QtBot, svc: Services, queue: Queue
) -> None:
    m = CaseTableModel(svc.list_cases, svc.count_cases, svc.today)
    m.set_query(CaseQuery(state="new"))
    assert {m.row_at(r).reference for r in range(m.rowCount())} == {queue.due_soon,
                                                                    queue.on_track}  # fmt: skip
    svc.act(queue.due_soon, "start")  # leaves the "new" cases
    with qtbot.waitSignal(m.modelReset):
        m.refresh()
    assert [m.row_at(r).reference for r in range(m.rowCount())] == [queue.on_track]
    assert m.total == 1


# -- what the cells say ----------------------------------------------------------


def test_cells_show_the_case_and_days_left_only_while_the_clock_runs(
    svc: Services, queue: Queue
) -> None:
    m = model_over(svc)
    assert cells(m, queue.overdue) == {
        "Reference": queue.overdue,
        "Requester": "Cleo Overdue",
        "Regime": "UK-GDPR",
        "Right": "Access",
        "Work state": "In progress",
        "Clock": "Running",
        "Received": "2026-09-15",
        "Due": "2026-10-15  Overdue",
        "Days left": "-40",
        "Assignee": "",
    }
    assert cells(m, queue.due_soon)["Due"] == "2026-11-27  Due soon"
    assert cells(m, queue.due_soon)["Days left"] == "3"
    assert cells(m, queue.on_track)["Regime"] == "CCPA"
    answered = cells(m, queue.answered)
    assert answered["Work state"] == "Responded" and answered["Clock"] == "Stopped"
    assert answered["Due"] == "2026-10-26  Met late"  # answered today, after its date
    assert answered["Days left"] == ""  # answered: nothing left to count


def test_the_status_is_the_engines(svc: Services, queue: Queue) -> None:
    m = model_over(svc)
    today = svc.today()
    for ref in (queue.overdue, queue.due_soon, queue.on_track, queue.answered):
        row = m.row_at(m.row_of(ref) or 0)
        assert at(m, ref, DUE_COLUMN, STATUS_ROLE) == row.status(today)
    assert [
        at(m, r, DUE_COLUMN, STATUS_ROLE)
        for r in (queue.overdue, queue.due_soon, queue.on_track, queue.answered)
    ] == ["overdue", "due-soon", "on-track", "met-late"]


def test_the_status_follows_today(svc: Services, queue: Queue) -> None:
    today = [dt.date(2026, 11, 19)]
    m = CaseTableModel(svc.list_cases, svc.count_cases, lambda: today[0])
    m.set_query(CaseQuery())  # due_soon is due Fri 27 Nov 2026
    assert at(m, queue.due_soon, DUE_COLUMN, STATUS_ROLE) == "on-track"
    today[0] = dt.date(2026, 11, 20)
    assert at(m, queue.due_soon, DUE_COLUMN, STATUS_ROLE) == "due-soon"
    today[0] = dt.date(2026, 11, 27)
    assert at(m, queue.due_soon, DUE_COLUMN, DISPLAY) == "2026-11-27  Due today"
    today[0] = dt.date(2026, 11, 28)
    assert at(m, queue.due_soon, DUE_COLUMN, DISPLAY) == "2026-11-27  Overdue"
    assert at(m, queue.due_soon, DAYS_LEFT_COLUMN, DISPLAY) == "-1"


def test_tooltips_tell_what_a_cell_cuts_short(svc: Services, queue: Queue) -> None:
    m = model_over(svc)
    assert at(m, queue.due_soon, REQUESTER_COLUMN, TOOLTIP) == "Ben Soon\nben@example.org"
    assert at(m, queue.overdue, REGIME_COLUMN, TOOLTIP) == "UK GDPR"
    assert at(m, queue.overdue, RIGHT_COLUMN, TOOLTIP) == "Right of access (UK GDPR Art 15)"
    tip = at(m, queue.overdue, DAYS_LEFT_COLUMN, TOOLTIP)
    assert tip.startswith("Overdue by 40 days\nDue 2026-10-15")
    assert at(m, queue.due_soon, DUE_COLUMN, TOOLTIP).startswith("Due soon: 3 days left")
    # A screen reader hears the status too, not a colour.
    assert at(m, queue.overdue, DUE_COLUMN, ACCESSIBLE).startswith("Overdue by 40 days")


def test_days_left_are_right_aligned(svc: Services, queue: Queue) -> None:
    m = model_over(svc)
    align = m.data(m.index(0, DAYS_LEFT_COLUMN), Qt.ItemDataRole.TextAlignmentRole)
    assert align & Qt.AlignmentFlag.AlignRight


def test_the_clock_column_sorts_in_the_store(svc: Services, queue: Queue) -> None:
    m = model_over(svc)
    m.sort(CLOCK_COLUMN, Qt.SortOrder.DescendingOrder)
    assert (m.query.sort, m.query.descending) == ("clock", True)
    states = [at(m, r.reference, CLOCK_COLUMN, DISPLAY) for r in svc.list_cases(m.query)]
    assert states == sorted(states, reverse=True)


# -- colours, marks and themes ----------------------------------------------------


def _colour(value: Any) -> QColor:
    return value.color() if isinstance(value, QBrush) else QColor(value)


def test_only_the_due_column_is_coloured_and_never_by_colour_alone(
    svc: Services, queue: Queue, theme: QPalette
) -> None:
    m = model_over(svc)

    def coloured(ref: str) -> list[bool]:
        return [at(m, ref, c, BACKGROUND) is not None for c in range(len(COLUMNS))]

    only_due = [c == DUE_COLUMN for c in range(len(COLUMNS))]
    assert coloured(queue.overdue) == only_due
    assert coloured(queue.due_soon) == only_due
    assert coloured(queue.on_track) == [False] * len(COLUMNS)
    assert coloured(queue.answered) == [False] * len(COLUMNS)  # late once, but answered
    overdue_bg = _colour(at(m, queue.overdue, DUE_COLUMN, BACKGROUND))
    soon_bg = _colour(at(m, queue.due_soon, DUE_COLUMN, BACKGROUND))
    assert overdue_bg != soon_bg
    for ref, word in ((queue.overdue, "Overdue"), (queue.due_soon, "Due soon")):
        assert word in at(m, ref, DUE_COLUMN, DISPLAY)  # the word, beside the colour
        icon = at(m, ref, DUE_COLUMN, DECORATION)
        assert isinstance(icon, QIcon) and not icon.pixmap(16, 16).toImage().isNull()


def test_the_due_colours_contrast_in_light_and_dark_themes(
    svc: Services, queue: Queue, theme: QPalette
) -> None:
    m = model_over(svc)
    base = theme.color(QPalette.ColorRole.Base)
    for ref in (queue.overdue, queue.due_soon):
        fg = _colour(at(m, ref, DUE_COLUMN, FOREGROUND))
        bg = _colour(at(m, ref, DUE_COLUMN, BACKGROUND))
        assert style.contrast_ratio(fg, bg) >= 4.5  # WCAG AA for text
        # and the cell stands out from the table, but stays in its theme:
        # a light cell in a light table, a dark one in a dark table
        assert bg != base
        assert (bg.lightness() < 128) == (base.lightness() < 128)


@pytest.mark.parametrize("status", sorted(style.STATUS_LABELS))
def test_every_status_has_a_word_and_a_mark(status: str, theme: QPalette) -> None:
    assert style.status_label(status) != status  # a word, not an identifier
    icon = style.status_icon(status, theme)
    assert not icon.pixmap(16, 16).isNull()


def test_contrast_ratio_is_wcag() -> None:
    assert style.contrast_ratio(QColor("black"), QColor("white")) == pytest.approx(21)
    assert style.contrast_ratio(QColor("#777777"), QColor("#777777")) == pytest.approx(1)
