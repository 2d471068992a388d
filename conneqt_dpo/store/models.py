"""The case store's tables, as SQLAlchemy 2.0 typed models.

Schema changes only through Alembic migrations in `database/`; a test checks
that the migrations produce exactly these tables. Personal data values live
in `data_subjects`, `agents`, `notes`, `suppressions`, `drafts` and
documents; the audit log holds ids and field names only, so a purge never
touches it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class StoreMeta(Base):
    """One row: the store's identity, so an anchor kept outside the database
    can tell which store it belongs to."""

    __tablename__ = "store_meta"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())


class DataSubject(Base):
    """One person, shared by all their cases."""

    __tablename__ = "data_subjects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    # The email as compared (lower-case): a returning requester is found by
    # an index lookup.
    email_key: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())
    # From intake (migration 0006): where they live decides the regime.
    address: Mapped[str | None] = mapped_column(Text)
    account_id: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166 alpha-2
    us_state: Mapped[str | None] = mapped_column(String(2))
    # The phone's digits and the case-folded name, as compared when looking
    # for possible duplicates (domain/intake.py).
    phone_key: Mapped[str | None] = mapped_column(String(64), index=True)
    name_key: Mapped[str | None] = mapped_column(String(200), index=True)


class Agent(Base):
    """Someone acting for the data subject (GDPR Art 80, CCPA §7063)."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    organisation: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())
    # What lets them act (domain/intake.py AGENT_AUTHORITIES).
    authority: Mapped[str | None] = mapped_column(String(32))


class RequestGroup(Base):
    """One incoming request that asked for one or more rights."""

    __tablename__ = "request_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))

    cases: Mapped[list[Case]] = relationship(back_populates="group")


class ReferenceCounter(Base):
    """The last number handed out per year: references stay gap-free because
    the counter moves in the same transaction as the case it numbers."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("year", "number", name="uq_cases_year_number"),
        Index("ix_cases_state_due", "state", "due_on"),
        Index("ix_cases_queue", "sort_due", "received_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    group_id: Mapped[int] = mapped_column(ForeignKey("request_groups.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("data_subjects.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    regime: Mapped[str] = mapped_column(String(16), index=True)
    right: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    # When the request reached the organisation (UTC) and the date that was
    # at the controller (its time zone): the clock counts from the date.
    received_at: Mapped[dt.datetime] = mapped_column(DateTime())
    received_on: Mapped[dt.date] = mapped_column(Date, index=True)
    backdate_reason: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(24), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    calendar: Mapped[str | None] = mapped_column(String(16))
    # Computed by the deadline engine in the same transaction as every clock
    # event, so the queue sorts and filters by date in SQL.
    clock_state: Mapped[str] = mapped_column(String(16))
    acknowledge_by: Mapped[dt.date | None] = mapped_column(Date)
    respond_by: Mapped[dt.date | None] = mapped_column(Date)
    extended_respond_by: Mapped[dt.date | None] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    # due_on, or 9999-12-31 when no date is in force: the queue's order.
    sort_due: Mapped[dt.date] = mapped_column(Date)
    # What stopped the clock (responded or withdrawn) and when: the status
    # (met, met-late, withdrawn) without recomputing.
    stopped_by: Mapped[str | None] = mapped_column(String(16))
    stopped_on: Mapped[dt.date | None] = mapped_column(Date)
    target_on: Mapped[dt.date | None] = mapped_column(Date)
    calendar_version: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime())
    # A CCPA request to know: "categories" or "specific" pieces (11 CCR §7062).
    ccpa_detail: Mapped[str | None] = mapped_column(String(16))
    # A legal hold blocks every purge of the case and its documents.
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When a closed case's personal data was removed at the end of retention.
    purged_at: Mapped[dt.datetime | None] = mapped_column(DateTime())

    group: Mapped[RequestGroup] = relationship(back_populates="cases")
    subject: Mapped[DataSubject] = relationship()
    agent: Mapped[Agent | None] = relationship()
    assignee: Mapped[User | None] = relationship()
    clock_events: Mapped[list[ClockEventRow]] = relationship(
        back_populates="case", order_by="ClockEventRow.id"
    )
    notes: Mapped[list[Note]] = relationship(order_by="Note.id")
    tasks: Mapped[list[Task]] = relationship(order_by="Task.id")
    documents: Mapped[list[Document]] = relationship(order_by="Document.id")
    letters: Mapped[list[Letter]] = relationship(order_by="Letter.id")
    verifications: Mapped[list[Verification]] = relationship(order_by="Verification.id")


class ClockEventRow(Base):
    __tablename__ = "clock_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    on: Mapped[dt.date] = mapped_column("on_date", Date)
    reason: Mapped[str | None] = mapped_column(String(32))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime())
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # A response or withdrawal undone by reopening the case: kept for the
    # record, no longer counted by the clock.
    superseded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    case: Mapped[Case] = relationship(back_populates="clock_events")


class Task(Base):
    """One data system to search, correct or erase for a case."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    system: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_tasks_created_by_users")
    )
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    done_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_tasks_done_by_users")
    )


