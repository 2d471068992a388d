"""The case view, driven as a user drives it (clicking buttons, filling the
dialogs they open) and checked on what the user sees; and its presenter,
driven without a window. Every action goes through the real services on a
synchronous runner, so each click is done when mouseClick returns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from conneqt_dpo.gui.bus import ChangeBus
from conneqt_dpo.gui.case_actions import CaseActions, CaseSnapshot, merge_timeline
from conneqt_dpo.gui.case_ops import availability, status_text
from conneqt_dpo.gui.case_view import CaseView
from conneqt_dpo.gui.dialogs import (
    ActionDialog,
    FormDialog,
    OutcomeDialog,
    PersonDialog,
    TaskDialog,
)
from conneqt_dpo.gui.worker import PoolRunner, SyncRunner
from conneqt_dpo.store.casework_services import TimelineEntry
from conneqt_dpo.store.errors import NotFound
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import CasesChanged, NoteView
from tests.conftest import NEW_YORK, FrozenClock, as_user
from tests.gui.conftest import log

D = dt.date.fromisoformat
LEFT = Qt.MouseButton.LeftButton
TODAY = D("2026-11-24")

MakeView = Callable[..., CaseView]


@pytest.fixture
def bus() -> ChangeBus:
    return ChangeBus()


@pytest.fixture
def make_view(qtbot: QtBot, bus: ChangeBus) -> MakeView:
    def make(services: Services, reference: str) -> CaseView:
        view = CaseView(services, reference, bus, SyncRunner())
        qtbot.addWidget(view)
        view.resize(1280, 800)
        with qtbot.waitExposed(view):
            view.show()
        return view

    return make


def click(qtbot: QtBot, view: CaseView, op: str) -> None:
    button = view.buttons[op]
    assert button.isEnabled(), f"{op} is disabled: {button.toolTip()}"
    qtbot.mouseClick(button, LEFT)


def opened(view: CaseView) -> FormDialog:
    d = view.dialog
    assert d is not None and d.isVisible()
    return d


def press_ok(qtbot: QtBot, dialog: FormDialog) -> None:
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, LEFT)


def act(qtbot: QtBot, view: CaseView, op: str, fill: Callable[[ActionDialog], None] | None = None,
       ) -> None:  # fmt: skip
    """Click an action's button; fill and send its dialog if it opens one."""
    view.dialog = None
    click(qtbot, view, op)
    if view.dialog is None:
        return
    dialog = opened(view)
    assert isinstance(dialog, ActionDialog)
    if fill is not None:
        fill(dialog)
    press_ok(qtbot, dialog)
    assert not dialog.isVisible(), refusal(view)


def refusal(view: CaseView) -> str:
    box = view.message_box
    return box.text() if box is not None and box.isVisible() else ""


def state(view: CaseView) -> str:
    return view.state_chip.text()


def enabled(view: CaseView) -> set[str]:
    return {op for op, b in view.buttons.items() if b.isEnabled()}


def tasks(view: CaseView) -> list[tuple[str, str]]:
    return list(zip(view.tasks.column_texts(0), view.tasks.column_texts(1), strict=True))


# -- the whole lifecycle -------------------------------------------------------


