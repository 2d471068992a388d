"""The identity decision in the case view, driven as the DPO drives it
(ticking methods, naming data points, choosing the decision, clicking
"Record decision") and checked on what they see and on the store; the
services run on a synchronous runner, so each click is done when it
returns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QWidget
from pytestqt.qtbot import QtBot

from conneqt_dpo.domain.verification import Decision, Method
from conneqt_dpo.gui.bus import ChangeBus
from conneqt_dpo.gui.case_view import CaseView
from conneqt_dpo.gui.verification_panel import VerificationPanel
from conneqt_dpo.gui.worker import SyncRunner
from conneqt_dpo.store.services import Services
from tests.conftest import as_user
from tests.gui.conftest import log

LEFT = Qt.MouseButton.LeftButton
PURGE_DAY = "Thu 24 Dec 2026"  # 30 days (the default) after the decision on 24 Nov

MakeView = Callable[[Services, str], CaseView]


@pytest.fixture
def make_view(qtbot: QtBot) -> MakeView:
    bus = ChangeBus()

    def make(services: Services, reference: str) -> CaseView:
        view = CaseView(services, reference, bus, SyncRunner())
        qtbot.addWidget(view)
        view.resize(1280, 800)
        with qtbot.waitExposed(view):
            view.show()
        return view

    return make


def tick(qtbot: QtBot, button: QAbstractButton) -> None:
    """Click a check box or radio button on its indicator."""
    assert button.isEnabled(), f"{button.text()} is disabled: {button.toolTip()}"
    qtbot.mouseClick(button, LEFT, pos=QPoint(7, button.height() // 2))


def click(qtbot: QtBot, button: QWidget) -> None:
    assert button.isEnabled(), f"disabled: {button.toolTip()}"
    qtbot.mouseClick(button, LEFT)


def identity_tab(qtbot: QtBot, view: CaseView) -> VerificationPanel:
    """Open the Identity tab as the DPO does: with "Decide…"."""
    click(qtbot, view.buttons["verify-identity"])
    assert view.sections.currentWidget() is view.verification
    return view.verification


def name_points(qtbot: QtBot, panel: VerificationPanel, *names: str) -> None:
    for name in names:
        qtbot.keyClicks(panel.point_edit, name)
        qtbot.keyClick(panel.point_edit, Qt.Key.Key_Return)


def test_the_dpo_records_a_decision_by_ticking_methods(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc)
    view = make_view(svc, ref)
    panel = identity_tab(qtbot, view)
    assert not panel.level.isVisible()  # levels are the CCPA's only
    assert not panel.record_button.isEnabled()
    assert "Choose the decision first" in panel.record_button.toolTip()
    assert panel.no_history.isVisible() and not panel.history.isVisible()

    tick(qtbot, panel.method_boxes[Method.ID_DOCUMENT])
    tick(qtbot, panel.method_boxes[Method.CALL_BACK])
    tick(qtbot, panel.decision_buttons[Decision.VERIFIED])
    qtbot.keyClicks(panel.note, "Passport seen on a video call")
    click(qtbot, panel.record_button)

    assert not panel.error.isVisible()
    assert panel.result.isVisible()
    assert panel.result.text().splitlines() == [
        "• Identity verified: the request can go ahead.",
        f"• Identity documents on this case will be purged after {PURGE_DAY}.",
    ]
    assert panel.history.column_texts(1) == ["dpo"]
    assert panel.history.column_texts(2) == ["Verified"]
    assert panel.history.column_texts(3) == ["Id document, Call back"]
    assert panel.history.column_texts(4) == ["—"]
    assert panel.history.column_texts(0) == ["24 Nov 2026 10:00"]
    # The form is cleared, so the same decision is not recorded twice.
    assert not any(b.isChecked() for b in panel.method_boxes.values())
    assert not panel.record_button.isEnabled() and panel.note.text() == ""
    assert view.sections.tabText(1) == "Identity (verified)"
    assert view.message_box is None  # nothing popped up

    (v,) = svc.verifications(ref)
    assert (v.methods, v.decision, v.level, v.decided_by) == (
        ("id-document", "call-back"), "verified", None, "dpo")  # fmt: skip
    assert v.note == "Passport seen on a video call"


def test_support_sees_the_decision_disabled_with_the_reason(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc)
    svc.verify_identity(ref, methods=["id-document"], decision="verified")
    view = make_view(as_user(svc, "sam"), ref)
    decide = view.buttons["verify-identity"]
    assert not decide.isEnabled()
    assert "Only the DPO decides" in decide.toolTip()
    view.sections.setCurrentWidget(view.verification)
    panel = view.verification
    assert not panel.record_button.isEnabled()
    assert panel.record_button.toolTip() == (
        "Only the DPO decides whether identity is verified (you are support).")  # fmt: skip
    assert panel.why.text() == panel.record_button.toolTip()  # said, not only hovered
    assert not panel.method_boxes[Method.ID_DOCUMENT].isEnabled()
    # The history is for everyone to read.
    assert panel.history.column_texts(2) == ["Verified"]
    assert len(svc.verifications(ref)) == 1


def test_a_ccpa_case_asks_for_the_level_and_shows_a_wrong_combination_inline(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc, regime="ccpa", ccpa_detail="specific", us_state="CA", country="US")
    view = make_view(svc, ref)
    panel = identity_tab(qtbot, view)
    assert panel.level.isVisible() and panel.level_label.isVisible()

    name_points(qtbot, panel, "email address", "postal address")
    assert panel.data_points() == ["email address", "postal address"]
    # Naming a matched data point ticks the method.
    assert panel.method_boxes[Method.DATA_POINTS].isChecked()
    tick(qtbot, panel.method_boxes[Method.SIGNED_DECLARATION])
    tick(qtbot, panel.decision_buttons[Decision.VERIFIED])
    panel.level.setCurrentIndex(panel.level.findData("reasonable"))
    click(qtbot, panel.record_button)

    assert panel.error.isVisible()
    assert panel.error.text() == (
        "Specific pieces of information need a reasonably high degree of certainty "
        "(11 CCR §7062(c)).")  # fmt: skip
    assert view.message_box is None  # inline, not a box
    assert svc.verifications(ref) == []
    assert panel.data_points() == ["email address", "postal address"]  # kept to correct

    panel.level.setCurrentIndex(panel.level.findData("reasonably-high"))
    click(qtbot, panel.record_button)
    assert "at least 3 matched data points (11 CCR §7062); 2 named" in panel.error.text()

    name_points(qtbot, panel, "last order number")
    click(qtbot, panel.record_button)
    assert not panel.error.isVisible() and panel.result.isVisible()
    assert panel.history.column_texts(4) == ["Reasonably high degree"]
    (v,) = svc.verifications(ref)
    assert v.level == "reasonably-high"
    assert v.data_points == ("email address", "postal address", "last order number")
    assert v.methods == ("data-points", "signed-declaration")


def test_an_unverified_ccpa_request_for_specific_pieces_says_what_follows(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc, regime="ccpa", ccpa_detail="specific", us_state="CA", country="US")
    view = make_view(svc, ref)
    panel = identity_tab(qtbot, view)
    name_points(qtbot, panel, "email address", "EMAIL ADDRESS")  # the same name once
    assert panel.data_points() == ["email address"]
    tick(qtbot, panel.decision_buttons[Decision.NOT_VERIFIED])
    click(qtbot, panel.record_button)
    assert "treat the request as one for categories (11 CCR §7024(a))" in panel.result.text()
    assert svc.get_case(ref).ccpa_detail == "categories"


def test_data_points_can_be_removed_and_agent_permission_needs_an_agent(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc)
    view = make_view(svc, ref)
    panel = identity_tab(qtbot, view)
    agent = panel.method_boxes[Method.AGENT_PERMISSION]
    assert not agent.isEnabled() and "No authorised agent" in agent.toolTip()
    name_points(qtbot, panel, "email address", "phone number")
    assert not panel.remove_point_button.isEnabled()
    panel.points.setCurrentRow(0)
    click(qtbot, panel.remove_point_button)
    assert panel.data_points() == ["phone number"]

    svc.set_agent(ref, name="Tom Okafor")
    view.presenter.refresh()
    assert agent.isEnabled() and agent.toolTip() == agent.text()


def test_a_closed_case_is_not_decided_on(qtbot: QtBot, svc: Services, make_view: MakeView) -> None:
    ref = log(svc, days_ago=3)
    svc.act(ref, "withdraw", on=dt.date(2026, 11, 23))
    view = make_view(svc, ref)
    assert "open cases only" in view.buttons["verify-identity"].toolTip()
    view.sections.setCurrentWidget(view.verification)
    assert not view.verification.record_button.isEnabled()
    assert view.verification.why.text() == (
        "The case is withdrawn: identity is decided on open cases only.")  # fmt: skip