class Document(Base):
    """A file that came with or for a case. The content is stored encrypted
    in the evidence locker under `address` (a keyed hash of the content);
    this row describes it. A purged document keeps its row as the tombstone."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime())
    added_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    address: Mapped[str] = mapped_column(String(64), index=True)
    purge_after: Mapped[dt.date | None] = mapped_column(Date, index=True)
    purged_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    purge_reason: Mapped[str | None] = mapped_column(String(32))


class Verification(Base):
    """One identity decision on a case. Lists are JSON arrays of codes
    (spec/workflow.md, "Identity verification")."""

    __tablename__ = "verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    methods: Mapped[str] = mapped_column(Text)
    data_points: Mapped[str] = mapped_column(Text)
    level: Mapped[str | None] = mapped_column(String(16))
    decision: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime())
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Letter(Base):
    __tablename__ = "letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    # Migration 0008: the template (file and version) that produced it, and
    # when, how and by whom it was sent.
    template: Mapped[str | None] = mapped_column(String(200))
    sent_on: Mapped[dt.date | None] = mapped_column(Date)
    sent_method: Mapped[str | None] = mapped_column(String(16))
    sent_by: Mapped[int | None] = mapped_column(Integer)


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class AuditEvent(Base):
    """Append-only (database triggers refuse UPDATE and DELETE) and
    hash-chained: `hash` = SHA-256 of `prev_hash` and this row's canonical
    content. Holds ids, actions, field names and codes, never personal data."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(32), index=True)
    fields: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditAnchor(Base):
    """The chain's head (one row), moved in the same transaction as each
    append: deleting the newest events alone leaves it pointing past them."""

    __tablename__ = "audit_anchor"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class ClosureDay(Base):
    """A day the organisation is closed although the holiday calendar says it
    works (`closed`), or open although the calendar lists a holiday (not
    `closed`): the `holidays` package's California list, for one, includes
    days offices are open."""

    __tablename__ = "closure_days"
    __table_args__ = (UniqueConstraint("calendar", "day", name="uq_closure_days_calendar_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar: Mapped[str] = mapped_column(String(16))
    day: Mapped[dt.date] = mapped_column(Date)
    closed: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(200))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime())
    added_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Setting(Base):
    """One setting (domain/settings.py) or the organisation profile (key
    `organisation`), as JSON. Keys this version does not know are ignored."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime())
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class DataSystem(Base):
    """A system holding personal data: each new case gets a task for each
    active one. Lists are JSON arrays of text."""

    __tablename__ = "data_systems"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    owner: Mapped[str | None] = mapped_column(String(200))
    categories: Mapped[str] = mapped_column(Text)
    purposes: Mapped[str] = mapped_column(Text)
    recipients: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())


class DraftRow(Base):
    """A form a user has not finished (an intake half typed), per user."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_drafts_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(100))
    data: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime())


class Suppression(Base):
    """An email or phone number that must get no more marketing (GDPR Art
    21(3), CAN-SPAM) or whose data must not be sold or shared (CCPA
    §1798.120 and the state opt-outs)."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_key: Mapped[str | None] = mapped_column(String(320), index=True)
    phone_digits: Mapped[str | None] = mapped_column(String(64), index=True)
    source_reference: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())
