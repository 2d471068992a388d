"""The Letters tab of a case: the recorded letters listed, viewed from their
stored bytes (never a re-render), exported through the (injected) save
dialog, and marked sent with the clock step they stand for; checked on what
the user sees and on the store afterwards."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from conneqt_dpo.gui.bus import ChangeBus
from conneqt_dpo.gui.case_view import CaseView
from conneqt_dpo.gui.letters_panel import LettersPanel, MarkSentDialog
from conneqt_dpo.gui.worker import SyncRunner
from conneqt_dpo.outputs.letters import pdf as letter_pdf
from conneqt_dpo.outputs.letters.drafting import draft_letter, record_draft
from conneqt_dpo.store.letter_services import LetterView
from conneqt_dpo.store.services import Services
from tests.conftest import FrozenClock, as_user
from tests.gui.conftest import log
from tests.outputs.test_letter_content import complete

LEFT = Qt.MouseButton.LeftButton
D = dt.date.fromisoformat
MakeView = Callable[..., CaseView]


class Chooser:
    """Stands in for the save dialog: answers with `answer`."""

    def __init__(self, answer: Path) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def __call__(self, start: str, chosen: Callable[[str], None]) -> None:
        self.asked.append(start)
        chosen(str(self.answer))


@pytest.fixture
def make_view(qtbot: QtBot) -> MakeView:
    bus = ChangeBus()

    def make(services: Services, reference: str, **kw: object) -> CaseView:
        view = CaseView(services, reference, bus, SyncRunner(), **kw)  # type: ignore[arg-type]
        qtbot.addWidget(view)
        view.resize(1280, 800)
        with qtbot.waitExposed(view):
            view.show()
        view.sections.setCurrentWidget(view.letters)
        return view

    return make


def recorded(svc: Services, ref: str, kind: str, **extra: str) -> LetterView:
    return record_draft(svc, draft_letter(svc, ref, kind, extra=extra))


def approved_with_response(svc: Services) -> tuple[str, LetterView]:
    svc.set_org_profile(complete(svc.org_profile()))
    ref = log(svc)
    for action in ("start", "submit", "approve"):
        svc.act(ref, action)
    return ref, recorded(svc, ref, "access-response")


def click(qtbot: QtBot, button: QWidget) -> None:
    assert button.isEnabled(), f"disabled: {button.toolTip()}"
    qtbot.mouseClick(button, LEFT)


def mark_sent(qtbot: QtBot, panel: LettersPanel) -> MarkSentDialog:
    click(qtbot, panel.sent_button)
    dialog = panel.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def stored_pages(svc: Services, letter: LetterView) -> int:
    return len(pypdf.PdfReader(io.BytesIO(svc.letter_pdf(letter.id))).pages)


def test_the_letters_are_listed_and_view_shows_the_stored_bytes(
    qtbot: QtBot, svc: Services, make_view: MakeView, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref, letter = approved_with_response(svc)
    ack = recorded(svc, ref, "acknowledgement")
    view = make_view(svc, ref)
    panel = view.letters
    assert view.sections.tabText(3) == "Letters (2)"
    assert panel.table.column_texts(0) == ["Access response", "Acknowledgement"]
    assert panel.table.column_texts(1) == ["dpo, 24 Nov 2026"] * 2
    assert panel.table.column_texts(2)[0].startswith("access-response.uk-gdpr.txt, version ")
    assert panel.table.column_texts(3) == ["not sent", "not sent"]
    assert panel.selected_id() == ack.id  # the newest

    before = hashlib.sha256(svc.letter_pdf(letter.id)).hexdigest()

    def no_rendering(*_: object, **__: object) -> None:
        raise AssertionError("a recorded letter is shown from its stored bytes")

    monkeypatch.setattr(letter_pdf, "render", no_rendering)
    panel.select(letter.id)
    click(qtbot, panel.view_button)
    viewer = panel.viewer
    assert viewer is not None and viewer.isVisible()
    assert viewer.preview.page_count() == stored_pages(svc, letter) >= 2
    assert viewer.preview.template.text().endswith(letter.template or "?")
    assert "recorded by dpo on 24 Nov 2026" in viewer.heading.text()
    assert hashlib.sha256(svc.letter_pdf(letter.id)).hexdigest() == before
    assert [x.id for x in svc.letters(ref)] == [letter.id, ack.id]


def test_export_writes_the_stored_bytes(
    qtbot: QtBot, svc: Services, make_view: MakeView, tmp_path: Path
) -> None:
    ref, letter = approved_with_response(svc)
    target = tmp_path / "out.pdf"
    chooser = Chooser(target)
    view = make_view(svc, ref, choose_target=chooser)
    panel = view.letters
    click(qtbot, panel.export_button)
    assert chooser.asked == [letter.filename]  # the save dialog offers the letter's name
    assert target.read_bytes() == svc.letter_pdf(letter.id)
    assert panel.status.text() == f"Exported to {target}."
    # A second export to the same file is refused, inline.
    click(qtbot, panel.export_button)
    assert panel.error.isVisible() and "exists; choose a new file name" in panel.error.text()


def test_marking_the_response_sent_responds_on_the_day_given(
    qtbot: QtBot, svc: Services, make_view: MakeView, clock: FrozenClock
) -> None:
    ref, letter = approved_with_response(svc)
    clock.advance(days=2)  # Thursday 26 Nov; the letter went out on Wednesday
    view = make_view(svc, ref)
    panel = view.letters
    assert panel.sent_button.toolTip().startswith("Record the day it went out and how")
    d = mark_sent(qtbot, panel)
    assert d.intro.text() == ("This records the day it went out and how, and the case becomes "
                              "responded (its clock stops that day).")  # fmt: skip
    assert d.date.date() == QDate(2026, 11, 26)  # today by default
    assert d.date.maximumDate() == QDate(2026, 11, 26)  # never in the future
    assert d.date.minimumDate() == QDate(2026, 11, 24)  # not before it was recorded
    assert d.ground is None
    assert not d.ok_button.isEnabled()  # how it went is not chosen yet
    d.date.setDate(QDate(2026, 11, 25))
    d.choose("post")
    click(qtbot, d.ok_button)

    assert not d.isVisible()
    case = svc.get_case(ref)
    assert case.row.state == "responded"
    assert [(e.kind, e.on) for e in case.events if e.kind == "responded"] == [
        ("responded", D("2026-11-25"))
    ]
    sent = svc.letter(letter.id)
    assert (sent.sent_on, sent.sent_method) == (D("2026-11-25"), "post")
    # The case shows it: its state, its clock, the letter's row, the timeline.
    assert view.state_chip.text() == "Responded"
    assert view.status.text() == "Met: responded Wed 25 Nov 2026"
    assert panel.table.column_texts(3) == ["25 Nov 2026, post"]
    assert panel.status.text() == "Access response marked sent: 25 Nov 2026, post."
    assert any("Letter sent" in text for text in view.timeline.column_texts(2))
    assert not panel.sent_button.isEnabled()
    assert panel.sent_button.toolTip() == "Already marked sent: 25 Nov 2026, post."


def test_a_response_on_a_case_not_yet_approved_cannot_be_marked_sent(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    svc.set_org_profile(complete(svc.org_profile()))
    ref = log(svc)
    svc.act(ref, "start")
    letter = recorded(svc, ref, "access-response")
    view = make_view(svc, ref)
    d = mark_sent(qtbot, view.letters)
    d.choose("email")
    assert not d.ok_button.isEnabled()
    assert "which a case that is in-progress cannot take; move the case on first" in d.intro.text()
    assert d.intro.text().endswith("Until then it cannot be marked sent.")
    assert svc.letter(letter.id).sent_on is None


def test_a_refusal_asks_for_its_ground_and_refuses_the_case(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    svc.set_org_profile(complete(svc.org_profile()))
    ref = log(svc)
    letter = recorded(svc, ref, "refusal", ground="manifestly-excessive", reasons="Third time.")
    # Support may mark letters sent, but refusing is the DPO's decision:
    # the services refuse, and the form says so where it is.
    support = make_view(as_user(svc, "sam"), ref)
    d = mark_sent(qtbot, support.letters)
    assert d.ground is not None
    grounds = [d.ground.itemData(i) for i in range(d.ground.count())]
    assert "not-a-consumer" not in grounds and "manifestly-excessive" in grounds
    d.choose("email")
    assert not d.ok_button.isEnabled()  # the ground is not chosen yet
    d.choose("email", "manifestly-excessive")
    click(qtbot, d.ok_button)
    assert d.isVisible() and d.error.isVisible()
    assert d.error.text() == "Only dpo may refuse a case (you are support)."
    assert d.ok_button.isEnabled()  # the form stays, filled in, to try again
    d.reject()

    view = make_view(svc, ref)
    d = mark_sent(qtbot, view.letters)
    assert d.ground is not None
    d.choose("in-person", "manifestly-excessive")
    click(qtbot, d.ok_button)
    assert not d.isVisible()
    case = svc.get_case(ref)
    assert case.row.state == "refused"
    assert [(e.kind, e.reason) for e in case.events if e.kind == "responded"] == [
        ("responded", "manifestly-excessive")
    ]
    assert svc.letter(letter.id).sent_method == "in-person"


def test_who_may_mark_letters_sent(qtbot: QtBot, svc: Services, make_view: MakeView) -> None:
    ref = log(svc)
    recorded(svc, ref, "acknowledgement")
    admin = make_view(as_user(svc, "ada"), ref)
    panel = admin.letters
    assert panel.view_button.isEnabled() and panel.export_button.isEnabled()
    assert not panel.sent_button.isEnabled()
    assert panel.sent_button.toolTip() == (
        "Only dpo or support users mark letters sent (you are admin)."
    )

    view = make_view(svc, ref)
    d = mark_sent(qtbot, view.letters)
    assert d.intro.text() == "This records the day it went out and how."
    d.choose("email")
    click(qtbot, d.ok_button)
    assert svc.get_case(ref).row.state == "new"  # an acknowledgement moves no clock
    assert view.letters.table.column_texts(3) == ["24 Nov 2026, email"]


def test_no_letters_yet(qtbot: QtBot, svc: Services, make_view: MakeView) -> None:
    ref = log(svc)
    view = make_view(svc, ref)
    panel = view.letters
    assert panel.empty.isVisible() and not panel.table.isVisible()
    assert view.sections.tabText(3) == "Letters"
    for button in (panel.view_button, panel.export_button, panel.sent_button):
        assert not button.isEnabled()
        assert button.toolTip() == "Select a letter first."


def test_a_damaged_stored_letter_is_said_in_the_viewer(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc)
    letter = recorded(svc, ref, "acknowledgement")
    assert letter.document_id is not None
    stored = svc.store.locker.path_of(svc.document(letter.document_id).address)
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 1
    stored.write_bytes(bytes(data))
    view = make_view(svc, ref)
    click(qtbot, view.letters.view_button)
    viewer = view.letters.viewer
    assert viewer is not None and viewer.isVisible()
    assert viewer.preview.page_count() == 0
    assert "failed its integrity check" in viewer.preview.error_text()
