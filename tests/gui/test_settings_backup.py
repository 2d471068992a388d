"""The data folder page: the data folder shown read-only with a Copy
button, the backup folder chosen with a folder chooser (injected here; a
non-blocking QFileDialog otherwise), and "Back up now", which writes a
new, checked backup off the GUI thread and says where and what it holds,
or why there is none, as a plain message."""

from __future__ import annotations

import errno
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from conneqt_dpo.gui.settings_dialog import NO_BACKUP, SettingsDialog
from conneqt_dpo.gui.settings_presenter import backup_target
from conneqt_dpo.gui.worker import SyncRunner
from conneqt_dpo.store import backup as backup_mod
from conneqt_dpo.store.services import Services
from tests.conftest import NOW, as_user
from tests.gui.conftest import log

LEFT = Qt.MouseButton.LeftButton
NAME = "conneqt-dpo-backup-20261124-100000.db"  # NOW at the organisation


def _raise(e: BaseException) -> None:
    raise e


class Chooser:
    """Stands in for the folder dialog: answers with `answer`."""

    def __init__(self, answer: Path | None) -> None:
        self.answer = answer
        self.started_in: list[str] = []

    def __call__(self, start: str, chosen: Callable[[str], None]) -> None:
        self.started_in.append(start)
        if self.answer is not None:
            chosen(str(self.answer))


@pytest.fixture
def open_dialog(qtbot: QtBot, svc: Services) -> Callable[..., SettingsDialog]:
    def make(services: Services = svc, chooser: Chooser | None = None) -> SettingsDialog:
        d = SettingsDialog(services, SyncRunner(), on_error=_raise, choose_folder=chooser)
        qtbot.addWidget(d)
        d.show()
        d.show_page(d.folder)
        return d

    return make


def test_the_data_folder_is_read_only_and_copied_with_a_click(
    qtbot: QtBot, svc: Services, open_dialog: Callable[..., SettingsDialog]
) -> None:
    d = open_dialog()
    page = d.folder
    assert page.folder.isReadOnly() and page.folder.text() == str(svc.store.paths.data_dir)
    QApplication.clipboard().clear()
    qtbot.mouseClick(page.copy_button, LEFT)
    assert QApplication.clipboard().text() == str(svc.store.paths.data_dir)
    assert "clipboard" in d.status.text()


def test_choose_puts_the_folder_in_the_field_to_be_saved(
    qtbot: QtBot, svc: Services, open_dialog: Callable[..., SettingsDialog], tmp_path: Path
) -> None:
    chooser = Chooser(tmp_path)
    d = open_dialog(chooser=chooser)
    page = d.folder
    qtbot.mouseClick(page.choose_button, LEFT)
    assert chooser.started_in == [str(svc.store.paths.data_dir)]  # nothing set yet
    assert page.backup_edit.text() == str(tmp_path) and page.save_button.isEnabled()
    qtbot.mouseClick(page.save_button, LEFT)
    assert svc.settings().backup_folder == str(tmp_path)
    qtbot.mouseClick(page.choose_button, LEFT)
    assert chooser.started_in[-1] == str(tmp_path)


def test_the_default_chooser_is_a_folder_dialog_that_does_not_block(
    qtbot: QtBot, open_dialog: Callable[..., SettingsDialog], tmp_path: Path
) -> None:
    d = open_dialog()
    qtbot.mouseClick(d.folder.choose_button, LEFT)  # returns: open(), not exec()
    chooser = d.file_dialog
    assert isinstance(chooser, QFileDialog) and chooser.isVisible()
    assert chooser.fileMode() == QFileDialog.FileMode.Directory
    chooser.fileSelected.emit(str(tmp_path))
    chooser.close()
    assert d.folder.backup_edit.text() == str(tmp_path)


def test_back_up_now_writes_a_checked_copy_and_says_where(
    qtbot: QtBot, svc: Services, open_dialog: Callable[..., SettingsDialog], tmp_path: Path
) -> None:
    log(svc, name="Ada One")
    log(svc, name="Ben Two")
    folder = tmp_path / "backups-here"
    folder.mkdir()
    d = open_dialog(chooser=Chooser(folder))
    page = d.folder
    assert not page.backup_result.isVisible()
    qtbot.mouseClick(page.choose_button, LEFT)
    qtbot.mouseClick(page.backup_button, LEFT)
    written = folder / NAME
    assert written.is_file()
    text = page.backup_result.text()
    assert page.backup_result.isVisible() and str(written) in text
    assert "2 cases" in text and "audit events" in text
    assert page.backup_button.isEnabled() and page.backup_button.text() == "&Back up now"
    assert NAME in d.status.text()
    # Again within the same second: a new file, never the first overwritten.
    qtbot.mouseClick(page.backup_button, LEFT)
    assert (folder / NAME.replace(".db", "-2.db")).is_file()


def test_with_no_backup_folder_it_goes_to_the_data_folders_backups(
    qtbot: QtBot, svc: Services, open_dialog: Callable[..., SettingsDialog]
) -> None:
    d = open_dialog()
    qtbot.mouseClick(d.folder.backup_button, LEFT)
    assert (svc.store.paths.backups_dir / NAME).is_file()


def test_a_folder_that_cannot_be_written_is_a_plain_message(
    qtbot: QtBot, svc: Services, open_dialog: Callable[..., SettingsDialog], tmp_path: Path
) -> None:
    d = open_dialog(chooser=Chooser(tmp_path / "gone"))
    page = d.folder
    qtbot.mouseClick(page.choose_button, LEFT)
    qtbot.mouseClick(page.backup_button, LEFT)
    box = d.message_box
    assert box is not None and box.isVisible() and box.windowTitle() == NO_BACKUP
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert "does not exist" in box.text() and str(tmp_path / "gone") in box.text()
    assert page.backup_result.text().startswith("No backup written")
    assert page.backup_button.isEnabled()
    box.close()
    # The default folder blocked by a file of that name: a message too.
    svc.store.paths.backups_dir.write_text("not a folder")
    page.set_backup_folder("")
    qtbot.mouseClick(page.backup_button, LEFT)
    assert d.message_box is not None and "Cannot create the backup folder" in d.message_box.text()


def test_a_full_disk_is_a_plain_message(
    qtbot: QtBot, open_dialog: Callable[..., SettingsDialog], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    def full(_store: object, _target: Path) -> object:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backup_mod, "backup", full)
    d = open_dialog(chooser=Chooser(tmp_path))
    qtbot.mouseClick(d.folder.choose_button, LEFT)
    qtbot.mouseClick(d.folder.backup_button, LEFT)
    box = d.message_box
    assert box is not None and box.isVisible()
    assert "No space left on device" in box.text()


def test_a_relative_folder_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="full path"):
        backup_target("backups", tmp_path, NOW)
    assert backup_target(str(tmp_path), tmp_path / "unused", NOW).name == NAME
    assert not (tmp_path / "unused").exists()


def test_a_support_user_cannot_back_up_from_settings(
    qtbot: QtBot, svc: Services, open_dialog: Callable[..., SettingsDialog]
) -> None:
    d = open_dialog(as_user(svc, "sam"))
    assert not d.folder.isEnabled() and not d.folder.backup_button.isEnabled()
