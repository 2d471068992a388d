"""Reminders on the frozen day (Tue 24 Nov 2026): the notice lists the cases
overdue, due soon, the open tasks of overdue cases and the cases waiting
too long for identity, and a DPO closes a stale one as not verified."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from pytestqt.qtbot import QtBot

from conneqt_dpo.gui.bus import ChangeBus
from conneqt_dpo.gui.main_window import MainWindow
from conneqt_dpo.gui.reminders import (
    NOTHING,
    ONLY_DPO,
    ReminderNotice,
    ReminderPresenter,
    summary,
)
from conneqt_dpo.gui.worker import SyncRunner
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import Reminders
from tests.conftest import as_user
from tests.gui.conftest import log

MakeWindow = Callable[..., MainWindow]
TODAY = dt.date(2026, 11, 24)


@dataclass(frozen=True)
class Chase:
    overdue: str  # received in September, started, a task open
    due_soon: str  # received 27 Oct: due Fri 27 Nov, 3 working days
    on_track: str  # received today
    stale: str  # identity asked for on 20 Oct, never came


@pytest.fixture
def chase(svc: Services) -> Chase:
    overdue = log(svc, days_ago=70, name="Cleo Overdue")
    svc.act(overdue, "start")
    svc.add_task(overdue, "CRM")
    due_soon = log(svc, days_ago=28, name="Ben Soon")
    on_track = log(svc, name="Ada Fresh")
    stale = log(svc, days_ago=40, name="Ivo Unverified")
    svc.act(stale, "request-identity", on=dt.date(2026, 10, 20))
    return Chase(overdue, due_soon, on_track, stale)


def notice_for(qtbot: QtBot, services: Services, bus: ChangeBus) -> ReminderNotice:
    opened: list[str] = []
    notice = ReminderNotice(services, bus, SyncRunner(), role=services.actor().role,
                            open_case=opened.append)  # fmt: skip
    qtbot.addWidget(notice)
    notice.show_reminders(services.reminders())
    notice.opened = opened  # type: ignore[attr-defined]
    return notice


def test_the_services_and_the_notice_agree_on_what_to_chase(
    qtbot: QtBot, svc: Services, chase: Chase
) -> None:
    found = svc.reminders()
    assert [r.reference for r in found.overdue] == [chase.overdue]
    assert [r.reference for r in found.due_soon] == [chase.due_soon]
    assert found.overdue_tasks == ((chase.overdue, "CRM"),)
    assert [r.reference for r in found.stale_identity] == [chase.stale]

    notice = notice_for(qtbot, svc, ChangeBus())
    assert notice.entries("overdue") == [chase.overdue]
    assert notice.entries("due_soon") == [chase.due_soon]
    assert notice.entries("overdue_tasks") == [chase.overdue]
    assert notice.entries("stale_identity") == [chase.stale]
    assert chase.on_track not in str([notice.entries(s) for s in ("overdue", "due_soon")])
    assert notice.intro.text() == (
        "On Tue 24 Nov 2026: 1 overdue, 1 due soon, 1 open task on overdue cases, "
        "1 waiting too long for identity."
    )
    notice.select("due_soon", chase.due_soon)
    item = notice.tree.currentItem()
    assert item is not None and item.text(3) == "due Fri 27 Nov 2026, 3 days left"
    assert item.text(1) == "Ben Soon"
    notice.open_button.click()
    assert notice.opened == [chase.due_soon]  # type: ignore[attr-defined]


def test_a_dpo_closes_a_stale_case_as_not_verified(
    qtbot: QtBot, svc: Services, chase: Chase
) -> None:
    bus = ChangeBus()
    notice = notice_for(qtbot, svc, bus)
    notice.select("overdue", chase.overdue)
    assert not notice.refuse_button.isEnabled()  # only for a stale identity case
    notice.select("stale_identity", chase.stale)
    assert notice.refuse_button.isEnabled()
    dialog = notice.close_as_not_verified()
    assert dialog is not None and dialog.isVisible()
    assert dialog.reason_code() == "identity-not-verified"
    assert dialog.warning is not None  # the refusal's reason is read by the requester
    bus.cases_changed.connect(lambda _c: notice.show_reminders(svc.reminders()))
    dialog.ok_button.click()
    assert not dialog.isVisible()
    case = svc.get_case(chase.stale)
    assert case.row.state == "refused"
    assert [e.reason for e in case.events if e.kind == "responded"] == ["identity-not-verified"]
    assert notice.entries("stale_identity") == []


def test_a_support_user_sees_why_they_cannot_close_it(
    qtbot: QtBot, svc: Services, chase: Chase
) -> None:
    notice = notice_for(qtbot, as_user(svc, "sam"), ChangeBus())
    notice.select("stale_identity", chase.stale)
    assert not notice.refuse_button.isEnabled()
    assert notice.refuse_button.toolTip() == ONLY_DPO.format(role="support")
    assert notice.close_as_not_verified() is None


def test_the_window_reminds_at_start_and_on_its_timer(
    qtbot: QtBot, svc: Services, chase: Chase, make_window: MakeWindow
) -> None:
    w = make_window()
    asked: list[Reminders] = []
    reminding = w.start_reminders(interval_ms=90 * 60 * 1000)
    reminding.presenter.found.connect(asked.append)
    notice = reminding.notice
    assert notice is not None and notice.isVisible() and not notice.isModal()
    assert notice.entries("overdue") == [chase.overdue]
    timer = reminding.presenter.timer
    assert timer.isActive() and timer.interval() == 90 * 60 * 1000
    svc.act(chase.overdue, "withdraw")  # from elsewhere (the command line)
    timer.timeout.emit()  # an hour and a half later
    assert len(asked) == 1
    assert notice.entries("overdue") == []  # the open notice follows
    notice.select("due_soon", chase.due_soon)
    notice.open_button.click()
    assert w.case_tabs() == [chase.due_soon]
    w.close()
    assert not timer.isActive()


def test_nothing_to_chase_shows_no_notice_unless_asked(
    qtbot: QtBot, svc: Services, make_window: MakeWindow
) -> None:
    log(svc, name="Ada Fresh")
    w = make_window()
    reminding = w.start_reminders()
    assert reminding.notice is None
    w.reminders_action.trigger()
    assert reminding.notice is not None and reminding.notice.isVisible()
    assert reminding.notice.intro.text() == NOTHING


def test_the_summary_says_each_kind_once(svc: Services, chase: Chase) -> None:
    p = ReminderPresenter(svc, SyncRunner(), on_error=lambda e: None)
    found: list[Reminders] = []
    p.found.connect(found.append)
    p.check()
    assert summary(found[0]).startswith("1 overdue, 1 due soon")
    assert summary(Reminders((), (), (), ())) == NOTHING
