"""The store's passphrase, asked for by the app: the dialogs filled in as a
person does (keys typed, buttons clicked) and the real store opened or
created with their answers. ``run`` stands in for the modal loop: it fills
the dialog and returns its result."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QDialog, QLineEdit
from pytestqt.qtbot import QtBot

from conneqt_dpo.gui.unlock import (
    BACKUP_TEXT,
    RULE,
    WRONG,
    NewPassphraseDialog,
    PassphraseDialog,
    UnlockCancelled,
    explain_store_error,
    gui_unlock,
)
from conneqt_dpo.store import keys
from conneqt_dpo.store.errors import StoreUnavailable
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.store import Store, open_store
from tests.conftest import PASSPHRASE, FrozenClock
from tests.memory_keyring import MemoryKeyring

LEFT = Qt.MouseButton.LeftButton
NEW = "a new passphrase, long enough"


@pytest.fixture
def no_passphrase_given(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a desktop: no CONNEQT_DPO_PASSPHRASE, so the app asks."""
    monkeypatch.delenv(keys.PASSPHRASE_ENV, raising=False)


@pytest.fixture
def locked(store: Store, memory_keyring: MemoryKeyring, no_passphrase_given: None) -> Path:
    """An existing store whose key no keyring holds (a machine without one,
    or an entry that was lost); its data folder."""
    store.close()
    memory_keyring.entries.clear()
    return store.paths.data_dir


