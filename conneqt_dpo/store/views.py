"""What the services hand to the GUI and the CLI: frozen plain data, never ORM
rows (a detached row that lazy-loads on the GUI thread is a bug)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from conneqt_dpo.domain.deadlines import status_on


@dataclass(frozen=True)
class UserView:
    id: int
    login: str
    name: str
    email: str | None
    role: str
    active: bool


@dataclass(frozen=True)
class NewRequest:
    """One incoming request: one case per right, all for the same person."""

    regime: str
    rights: tuple[str, ...]
    channel: str
    name: str
    email: str | None = None
    phone: str | None = None
    received_at: dt.datetime | None = None  # None = now; no zone = the organisation's
    received_reason: str | None = None  # required when backdated
    note: str | None = None
    calendar: str | None = None  # holiday calendar code; None = the settings' for the regime
    # Where the requester lives and who they are to the organisation.
    address: str | None = None
    account_id: str | None = None
    country: str | None = None  # ISO 3166 alpha-2 (GB, IE, US, ...)
    us_state: str | None = None  # two letters (CA); implies country US
    # Someone acting for the requester, and on what authority
    # (domain/intake.py AGENT_AUTHORITIES).
    agent_name: str | None = None
    agent_organisation: str | None = None
    agent_email: str | None = None
    agent_phone: str | None = None
    agent_authority: str | None = None
    ccpa_detail: str | None = None  # CCPA request to know: "categories" | "specific"
    # Add the rights to this case's request group and person instead of a
    # new request (the person's details are then left as they are).
    join_reference: str | None = None


@dataclass(frozen=True)
class CaseQuery:
    state: str | None = None
    open_only: bool = False
    closed_only: bool = False  # responded, refused, withdrawn or closed
    overdue_on: dt.date | None = None  # only cases overdue on that day
    # Open cases with the clock running, due in this range (both included).
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    assignee: str | None = None
    regime: str | None = None
    text: str | None = None  # name, email or reference contains
    sort: str = "due"  # due | received | reference | state
    descending: bool = False
    limit: int | None = None
    offset: int = 0


@dataclass(frozen=True)
class CaseRow:
    """One line of the queue."""

    id: int
    reference: str
    regime: str
    right: str
    channel: str
    state: str
    clock_state: str
    received: dt.date
    due: dt.date | None
    target: dt.date | None
    requester_name: str
    requester_email: str | None
    assignee: str | None
    stopped_by: str | None = None  # responded | withdrawn
    stopped_on: dt.date | None = None

    def days_left(self, today: dt.date) -> int | None:
        """Calendar days to the date in force while the clock runs."""
        if self.due is None or self.clock_state == "stopped":
            return None
        return (self.due - today).days

    def status(self, today: dt.date, due_soon_days: int = 7) -> str:
        """The deadline status on `today` (spec/deadlines.md, "Status")."""
        return status_on(clock_state=self.clock_state, due=self.due, stopped_by=self.stopped_by,
                         stopped_on=self.stopped_on, today=today,
                         due_soon_days=due_soon_days)  # fmt: skip

    def to_json(self, today: dt.date | None = None, due_soon_days: int = 7) -> dict[str, object]:
        d: dict[str, object] = {
            "reference": self.reference,
            "regime": self.regime,
            "right": self.right,
            "channel": self.channel,
            "state": self.state,
            "clock_state": self.clock_state,
            "received": self.received.isoformat(),
            "due": _iso(self.due),
            "target": _iso(self.target),
            "requester_name": self.requester_name,
            "requester_email": self.requester_email,
            "assignee": self.assignee,
        }
        if today is not None:
            d["days_left"] = self.days_left(today)
            d["status"] = self.status(today, due_soon_days)
        return d


@dataclass(frozen=True)
class EventView:
    kind: str
    on: dt.date
    reason: str | None
    recorded_at: dt.datetime
    recorded_by: str
    superseded: bool = False  # a response undone by reopening the case


@dataclass(frozen=True)
class NoteView:
    id: int
    text: str
    created_at: dt.datetime
    author: str


@dataclass(frozen=True)
class DocumentView:
    """A document of a case; a purged one is its tombstone (purged_at set)."""

    id: int
    reference: str
    kind: str
    filename: str
    media_type: str
    size: int
    address: str  # the keyed hash the locker stores it under
    added_at: dt.datetime  # UTC
    added_by: str
    purge_after: dt.date | None  # identity documents: set by the decision
    purged_at: dt.datetime | None
    purge_reason: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "reference": self.reference,
            "kind": self.kind,
            "filename": self.filename,
            "media_type": self.media_type,
            "size": self.size,
            "address": self.address,
            "added_at": self.added_at.isoformat() + "Z",
            "added_by": self.added_by,
            "purge_after": self.purge_after.isoformat() if self.purge_after else None,
            "purged_at": self.purged_at.isoformat() + "Z" if self.purged_at else None,
            "purge_reason": self.purge_reason,
        }


@dataclass(frozen=True)
class TaskView:
    id: int
    system: str
    outcome: str | None  # None while open
    note: str | None = None
    created_at: dt.datetime | None = None
    created_by: str | None = None
    done_at: dt.datetime | None = None
    done_by: str | None = None


@dataclass(frozen=True)
class CaseDetail:
    row: CaseRow
    group_references: tuple[str, ...]  # the other cases of the same request
    received_at: dt.datetime
    backdate_reason: str | None
    requester_phone: str | None
    agent_name: str | None
    acknowledge_by: dt.date | None
    respond_by: dt.date | None
    extended_respond_by: dt.date | None
    calendar: str | None
    calendar_version: str | None
    events: tuple[EventView, ...]
    notes: tuple[NoteView, ...]
    documents: tuple[DocumentView, ...]
    tasks: tuple[TaskView, ...]
    explanation: tuple[str, ...] = field(default=())
    status: str | None = None
    agent_email: str | None = None
    agent_phone: str | None = None
    agent_organisation: str | None = None
    agent_authority: str | None = None
    requester_address: str | None = None
    requester_account_id: str | None = None
    requester_country: str | None = None
    requester_us_state: str | None = None
    ccpa_detail: str | None = None
    legal_hold: bool = False

    @property
    def reference(self) -> str:
        return self.row.reference

    def to_json(self, today: dt.date | None = None) -> dict[str, object]:
        d = self.row.to_json(today)
        d.update(
            {
                "received_at": self.received_at.isoformat(),
                "backdate_reason": self.backdate_reason,
                "requester_phone": self.requester_phone,
                "agent_name": self.agent_name,
                "agent_email": self.agent_email,
                "agent_phone": self.agent_phone,
                "agent_organisation": self.agent_organisation,
                "agent_authority": self.agent_authority,
                "requester_address": self.requester_address,
                "requester_account_id": self.requester_account_id,
                "requester_country": self.requester_country,
                "requester_us_state": self.requester_us_state,
                "ccpa_detail": self.ccpa_detail,
                "legal_hold": self.legal_hold,
                "linked": list(self.group_references),
                "acknowledge_by": _iso(self.acknowledge_by),
                "respond_by": _iso(self.respond_by),
                "extended_respond_by": _iso(self.extended_respond_by),
                "calendar": self.calendar,
                "calendar_version": self.calendar_version,
                "status": self.status,
                "explanation": list(self.explanation),
                "events": [
                    {
                        "kind": e.kind,
                        "date": e.on.isoformat(),
                        "reason": e.reason,
                        "recorded_at": e.recorded_at.isoformat(),
                        "recorded_by": e.recorded_by,
                        "superseded": e.superseded,
                    }
                    for e in self.events
                ],
                "notes": [
                    {
                        "id": n.id,
                        "text": n.text,
                        "created_at": n.created_at.isoformat(),
                        "author": n.author,
                    }
                    for n in self.notes
                ],
                "documents": [
                    {
                        "id": doc.id,
                        "kind": doc.kind,
                        "filename": doc.filename,
                        "media_type": doc.media_type,
                        "size": doc.size,
                        "address": doc.address,
                        "purge_after": doc.purge_after.isoformat() if doc.purge_after else None,
                        "purged": doc.purged_at is not None,
                    }
                    for doc in self.documents
                ],
                "tasks": [
                    {
                        "id": t.id,
                        "system": t.system,
                        "outcome": t.outcome,
                        "note": t.note,
                        "done_at": t.done_at.isoformat() if t.done_at else None,
                        "done_by": t.done_by,
                    }
                    for t in self.tasks
                ],
            }
        )
        return d


@dataclass(frozen=True)
class Moved:
    """A case whose date in force changed on a recompute."""

    reference: str
    before: dt.date | None
    after: dt.date | None
    problem: str | None = None  # the engine now refuses its events; dates kept


@dataclass(frozen=True)
class DataSystemView:
    """A system holding personal data; each active one is a task on every
    new case."""

    id: int
    name: str
    owner: str | None
    categories: tuple[str, ...]
    purposes: tuple[str, ...]
    recipients: tuple[str, ...]
    active: bool


@dataclass(frozen=True)
class Draft:
    """An unfinished form of the acting user (JSON values)."""

    key: str
    updated_at: dt.datetime  # UTC
    data: Mapping[str, object]


@dataclass(frozen=True)
class SuppressionView:
    id: int
    email: str | None  # as compared: lower-case
    phone: str | None  # digits only
    reason: str  # marketing-objection | opt-out-sale
    source_reference: str | None
    created_at: dt.datetime  # UTC


@dataclass(frozen=True)
class Reminders:
    """What needs chasing on a day (the `reminders` settings)."""

    due_soon: tuple[CaseRow, ...]  # clock running, due within the reminder working days
    overdue: tuple[CaseRow, ...]
    overdue_tasks: tuple[tuple[str, str], ...]  # (reference, system): open, on overdue cases
    stale_identity: tuple[CaseRow, ...]  # awaiting identity longer than the wait setting

    def to_json(self, today: dt.date | None = None) -> dict[str, object]:
        return {
            "due_soon": [r.to_json(today) for r in self.due_soon],
            "overdue": [r.to_json(today) for r in self.overdue],
            "overdue_tasks": [{"reference": ref, "system": sys} for ref, sys in self.overdue_tasks],
            "stale_identity": [r.to_json(today) for r in self.stale_identity],
        }


@dataclass(frozen=True)
class CasesChanged:
    """Broadcast after a write so views refresh only the rows it names."""

    references: tuple[str, ...]


def _iso(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()
