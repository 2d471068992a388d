"""The case view's presenter: what one case looks like to the acting user,
which actions they may take, and taking them.

No window is needed to use it (tests drive it directly). It loads the case
through the runner and emits ``loaded`` with a CaseSnapshot; every action
goes through the services on the runner, and on success the CasesChanged is
published on the bus (which is also how this presenter learns that its own
case changed, from here or from anywhere else). A refusal from the services
(a DomainError, whose message is written for a person) is emitted as
``refused``; anything else is a bug and is raised for the crash handler.

Which operations are available, and the words for them, are in
``case_ops``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.workflow import (
    EVENT_RULES,
    EXTENSION_REASONS,
    PAUSE_REASONS,
    REFUSAL_REASONS,
    TASK_OUTCOMES,
)
from conneqt_dpo.gui.bus import ChangeBus
from conneqt_dpo.gui.case_ops import (
    ADD_TASK,
    EDIT_AGENT,
    EDIT_REQUESTER,
    RECORD_OUTCOME,
    Availability,
    availability,
    choices,
    outcome_label,
    reason_label,
)
from conneqt_dpo.gui.case_panel import CasePanelPresenter
from conneqt_dpo.gui.dialogs import (
    ActionDialog,
    ActionForm,
    FormDialog,
    OutcomeDialog,
    Person,
    PersonDialog,
    TaskDialog,
)
from conneqt_dpo.gui.worker import Runner
from conneqt_dpo.store.casework_services import TimelineEntry
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import CaseDetail, CasesChanged, NoteView, UserView

_PAUSE = choices(PAUSE_REASONS, reason_label)


def _ask(title: str, intro: str, default: str) -> ActionForm:
    return ActionForm(title, intro, "Record request", reasons=_PAUSE, default_reason=default,
                      date_label="Asked on:")  # fmt: skip


def _answer(title: str, intro: str) -> ActionForm:
    return ActionForm(title, intro, "Record", date_label="Received on:")


# What each action asks for before it runs (actions absent here run at once).
FORMS: Mapping[str, ActionForm] = {
    "request-identity": ActionForm(
        "Request identity",
        "Ask the requester to prove who they are. The case then awaits identity; "
        "record the day the evidence arrives with “Identity received”.",
        "Record request",
        fixed_reason=reason_label("identity-check"),
        date_label="Requested on:",
    ),
    "record-identity": _answer(
        "Identity received",
        "Record the day the identity evidence arrived. Whether it verifies the "
        "requester is a separate decision.",
    ),
    "clarification-requested": _ask(
        "Ask the requester to clarify",
        "Record the day you asked the requester to clarify their request.",
        "clarify-scope",
    ),
    "clarification-received": _answer(
        "Clarification received", "Record the day the requester's answer arrived."
    ),
    "fee-requested": _ask("Request a fee", "Record the day you asked for a fee.", "fee"),
    "fee-received": _answer("Fee received", "Record the day the fee arrived."),
    "authority-requested": _ask(
        "Request the agent's authority",
        "Record the day you asked the agent for proof that they act for the requester.",
        "agent-authority",
    ),
    "authority-received": _answer(
        "Agent's authority received", "Record the day the proof of authority arrived."
    ),
    "extended": ActionForm(
        "Extend the deadline",
        "Record the notice of extension sent to the requester, with its reason. The "
        "deadline engine refuses an extension the law does not allow (noticed too late, "
        "a second one, or none under this rule).",
        "Extend",
        reasons=choices(EXTENSION_REASONS, reason_label),
        date_label="Notice sent on:",
    ),
    "return": ActionForm(
        "Return the case",
        "Send the case back to in progress for more work.",
        "Return",
        note_label="What needs changing (optional):",
    ),
    "refuse": ActionForm(
        "Refuse the request",
        "A refusal is a response: the case becomes refused and the clock stops on the "
        "date the refusal is sent.",
        "Refuse",
        reasons=choices(REFUSAL_REASONS, reason_label),
        date_label="Refusal sent on:",
        note_label="Explanation for the requester:",
        note_required_for=("other",),
        warning="The reason you choose and the explanation you write will be shown to "
        "the requester in the refusal. Write them for the requester to read.",
    ),
    "respond": ActionForm(
        "Mark responded",
        "Record the day the response was sent. This stops the clock.",
        "Mark responded",
        date_label="Response sent on:",
    ),
    "withdraw": ActionForm(
        "Withdraw",
        "The requester withdrew the request. This stops the clock.",
        "Withdraw",
        date_label="Withdrawn on:",
    ),
    "reopen": ActionForm(
        "Reopen the case",
        "Reopen the case for more work (in progress).",
        "Reopen",
        note_label="Why (optional):",
    ),
}


# -- what the view shows ------------------------------------------------------


@dataclass(frozen=True)
class TimelineRow:
    at: dt.datetime  # at the organisation
    actor: str
    kind: str  # as TimelineEntry.kind
    text: str


def merge_timeline(
    entries: Sequence[TimelineEntry], notes: Sequence[NoteView], tz: ZoneInfo
) -> tuple[TimelineRow, ...]:
    """The audit trail with the notes' own text in place of "Note added"
    (notes written with an action have no entry of their own), newest first.
    A note is written just before the audit entry of its transaction, so on
    a tie it goes first, and so shows under its action."""
    rows = [
        TimelineRow(n.created_at.replace(tzinfo=dt.UTC).astimezone(tz), n.author, "note", n.text)
        for n in notes
    ]
    rows += [TimelineRow(e.at.astimezone(tz), e.actor, e.kind, e.text)
             for e in entries if e.kind != "note"]  # fmt: skip
    rows.sort(key=lambda row: row.at)  # stable: notes first on a tie
    return tuple(reversed(rows))


@dataclass(frozen=True)
class CaseSnapshot:
    detail: CaseDetail
    today: dt.date
    actor: UserView
    timeline: tuple[TimelineRow, ...]
    available: Mapping[str, Availability]

    @property
    def reference(self) -> str:
        return self.detail.reference


def load_snapshot(services: Services, reference: str) -> CaseSnapshot:
    """Everything the view shows of one case (runs on a worker thread)."""
    today = services.today()
    detail = services.get_case(reference, today=today)
    actor = services.actor()
    timeline = merge_timeline(services.timeline(reference), detail.notes, services.tz)
    return CaseSnapshot(detail, today, actor, timeline, availability(detail, actor.role))


def requester_of(detail: CaseDetail) -> Person:
    r = detail.row
    return Person(r.requester_name, r.requester_email, detail.requester_phone)


def agent_of(detail: CaseDetail) -> Person | None:
    if not detail.agent_name:
        return None
    # The agent's email, phone and organisation are not in CaseDetail yet
    # (asked for store-side); read them when they arrive so that editing the
    # agent never silently clears them.
    return Person(
        detail.agent_name,
        getattr(detail, "agent_email", None),
        getattr(detail, "agent_phone", None),
        getattr(detail, "agent_organisation", None),
    )


# -- the presenter ------------------------------------------------------------


class CaseActions(CasePanelPresenter):
    loaded = Signal(object)  # CaseSnapshot

    def __init__(
        self,
        services: Services,
        reference: str,
        bus: ChangeBus,
        runner: Runner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(services, reference, bus, runner, parent)
        self.snapshot: CaseSnapshot | None = None
        bus.cases_changed.connect(self._on_changed)

    # -- loading ----------------------------------------------------------

    def load_now(self) -> CaseSnapshot:
        """Load on the calling thread, raising what the services raise (a
        case that does not exist: NotFound). For opening a case: one
        indexed read, and the caller learns at once that it cannot open."""
        self._generation += 1  # a load still running is no longer shown
        snapshot = load_snapshot(self.services, self.reference)
        self._loaded(snapshot)
        return snapshot

    def refresh(self) -> None:
        """Load on the runner (after a change) and emit ``loaded``."""
        services, reference = self.services, self.reference
        self._load(lambda: load_snapshot(services, reference), self._loaded)

    def _loaded(self, snapshot: CaseSnapshot) -> None:
        self.snapshot = snapshot
        self.loaded.emit(snapshot)

    def _on_changed(self, changed: CasesChanged) -> None:
        if self.reference in changed.references:
            self.refresh()

    def available(self, op: str) -> Availability:
        if self.snapshot is None:
            return Availability(False, "Loading…")
        return self.snapshot.available[op]

    # -- running ----------------------------------------------------------

    def run(
        self,
        work: Callable[[], Any],
        *,
        dialog: FormDialog | None = None,
        after: Callable[[], None] | None = None,
    ) -> None:
        """Run one service call on the runner; publish what it changed. The
        dialog that asked for it stays open, busy, until the call is done,
        and closes only if it succeeded."""
        if dialog is not None:
            dialog.set_busy(True)

        def finished(_result: object) -> None:
            if dialog is not None and shiboken6.isValid(dialog):
                dialog.finish()
            if after is not None:
                after()

        def undo() -> None:
            if dialog is not None and shiboken6.isValid(dialog):
                dialog.set_busy(False)

        self._run(work, finished, undo)

    def _refuse(self, error: DomainError) -> None:
        self.refused.emit(str(error))  # as the services word it

    def act(
        self,
        action: str,
        *,
        reason: str | None = None,
        note: str | None = None,
        on: dt.date | None = None,
        dialog: FormDialog | None = None,
    ) -> None:
        svc, ref = self.services, self.reference
        self.run(lambda: svc.act(ref, action, reason=reason, note=note, on=on), dialog=dialog)

    def record_event(
        self,
        kind: str,
        *,
        reason: str | None = None,
        note: str | None = None,
        on: dt.date | None = None,
        dialog: FormDialog | None = None,
    ) -> None:
        svc, ref = self.services, self.reference
        self.run(lambda: svc.record_event(ref, kind, on=on, reason=reason, note=note),
                 dialog=dialog)  # fmt: skip

    def add_note(self, text: str, *, after: Callable[[], None] | None = None) -> None:
        svc, ref = self.services, self.reference
        self.run(lambda: svc.add_note(ref, text), after=after)

    # -- starting an operation ------------------------------------------

    def begin(self, op: str, parent: QWidget | None = None) -> FormDialog | None:
        """Start operation `op`: run it at once, or return its dialog (not
        yet shown: the view opens it, a test fills it and presses OK)."""
        if op == ADD_TASK:
            return self._task_dialog(parent)
        if op == RECORD_OUTCOME:
            return self.outcome_dialog(None, parent)
        if op == EDIT_REQUESTER:
            return self._requester_dialog(parent)
        if op == EDIT_AGENT:
            return self._agent_dialog(parent)
        form = FORMS.get(op)
        if form is None:
            self._run_op(op, reason=None, note=None, on=None)
            return None
        snap = self.snapshot
        dialog = ActionDialog(
            form,
            today=snap.today if snap else self.services.today(),
            earliest=snap.detail.row.received if snap else None,
            parent=parent,
        )
        dialog.submitted.connect(
            lambda: self._run_op(op, reason=dialog.reason_code(), note=dialog.note_text(),
                                 on=dialog.on(), dialog=dialog)
        )  # fmt: skip
        return dialog

    def _run_op(
        self,
        op: str,
        *,
        reason: str | None,
        note: str | None,
        on: dt.date | None,
        dialog: FormDialog | None = None,
    ) -> None:
        if op in EVENT_RULES:
            self.record_event(op, reason=reason, note=note, on=on, dialog=dialog)
        else:
            self.act(op, reason=reason, note=note, on=on, dialog=dialog)

    def _task_dialog(self, parent: QWidget | None) -> TaskDialog:
        dialog = TaskDialog(parent)
        svc, ref = self.services, self.reference

        def submit() -> None:
            system = dialog.system_name()
            self.run(lambda: svc.add_task(ref, system), dialog=dialog)

        dialog.submitted.connect(submit)
        return dialog

    def outcome_dialog(self, selected: int | None, parent: QWidget | None = None) -> OutcomeDialog:
        tasks = self.snapshot.detail.tasks if self.snapshot else ()
        if selected is None:  # the first open task, else the first
            selected = next((t.id for t in tasks if t.outcome is None),
                            tasks[0].id if tasks else None)  # fmt: skip
        dialog = OutcomeDialog(
            [(t.id, f"{t.system} ({outcome_label(t.outcome).lower()})") for t in tasks],
            choices(TASK_OUTCOMES, outcome_label),
            selected=selected,
            parent=parent,
        )
        svc = self.services

        def submit() -> None:
            task_id, outcome, note = dialog.task_id(), dialog.outcome_code(), dialog.note_text()
            assert task_id is not None and outcome is not None  # OK is enabled only then
            self.run(lambda: svc.complete_task(task_id, outcome, note=note), dialog=dialog)

        dialog.submitted.connect(submit)
        return dialog

    def _requester_dialog(self, parent: QWidget | None) -> PersonDialog:
        person = requester_of(self.snapshot.detail) if self.snapshot else None
        dialog = PersonDialog(
            "Edit requester",
            "The requester's details are shared by all their cases: a change shows on "
            "each of them, and is recorded in each one's audit trail.",
            person,
            parent=parent,
        )
        svc, ref = self.services, self.reference

        def submit() -> None:
            p = dialog.person()
            assert p is not None  # the name is required
            self.run(lambda: svc.update_requester(ref, name=p.name, email=p.email,
                                                  phone=p.phone), dialog=dialog)  # fmt: skip

        dialog.submitted.connect(submit)
        return dialog

    def _agent_dialog(self, parent: QWidget | None) -> PersonDialog:
        agent = agent_of(self.snapshot.detail) if self.snapshot else None
        dialog = PersonDialog(
            "Edit agent",
            "Who acts for the requester (an authorised agent). Clear the name to "
            "record that nobody does.",
            agent,
            name_required=False,
            with_organisation=True,
            parent=parent,
        )
        svc, ref = self.services, self.reference

        def submit() -> None:
            p = dialog.person()
            if p is None:
                self.run(lambda: svc.set_agent(ref, name=None), dialog=dialog)
                return
            self.run(lambda: svc.set_agent(ref, name=p.name, email=p.email, phone=p.phone,
                                           organisation=p.organisation), dialog=dialog)  # fmt: skip

        dialog.submitted.connect(submit)
        return dialog