def test_a_case_goes_from_new_to_closed_by_clicking(
    qtbot: QtBot, svc: Services, make_view: MakeView, clock: FrozenClock
) -> None:
    ref = log(svc, rights=("erasure",), name="Priya Raman", email="priya@example.org")
    view = make_view(svc, ref)

    def do(op: str, fill: Callable[[ActionDialog], None] | None = None) -> None:
        clock.advance(minutes=5)  # so that the timeline has an order to show
        act(qtbot, view, op, fill)

    assert state(view) == "New"
    assert view.due.text() == "Due Thu 24 Dec 2026"
    assert enabled(view) >= {"start", "request-identity", "refuse", "withdraw"}
    assert "approve" not in enabled(view) and "clarification-received" not in enabled(view)

    do("start")
    assert state(view) == "In progress"

    do("request-identity")
    assert state(view) == "Awaiting identity"
    assert view.status.text() == "Clock waiting: no date in force"
    assert view.due.text() == "No due date in force"
    do("record-identity")
    assert state(view) == "In progress"
    assert view.status.text() == "On track: 30 days left"

    def ask(d: ActionDialog) -> None:
        assert d.reason_code() == "clarify-scope"  # the subject's own reason first
        assert d.note is not None
        qtbot.keyClicks(d.note, "Which accounts?")

    do("clarification-requested", ask)
    assert view.status.text() == "Clock paused: no date in force"
    assert "clarification-received" in enabled(view)
    do("clarification-received")
    assert "clarification-received" not in enabled(view)
    # One day paused: Fri 25 Dec, rolled past Christmas and Boxing Day (Mon 28).
    assert view.due.text() == "Due Tue 29 Dec 2026"
    assert view.status.text() == "On track: 35 days left"

    view.dialog = None
    click(qtbot, view, "add-task")
    add = opened(view)
    assert isinstance(add, TaskDialog)
    assert not add.ok_button.isEnabled()
    qtbot.keyClicks(add.system, "CRM")
    press_ok(qtbot, add)
    assert tasks(view) == [("CRM", "Open")]

    click(qtbot, view, "record-outcome")
    outcome = opened(view)
    assert isinstance(outcome, OutcomeDialog)
    assert not outcome.ok_button.isEnabled()  # no outcome chosen yet
    outcome.choose_outcome("erased")
    qtbot.keyClicks(outcome.note, "Contact deleted")
    press_ok(qtbot, outcome)
    assert tasks(view) == [("CRM", "Erased")]
    assert view.tasks.column_texts(3) == ["Contact deleted"]

    def extend(d: ActionDialog) -> None:
        assert not d.ok_button.isEnabled()  # an extension needs its reason
        d.choose_reason("complex")

    do("extended", extend)
    assert view.due.text() == "Due Thu 25 Feb 2027"
    assert "Extended (unextended date Tue 29 Dec 2026)" in view.dates.text()

    do("submit")
    assert state(view) == "Awaiting approval"
    do("return", lambda d: qtbot.keyClicks(d.note, "Add the backup system"))
    assert state(view) == "In progress"
    do("submit")
    do("approve")
    assert state(view) == "Approved"
    do("respond")
    assert state(view) == "Responded"
    assert view.status.text() == "Met: responded Tue 24 Nov 2026"

    clock.advance(minutes=5)
    qtbot.keyClicks(view.note_box, "Sent by email")
    click(qtbot, view, "add-note")
    assert view.note_box.toPlainText() == ""

    do("close")
    assert state(view) == "Closed"
    # A closed case may still have its closing letter.
    assert enabled(view) == {"reopen", "edit-requester", "edit-agent", "letters"}
    assert svc.get_case(ref).row.state == "closed"
    what = view.timeline.column_texts(2)
    assert what[0] == "close: responded → closed"
    assert "Note: Sent by email" in what
    assert "Note: Which accounts?" in what
    assert "Note: Add the backup system" in what
    assert sum(w.startswith("submit:") for w in what) == 2


