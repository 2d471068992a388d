"""Drafting a letter from the case view, driven as a user drives it: open
"Draft letter…", choose the kind, write its parts, preview (the pages, or
the message naming what is missing), and approve as the DPO; checked on
what the user sees and on the store afterwards."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from conneqt_dpo.gui.bus import ChangeBus
from conneqt_dpo.gui.case_view import CaseView
from conneqt_dpo.gui.letter_dialog import LetterDialog
from conneqt_dpo.gui.worker import PoolRunner, Runner, SyncRunner
from conneqt_dpo.store.services import Services
from tests.conftest import as_user
from tests.gui.conftest import log
from tests.outputs.test_letter_content import complete

LEFT = Qt.MouseButton.LeftButton
MakeView = Callable[..., CaseView]


@pytest.fixture
def make_view(qtbot: QtBot) -> MakeView:
    bus = ChangeBus()

    def make(services: Services, reference: str, runner: Runner | None = None) -> CaseView:
        view = CaseView(services, reference, bus, runner or SyncRunner())
        qtbot.addWidget(view)
        view.resize(1280, 800)
        with qtbot.waitExposed(view):
            view.show()
        return view

    return make


def complete_profile(svc: Services) -> None:
    svc.set_org_profile(complete(svc.org_profile()))


def approved_access_case(svc: Services) -> str:
    ref = log(svc)
    for action in ("start", "submit", "approve"):
        svc.act(ref, action)
    return ref


def click(qtbot: QtBot, button: QWidget) -> None:
    assert button.isEnabled(), f"disabled: {button.toolTip()}"
    qtbot.mouseClick(button, LEFT)


def open_draft(qtbot: QtBot, view: CaseView) -> LetterDialog:
    view.sections.setCurrentWidget(view.letters)
    click(qtbot, view.buttons["letters"])
    dialog = view.letter_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def write(qtbot: QtBot, dialog: LetterDialog, key: str, text: str) -> None:
    part = dialog.part(key)
    assert part.text is not None
    part.text.setFocus()
    qtbot.keyClicks(part.text, text)


def kinds(dialog: LetterDialog) -> list[str]:
    return [dialog.kind.itemText(i) for i in range(dialog.kind.count())]


def test_the_dpo_drafts_previews_and_approves_a_letter(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc)
    view = make_view(svc, ref)
    button = view.buttons["letters"]
    assert "Only the DPO approves and records letters" in button.toolTip()
    d = open_draft(qtbot, view)
    # What fits a new UK GDPR access request (no response before the work).
    assert kinds(d) == ["Choose…", "Acknowledgement", "Identity request",
                        "Clarification request", "Fee request", "Extension notice",
                        "Refusal"]  # fmt: skip
    assert not d.preview_button.isEnabled()
    assert not d.approve_button.isEnabled()

    d.choose_kind("identity-request")
    assert d.part("proof_needed").label.text() == "Proof needed *"
    assert d.part("why").label.text() == "Why"  # optional: the template's text by default
    assert d.kind_note.text().endswith("the identity request (the case awaits identity).")
    click(qtbot, d.preview_button)
    # A required part left empty: the message names it, in place of the pages.
    assert "needs its 'proof_needed'" in d.preview.error_text()
    assert d.preview.page_count() == 0
    assert not d.approve_button.isEnabled()

    write(qtbot, d, "proof_needed", "A copy of a recent utility bill")
    click(qtbot, d.preview_button)
    assert d.preview.error_text() == ""
    assert d.preview.page_count() >= 1
    assert len(d.preview.page_labels()) == d.preview.page_count()
    label = d.preview.page_labels()[0]
    pixmap = label.pixmap()
    assert not pixmap.isNull() and pixmap.width() > 200
    assert "identity-request.uk-gdpr.txt, version" in d.preview.template.text()
    preview = d.presenter.preview
    assert preview is not None
    assert d.approve_button.isEnabled(), d.approve_button.toolTip()

    click(qtbot, d.approve_button)
    assert not d.isVisible()
    (letter,) = svc.letters(ref)
    assert letter.kind == "identity-request" and letter.created_by == "dpo"
    assert letter.template == preview.draft.doc.template
    assert svc.letter_pdf(letter.id) == preview.draft.pdf  # exactly what was previewed
    # The case shows it.
    assert view.sections.currentWidget() is view.letters
    assert view.sections.tabText(3) == "Letters (1)"
    assert view.letters.table.column_texts(0) == ["Identity request"]
    assert view.letters.table.column_texts(3) == ["not sent"]
    assert "Letter recorded" in view.timeline.column_texts(2)[0]


def test_a_missing_profile_field_is_named_until_the_profile_is_complete(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = approved_access_case(svc)
    view = make_view(svc, ref)
    d = open_draft(qtbot, view)
    d.choose_kind("access-response")
    # The UK form asks only for what its template uses (no HIPAA parts).
    assert list(d.pages["access-response"].parts) == ["enclosures"]
    click(qtbot, d.preview_button)
    message = d.preview.error_text()
    for name in ("retention", "automated_decisions", "transfer_safeguards"):
        assert name in message
    assert message.startswith("The access response needs the organisation profile's")
    assert not d.approve_button.isEnabled()

    complete_profile(svc)
    write(qtbot, d, "enclosures", "A copy of your account records")
    click(qtbot, d.preview_button)
    preview = d.presenter.preview
    assert preview is not None
    assert d.preview.page_count() == preview.draft.pages >= 2
    assert d.preview.template.text().startswith(f"{preview.draft.pages} pages · template: ")
    assert d.approve_button.isEnabled()


def test_approve_is_for_the_previewed_letter_only(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc)
    view = make_view(svc, ref)
    d = open_draft(qtbot, view)
    d.choose_kind("clarification-request")
    write(qtbot, d, "question", "Which years does your request cover?")
    assert not d.approve_button.isEnabled()
    assert d.approve_button.toolTip().startswith("Preview the letter first")
    click(qtbot, d.preview_button)
    assert d.approve_button.isEnabled()

    write(qtbot, d, "question", " And which accounts?")
    assert not d.approve_button.isEnabled()
    assert "changed since its preview" in d.approve_button.toolTip()
    assert d.preview.note.text().startswith("Out of date")
    # Another kind and back: what was written for it is kept.
    d.choose_kind("acknowledgement")
    assert not d.approve_button.isEnabled()
    d.choose_kind("clarification-request")
    assert d.part("question").value().endswith("And which accounts?")
    click(qtbot, d.preview_button)
    assert d.approve_button.isEnabled() and d.preview.note.isHidden()
    click(qtbot, d.approve_button)
    (letter,) = svc.letters(ref)
    preview = d.presenter.preview
    assert preview is not None and svc.letter_pdf(letter.id) == preview.draft.pdf


def test_support_drafts_and_previews_but_only_the_dpo_approves(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc)
    sam = as_user(svc, "sam")
    view = make_view(sam, ref)
    button = view.buttons["letters"]
    assert button.isEnabled()
    assert button.toolTip() == ("Draft a letter and preview it. Only the DPO approves and "
                                "records letters.")  # fmt: skip
    d = open_draft(qtbot, view)
    d.choose_kind("acknowledgement")
    assert list(d.pages["acknowledgement"].parts) == []  # nothing to write under UK GDPR
    click(qtbot, d.preview_button)
    assert d.preview.page_count() == 1
    assert not d.approve_button.isEnabled()
    assert d.approve_button.toolTip() == ("Only the DPO approves and records letters (you are "
                                          "support); you can draft and preview them.")  # fmt: skip
    assert d.approval.text() == d.approve_button.toolTip()  # said, not only hovered
    assert svc.letters(ref) == []

    admin = make_view(as_user(svc, "ada"), ref)
    assert not admin.buttons["letters"].isEnabled()
    assert admin.buttons["letters"].toolTip() == (
        "Only dpo or support users draft letters (you are admin)."
    )


def test_a_refusal_offers_the_grounds_open_under_the_case_law(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc)
    view = make_view(svc, ref)
    d = open_draft(qtbot, view)
    d.choose_kind("refusal")
    ground = d.part("ground")
    assert ground.combo is not None and ground.label.text() == "Ground *"
    codes = [ground.combo.itemData(i) for i in range(ground.combo.count())]
    assert codes == [None, "identity-not-verified", "manifestly-unfounded",
                     "manifestly-excessive", "exemption", "legal-conflict", "other"]  # fmt: skip
    assert ground.combo.itemText(2) == "Manifestly unfounded"
    assert "held_elsewhere" not in d.pages["refusal"].parts  # HIPAA's only
    write(qtbot, d, "reasons", "You asked for the same data three times this month.")
    click(qtbot, d.preview_button)
    assert "needs its 'ground'" in d.preview.error_text()
    ground.set_value("manifestly-excessive")
    click(qtbot, d.preview_button)
    assert "complaints_contact (still 'to be completed')" in d.preview.error_text()
    complete_profile(svc)
    click(qtbot, d.preview_button)
    assert d.preview.page_count() >= 1 and d.approve_button.isEnabled()


def test_hipaa_asks_for_its_own_parts(qtbot: QtBot, svc: Services, make_view: MakeView) -> None:
    ref = log(svc, regime="hipaa")
    svc.act(ref, "start")
    view = make_view(svc, ref)
    d = open_draft(qtbot, view)
    d.choose_kind("access-response")
    parts = d.pages["access-response"].parts
    assert {"provided", "form_format", "fee"} <= set(parts)
    assert parts["provided"].required and parts["form_format"].required
    assert not parts["fee"].required


def test_closing_with_written_parts_asks_first(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc)
    view = make_view(svc, ref)
    d = open_draft(qtbot, view)
    d.choose_kind("clarification-request")
    write(qtbot, d, "question", "Which years?")
    click(qtbot, d.close_button)
    box = d.discard_box
    assert box is not None and box.isVisible() and d.isVisible()
    keep = box.button(box.StandardButton.Cancel)
    assert keep is not None and keep.text() == "Keep editing"
    click(qtbot, keep)
    assert d.isVisible()
    click(qtbot, d.close_button)
    assert d.discard_box is not None
    discard = d.discard_box.button(d.discard_box.StandardButton.Discard)
    assert discard is not None
    click(qtbot, discard)
    assert not d.isVisible()
    assert svc.letters(ref) == []


def test_the_preview_is_made_off_the_gui_thread(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc)
    view = make_view(svc, ref, PoolRunner())
    d = open_draft(qtbot, view)
    d.choose_kind("acknowledgement")
    click(qtbot, d.preview_button)
    assert not d.preview_button.isEnabled()  # busy while the worker drafts
    qtbot.waitUntil(lambda: d.preview.page_count() == 1, timeout=20_000)
    assert d.preview_button.isEnabled() and d.approve_button.isEnabled()
    click(qtbot, d.approve_button)
    qtbot.waitUntil(lambda: view.sections.tabText(3) == "Letters (1)", timeout=20_000)
    assert not shiboken6.isValid(d) or not d.isVisible()
    assert [x.kind for x in svc.letters(ref)] == ["acknowledgement"]


def test_a_refused_approval_is_said_in_the_dialog(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc)
    view = make_view(svc, ref)
    d = open_draft(qtbot, view)
    d.choose_kind("acknowledgement")
    click(qtbot, d.preview_button)
    # The services decide: here they act for someone else than the window shows.
    d.presenter.services = as_user(svc, "sam")
    click(qtbot, d.approve_button)
    assert d.isVisible() and d.record_error.isVisible()
    assert d.record_error.text() == (
        "Only dpo users may approve and record letters (you are support)."
    )
    assert svc.letters(ref) == []
