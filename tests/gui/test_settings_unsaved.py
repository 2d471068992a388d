"""Closing the settings with edits not saved (Escape, Close, the window's
close button) asks first: Save saves every page edited and closes, Discard
closes, Cancel stays with everything typed still there. The add and edit
forms ask too before throwing away what was typed in them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot

from conneqt_dpo.gui.main_window import MainWindow
from conneqt_dpo.gui.settings_dialog import UNSAVED_TITLE, SettingsDialog
from conneqt_dpo.gui.settings_lists import SystemDialog, UserDialog
from conneqt_dpo.gui.worker import SyncRunner
from conneqt_dpo.store.services import Services

MakeWindow = Callable[..., MainWindow]
LEFT = Qt.MouseButton.LeftButton
Button = QMessageBox.StandardButton


@pytest.fixture
def dialog(qtbot: QtBot, svc: Services) -> SettingsDialog:
    d = SettingsDialog(svc, SyncRunner())
    qtbot.addWidget(d)
    with qtbot.waitExposed(d):
        d.show()
    return d


def asked(d: SettingsDialog) -> QMessageBox:
    box = d.unsaved_box
    assert box is not None and box.isVisible() and box.windowTitle() == UNSAVED_TITLE
    return box


def answer(qtbot: QtBot, box: QMessageBox, which: QMessageBox.StandardButton) -> None:
    button = box.button(which)
    assert button is not None
    qtbot.mouseClick(button, LEFT)


def type_email(qtbot: QtBot, d: SettingsDialog, text: str) -> None:
    edit = d.organisation.texts["dpo_email"]
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def test_escape_with_typed_input_asks_and_cancel_keeps_it(
    qtbot: QtBot, svc: Services, dialog: SettingsDialog
) -> None:
    type_email(qtbot, dialog, "privacy@conneqt.example")
    qtbot.keyClick(dialog.organisation.texts["dpo_email"], Qt.Key.Key_Escape)
    box = asked(dialog)
    assert "Organisation profile" in box.text()
    assert box.defaultButton() is box.button(Button.Save)
    answer(qtbot, box, Button.Cancel)
    assert dialog.isVisible() and not box.isVisible()
    assert dialog.organisation.texts["dpo_email"].text() == "privacy@conneqt.example"
    assert svc.org_profile().dpo_email != "privacy@conneqt.example"


def test_save_on_close_saves_and_closes(
    qtbot: QtBot, svc: Services, dialog: SettingsDialog
) -> None:
    type_email(qtbot, dialog, "privacy@conneqt.example")
    qtbot.keyClick(dialog.organisation.texts["dpo_email"], Qt.Key.Key_Escape)
    answer(qtbot, asked(dialog), Button.Save)
    assert svc.org_profile().dpo_email == "privacy@conneqt.example"
    assert not dialog.isVisible()


def test_discard_closes_and_the_store_keeps_what_it_had(
    qtbot: QtBot, svc: Services, dialog: SettingsDialog
) -> None:
    before = svc.org_profile().dpo_email
    type_email(qtbot, dialog, "privacy@conneqt.example")
    close = dialog.findChild(QDialogButtonBox)
    assert close is not None
    button = close.button(QDialogButtonBox.StandardButton.Close)
    assert isinstance(button, QPushButton)
    qtbot.mouseClick(button, LEFT)
    answer(qtbot, asked(dialog), Button.Discard)
    assert not dialog.isVisible() and svc.org_profile().dpo_email == before


def test_the_window_close_button_asks_too(qtbot: QtBot, dialog: SettingsDialog) -> None:
    spin = dialog.deadlines.editors["due_soon_days"]
    assert isinstance(spin, QSpinBox)
    dialog.show_page(dialog.deadlines)
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    assert not dialog.close()  # the close is held until the question is answered
    box = asked(dialog)
    assert "Calendars and deadlines" in box.text() and dialog.isVisible()
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # Escape on the question: stay
    assert dialog.isVisible() and spin.value() == 8


def test_every_page_edited_is_saved_one_after_the_other(
    qtbot: QtBot, svc: Services, dialog: SettingsDialog
) -> None:
    type_email(qtbot, dialog, "privacy@conneqt.example")
    spin = dialog.deadlines.editors["due_soon_days"]
    assert isinstance(spin, QSpinBox)
    spin.setValue(10)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    box = asked(dialog)
    assert "Organisation profile" in box.text() and "Calendars and deadlines" in box.text()
    answer(qtbot, box, Button.Save)
    assert svc.org_profile().dpo_email == "privacy@conneqt.example"
    assert svc.settings().due_soon_days == 10
    assert not dialog.isVisible()


def test_a_refusal_while_saving_on_close_keeps_the_dialog_open(
    qtbot: QtBot, dialog: SettingsDialog
) -> None:
    dialog.show_page(dialog.time)
    type_email(qtbot, dialog, "not an email")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    answer(qtbot, asked(dialog), Button.Save)
    refusal = dialog.message_box
    assert refusal is not None and refusal.isVisible()
    assert "not an email address" in refusal.text()
    # Still open, on the page refused, with what was typed.
    assert dialog.isVisible() and dialog.stack.currentWidget() is dialog.organisation
    assert dialog.organisation.texts["dpo_email"].text() == "not an email"
    refusal.close()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert asked(dialog).isVisible()  # still not saved: asked again


def test_no_edits_no_question(qtbot: QtBot, dialog: SettingsDialog) -> None:
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.unsaved_box is None and not dialog.isVisible()


def test_typing_a_value_back_is_not_a_change(qtbot: QtBot, dialog: SettingsDialog) -> None:
    edit = dialog.organisation.texts["dpo_email"]
    was = edit.text()
    edit.setFocus()
    qtbot.keyClicks(edit, "x")
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    assert edit.text() == was
    qtbot.keyClick(edit, Qt.Key.Key_Escape)
    assert dialog.unsaved_box is None and not dialog.isVisible()


def test_a_half_filled_user_form_asks_before_it_is_thrown_away(
    qtbot: QtBot, svc: Services, dialog: SettingsDialog
) -> None:
    dialog.show_page(dialog.users)
    qtbot.mouseClick(dialog.users.add_button, LEFT)
    form = dialog.form
    assert isinstance(form, UserDialog)
    qtbot.keyClicks(form.login, "kim")
    qtbot.keyClick(form.login, Qt.Key.Key_Escape)
    box = form.discard_box
    assert box is not None and box.isVisible() and form.isVisible()
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # keep editing
    assert form.isVisible() and form.login.text() == "kim"
    qtbot.keyClick(form.login, Qt.Key.Key_Escape)
    box = form.discard_box
    assert box is not None
    answer(qtbot, box, Button.Discard)
    assert not form.isVisible() and "kim" not in [u.login for u in svc.users()]
    # An untouched form closes at once.
    qtbot.mouseClick(dialog.users.add_button, LEFT)
    empty = dialog.form
    assert isinstance(empty, UserDialog) and empty is not form
    qtbot.keyClick(empty.login, Qt.Key.Key_Escape)
    assert not empty.isVisible() and empty.discard_box is None


def test_an_edited_system_asks_an_untouched_one_does_not(
    qtbot: QtBot, svc: Services, dialog: SettingsDialog
) -> None:
    svc.add_data_system("CRM", owner="Sales")
    dialog.presenter.load()
    dialog.show_page(dialog.systems)
    dialog.systems.select("CRM")
    qtbot.mouseClick(dialog.systems.edit_button, LEFT)
    form = dialog.form
    assert isinstance(form, SystemDialog)
    qtbot.keyClick(form.name, Qt.Key.Key_Escape)
    assert not form.isVisible() and form.discard_box is None
    qtbot.mouseClick(dialog.systems.edit_button, LEFT)
    edit = dialog.form
    assert isinstance(edit, SystemDialog)
    qtbot.keyClicks(edit.owner, " ops")
    qtbot.mouseClick(edit.cancel_button, LEFT)
    assert edit.isVisible() and edit.discard_box is not None and edit.discard_box.isVisible()
    answer(qtbot, edit.discard_box, Button.Discard)
    assert not edit.isVisible() and svc.data_systems()[0].owner == "Sales"


def test_closing_the_window_asks_about_the_settings_first(
    qtbot: QtBot, svc: Services, make_window: MakeWindow
) -> None:
    w = make_window()
    d = w.open_settings()
    assert isinstance(d, SettingsDialog)
    type_email(qtbot, d, "privacy@conneqt.example")
    assert not w.close()
    assert w.isVisible() and d.isVisible()
    answer(qtbot, asked(d), Button.Save)
    assert svc.org_profile().dpo_email == "privacy@conneqt.example"
    assert w.close()
