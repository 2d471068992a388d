"""Switching user without restarting (File > Switch user…, Ctrl+Shift+U):
the picker offers the active users, and the window then acts as the one
chosen: the status bar says who, what their role may not do is disabled
and says why (in the menu and in every open case), the store refuses it
anyway, and the choice is remembered for the next start."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.gui.case_view import CaseView
from conneqt_dpo.gui.main_window import (
    NEW_REQUEST_NOT_YOURS,
    SETTINGS_NOT_YOURS,
    SETTINGS_TIP,
    MainWindow,
)
from conneqt_dpo.gui.nav import View
from conneqt_dpo.gui.reminders import ONLY_DPO
from conneqt_dpo.gui.user_picker import LastUser, UserPickerDialog
from conneqt_dpo.gui.user_switch import NOT_SWITCHED, SWITCH_TITLE
from conneqt_dpo.store.services import Services
from tests.conftest import as_user
from tests.gui.conftest import log

MakeWindow = Callable[..., MainWindow]
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
# What only a DPO decides, and what anyone who works on cases may do.
DPO_ONLY = ("approve", "refuse", "extended")


@pytest.fixture
def memory(tmp_path: Path) -> LastUser:
    return LastUser(QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat))


def open_picker(qtbot: QtBot, w: MainWindow) -> UserPickerDialog:
    target = QApplication.focusWidget() or w
    qtbot.keyClick(target, Qt.Key.Key_U, CTRL_SHIFT)
    picker = w.user_switch.picker
    assert isinstance(picker, UserPickerDialog) and picker.isVisible()
    return picker


def offered(picker: UserPickerDialog) -> list[str]:
    items = (picker.list.item(i) for i in range(picker.list.count()))
    return [str(i.data(Qt.ItemDataRole.UserRole)) for i in items if i is not None]


def switch(qtbot: QtBot, w: MainWindow, login: str) -> None:
    """Choose `login` with the arrow keys and press Enter."""
    picker = open_picker(qtbot, w)
    logins = offered(picker)
    here = logins.index(picker.login() or "")
    key = Qt.Key.Key_Down if logins.index(login) > here else Qt.Key.Key_Up
    for _ in range(abs(logins.index(login) - here)):
        qtbot.keyClick(picker.list, key)
    assert picker.login() == login
    qtbot.keyClick(picker.list, Qt.Key.Key_Return)
    assert not picker.isVisible()


def test_switching_to_support_disables_what_support_may_not_do(
    qtbot: QtBot, svc: Services, make_window: MakeWindow, memory: LastUser
) -> None:
    waiting = log(svc, name="Wes Waiting", email="wes@example.org")
    svc.act(waiting, "start")
    svc.act(waiting, "submit")
    w = make_window(last_user=memory)
    view = w.open_case(waiting)
    assert isinstance(view, CaseView)
    assert all(view.buttons[op].isEnabled() for op in ("approve", "return", "refuse"))
    assert w.switch_user_action.shortcut().toString() == "Ctrl+Shift+U"

    picker = open_picker(qtbot, w)
    assert picker.windowTitle() == SWITCH_TITLE
    assert offered(picker) == ["dpo", "sam", "ada"] and picker.login() == "dpo"
    picker.reject()
    switch(qtbot, w, "sam")

    assert w.me == "sam" and w.services.actor().login == "sam"
    assert w.user_label.text() == "Sam Support — support"
    assert "Working as sam" in w.user_label.toolTip()
    assert "Sam Support" in w.statusBar().currentMessage()
    tip = SETTINGS_NOT_YOURS.format(role="support")
    assert not w.settings_action.isEnabled() and not w.settings_button.isEnabled()
    assert w.settings_action.toolTip() == tip and w.settings_button.toolTip() == tip
    assert w.open_settings() is None
    assert w.new_request_action.isEnabled()  # support logs requests
    # The open case asks again what its user may do: a DPO's decisions are
    # disabled and say why; sending it back is not for support either.
    for op in DPO_ONLY:
        button = view.buttons[op]
        assert not button.isEnabled(), op
        assert "support" in button.toolTip(), (op, button.toolTip())
    assert memory.get() == "sam"
    # The store refuses what the window no longer offers.
    with pytest.raises(DomainError, match="only dpo"):
        w.services.act(waiting, "approve")
    with pytest.raises(DomainError, match="only dpo or admin"):
        w.services.update_settings(due_soon_days=3)
    # And back: everything the DPO may do is offered again, with its tooltip.
    switch(qtbot, w, "dpo")
    assert w.settings_action.isEnabled() and w.settings_action.toolTip() == SETTINGS_TIP
    assert view.buttons["approve"].isEnabled()
    assert memory.get() == "dpo"


def test_an_admin_does_not_log_requests(
    qtbot: QtBot, make_window: MakeWindow, memory: LastUser
) -> None:
    w = make_window(last_user=memory)
    switch(qtbot, w, "ada")
    assert w.user_label.text() == "Ada Admin — admin"
    assert not w.new_request_action.isEnabled() and not w.new_button.isEnabled()
    assert w.new_request_action.toolTip() == NEW_REQUEST_NOT_YOURS.format(role="admin")
    assert w.settings_action.isEnabled()


def test_my_cases_become_the_new_users_cases(
    qtbot: QtBot, svc: Services, make_window: MakeWindow
) -> None:
    mine, theirs = log(svc, name="Dee Mine"), log(svc, name="Sid Theirs")
    svc.assign(mine, "dpo")
    svc.assign(theirs, "sam")
    w = make_window()
    w.show_view(View.MINE)
    assert [w.model.row_at(r).reference for r in range(w.model.rowCount())] == [mine]
    switch(qtbot, w, "sam")
    assert w.assignee.currentText() == "sam"
    assert [w.model.row_at(r).reference for r in range(w.model.rowCount())] == [theirs]
    # What is logged from now on is recorded under sam.
    w.services.add_note(theirs, "Called back")
    assert svc.timeline(theirs)[-1].actor == "sam"


def test_only_active_users_are_offered_and_a_leaver_meanwhile_is_refused(
    qtbot: QtBot, svc: Services, make_window: MakeWindow, memory: LastUser
) -> None:
    svc.add_user(login="kim", name="Kim Helper", role="support")
    svc.add_user(login="lee", name="Lee Left", role="support")
    svc.deactivate_user("lee")
    w = make_window(last_user=memory)
    picker = open_picker(qtbot, w)
    assert "lee" not in offered(picker) and "kim" in offered(picker)
    as_user(svc, "ada").deactivate_user("kim")  # while the list is shown
    picker.choose_login("kim")
    qtbot.mouseClick(picker.ok_button, Qt.MouseButton.LeftButton)
    box = w.user_switch.message_box
    assert box is not None and box.isVisible() and box.windowTitle() == NOT_SWITCHED
    assert "deactivated" in box.text()
    assert w.me == "dpo" and w.user_label.text() == "Dana Officer — dpo"
    assert memory.get() is None
    box.close()


def test_cancelling_the_picker_changes_nothing(
    qtbot: QtBot, make_window: MakeWindow, memory: LastUser
) -> None:
    w = make_window(last_user=memory)
    picker = open_picker(qtbot, w)
    qtbot.keyClick(picker.list, Qt.Key.Key_Escape)
    assert not picker.isVisible()
    assert w.me == "dpo" and memory.get() is None and w.settings_action.isEnabled()


def test_an_open_reminder_notice_follows_the_new_user(
    qtbot: QtBot, svc: Services, make_window: MakeWindow
) -> None:
    stale = log(svc, days_ago=40, name="Ivo Unverified")
    svc.act(stale, "request-identity", on=dt.date(2026, 10, 20))
    w = make_window()
    w.show_reminders()
    notice = w.reminding.notice if w.reminding is not None else None
    assert notice is not None and notice.isVisible()
    notice.select("stale_identity", stale)
    assert notice.refuse_button.isEnabled()
    switch(qtbot, w, "sam")
    assert notice.isVisible() and notice.selected_reference() == stale
    assert not notice.refuse_button.isEnabled()
    assert notice.refuse_button.toolTip() == ONLY_DPO.format(role="support")