def tick(qtbot: QtBot, box: QCheckBox) -> None:
    qtbot.mouseClick(box, LEFT, pos=QPoint(7, box.height() // 2))


def answering(qtbot: QtBot, *answers: str | None) -> tuple[Callable[[QDialog], int], list[str]]:
    """A `run` that types each answer in turn and clicks Open (None: Quit);
    and the wrong-passphrase message the dialog showed each time."""
    todo: Iterator[str | None] = iter(answers)
    seen: list[str] = []

    def run(dialog: QDialog) -> int:
        assert isinstance(dialog, PassphraseDialog)
        qtbot.addWidget(dialog)
        seen.append(dialog.error.text() if dialog.error.isVisibleTo(dialog) else "")
        answer = next(todo)
        if answer is None:
            qtbot.mouseClick(dialog.cancel_button, LEFT)
        else:
            qtbot.keyClicks(dialog.passphrase, answer)
            qtbot.mouseClick(dialog.ok_button, LEFT)
        return dialog.result()

    return run, seen


def test_the_passphrase_dialog_masks_shows_and_needs_something(qtbot: QtBot) -> None:
    d = PassphraseDialog()
    qtbot.addWidget(d)
    with qtbot.waitExposed(d):
        d.show()
    assert d.passphrase.echoMode() == QLineEdit.EchoMode.Password
    assert not d.ok_button.isEnabled() and d.ok_button.text() == "Open"
    assert d.cancel_button.text() == "Quit"
    qtbot.keyClicks(d.passphrase, "secret")
    assert d.ok_button.isEnabled()
    tick(qtbot, d.show_box)
    assert d.passphrase.echoMode() == QLineEdit.EchoMode.Normal
    tick(qtbot, d.show_box)
    assert d.passphrase.echoMode() == QLineEdit.EchoMode.Password
    assert not d.error.isVisibleTo(d)
    d.show_wrong()
    assert d.error.isVisibleTo(d) and d.error.text() == WRONG
    assert d.passphrase.text() == "" and not d.ok_button.isEnabled()


def test_a_wrong_passphrase_is_said_inline_and_the_right_one_opens(
    qtbot: QtBot, locked: Path, clock: FrozenClock, memory_keyring: MemoryKeyring
) -> None:
    run, seen = answering(qtbot, "not the passphrase", PASSPHRASE)
    store = open_store(data_dir=locked, clock=clock, unlock=gui_unlock(run=run))
    try:
        assert seen == ["", WRONG]  # asked again, saying why
        assert Services(store).users() == []  # it is the store, open
    finally:
        store.close()
    assert memory_keyring.entries  # a working keyring gets the key back


def test_quit_leaves_the_store_locked_and_says_so(
    qtbot: QtBot, locked: Path, clock: FrozenClock
) -> None:
    run, _seen = answering(qtbot, None)
    with pytest.raises(UnlockCancelled) as e:
        open_store(data_dir=locked, clock=clock, unlock=gui_unlock(run=run))
    assert explain_store_error(e.value) == (
        "The store was not opened: no passphrase was entered. Nothing was changed.")  # fmt: skip


def test_three_wrong_passphrases_are_a_clear_message(
    qtbot: QtBot, locked: Path, clock: FrozenClock
) -> None:
    run, seen = answering(qtbot, "wrong one", "wrong two", "wrong three")
    with pytest.raises(keys.WrongPassphrase) as e:
        open_store(data_dir=locked, clock=clock, unlock=gui_unlock(run=run))
    assert seen == ["", WRONG, WRONG]
    message = explain_store_error(e.value)
    assert message.startswith("The passphrase was wrong too many times")
    assert "Nothing was changed" in message
    # Nothing was destroyed: the right passphrase still opens it.
    run, _ = answering(qtbot, PASSPHRASE)
    open_store(data_dir=locked, clock=clock, unlock=gui_unlock(run=run)).close()


def test_the_new_passphrase_dialog_refuses_short_or_mismatched(qtbot: QtBot) -> None:
    d = NewPassphraseDialog()
    qtbot.addWidget(d)
    with qtbot.waitExposed(d):
        d.show()
    f = d.fields
    assert BACKUP_TEXT.startswith("• The passphrase.")
    assert f.hint.text() == RULE and f.problem_shown() is None
    qtbot.keyClicks(f.first, "short")
    qtbot.keyClicks(f.again, "short")
    assert f.problem_shown() == (
        f"The passphrase must be at least {keys.MIN_PASSPHRASE} characters long.")  # fmt: skip
    assert not d.ok_button.isEnabled()
    f.first.clear()
    f.again.clear()
    qtbot.keyClicks(f.first, " " * 12)
    assert f.problem_shown() == "The passphrase must not be empty or only spaces."
    f.first.clear()
    qtbot.keyClicks(f.first, NEW)
    qtbot.keyClicks(f.again, NEW[:-1] + "X")
    assert f.problem_shown() == "The two passphrases differ."
    assert not d.ok_button.isEnabled()
    qtbot.keyClick(f.again, Qt.Key.Key_Backspace)
    qtbot.keyClicks(f.again, NEW[-1])
    assert f.problem_shown() is None and f.hint.text() == RULE
    assert d.ok_button.isEnabled() and d.ok_button.text() == "Encrypt the store"
    tick(qtbot, f.show_box)
    assert f.first.echoMode() == f.again.echoMode() == QLineEdit.EchoMode.Normal


def test_a_new_store_is_created_with_the_passphrase_chosen(
    qtbot: QtBot, data_dir: Path, clock: FrozenClock, no_passphrase_given: None,
    memory_keyring: MemoryKeyring,
) -> None:  # fmt: skip
    def run(dialog: QDialog) -> int:
        assert isinstance(dialog, NewPassphraseDialog)
        qtbot.addWidget(dialog)
        qtbot.keyClicks(dialog.fields.first, NEW)
        qtbot.keyClicks(dialog.fields.again, NEW)
        qtbot.mouseClick(dialog.ok_button, LEFT)
        return dialog.result()

    store = open_store(data_dir=data_dir, clock=clock, unlock=gui_unlock(run=run))
    store.close()
    assert (data_dir / "store.key.json").exists()
    # The passphrase chosen is the one that opens it where no keyring holds the key.
    memory_keyring.entries.clear()
    run_open, _ = answering(qtbot, NEW)
    open_store(data_dir=data_dir, clock=clock, unlock=gui_unlock(run=run_open)).close()


def test_cancelling_the_new_passphrase_creates_nothing(
    qtbot: QtBot, data_dir: Path, clock: FrozenClock, no_passphrase_given: None
) -> None:
    def run(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.reject()
        return dialog.result()

    with pytest.raises(UnlockCancelled):
        open_store(data_dir=data_dir, clock=clock, unlock=gui_unlock(run=run))
    assert not (data_dir / "store.key.json").exists()
    assert not (data_dir / "store.db").exists()


def test_store_errors_are_explained(tmp_path: Path) -> None:
    missing = keys.KeyFileMissing(f"the key file {tmp_path}/store.key.json is missing")
    text = explain_store_error(missing)
    assert text.startswith("The store's key file is missing")
    assert "conneqt-dpo key import FILE" in text and "left untouched" in text
    locked = explain_store_error(keys.KeyLocked("the store is locked"))
    assert "keyring does not hold its key" in locked and keys.PASSPHRASE_ENV in locked
    env = explain_store_error(keys.WrongPassphrase(
        f"the passphrase in {keys.PASSPHRASE_ENV} is wrong; nothing was changed"))  # fmt: skip
    assert env.startswith(f"The passphrase in the environment variable {keys.PASSPHRASE_ENV}")
    damaged = explain_store_error(keys.KeyFileError("the key file is damaged"))
    assert damaged.startswith("The store's key file cannot be used")
    unavailable = explain_store_error(StoreUnavailable("cannot create the store in /nowhere"))
    assert unavailable == "The store cannot be opened.\n\nCannot create the store in /nowhere."
