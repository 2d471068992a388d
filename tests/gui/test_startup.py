"""Starting: a new store asks for its DPO; then who is using the app (the
last one chosen offered first, only the login remembered), unless
CONNEQT_DPO_USER / --user says; a user who cannot act is a message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from conneqt_dpo.gui.first_start import FirstStartDialog
from conneqt_dpo.gui.main_window import MainWindow
from conneqt_dpo.gui.startup import NO_ACTIVE_USER, Startup
from conneqt_dpo.gui.user_picker import LAST_USER_KEY, LastUser, UserPickerDialog, choose
from conneqt_dpo.gui.worker import SyncRunner
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.store import Store
from tests.conftest import FrozenClock

Begin = Callable[..., tuple[Startup, list[MainWindow], list[int]]]


def _raise(e: BaseException) -> None:
    raise e


@pytest.fixture
def memory(tmp_path: Path) -> LastUser:
    return LastUser(QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def begin(qtbot: QtBot, store: Store, clock: FrozenClock, memory: LastUser) -> Begin:
    def start(user: str | None = None) -> tuple[Startup, list[MainWindow], list[int]]:
        windows: list[MainWindow] = []
        codes: list[int] = []
        startup = Startup(
            lambda login: Services(store, user=login, clock=clock),
            lambda services: MainWindow(services, runner=SyncRunner()),
            runner=SyncRunner(), on_error=_raise, last_user=memory, user=user,
        )  # fmt: skip
        startup.ready.connect(windows.append)
        startup.ready.connect(qtbot.addWidget)
        startup.given_up.connect(codes.append)
        startup.begin()
        return startup, windows, codes

    return start


def test_a_new_store_asks_for_its_dpo(qtbot: QtBot, store: Store, begin: Begin) -> None:
    startup, windows, _codes = begin()
    assert startup.first_start is not None
    d = startup.first_start.dialog
    assert isinstance(d, FirstStartDialog) and d.isVisible()
    qtbot.addWidget(d)
    assert not d.ok_button.isEnabled()
    qtbot.keyClicks(d.name, "Dana Officer")
    qtbot.keyClicks(d.email, "dana@")
    assert d.email_field.hint.isVisible() and not d.ok_button.isEnabled()
    qtbot.keyClicks(d.email, "example.org")
    assert not d.email_field.hint.isVisible()
    d.ok_button.click()
    (user,) = Services(store).users()
    assert (user.login, user.name, user.email, user.role) == (
        "dpo", "Dana Officer", "dana@example.org", "dpo")  # fmt: skip
    (window,) = windows  # the only user: no question who it is
    assert window.me == "dpo" and window.isVisible()


def test_cancelling_the_first_start_gives_up(qtbot: QtBot, store: Store, begin: Begin) -> None:
    startup, windows, codes = begin()
    assert startup.first_start is not None and startup.first_start.dialog is not None
    qtbot.addWidget(startup.first_start.dialog)
    startup.first_start.dialog.reject()
    assert codes == [0] and windows == [] and Services(store).users() == []


def test_the_user_is_chosen_the_last_one_offered_first(
    qtbot: QtBot, svc: Services, begin: Begin, memory: LastUser, tmp_path: Path
) -> None:
    memory.set("sam")
    startup, windows, _ = begin()
    picker = startup.picker
    assert isinstance(picker, UserPickerDialog) and picker.isVisible()
    qtbot.addWidget(picker)
    assert picker.login() == "sam"
    assert picker.list.count() == 3
    picker.choose_login("ada")
    picker.ok_button.click()
    (window,) = windows
    assert window.me == "ada"
    assert memory.get() == "ada"
    # Only the login is remembered.
    assert QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat).allKeys() == [
        LAST_USER_KEY]  # fmt: skip


def test_the_environment_or_user_option_decides(
    qtbot: QtBot, svc: Services, begin: Begin, memory: LastUser
) -> None:
    memory.set("sam")
    startup, windows, _ = begin(user="ada")
    assert startup.picker is None
    (window,) = windows
    assert window.me == "ada" and window.settings_action.isEnabled()
    assert memory.get() == "sam"  # a forced user is not remembered


def test_a_deactivated_user_is_a_message_not_a_window(
    qtbot: QtBot, svc: Services, begin: Begin
) -> None:
    svc.deactivate_user("sam")
    startup, windows, codes = begin(user="sam")
    box = startup.message_box
    assert box is not None and box.isVisible() and "deactivated" in box.text()
    assert windows == []
    box.done(0)
    assert codes == [2]


def test_a_deactivated_user_is_not_offered() -> None:
    from conneqt_dpo.store.views import UserView

    users = [UserView(1, "dpo", "Dana", None, "dpo", True),
             UserView(2, "sam", "Sam", None, "support", False),
             UserView(3, "ada", "Ada", None, "admin", True)]  # fmt: skip
    offered, first = choose(users, remembered="sam")
    assert [u.login for u in offered] == ["dpo", "ada"]
    assert first is not None and first.login == "dpo"  # sam left: the first DPO
    offered, first = choose(users[:2], remembered=None)
    assert offered == [] and first is not None and first.login == "dpo"
    assert choose(users[1:2], remembered=None) == ([], None)
    assert NO_ACTIVE_USER.startswith("This store has no active user")
