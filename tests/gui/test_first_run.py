"""The first run on a computer with no store yet: one dialog asks who the
DPO is and the store's passphrase (twice), says what to keep safe, and the
store is created with those answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from conneqt_dpo.gui.first_start import (
    FirstRun,
    FirstStartDialog,
    ask_first_run,
    create_first_dpo,
    is_new_store,
)
from conneqt_dpo.gui.unlock import BACKUP_TEXT
from conneqt_dpo.store import keys
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.store import open_store
from tests.conftest import FrozenClock
from tests.memory_keyring import MemoryKeyring

LEFT = Qt.MouseButton.LeftButton
CHOSEN = "four unrelated words here"


@pytest.fixture(autouse=True)
def _no_passphrase_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(keys.PASSPHRASE_ENV, raising=False)


def test_a_missing_store_is_new_and_an_existing_one_is_not(
    data_dir: Path, clock: FrozenClock
) -> None:
    assert is_new_store(data_dir=data_dir)
    run = FirstRun("Dana Officer", "dpo@example.org", CHOSEN)
    open_store(data_dir=data_dir, clock=clock, unlock=run.unlock()).close()
    assert not is_new_store(data_dir=data_dir)
    assert not is_new_store("postgresql+psycopg://db.example/conneqt", data_dir=data_dir)


def test_the_first_run_asks_for_the_dpo_and_the_passphrase_then_creates_the_store(
    qtbot: QtBot, data_dir: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:  # fmt: skip
    said: list[str] = []

    def run(dialog: QDialog) -> int:
        assert isinstance(dialog, FirstStartDialog) and dialog.passphrase is not None
        qtbot.addWidget(dialog)
        with qtbot.waitExposed(dialog):
            dialog.show()
        said.extend(label.text() for label in dialog.findChildren(type(dialog.name_field.hint)))
        f = dialog.passphrase
        qtbot.keyClicks(dialog.name, "Dana Officer")
        qtbot.keyClicks(dialog.email, "dana@example.org")
        qtbot.keyClicks(f.first, "too short")
        qtbot.keyClicks(f.again, "too short")
        assert not dialog.ok_button.isEnabled()
        assert f.problem_shown() == "The passphrase must be at least 10 characters long."
        f.first.clear()
        f.again.clear()
        qtbot.keyClicks(f.first, CHOSEN)
        qtbot.keyClicks(f.again, CHOSEN + "!")
        assert not dialog.ok_button.isEnabled()
        assert f.problem_shown() == "The two passphrases differ."
        qtbot.keyClick(f.again, Qt.Key.Key_Backspace)
        assert dialog.ok_button.isEnabled() and dialog.ok_button.text() == "Create the store"
        qtbot.mouseClick(dialog.ok_button, LEFT)
        return dialog.result()

    first = ask_first_run(run=run)
    assert BACKUP_TEXT in said  # what to keep safe is on the form
    assert first == FirstRun("Dana Officer", "dana@example.org", CHOSEN)
    assert CHOSEN not in repr(first)  # never in a log line by accident

    # A passphrase left in the environment for scripts does not win over it.
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "a scripted passphrase here")
    store = open_store(data_dir=data_dir, clock=clock, unlock=first.unlock())
    try:
        dpo = create_first_dpo(Services(store), first)
        assert (dpo.login, dpo.name, dpo.email, dpo.role) == (
            "dpo", "Dana Officer", "dana@example.org", "dpo")  # fmt: skip
    finally:
        store.close()
    assert (data_dir / "store.key.json").exists()
    memory_keyring.entries.clear()  # only the passphrase opens it now
    monkeypatch.setenv(keys.PASSPHRASE_ENV, CHOSEN)
    open_store(data_dir=data_dir, clock=clock).close()


def test_cancelling_the_first_run_creates_nothing(qtbot: QtBot, data_dir: Path) -> None:
    def run(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.reject()
        return dialog.result()

    assert ask_first_run(run=run) is None
    assert is_new_store(data_dir=data_dir)


def test_a_store_that_exists_asks_for_its_dpo_only(qtbot: QtBot) -> None:
    # (FirstStart, as the start-up uses it once the store is open.)
    d = FirstStartDialog()
    qtbot.addWidget(d)
    assert d.passphrase is None and d.ok_button.text() == "Create the DPO"