def test_the_header_shows_the_date_in_force_its_status_and_why(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    soon = make_view(svc, log(svc, days_ago=28))  # received Tue 27 Oct 2026
    assert soon.due.text() == "Due Fri 27 Nov 2026"
    assert soon.status.text() == "Due soon: 3 days left"
    assert soon.status.status == "due-soon"
    assert "Internal target Fri 20 Nov 2026" in soon.dates.text()
    assert "Acknowledge by" not in soon.dates.text()  # UK GDPR has none
    assert "Clock running" in soon.dates.text()
    assert not soon.explanation.isVisible()
    qtbot.mouseClick(soon.why, LEFT)
    assert soon.explanation.isVisible()
    steps = soon.explanation.text().splitlines()
    assert steps[0].startswith("1. Received Tue 27 Oct 2026 (ICO")
    assert "2. Rule: Right of access (UK GDPR Art 15)" in steps[1]

    late = make_view(svc, log(svc, days_ago=70))
    assert late.status.text() == "Overdue by 40 days" and late.status.status == "overdue"

    ccpa = make_view(svc, log(svc, regime="ccpa"))
    assert "Acknowledge by Tue 8 Dec 2026" in ccpa.dates.text()
    assert ccpa.due.text() == "Due Thu 7 Jan 2027"
    assert "CCPA" in ccpa.subtitle.text()


def test_every_status_has_words_not_just_a_colour(svc: Services) -> None:
    ref = log(svc, days_ago=28)
    detail = svc.get_case(ref)
    from dataclasses import replace

    def text(status: str, **row: object) -> str:
        return status_text(replace(detail, status=status, row=replace(detail.row, **row)), TODAY)

    stopped = {"stopped_on": D("2026-11-20")}
    assert text("overdue", due=D("2026-11-23")) == "Overdue by 1 day"
    assert text("due-today", due=TODAY) == "Due today"
    assert text("due-soon", due=D("2026-11-25")) == "Due soon: 1 day left"
    assert text("on-track") == "On track: 3 days left"
    assert text("waiting", due=None) == "Clock waiting: no date in force"
    assert text("paused", due=None) == "Clock paused: no date in force"
    assert text("met", **stopped) == "Met: responded Fri 20 Nov 2026"
    assert text("met-late", **stopped) == "Met late: responded Fri 20 Nov 2026"
    assert text("withdrawn", **stopped) == "Withdrawn Fri 20 Nov 2026"


# -- refusals ------------------------------------------------------------------


def test_submitting_an_erasure_with_an_open_task_shows_the_services_refusal(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc, rights=("erasure",))
    svc.act(ref, "start")
    svc.add_task(ref, "Billing")
    view = make_view(svc, ref)
    click(qtbot, view, "submit")  # enabled: the services decide on tasks
    box = view.message_box
    assert box is not None and box.isVisible()
    assert box.text() == (
        "cannot submit a erasure case while 1 task is open: record each system's outcome first"
    )
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert state(view) == "In progress"
    assert view.buttons["submit"].isEnabled()  # not busy any more


def test_a_support_user_cannot_approve_refuse_or_extend(
    qtbot: QtBot, svc: Services, make_view: MakeView, bus: ChangeBus
) -> None:
    waiting = log(svc)
    for action in ("start", "submit"):
        svc.act(waiting, action)
    sam = as_user(svc, "sam")
    view = make_view(sam, waiting)
    assert {"approve", "refuse", "return", "extended"}.isdisjoint(enabled(view))
    assert view.buttons["approve"].toolTip() == ("Only dpo may approve a case (you are support).")
    assert view.buttons["extended"].toolTip() == "Only dpo may record 'extended' (you are support)."
    assert "withdraw" in enabled(view)

    # Called anyway, the services refuse, and say why.
    messages: list[str] = []
    view.presenter.refused.connect(messages.append)
    view.presenter.act("approve")
    view.presenter.act("refuse", reason="exemption")
    view.presenter.record_event("extended", reason="complex")
    assert messages == [
        "only dpo may approve a case (you are support)",
        "only dpo may refuse a case (you are support)",
        "only dpo may record 'extended' (you are support)",
    ]
    assert refusal(view) == messages[-1]
    assert svc.get_case(waiting).row.state == "awaiting-approval"


def test_an_admin_may_take_no_case_action(svc: Services, make_view: MakeView) -> None:
    view = make_view(as_user(svc, "ada"), log(svc))
    assert enabled(view) == set()
    assert view.buttons["add-task"].toolTip() == (
        "Only dpo or support users may do this (you are admin)."
    )


def test_refusing_needs_a_reason_and_warns_that_the_requester_sees_it(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc)
    view = make_view(svc, ref)
    click(qtbot, view, "refuse")
    d = opened(view)
    assert isinstance(d, ActionDialog)
    assert d.warning is not None and d.warning.isVisible()
    assert "shown to the requester" in d.warning.text()
    assert not d.ok_button.isEnabled()
    d.choose_reason("other")
    assert not d.ok_button.isEnabled()  # "other" needs the explanation written out
    assert d.note is not None
    qtbot.keyClicks(d.note, "We hold no data about you.")
    assert d.ok_button.isEnabled()
    d.choose_reason("manifestly-unfounded")
    press_ok(qtbot, d)
    assert state(view) == "Refused"
    (event,) = [e for e in svc.get_case(ref).events if e.kind == "responded"]
    assert event.reason == "manifestly-unfounded"
    assert svc.get_case(ref).notes[-1].text == "We hold no data about you."


def test_an_extension_after_the_deadline_shows_the_engines_refusal(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc, days_ago=70)  # due Thu 15 Oct 2026
    view = make_view(svc, ref)
    click(qtbot, view, "extended")
    d = opened(view)
    assert isinstance(d, ActionDialog)
    d.choose_reason("numerous")
    press_ok(qtbot, d)
    assert refusal(view) == (
        "extension noticed on Tue 24 Nov 2026 is after the respond-by date in force "
        "(Thu 15 Oct 2026); notice must be given on or before it"
    )
    # The form stays open and filled in, ready to correct.
    assert d.isVisible() and d.ok_button.isEnabled() and d.reason_code() == "numerous"
    assert view.message_box is not None and view.message_box.parent() is d
    assert svc.get_case(ref).extended_respond_by is None


# -- people, documents, placeholders -------------------------------------------


def test_editing_the_requester_and_the_agent(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc, name="Ada Lovelace", email="ada@example.org")
    view = make_view(svc, ref)
    click(qtbot, view, "edit-requester")
    d = opened(view)
    assert isinstance(d, PersonDialog)
    assert d.name.text() == "Ada Lovelace" and d.email.text() == "ada@example.org"
    d.name.clear()
    assert not d.ok_button.isEnabled()
    qtbot.keyClicks(d.name, "Ada King")
    qtbot.keyClicks(d.phone, "+44 20 7946 0000")
    press_ok(qtbot, d)
    assert view.requester_name.text() == "Ada King"
    assert view.requester_phone.text() == "+44 20 7946 0000"
    assert view.timeline.column_texts(2)[0] == "Requester details changed"

    assert view.agent_name.text() == "None recorded"
    click(qtbot, view, "edit-agent")
    a = opened(view)
    assert isinstance(a, PersonDialog)
    qtbot.keyClicks(a.name, "Tom Okafor")
    assert a.organisation is not None
    qtbot.keyClicks(a.organisation, "Okafor Legal")
    qtbot.keyClicks(a.email, "not an email")
    press_ok(qtbot, a)
    assert refusal(view) == "'not an email' is not an email address"
    assert view.message_box is not None
    view.message_box.close()
    a.email.clear()
    qtbot.keyClicks(a.email, "tom@okafor.example")
    press_ok(qtbot, a)
    assert view.agent_name.text() == "Tom Okafor"
    assert svc.get_case(ref).agent_name == "Tom Okafor"


def test_sections_say_what_they_hold(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc)
    svc.add_task(ref, "CRM")
    view = make_view(svc, ref)
    tabs = [view.sections.tabText(i) for i in range(view.sections.count())]
    assert tabs == ["Tasks (1 open)", "Identity", "Documents", "Letters"]
    assert view.buttons["letters"].isEnabled()
    assert "Only the DPO approves and records letters" in view.buttons["letters"].toolTip()
    # "Decide…" is the identity panel's: it takes the DPO there.
    assert view.buttons["verify-identity"].text() == "Decide…"
    click(qtbot, view, "verify-identity")
    assert view.sections.currentWidget() is view.verification
    assert "add-document" not in view.buttons  # the documents panel attaches


def test_hostile_text_shows_as_typed(qtbot: QtBot, svc: Services, make_view: MakeView) -> None:
    ref = log(svc, name="<b>x</b>", email="b@example.org")
    svc.add_note(ref, "<img src=x>")
    svc.set_agent(ref, name="<i>agent</i>")
    svc.add_task(ref, "<a href='x'>CRM</a>")
    view = make_view(svc, ref)
    for label in view.findChildren(QLabel):
        if "<" in label.text():
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    assert view.requester_name.text() == "<b>x</b>"
    assert view.agent_name.text() == "<i>agent</i>"
    assert "Note: <img src=x>" in view.timeline.column_texts(2)
    assert view.tasks.column_texts(0) == ["<a href='x'>CRM</a>"]
    view.presenter.refused.emit("'<b>x</b>' is not a case")
    assert view.message_box is not None
    assert view.message_box.textFormat() == Qt.TextFormat.PlainText


# -- refreshing ----------------------------------------------------------------


def test_the_view_refreshes_when_the_bus_names_its_case(
    qtbot: QtBot, svc: Services, make_view: MakeView, bus: ChangeBus
) -> None:
    ref, other = log(svc), log(svc, name="Someone Else", email="else@example.org")
    view = make_view(svc, ref)
    loads: list[CaseSnapshot] = []
    view.presenter.loaded.connect(loads.append)
    svc.act(ref, "start")  # elsewhere (the queue, the CLI, another window)
    assert state(view) == "New"
    bus.publish(CasesChanged((other,)))
    assert loads == [] and state(view) == "New"
    bus.publish(CasesChanged((other, ref)))
    assert len(loads) == 1 and state(view) == "In progress"


def test_an_action_in_one_view_refreshes_another_view_of_the_same_case(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc)
    first, second = make_view(svc, ref), make_view(svc, ref)
    click(qtbot, first, "start")
    assert state(second) == "In progress"


# -- the presenter, without a window -------------------------------------------


@pytest.fixture
def presenter(svc: Services, bus: ChangeBus) -> Iterator[Callable[[str], CaseActions]]:
    made: list[CaseActions] = []

    def make(reference: str, services: Services = svc) -> CaseActions:
        p = CaseActions(services, reference, bus, SyncRunner())
        made.append(p)
        p.refresh()
        return p

    yield make
    for p in made:
        p.deleteLater()


def test_the_presenter_enables_what_the_workflow_allows(
    svc: Services, presenter: Callable[[str], CaseActions]
) -> None:
    p = presenter(log(svc, regime="ccpa", rights=("opt-out-sale",)))
    assert p.snapshot is not None
    on = {op for op, a in p.snapshot.available.items() if a.enabled}
    assert on == {"start", "refuse", "withdraw", "clarification-requested", "fee-requested",
                  "authority-requested", "extended", "add-note", "add-task", "edit-requester",
                  "edit-agent", "verify-identity", "letters"}  # fmt: skip
    # The law forbids asking for identity here (11 CCR §7026(d)).
    assert p.available("request-identity").why == (
        "The law does not allow identity verification for ccpa opt-out-sale requests."
    )
    assert p.available("record-outcome").why == "Add a task first."
    assert p.available("fee-received").why == "Nothing to answer: no fee requested event is open."
    detail = p.snapshot.detail
    assert availability(detail, "nobody")["start"].why.startswith("Unknown role 'nobody'")


def test_the_presenter_runs_a_dialog_and_publishes_the_change(
    qtbot: QtBot, svc: Services, bus: ChangeBus, presenter: Callable[[str], CaseActions]
) -> None:
    ref = log(svc)
    p = presenter(ref)
    d = p.begin("refuse")
    assert isinstance(d, ActionDialog) and not d.isVisible()
    d.choose_reason("exemption")
    with qtbot.waitSignal(bus.cases_changed) as published:
        d.accept()
    assert published.args == [CasesChanged((ref,))]
    assert p.snapshot is not None and p.snapshot.detail.row.state == "refused"
    assert d.result() == ActionDialog.DialogCode.Accepted
    d.deleteLater()

    assert p.begin("reopen") is not None  # asks why
    with qtbot.waitSignal(bus.cases_changed):
        assert p.begin("close") is None  # runs at once
    assert svc.get_case(ref).row.state == "closed"


def test_a_refused_dialog_stays_open_and_a_bug_is_not_swallowed(
    qtbot: QtBot, svc: Services, presenter: Callable[[str], CaseActions]
) -> None:
    p = presenter(log(svc))
    messages: list[str] = []
    p.refused.connect(messages.append)
    d = p.begin("respond")  # new: not approved yet
    assert isinstance(d, ActionDialog)
    d.accept()
    assert messages == ["cannot respond a case that is new; allowed from: approved"]
    assert d.result() == 0 and d.ok_button.isEnabled() and not p.busy
    d.deleteLater()

    def broken() -> None:
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError, match="a bug"):
        p.run(broken)
    assert messages == ["cannot respond a case that is new; allowed from: approved"]
    assert not p.busy


