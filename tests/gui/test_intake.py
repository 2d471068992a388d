"""Logging a request, driven as a user drives it: by keyboard alone (keys
sent to whatever has the focus), typing into the fields and reading the
hints, the duplicates offered, the regime suggested; and its presenter,
without a window. Services are real, the runner synchronous, and the
debounce delays 0 so every key is looked up and kept as a draft at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from conneqt_dpo.gui.intake_dialog import IntakeDialog
from conneqt_dpo.gui.intake_form import DRAFT_KEY, IntakeFields, check, to_request
from conneqt_dpo.gui.intake_presenter import IntakePresenter
from conneqt_dpo.gui.main_window import MainWindow
from conneqt_dpo.gui.worker import SyncRunner
from conneqt_dpo.store.services import Services
from tests.conftest import as_user
from tests.gui.conftest import log

MakeWindow = Callable[..., MainWindow]
CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
NOW_LOCAL = dt.datetime(2026, 11, 24, 10, 0)


def focused() -> QWidget:
    w = QApplication.focusWidget()
    assert w is not None, "nothing has the keyboard focus"
    return w


def keyboard() -> QWidget:
    """Where a key goes: an open popup (a completer's list) first, as the
    window system sends it, else the widget with the focus."""
    return QApplication.activePopupWidget() or focused()


def press(qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
          ) -> None:  # fmt: skip
    qtbot.keyClick(keyboard(), key, modifier)


def type_(qtbot: QtBot, text: str) -> None:
    for ch in text:  # one key at a time: a completer's list may open on the way
        qtbot.keyClicks(keyboard(), ch)


@pytest.fixture
def window(make_window: MakeWindow) -> MainWindow:
    w = make_window(intake_delays=(0, 0))
    w.activateWindow()
    return w


def activate(qtbot: QtBot, w: QWidget) -> None:
    w.activateWindow()  # the window system's part: offscreen, it takes a turn of events
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)


def open_dialog(qtbot: QtBot, w: MainWindow) -> IntakeDialog:
    activate(qtbot, w)
    qtbot.keyClick(w, Qt.Key.Key_N, CTRL)
    d = w.intake
    assert d is not None and d.isVisible()
    activate(qtbot, d)
    return d


def test_a_phone_request_is_logged_by_keyboard_alone(
    qtbot: QtBot, svc: Services, window: MainWindow
) -> None:
    d = open_dialog(qtbot, window)
    assert focused() is d.channel
    type_(qtbot, "P")  # the combo box finds "Phone"
    press(qtbot, Qt.Key.Key_Tab)
    type_(qtbot, "Rosa Caller")
    press(qtbot, Qt.Key.Key_Tab)  # email: none given on the phone
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is d.phone
    type_(qtbot, "+44 20 7946 0018")
    press(qtbot, Qt.Key.Key_Y, ALT)  # Countr&y
    assert focused() is d.country
    type_(qtbot, "United K")
    press(qtbot, Qt.Key.Key_Down)  # the completer offers "United Kingdom (GB)"
    press(qtbot, Qt.Key.Key_Return)  # takes it (and does not save)
    assert d.isVisible() and d.country.text() == "United Kingdom (GB)"
    assert d.regime.currentData() == "uk-gdpr"  # suggested from the country
    assert "United Kingdom" in d.suggestion.text()
    press(qtbot, Qt.Key.Key_T, ALT)  # Righ&ts: the first right
    assert focused() is d.right_boxes["access"]
    press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is d.right_boxes["erasure"]
    press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_O, ALT)  # N&ote
    type_(qtbot, "Called the helpline")
    assert d.save_button.isEnabled(), d.missing.text()
    press(qtbot, Qt.Key.Key_Return, CTRL)  # from the note: Ctrl+Enter saves
    assert not d.isVisible()

    refs = window.case_tabs()
    assert len(refs) == 2  # one case per right, each open in its tab
    first, second = (svc.get_case(r) for r in refs)
    assert {first.row.right, second.row.right} == {"access", "erasure"}
    assert first.row.channel == "phone" and first.row.regime == "uk-gdpr"
    assert first.row.requester_name == "Rosa Caller"
    assert first.requester_phone == "+44 20 7946 0018"
    assert first.requester_country == "GB"
    assert first.received_at.astimezone(svc.tz).replace(tzinfo=None) == NOW_LOCAL
    assert second.reference in first.group_references
    assert [n.text for n in first.notes] == ["Called the helpline"]
    assert not svc.drafts()  # saved: no draft left over
    # Published on the bus: the queue shown lists the new cases at once.
    assert all(window.model.row_of(r) is not None for r in refs)


def test_enter_saves_only_when_the_form_is_complete(
    qtbot: QtBot, svc: Services, window: MainWindow
) -> None:
    d = open_dialog(qtbot, window)
    qtbot.keyClicks(d.name, "Ada Example")
    d.name.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    assert d.isVisible() and not d.save_button.isEnabled()
    assert "how it came in" in d.missing.text() and "at least one right" not in d.missing.text()
    d.channel.setCurrentIndex(d.channel.findData("email"))
    qtbot.keyClicks(d.email, "ada@example.org")
    d.regime.setCurrentIndex(d.regime.findData("eu-gdpr"))
    assert "at least one right" in d.missing.text()
    d.right_boxes["portability"].setChecked(True)
    assert d.save_button.isEnabled(), d.missing.text()
    d.email.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    assert not d.isVisible()
    (ref,) = window.case_tabs()
    assert svc.get_case(ref).row.right == "portability"


def test_hints_appear_beside_the_field_as_it_is_typed(
    qtbot: QtBot, svc: Services, window: MainWindow
) -> None:
    d = open_dialog(qtbot, window)
    qtbot.keyClicks(d.email, "ada@example")
    hint = d.hinted["email"].hint
    assert hint.isVisible() and "not an email address" in hint.text()
    assert not d.save_button.isEnabled()
    qtbot.keyClicks(d.email, ".org")
    assert not hint.isVisible()
    qtbot.keyClicks(d.country, "Atlantis")
    assert "Not a country" in d.hinted["country"].hint.text()
    d.has_agent.setChecked(True)
    assert d.agent_box.isVisible()
    assert "the agent's name" in d.missing.text()
    qtbot.keyClicks(d.agent_email, "tom@")
    assert d.hinted["agent_email"].hint.isVisible()


def test_a_request_dated_before_today_asks_why(
    qtbot: QtBot, svc: Services, window: MainWindow
) -> None:
    d = open_dialog(qtbot, window)
    assert not d.received_reason.isVisible()
    d.channel.setCurrentIndex(d.channel.findData("letter"))
    qtbot.keyClicks(d.name, "Lee Letter")
    d.address.setPlainText("1 High Street\nLondon")
    d.regime.setCurrentIndex(d.regime.findData("uk-gdpr"))
    d.right_boxes["access"].setChecked(True)
    assert d.save_button.isEnabled()
    d.received.setDateTime(d.received.dateTime().addDays(-3))
    assert d.received_reason.isVisible() and d.reason_label.isVisible()
    assert not d.save_button.isEnabled()
    assert "why it is logged after the day it came in" in d.missing.text()
    d.received_reason.setFocus()
    type_(qtbot, "Letter opened late")
    press(qtbot, Qt.Key.Key_Return)
    (ref,) = window.case_tabs()
    case = svc.get_case(ref)
    assert case.row.received == dt.date(2026, 11, 21)
    assert case.backdate_reason == "Letter opened late"
    assert case.requester_address == "1 High Street\nLondon"


def test_ccpa_asks_categories_or_specific_pieces(
    qtbot: QtBot, svc: Services, window: MainWindow
) -> None:
    d = open_dialog(qtbot, window)
    d.channel.setCurrentIndex(d.channel.findData("web-form"))
    qtbot.keyClicks(d.name, "Cal Resident")
    qtbot.keyClicks(d.email, "cal@example.org")
    qtbot.keyClicks(d.country, "United States")
    qtbot.keyClicks(d.us_state, "California")
    assert d.regime.currentData() == "ccpa"
    assert not d.ccpa_box.isVisible()
    d.right_boxes["access"].setChecked(True)
    assert d.ccpa_box.isVisible()
    assert "categories or specific pieces" in d.missing.text()
    d.ccpa_radios["specific"].setChecked(True)
    d.has_agent.setChecked(True)
    qtbot.keyClicks(d.agent_name, "Ava Agent")
    qtbot.keyClicks(d.agent_organisation, "Privacy Agents Inc")
    d.agent_authority.setCurrentIndex(d.agent_authority.findData("registered-agent"))
    qtbot.mouseClick(d.save_button, Qt.MouseButton.LeftButton)
    (ref,) = window.case_tabs()
    case = svc.get_case(ref)
    assert case.row.regime == "ccpa" and case.ccpa_detail == "specific"
    assert (case.requester_country, case.requester_us_state) == ("US", "CA")
    assert (case.agent_name, case.agent_organisation, case.agent_authority) == (
        "Ava Agent", "Privacy Agents Inc", "registered-agent")  # fmt: skip


def test_choosing_the_regime_by_hand_keeps_it(qtbot: QtBot, window: MainWindow) -> None:
    d = open_dialog(qtbot, window)
    d.regime.setCurrentIndex(d.regime.findData("hipaa"))
    qtbot.keyClicks(d.country, "Ireland")
    assert d.regime.currentData() == "hipaa"  # the user's choice stands
    assert "EU member state" in d.suggestion.text()  # the suggestion is still said
    assert [d.right_boxes[r].text() for r in d.right_boxes] == ["Access", "Amendment"]


# -- duplicates ----------------------------------------------------------------------


def test_a_known_email_is_offered_and_the_request_can_join_it(
    qtbot: QtBot, svc: Services, window: MainWindow
) -> None:
    earlier = log(svc, name="Ben Soon", email="ben@example.org")
    d = open_dialog(qtbot, window)
    assert not d.duplicates_box.isVisible()
    qtbot.keyClicks(d.email, "ben@example.org")
    assert d.duplicates_box.isVisible()
    item = d.duplicates.topLevelItem(0)
    assert item is not None and item.text(0) == earlier and item.text(1) == "Ben Soon"
    d.email.setFocus()
    with qtbot.waitSignal(d.presenter.joined):  # a mnemonic clicks after a blink
        press(qtbot, Qt.Key.Key_A, ALT)  # &Add to that request
    assert not d.duplicates_box.isVisible() and d.joined_box.isVisible()
    assert earlier in d.joined_label.text()
    assert d.regime.currentData() == "uk-gdpr"  # the joined request's regime
    d.channel.setCurrentIndex(d.channel.findData("email"))
    qtbot.keyClicks(d.name, "Ben Soon")
    d.right_boxes["erasure"].setChecked(True)
    changed: list[tuple[str, ...]] = []
    window.bus.cases_changed.connect(lambda c: changed.append(c.references))
    qtbot.mouseClick(d.save_button, Qt.MouseButton.LeftButton)
    (new,) = window.case_tabs()
    assert new != earlier
    assert earlier in svc.get_case(new).group_references
    assert new in svc.get_case(earlier).group_references
    assert changed == [(new, earlier)]


def test_log_anyway_stops_offering_those_matches(
    qtbot: QtBot, svc: Services, window: MainWindow
) -> None:
    log(svc, name="Ben Soon", email="ben@example.org")
    d = open_dialog(qtbot, window)
    qtbot.keyClicks(d.email, "ben@example.org")
    assert d.duplicates_box.isVisible()
    qtbot.mouseClick(d.log_anyway_button, Qt.MouseButton.LeftButton)
    assert not d.duplicates_box.isVisible()
    qtbot.keyClicks(d.name, "Ben Soon")  # the same case again: not offered again
    assert not d.duplicates_box.isVisible()
    assert d.presenter.fields.join_reference == ""


def test_duplicates_are_looked_up_once_typing_pauses(qtbot: QtBot, svc: Services) -> None:
    log(svc, name="Ben Soon", email="ben@example.org")
    calls: list[dict[str, object]] = []
    real = svc.possible_duplicates

    def counting(**kw: str | None) -> list[object]:
        calls.append(kw)
        return real(**kw)  # type: ignore[return-value]

    svc.possible_duplicates = counting  # type: ignore[method-assign]
    p = IntakePresenter(svc, SyncRunner(), duplicate_delay_ms=60_000, draft_delay_ms=60_000)
    p.start()
    for n in range(1, len("ben@example.org") + 1):
        p.update(p.fields.with_(email="ben@example.org"[:n]))
    assert calls == []  # still typing
    p.look_up_duplicates()  # the pause: the timer fires
    assert calls == [{"name": None, "email": "ben@example.org", "phone": None}]
    assert [r.requester_email for r in p.offered()] == ["ben@example.org"]
    p.stop()


# -- closing, drafts -----------------------------------------------------------------


def question(d: IntakeDialog) -> QMessageBox:
    box = d.message_box
    assert box is not None and box.isVisible()
    return box


def click(box: QMessageBox, text: str) -> None:
    (button,) = [b for b in box.buttons() if b.text().replace("&", "") == text]
    button.click()


def test_escape_asks_before_discarding_what_was_typed(
    qtbot: QtBot, svc: Services, window: MainWindow
) -> None:
    d = open_dialog(qtbot, window)
    qtbot.keyClicks(d.name, "Ada Example")
    assert svc.drafts()[0].data["name"] == "Ada Example"  # kept as typed
    d.name.setFocus()
    press(qtbot, Qt.Key.Key_Escape)
    box = question(d)
    assert d.isVisible()
    click(box, "Go back")
    assert d.isVisible() and d.name.text() == "Ada Example"
    press(qtbot, Qt.Key.Key_Escape)
    click(question(d), "Discard")
    assert not d.isVisible()
    assert svc.drafts() == []


def test_an_empty_form_closes_without_a_question(qtbot: QtBot, window: MainWindow) -> None:
    d = open_dialog(qtbot, window)
    press(qtbot, Qt.Key.Key_Escape)
    assert not d.isVisible() and d.message_box is None


def test_keep_as_draft_then_ctrl_n_restores_it(
    qtbot: QtBot, svc: Services, window: MainWindow
) -> None:
    d = open_dialog(qtbot, window)
    d.channel.setCurrentIndex(d.channel.findData("letter"))
    qtbot.keyClicks(d.name, "Dee Draft")
    d.regime.setCurrentIndex(d.regime.findData("eu-gdpr"))
    d.right_boxes["objection"].setChecked(True)
    d.reject()
    click(question(d), "Keep as draft")
    assert not d.isVisible()
    (draft,) = svc.drafts()
    assert draft.key == DRAFT_KEY
    again = open_dialog(qtbot, window)
    assert again is not d
    assert again.name.text() == "Dee Draft" and again.channel.currentData() == "letter"
    assert again.right_boxes["objection"].isChecked()
    assert again.restored_box is not None and "restored" in again.restored_box.text()
    assert again.blank_button is not None
    qtbot.mouseClick(again.blank_button, Qt.MouseButton.LeftButton)
    assert again.name.text() == "" and svc.drafts() == []


def test_the_draft_left_is_offered_at_start(
    qtbot: QtBot, svc: Services, make_window: MakeWindow
) -> None:
    svc.save_draft(DRAFT_KEY, IntakeFields(name="Fay Left", email="fay@example.org",
                                           received_at="2026-11-24T09:30").to_draft())  # fmt: skip
    w = make_window(intake_delays=(0, 0))
    w.offer_draft()
    box = w.message_box
    assert box is not None and box.isVisible() and "Fay Left" in box.text()
    click(box, "Continue logging")
    d = w.intake
    assert d is not None and d.isVisible()
    assert (d.name.text(), d.email.text()) == ("Fay Left", "fay@example.org")
    assert d.received.dateTime().time().hour() == 9


def test_an_admin_cannot_log_requests(qtbot: QtBot, svc: Services, make_window: MakeWindow
                                      ) -> None:  # fmt: skip
    w = make_window()
    assert w.new_request_action.isEnabled()
    admin = MainWindow(as_user(svc, "ada"), runner=SyncRunner())
    qtbot.addWidget(admin)
    assert not admin.new_request_action.isEnabled()
    assert "you are admin" in admin.new_request_action.toolTip()


# -- the form without a window ------------------------------------------------------


def test_the_fields_become_the_request() -> None:
    f = IntakeFields(channel="email", name=" Ada ", email="ada@example.org", country="Ireland",
                     regime="eu-gdpr", rights=("access",), received_at="2026-11-24T09:00",
                     has_agent=True, agent_name="Tom", agent_authority="other")  # fmt: skip
    assert check(f, now=NOW_LOCAL).ok
    req = to_request(f)
    assert (req.name, req.country, req.agent_name, req.agent_authority) == (
        "Ada", "IE", "Tom", "other")  # fmt: skip
    assert req.received_at == dt.datetime(2026, 11, 24, 9, 0)
    assert req.ccpa_detail is None and req.join_reference is None
    no_agent = to_request(f.with_(has_agent=False))
    assert no_agent.agent_name is None and no_agent.agent_authority is None
    assert IntakeFields.from_draft(f.to_draft()) == f
    assert IntakeFields.from_draft({"name": 3, "rights": "access", "nonsense": 1}) == IntakeFields()


def test_a_future_receipt_and_a_right_the_regime_lacks_are_refused() -> None:
    f = IntakeFields(channel="email", name="Ada", email="ada@example.org", regime="ccpa",
                     rights=("automated-decision",), received_at="2026-11-24T11:00")  # fmt: skip
    c = check(f, now=NOW_LOCAL)
    assert c.hints["received_at"] == "That is in the future"
    # The CCPA's ADMT opt-out applies to requests received from 1 Jan 2027.
    c = check(f.with_(received_at="2026-11-24T09:00"), now=NOW_LOCAL)
    assert "rights" in c.hints


def test_a_refusal_is_said_and_the_form_stays_filled_in(
    qtbot: QtBot, svc: Services, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conneqt_dpo.domain.errors import DomainError

    def refuse(_request: object) -> list[str]:
        raise DomainError("the store said no")

    monkeypatch.setattr(svc, "log_request", refuse)
    d = open_dialog(qtbot, window)
    d.channel.setCurrentIndex(d.channel.findData("email"))
    qtbot.keyClicks(d.name, "Ada Example")
    qtbot.keyClicks(d.email, "ada@example.org")
    d.regime.setCurrentIndex(d.regime.findData("uk-gdpr"))
    d.right_boxes["access"].setChecked(True)
    qtbot.mouseClick(d.save_button, Qt.MouseButton.LeftButton)
    box = d.message_box
    assert box is not None and box.isVisible() and box.text() == "the store said no"
    assert d.isVisible() and d.name.text() == "Ada Example" and d.save_button.isEnabled()
    assert svc.drafts()[0].data["name"] == "Ada Example"  # still kept
