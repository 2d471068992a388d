"""Read queries. Lists are Core selects returning rows (loading 100,000 ORM
objects is ~10x slower), sorted, filtered and paged in SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from conneqt_dpo.domain.workflow import OPEN_STATES
from conneqt_dpo.store import search
from conneqt_dpo.store.models import Agent, Case, DataSubject, RequestGroup, User
from conneqt_dpo.store.views import (
    CaseDetail,
    CaseQuery,
    CaseRow,
    DocumentView,
    EventView,
    NoteView,
    TaskView,
)

_assignee = aliased(User)

_ROW_COLUMNS = (
    Case.id,
    Case.reference,
    Case.regime,
    Case.right,
    Case.channel,
    Case.state,
    Case.clock_state,
    Case.received_on,
    Case.due_on,
    Case.target_on,
    DataSubject.name,
    DataSubject.email,
    _assignee.login,
    Case.stopped_by,
    Case.stopped_on,
)

_SORTS: dict[str, tuple[Any, ...]] = {
    "due": (Case.sort_due, Case.received_on, Case.id),
    "received": (Case.received_on, Case.id),
    "reference": (Case.year, Case.number),
    "state": (Case.state, Case.sort_due, Case.id),
    "clock": (Case.clock_state, Case.sort_due, Case.id),
    "regime": (Case.regime, Case.due_on, Case.id),
    "right": (Case.right, Case.due_on, Case.id),
    "requester": (DataSubject.name, Case.id),
    "assignee": (_assignee.login, Case.due_on, Case.id),
}
SORT_KEYS = tuple(_SORTS)


def _filtered(session: Session, stmt: Any, q: CaseQuery, *, joins: bool = True) -> Any:
    """`joins`: join the person and the assignee (a count needs them only
    to filter on them)."""
    if joins or (q.text and search.needs_subject_join(session)):
        stmt = stmt.join(DataSubject, DataSubject.id == Case.subject_id)
    if joins or q.assignee:
        stmt = stmt.outerjoin(_assignee, _assignee.id == Case.assignee_id)
    if q.state:
        stmt = stmt.where(Case.state == q.state)
    if q.open_only or q.overdue_on is not None:
        stmt = stmt.where(Case.state.in_([s.value for s in OPEN_STATES]))
    if q.closed_only:
        stmt = stmt.where(Case.state.not_in([s.value for s in OPEN_STATES]))
    if q.due_from is not None or q.due_to is not None:
        stmt = stmt.where(
            Case.state.in_([s.value for s in OPEN_STATES]),
            Case.due_on.is_not(None),
            Case.stopped_by.is_(None),
        )
        if q.due_from is not None:
            stmt = stmt.where(Case.due_on >= q.due_from)
        if q.due_to is not None:
            stmt = stmt.where(Case.due_on <= q.due_to)
    if q.overdue_on is not None:
        stmt = stmt.where(
            and_(
                Case.due_on.is_not(None), Case.due_on < q.overdue_on, Case.clock_state != "stopped"
            )
        )
    if q.assignee:
        stmt = stmt.where(_assignee.login == q.assignee)
    if q.regime:
        stmt = stmt.where(Case.regime == q.regime)
    if q.text:
        where = search.text_filter(session, q.text)
        if where is not None:
            stmt = stmt.where(where)
    return stmt


def list_cases(s: Session, q: CaseQuery) -> list[CaseRow]:
    if q.sort not in _SORTS:
        raise ValueError(f"unknown sort key {q.sort!r}")
    order = [c.desc() if q.descending else c.asc() for c in _SORTS[q.sort]]
    stmt = _filtered(s, select(*_ROW_COLUMNS), q).order_by(*order).offset(q.offset)
    if q.limit is not None:
        stmt = stmt.limit(q.limit)
    rows: list[Any] = list(s.execute(stmt))
    return [CaseRow(*r) for r in rows]


def case_rows(
    s: Session, *where: Any, order_by: tuple[Any, ...] = (), limit: int | None = None
) -> list[CaseRow]:
    """Queue rows matching `where` (conditions on cases, their person and
    assignee), for lists that CaseQuery does not describe."""
    stmt = (
        select(*_ROW_COLUMNS)
        .join(DataSubject, DataSubject.id == Case.subject_id)
        .outerjoin(_assignee, _assignee.id == Case.assignee_id)
        .where(*where)
        .order_by(*order_by)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    rows: list[Any] = list(s.execute(stmt))
    return [CaseRow(*r) for r in rows]


def count_cases(s: Session, q: CaseQuery) -> int:
    stmt = _filtered(s, select(func.count(Case.id)), q, joins=False)
    return int(s.execute(stmt).scalar_one())


def case_detail(
    s: Session, case: Case, explanation: tuple[str, ...], status: str | None
) -> CaseDetail:
    logins = {uid: login for uid, login in s.execute(select(User.id, User.login))}
    subject = s.get(DataSubject, case.subject_id)
    assert subject is not None
    agent = s.get(Agent, case.agent_id) if case.agent_id else None
    group = s.get(RequestGroup, case.group_id)
    assert group is not None
    linked = tuple(
        s.execute(
            select(Case.reference)
            .where(Case.group_id == case.group_id, Case.id != case.id)
            .order_by(Case.id)
        ).scalars()
    )
    row = CaseRow(
        case.id,
        case.reference,
        case.regime,
        case.right,
        case.channel,
        case.state,
        case.clock_state,
        case.received_on,
        case.due_on,
        case.target_on,
        subject.name,
        subject.email,
        logins.get(case.assignee_id) if case.assignee_id else None,
        case.stopped_by,
        case.stopped_on,
    )
    return CaseDetail(
        row=row,
        group_references=linked,
        received_at=case.received_at,
        backdate_reason=case.backdate_reason,
        requester_phone=subject.phone,
        agent_name=agent.name if agent else None,
        acknowledge_by=case.acknowledge_by,
        respond_by=case.respond_by,
        extended_respond_by=case.extended_respond_by,
        calendar=case.calendar,
        calendar_version=case.calendar_version,
        events=tuple(
            EventView(
                e.kind, e.on, e.reason, e.recorded_at, logins.get(e.recorded_by, "?"), e.superseded
            )
            for e in case.clock_events
        ),
        notes=tuple(
            NoteView(n.id, n.text, n.created_at, logins.get(n.author_id, "?")) for n in case.notes
        ),
        documents=tuple(
            DocumentView(
                d.id,
                case.reference,
                d.kind,
                d.filename,
                d.media_type,
                d.size,
                d.address,
                d.added_at,
                logins.get(d.added_by, "?"),
                d.purge_after,
                d.purged_at,
                d.purge_reason,
            )
            for d in case.documents
        ),
        tasks=tuple(
            TaskView(
                t.id,
                t.system,
                t.outcome,
                t.note,
                t.created_at,
                logins.get(t.created_by) if t.created_by else None,
                t.done_at,
                logins.get(t.done_by) if t.done_by else None,
            )
            for t in case.tasks
        ),
        explanation=explanation,
        status=status,
        agent_email=agent.email if agent else None,
        agent_phone=agent.phone if agent else None,
        agent_organisation=agent.organisation if agent else None,
        agent_authority=agent.authority if agent else None,
        requester_address=subject.address,
        requester_account_id=subject.account_id,
        requester_country=subject.country,
        requester_us_state=subject.us_state,
        ccpa_detail=case.ccpa_detail,
        legal_hold=case.legal_hold,
    )
