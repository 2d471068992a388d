"""The queue's table model: Qt's model contract, paging, and what each cell
says and how it is flagged."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester

from conneqt_dpo.gui.case_model import (
    COLUMNS,
    DAYS_LEFT_COLUMN,
    DUE_COLUMN,
    REQUESTER_COLUMN,
    CaseTableModel,
    Urgency,
    urgency,
)
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import CaseQuery
from tests.gui.conftest import Queue, log

DISPLAY = Qt.ItemDataRole.DisplayRole
BACKGROUND = Qt.ItemDataRole.BackgroundRole
FOREGROUND = Qt.ItemDataRole.ForegroundRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole


def model_over(svc: Services, *, page_size: int = 500) -> CaseTableModel:
    m = CaseTableModel(svc.list_cases, svc.count_cases, svc.today, page_size=page_size)
    m.set_query(CaseQuery())
    return m


def cells(m: CaseTableModel, reference: str) -> dict[str, object]:
    row = m.row_of(reference)
    assert row is not None
    return {header: m.data(m.index(row, c), DISPLAY) for c, (header, _, _) in enumerate(COLUMNS)}


def test_model_contract_with_a_few_cases(qtmodeltester: ModelTester, svc: Services,
                                         queue: Queue) -> None:
    m = model_over(svc)
    qtmodeltester.check(m, force_py=True)
    qtmodeltester.check(m)  # Qt's own QAbstractItemModelTester as well
    for column in range(m.columnCount()):  # and after each sort, which resets the model
        m.sort(column, Qt.SortOrder.DescendingOrder)
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


def test_rows_arrive_a_page_at_a_time(svc: Services) -> None:
    refs = [log(svc, name=f"Person {i}", days_ago=i) for i in range(5)]
    m = model_over(svc, page_size=2)
    assert (m.rowCount(), m.total) == (2, 5)
    seen = [m.row_at(0).reference, m.row_at(1).reference]
    while m.canFetchMore(QModelIndex()):
        m.fetchMore(QModelIndex())
        seen = [m.row_at(r).reference for r in range(m.rowCount())]
    # Due date first: the oldest request is due first; no case twice or missed.
    assert seen == list(reversed(refs))
    assert m.total == 5


def test_a_page_exactly_full_stops_after_an_empty_fetch(svc: Services) -> None:
    for i in range(4):
        log(svc, name=f"Person {i}")
    m = model_over(svc, page_size=2)
    m.fetchMore(QModelIndex())
    assert m.rowCount() == 4 and m.canFetchMore(QModelIndex())
    m.fetchMore(QModelIndex())  # nothing more: no empty insert, and no more asking
    assert m.rowCount() == 4 and not m.canFetchMore(QModelIndex())


def test_a_page_size_below_one_is_refused(svc: Services) -> None:
    with pytest.raises(ValueError, match="page_size"):
        CaseTableModel(svc.list_cases, svc.count_cases, svc.today, page_size=0)


def test_cells_show_the_case_and_days_left_only_while_the_clock_runs(
    svc: Services, queue: Queue
) -> None:
    m = model_over(svc)
    assert cells(m, queue.overdue) == {
        "Reference": queue.overdue,
        "Regime": "uk-gdpr",
        "Right": "access",
        "State": "in-progress",
        "Received": "2026-09-15",
        "Due": "2026-10-15",
        "Days left": "-40",
        "Requester": "Cleo Overdue",
        "Assignee": "",
    }
    assert cells(m, queue.due_soon)["Days left"] == "3"
    answered = cells(m, queue.answered)
    assert answered["State"] == "responded" and answered["Due"] == "2026-10-26"
    assert answered["Days left"] == ""  # answered: nothing left to count


def test_overdue_and_due_soon_rows_are_flagged_on_the_date_cells_only(
    svc: Services, queue: Queue
) -> None:
    m = model_over(svc)

    def flags(reference: str) -> list[tuple[bool, bool]]:
        row = m.row_of(reference)
        assert row is not None
        return [
            (m.data(m.index(row, c), BACKGROUND) is not None,
             m.data(m.index(row, c), FOREGROUND) is not None)
            for c in range(m.columnCount())
        ]

    flagged = [(c in (DUE_COLUMN, DAYS_LEFT_COLUMN),) * 2 for c in range(len(COLUMNS))]
    assert flags(queue.overdue) == flagged
    assert flags(queue.due_soon) == flagged
    unflagged = [(False, False)] * len(COLUMNS)
    assert flags(queue.on_track) == unflagged
    assert flags(queue.answered) == unflagged  # late once, but answered: not overdue now
    overdue_bg = m.data(m.index(m.row_of(queue.overdue) or 0, DUE_COLUMN), BACKGROUND)
    soon_bg = m.data(m.index(m.row_of(queue.due_soon) or 0, DUE_COLUMN), BACKGROUND)
    assert overdue_bg != soon_bg
    tip = m.data(m.index(m.row_of(queue.overdue) or 0, DAYS_LEFT_COLUMN), TOOLTIP)
    assert "Overdue by 40 days" in tip
    tip = m.data(m.index(m.row_of(queue.answered) or 0, DAYS_LEFT_COLUMN), TOOLTIP)
    assert tip == "Clock stopped"


def test_days_left_are_right_aligned(svc: Services, queue: Queue) -> None:
    m = model_over(svc)
    align = m.data(m.index(0, DAYS_LEFT_COLUMN), Qt.ItemDataRole.TextAlignmentRole)
    assert align & Qt.AlignmentFlag.AlignRight


def test_the_flags_follow_today(svc: Services, queue: Queue) -> None:
    row = svc.get_case(queue.due_soon).row  # due 27 Nov 2026
    assert urgency(row, dt.date(2026, 11, 19), due_soon_days=7) is None
    assert urgency(row, dt.date(2026, 11, 20), due_soon_days=7) is Urgency.DUE_SOON
    assert urgency(row, dt.date(2026, 11, 27), due_soon_days=7) is Urgency.DUE_SOON
    assert urgency(row, dt.date(2026, 11, 28), due_soon_days=7) is Urgency.OVERDUE


def test_the_requester_cell_tells_the_whole_name_and_email(svc: Services, queue: Queue) -> None:
    m = model_over(svc)
    row = m.row_of(queue.due_soon)
    assert row is not None
    tip = m.data(m.index(row, REQUESTER_COLUMN), TOOLTIP)
    assert tip == "Ben Soon\nben@example.org"
