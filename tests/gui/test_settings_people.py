"""Deactivating a leaver on the People page: someone with open cases is
not deactivated until the DPO says who takes those cases over; the cases
move in the same change, each one audited."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from conneqt_dpo.gui.settings_dialog import SettingsDialog
from conneqt_dpo.gui.settings_lists import HandOverDialog
from conneqt_dpo.gui.worker import SyncRunner
from conneqt_dpo.store.services import Services
from tests.gui.conftest import log

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def cases(svc: Services) -> list[str]:
    """Two open cases and a withdrawn one assigned to sam; kim, support too."""
    refs = [log(svc, name=f"Person {n}", email=f"p{n}@example.org") for n in range(3)]
    for ref in refs:
        svc.assign(ref, "sam")
    svc.act(refs[2], "withdraw")
    svc.add_user(login="kim", name="Kim Helper", role="support")
    return refs


@pytest.fixture
def dialog(qtbot: QtBot, svc: Services) -> SettingsDialog:
    d = SettingsDialog(svc, SyncRunner())
    qtbot.addWidget(d)
    d.show()
    d.show_page(d.users)
    return d


def assignees(svc: Services, refs: list[str]) -> list[str | None]:
    return [svc.get_case(ref).row.assignee for ref in refs]


def is_active(svc: Services, login: str) -> bool:
    return next(u.active for u in svc.users() if u.login == login)


def cell(d: SettingsDialog, login: str, column: int) -> str:
    row = [u.login for u in d.users.users].index(login)
    item = d.users.table.item(row, column)
    return item.text() if item is not None else ""


def test_a_leaver_with_open_cases_is_asked_about_and_the_cases_handed_over(
    qtbot: QtBot, svc: Services, cases: list[str], dialog: SettingsDialog
) -> None:
    page = dialog.users
    assert cell(dialog, "sam", 5) == "2" and cell(dialog, "dpo", 5) == "0"
    page.select("sam")
    assert "2 open cases" in page.deactivate_button.toolTip()
    qtbot.mouseClick(page.deactivate_button, LEFT)
    form = dialog.form
    assert isinstance(form, HandOverDialog) and form.isVisible()
    assert "still has 2 open cases" in form.intro.text()
    offered = [form.heir.itemData(i) for i in range(form.heir.count())]
    assert offered == ["dpo", "kim"]  # not sam, not the admin
    assert form.heir_login() == "dpo"  # the one deactivating, first
    assert not form.no_one.isVisible()
    assert is_active(svc, "sam")  # nothing done yet
    form.heir.setFocus()
    qtbot.keyClick(form.heir, Qt.Key.Key_Down)
    assert form.heir_login() == "kim"
    qtbot.mouseClick(form.ok_button, LEFT)
    assert not form.isVisible()
    assert not is_active(svc, "sam")
    assert assignees(svc, cases) == ["kim", "kim", "sam"]
    assert "now kim's" in dialog.status.text()
    assert cell(dialog, "kim", 5) == "2" and cell(dialog, "sam", 4) == "Deactivated"
    assert svc.timeline(cases[0])[-1].text == "Assigned to kim"


def test_cancelling_the_hand_over_changes_nothing(
    qtbot: QtBot, svc: Services, cases: list[str], dialog: SettingsDialog
) -> None:
    dialog.users.select("sam")
    qtbot.mouseClick(dialog.users.deactivate_button, LEFT)
    form = dialog.form
    assert isinstance(form, HandOverDialog)
    qtbot.keyClick(form.heir, Qt.Key.Key_Escape)
    assert not form.isVisible() and dialog.isVisible()
    assert is_active(svc, "sam") and assignees(svc, cases) == ["sam", "sam", "sam"]


def test_no_one_to_hand_over_to_is_said_and_ok_stays_off(qtbot: QtBot, svc: Services) -> None:
    ref = log(svc)
    svc.assign(ref, "dpo")
    svc.add_user(login="dee", name="Dee Puty", role="dpo")
    d = SettingsDialog(Services(svc.store, user="ada", clock=svc.clock), SyncRunner())
    qtbot.addWidget(d)
    d.show()
    svc.deactivate_user("sam")
    d.presenter.load()
    d.users.select("dee")
    qtbot.mouseClick(d.users.deactivate_button, LEFT)  # no open cases: at once
    assert not is_active(svc, "dee")
    d.users.select("dpo")
    qtbot.mouseClick(d.users.deactivate_button, LEFT)
    form = d.form
    assert isinstance(form, HandOverDialog)
    assert form.heir.count() == 0 and not form.ok_button.isEnabled()
    assert form.no_one.isVisible() and "add or reactivate" in form.no_one.text()
    form.reject()


def test_cases_assigned_meanwhile_are_caught_by_the_store(
    qtbot: QtBot, svc: Services, dialog: SettingsDialog
) -> None:
    ref = log(svc)
    svc.assign(ref, "sam")  # after the page was filled: it still shows 0
    dialog.users.select("sam")
    qtbot.mouseClick(dialog.users.deactivate_button, LEFT)
    box = dialog.message_box
    assert box is not None and box.isVisible()
    assert "'sam' still has 1 open case assigned" in box.text()
    assert is_active(svc, "sam")
    box.close()
    # The page has asked the store again: now it asks who takes the case.
    dialog.users.select("sam")
    qtbot.mouseClick(dialog.users.deactivate_button, LEFT)
    assert isinstance(dialog.form, HandOverDialog)
    dialog.form.reject()
