"""Settings: a support user sees them disabled (and the store refuses
them anyway); the DPO and an admin change them page by page, every change
through the services, a refusal shown without losing what was typed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QSpinBox
from pytestqt.qtbot import QtBot

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.gui.main_window import SETTINGS_NOT_YOURS, MainWindow
from conneqt_dpo.gui.settings_dialog import ONLY_DPO_OR_ADMIN, SettingsDialog
from conneqt_dpo.gui.settings_lists import SystemDialog, UserDialog
from conneqt_dpo.gui.worker import SyncRunner
from conneqt_dpo.store.services import Services
from tests.conftest import as_user

MakeWindow = Callable[..., MainWindow]
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def dialog(qtbot: QtBot, svc: Services) -> SettingsDialog:
    d = SettingsDialog(svc, SyncRunner())
    qtbot.addWidget(d)
    d.show()
    return d


def test_a_support_user_sees_settings_disabled_and_the_store_refuses(
    qtbot: QtBot, svc: Services
) -> None:
    sam = as_user(svc, "sam")
    w = MainWindow(sam, runner=SyncRunner())
    qtbot.addWidget(w)
    assert not w.settings_action.isEnabled() and not w.settings_button.isEnabled()
    assert w.settings_action.toolTip() == SETTINGS_NOT_YOURS.format(role="support")
    assert w.settings_button.toolTip() == SETTINGS_NOT_YOURS.format(role="support")
    w.settings_action.trigger()
    assert w.open_settings() is None and w.settings_dialog is None
    with pytest.raises(DomainError, match="only dpo or admin users may change the settings"):
        sam.update_settings(due_soon_days=3)
    with pytest.raises(DomainError):
        sam.add_user(login="eve", name="Eve", role="support")
    assert svc.settings().due_soon_days == 7
    # Opened anyway (it never is from the window): every page is disabled, and says why.
    d = SettingsDialog(sam, SyncRunner())
    qtbot.addWidget(d)
    assert not d.deadlines.isEnabled()
    assert d.status.text() == ONLY_DPO_OR_ADMIN.format(role="support")


def test_the_dpo_and_an_admin_open_settings_from_the_window(
    qtbot: QtBot, svc: Services, make_window: MakeWindow
) -> None:
    w = make_window()
    assert w.settings_action.isEnabled()
    assert w.settings_action.shortcut().toString() == "Ctrl+,"
    qtbot.mouseClick(w.settings_button, LEFT)
    assert isinstance(w.settings_dialog, SettingsDialog) and w.settings_dialog.isVisible()
    admin = MainWindow(as_user(svc, "ada"), runner=SyncRunner())
    qtbot.addWidget(admin)
    assert admin.settings_action.isEnabled()


def test_deadline_settings_are_saved_through_the_services(
    qtbot: QtBot, svc: Services, dialog: SettingsDialog
) -> None:
    page = dialog.deadlines
    dialog.show_page(page)
    assert not page.save_button.isEnabled()
    due_soon = page.editors["due_soon_days"]
    assert isinstance(due_soon, QSpinBox) and due_soon.value() == 7
    due_soon.setValue(10)
    ccpa = page.calendar_combos["ccpa"]
    assert ccpa.itemText(0) == "Default: NONE: weekends only"
    ccpa.setCurrentIndex(ccpa.findData("US-CA"))
    assert page.save_button.isEnabled()
    qtbot.mouseClick(page.save_button, LEFT)
    s = svc.settings()
    assert s.due_soon_days == 10 and dict(s.calendars) == {"ccpa": "US-CA"}
    assert not page.save_button.isEnabled()
    assert "due soon days" in dialog.status.text()


def test_time_zone_and_member_state(qtbot: QtBot, svc: Services, dialog: SettingsDialog
                                    ) -> None:  # fmt: skip
    page = dialog.time
    zone, state = page.editors["timezone"], page.editors["eu_member_state"]
    assert isinstance(zone, QComboBox) and isinstance(state, QComboBox)
    assert zone.currentText() == "America/New_York"
    zone.setCurrentText("Europe/Dublin")
    state.setCurrentIndex(state.findData("IE"))
    qtbot.mouseClick(page.save_button, LEFT)
    s = svc.settings()
    assert (s.timezone, s.eu_member_state) == ("Europe/Dublin", "IE")
    # The calendars page names the EU GDPR default from the member state now.
    assert dialog.deadlines.calendar_combos["eu-gdpr"].itemText(0).startswith("Default: IE")


def test_a_refused_change_keeps_what_was_typed(
    qtbot: QtBot, svc: Services, dialog: SettingsDialog
) -> None:
    page = dialog.organisation
    page.texts["dpo_email"].setText("not an email")
    qtbot.mouseClick(page.save_button, LEFT)
    box = dialog.message_box
    assert box is not None and box.isVisible() and "not an email address" in box.text()
    assert page.texts["dpo_email"].text() == "not an email" and page.dirty
    box.close()
    page.texts["dpo_email"].setText("dana@example.org")
    page.texts["supervisory_authority"].setText("Information Commissioner's Office")
    page.lists["transfers"].setPlainText("To the US under the UK Extension\n\n")
    qtbot.mouseClick(page.save_button, LEFT)
    org = svc.org_profile()
    assert org.dpo_email == "dana@example.org"
    assert org.supervisory_authority == "Information Commissioner's Office"
    assert org.transfers == ("To the US under the UK Extension",)
    assert org.purposes  # kept as they were


def test_the_profile_goes_out_to_a_file_and_back(
    svc: Services, dialog: SettingsDialog, tmp_path: Path
) -> None:
    path = tmp_path / "profile.json"
    dialog.presenter.export_organisation(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "conneqt-dpo organisation profile"
    data["name"] = "CONNEQT Europe Ltd"
    path.write_text(json.dumps(data), encoding="utf-8")
    dialog.presenter.import_organisation(path)
    assert svc.org_profile().name == "CONNEQT Europe Ltd"
    assert dialog.organisation.texts["name"].text() == "CONNEQT Europe Ltd"


def test_saving_the_profile_page_keeps_every_field_and_fills_a_gap(
    qtbot: QtBot, svc: Services, dialog: SettingsDialog
) -> None:
    before = svc.org_profile()
    page = dialog.organisation
    dialog.show_page(page)
    assert page.texts["phone"].text().startswith("[to be completed")
    page.texts["phone"].clear()
    qtbot.keyClicks(page.texts["phone"], "+1 954 555 0100")
    qtbot.mouseClick(page.save_button, LEFT)
    after = svc.org_profile()
    assert after.phone == "+1 954 555 0100"
    assert after == before.__class__(**{**before.__dict__, "phone": "+1 954 555 0100"})


def test_data_systems_are_added_edited_retired_and_reinstated(
    qtbot: QtBot, svc: Services, dialog: SettingsDialog
) -> None:
    page = dialog.systems
    dialog.show_page(page)
    qtbot.mouseClick(page.add_button, LEFT)
    form = dialog.form
    assert isinstance(form, SystemDialog) and not form.ok_button.isEnabled()
    qtbot.keyClicks(form.name, "Billing")
    qtbot.keyClicks(form.owner, "Finance")
    form.lists["categories"].setPlainText("Payment details\nAddresses")
    qtbot.mouseClick(form.ok_button, LEFT)
    assert not form.isVisible()
    (system,) = svc.data_systems()
    assert (system.name, system.owner, system.categories) == (
        "Billing", "Finance", ("Payment details", "Addresses"))  # fmt: skip
    page.select("Billing")
    qtbot.mouseClick(page.edit_button, LEFT)
    edit = dialog.form
    assert isinstance(edit, SystemDialog) and edit.name.text() == "Billing"
    edit.owner.setText("Accounts")
    qtbot.mouseClick(edit.ok_button, LEFT)
    assert svc.data_systems()[0].owner == "Accounts"
    page.select("Billing")
    qtbot.mouseClick(page.retire_button, LEFT)
    assert svc.data_systems() == []
    item = page.table.item(0, 5)
    assert item is not None and item.text() == "Retired"
    page.select("Billing")
    assert page.reinstate_button.isEnabled() and not page.retire_button.isEnabled()
    qtbot.mouseClick(page.reinstate_button, LEFT)
    assert [s.name for s in svc.data_systems()] == ["Billing"]


def test_users_are_added_deactivated_and_reactivated(
    qtbot: QtBot, svc: Services, dialog: SettingsDialog
) -> None:
    page = dialog.users
    dialog.show_page(page)
    page.select("dpo")
    assert not page.deactivate_button.isEnabled()  # not yourself
    qtbot.mouseClick(page.add_button, LEFT)
    form = dialog.form
    assert isinstance(form, UserDialog) and form.role_code() == "support"
    qtbot.keyClicks(form.login, "kim")
    qtbot.keyClicks(form.name, "Kim Helper")
    qtbot.mouseClick(form.ok_button, LEFT)
    assert [(u.login, u.role, u.active) for u in svc.users() if u.login == "kim"] == [
        ("kim", "support", True)]  # fmt: skip
    page.select("sam")
    qtbot.mouseClick(page.deactivate_button, LEFT)
    assert not next(u for u in svc.users() if u.login == "sam").active
    page.select("sam")
    assert page.reactivate_button.isEnabled()
    qtbot.mouseClick(page.reactivate_button, LEFT)
    assert next(u for u in svc.users() if u.login == "sam").active
    # A login taken: the store says so, the form stays open and filled in.
    qtbot.mouseClick(page.add_button, LEFT)
    again = dialog.form
    assert isinstance(again, UserDialog)
    qtbot.keyClicks(again.login, "kim")
    qtbot.keyClicks(again.name, "Kim Again")
    qtbot.mouseClick(again.ok_button, LEFT)
    assert again.isVisible() and dialog.message_box is not None
    assert "taken" in dialog.message_box.text()


def test_the_data_folder_is_shown_not_edited(svc: Services, dialog: SettingsDialog) -> None:
    page = dialog.folder
    assert page.folder.isReadOnly() and page.folder.text() == str(svc.store.paths.data_dir)
    assert page.store_url.text() == svc.store.url