def test_the_timeline_puts_note_text_in_place_of_note_added_newest_first() -> None:
    utc = dt.UTC
    entries = [
        TimelineEntry(dt.datetime(2026, 11, 2, 15, tzinfo=utc), "sam", "other", "Logged"),
        TimelineEntry(dt.datetime(2026, 11, 3, 15, tzinfo=utc), "sam", "note", "Note added"),
        TimelineEntry(dt.datetime(2026, 11, 4, 15, tzinfo=utc), "dpo", "state", "start"),
    ]
    notes = [
        NoteView(1, "first", dt.datetime(2026, 11, 3, 15), "sam"),
        NoteView(2, "with the start", dt.datetime(2026, 11, 4, 15), "dpo"),
    ]
    rows = merge_timeline(entries, notes, NEW_YORK)
    assert [(r.kind, r.text) for r in rows] == [
        ("state", "start"),
        ("note", "with the start"),
        ("note", "first"),
        ("other", "Logged"),
    ]  # a note written with an action shows under it
    assert rows[0].at == dt.datetime(2026, 11, 4, 10, tzinfo=NEW_YORK)


def test_the_view_works_on_the_thread_pool(qtbot: QtBot, svc: Services, bus: ChangeBus) -> None:
    ref = log(svc)
    view = CaseView(svc, ref, bus, PoolRunner())
    qtbot.addWidget(view)
    assert state(view) == "New"  # opened at once
    view.show()
    qtbot.mouseClick(view.buttons["start"], LEFT)
    assert not view.buttons["withdraw"].isEnabled()  # busy: nothing is sent twice
    qtbot.waitUntil(lambda: state(view) == "In progress")
    qtbot.waitUntil(lambda: view.buttons["withdraw"].isEnabled())
    svc.act(ref, "withdraw")
    bus.publish(CasesChanged((ref,)))  # reloaded on the pool
    qtbot.waitUntil(lambda: state(view) == "Withdrawn")


def test_a_case_that_does_not_exist_does_not_open(
    qtbot: QtBot, svc: Services, bus: ChangeBus
) -> None:
    with pytest.raises(NotFound, match="no case DSR-2026-09999"):
        CaseView(svc, "DSR-2026-09999", bus, SyncRunner())
