"""Nothing typed is lost: a process types a request into the intake dialog
(offscreen, the real debounce and thread pool) and is killed with SIGKILL,
with no chance to save anything more; the next start offers the draft, and
continuing shows what was typed."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from conneqt_dpo.gui.intake_form import DRAFT_KEY
from conneqt_dpo.gui.main_window import MainWindow
from conneqt_dpo.gui.startup import Startup
from conneqt_dpo.gui.user_picker import LastUser
from conneqt_dpo.gui.worker import SyncRunner
from conneqt_dpo.store.services import Services
from tests.conftest import NOW
from tests.gui.typing_then_killed import TYPED

HELPER = Path(__file__).with_name("typing_then_killed.py")
ROOT = Path(__file__).resolve().parents[2]


def read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    """The helper's first line, or fail (with what it said) after `timeout`."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            proc.kill()
            _out, err = proc.communicate()
            pytest.fail(f"the typing process said nothing in {timeout}s; stderr:\n{err}")
    return proc.stdout.readline().strip()


def _raise(e: BaseException) -> None:
    raise e


def click(box: QMessageBox, text: str) -> None:
    (button,) = [b for b in box.buttons() if b.text().replace("&", "") == text]
    button.click()


@pytest.mark.slow
def test_the_draft_survives_a_killed_process(qtbot: QtBot, svc: Services, tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(HELPER), svc.store.url, NOW.isoformat()],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        assert read_line(proc, timeout=60) == "READY"
    finally:
        proc.send_signal(signal.SIGKILL)  # no clean shutdown, no last save
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL

    # The next start, as the app starts: the only user, the window, the offer.
    shown: list[MainWindow] = []
    startup = Startup(
        lambda login: Services(svc.store, user=login, clock=svc.clock),
        lambda services: MainWindow(services, runner=SyncRunner()),
        runner=SyncRunner(),
        on_error=_raise,
        last_user=LastUser(QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)),
        user="dpo",
    )
    startup.ready.connect(shown.append)
    startup.begin()
    (window,) = shown
    qtbot.addWidget(window)
    box = window.message_box
    assert box is not None and box.isVisible()
    assert "Kim Killed" in box.text()
    click(box, "Continue logging")
    d = window.intake
    assert d is not None and d.isVisible()
    assert d.channel.currentData() == "phone"
    for field, text in TYPED.items():
        widget = getattr(d, field)
        assert (widget.toPlainText() if field == "note" else widget.text()) == text
    assert [draft.key for draft in svc.drafts()] == [DRAFT_KEY]
