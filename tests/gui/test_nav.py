"""The navigation pane: what each queue asks the store (no Qt needed), the
due-date window, and the pane's model."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester

from conneqt_dpo.gui import nav
from conneqt_dpo.gui.nav import COUNT_ROLE, SPECS, NavModel, View, query_for
from conneqt_dpo.store.casework_services import QueueCounts
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import CaseQuery
from tests.gui.conftest import Queue, log

TODAY = dt.date(2026, 11, 24)
COUNTS = QueueCounts(triage=2, mine=1, due_soon=1, overdue=3, awaiting_approval=0, open=9,
                     closed=4)  # fmt: skip


@pytest.mark.parametrize(
    ("view", "query"),
    [
        (View.TRIAGE, CaseQuery(state="new")),
        (View.MINE, CaseQuery(open_only=True, assignee="sam")),
        (View.DUE_SOON, CaseQuery(due_from=TODAY, due_to=dt.date(2026, 12, 1))),
        (View.OVERDUE, CaseQuery(overdue_on=TODAY)),
        (View.AWAITING_APPROVAL, CaseQuery(state="awaiting-approval")),
        (View.OPEN, CaseQuery(open_only=True)),
        (View.CLOSED, CaseQuery(closed_only=True)),
        (View.ALL, CaseQuery()),
    ],
)  # fmt: skip
def test_each_queue_asks_the_store(view: View, query: CaseQuery) -> None:
    assert query_for(view, today=TODAY, me="sam") == query


def test_the_filters_refine_a_queue_but_keep_what_it_fixes() -> None:
    mine = query_for(View.MINE, today=TODAY, me="sam")
    q = nav.apply_filters(mine, text="ros", regime="ccpa", state="in-progress",
                          assignee="dpo", sort="requester", descending=True)  # fmt: skip
    assert q == CaseQuery(open_only=True, assignee="sam", text="ros", regime="ccpa",
                          state="in-progress", sort="requester", descending=True)  # fmt: skip
    triage = query_for(View.TRIAGE, today=TODAY, me="sam")
    q = nav.apply_filters(triage, text="", regime=None, state=None, assignee=None,
                          sort="due", descending=False)  # fmt: skip
    assert q == CaseQuery(state="new")


def test_the_due_window_holds_the_open_cases_due_within_seven_days(
    svc: Services, queue: Queue
) -> None:
    q = query_for(View.DUE_SOON, today=svc.today(), me="dpo")
    rows = svc.list_cases(q)
    assert [r.reference for r in rows] == [queue.due_soon]
    assert svc.count_cases(q) == 1
    # the same number the pane shows
    assert svc.queue_counts(svc.today()).due_soon == 1


@pytest.mark.parametrize(
    ("sort", "descending"), [("due", False), ("due", True), ("requester", False)]
)
def test_the_due_window_pages_in_any_order(svc: Services, sort: str, descending: bool) -> None:
    inside = [log(svc, days_ago=25 + i, name=f"Person {i}") for i in range(5)]
    log(svc, days_ago=70, name="Long Overdue")  # before the window
    log(svc, days_ago=40, name="Also Overdue")
    log(svc, name="Fresh")  # after it
    q = replace(query_for(View.DUE_SOON, today=svc.today(), me="dpo"), sort=sort,
                descending=descending)  # fmt: skip

    def page(offset: int, limit: int | None) -> list[str]:
        rows = svc.list_cases(replace(q, offset=offset, limit=limit))
        return [r.reference for r in rows]

    everything = page(0, None)
    expected = list(reversed(inside))  # due first: the oldest request first
    if sort == "requester":
        expected = inside  # Person 0 ... Person 4
    elif descending:
        expected = inside
    assert everything == expected
    assert page(0, 2) + page(2, 2) + page(4, 2) == everything
    assert page(5, 2) == [] and page(9, 2) == []
    assert svc.count_cases(q) == 5


def test_the_due_window_with_the_users_filters(svc: Services, queue: Queue) -> None:
    q = query_for(View.DUE_SOON, today=svc.today(), me="dpo")
    assert svc.count_cases(replace(q, text="ben")) == 1
    assert svc.count_cases(replace(q, text="cleo")) == 0  # overdue: before it
    assert svc.list_cases(replace(q, regime="ccpa")) == []


def test_nav_model_contract(qtmodeltester: ModelTester) -> None:
    m = NavModel()
    qtmodeltester.check(m, force_py=True)
    qtmodeltester.check(m)
    m.set_counts(COUNTS)
    qtmodeltester.check(m)
    assert m.rowCount() == len(SPECS)


def test_nav_model_says_each_queue_and_its_count() -> None:
    m = NavModel()
    labels = [m.index(r).data() for r in range(m.rowCount())]
    assert labels == ["Triage inbox", "My cases", "Due in 7 days", "Overdue",
                      "Awaiting approval", "All open", "Closed", "All cases"]  # fmt: skip
    assert m.index(0).data(COUNT_ROLE) is None  # not counted yet
    m.set_counts(COUNTS)
    counts = [m.index(r).data(COUNT_ROLE) for r in range(m.rowCount())]
    assert counts == [2, 1, 1, 3, 0, 9, 4, 13]
    overdue = m.index(m.row_of(View.OVERDUE))
    assert overdue.data(Qt.ItemDataRole.AccessibleTextRole) == "Overdue: 3 cases"
    assert m.index(m.row_of(View.MINE)).data(Qt.ItemDataRole.AccessibleTextRole) == (
        "My cases: 1 case"
    )
    assert overdue.data(Qt.ItemDataRole.ToolTipRole)
