"""What every service shares: the acting user, the clock, the audit trail,
locking a case for a change and recomputing its dates."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.organisation import Organisation
from conneqt_dpo.domain.settings import Settings
from conneqt_dpo.domain.workflow import Role
from conneqt_dpo.store import audit, clock, settings_rows
from conneqt_dpo.store.errors import NotFound, StoreError
from conneqt_dpo.store.models import Case, User
from conneqt_dpo.store.profile import default_organisation
from conneqt_dpo.store.store import Clock, Store, system_clock
from conneqt_dpo.store.views import UserView

REFERENCE = re.compile(r"^DSR-(\d{4})-(\d{5,})$")
MAX_NOTE = 20_000


class Actor(NamedTuple):
    id: int
    login: str
    role: str


_ACTOR_BY_LOGIN = select(User.id, User.login, User.role, User.active).where(
    User.login == bindparam("login")
)
_FIRST_DPO = (
    select(User.id, User.login, User.role)
    .where(User.role == Role.DPO.value, User.active)
    .order_by(User.id)
    .limit(1)
)


class ServiceBase:
    """The store's use cases share this: one acting user, one clock."""

    def __init__(
        self,
        store: Store,
        *,
        user: str | None = None,
        clock: Clock = system_clock,
        organisation: Organisation | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        # The profile shipped with the app (or given): the default until the
        # DPO stores one (svc.org_profile()).
        self.organisation = organisation or default_organisation()
        self._login = user
        # The settings as this object last read them; every transaction that
        # counts dates reads them again (another window may have changed them).
        self._settings: Settings | None = None

    # -- settings ---------------------------------------------------------

    def settings(self) -> Settings:
        """The organisation's settings (domain/settings.py), as stored."""
        with self.store.read() as s:
            return self._load_settings(s)

    def _load_settings(self, s: Session) -> Settings:
        self._settings = settings_rows.load_settings(s)
        return self._settings

    def _current_settings(self) -> Settings:
        return self._settings if self._settings is not None else self.settings()

    @property
    def tz(self) -> ZoneInfo:
        """The organisation's time zone (the `timezone` setting)."""
        return ZoneInfo(self._current_settings().timezone)

    # -- time -------------------------------------------------------------

    def now(self) -> dt.datetime:
        return self.clock().astimezone(dt.UTC)

    def today(self) -> dt.date:
        """The date at the controller (spec/deadlines.md, "Counting")."""
        return self.now().astimezone(self.tz).date()

    def _stamp(self) -> dt.datetime:
        return self.now().replace(tzinfo=None)

    # -- users ------------------------------------------------------------

    def actor(self) -> UserView:
        with self.store.read() as s:
            u = s.get(User, self._actor(s).id)
            assert u is not None
            return user_view(u)

    def _actor(self, s: Session) -> Actor:
        """The acting user, checked in every transaction (a user may have
        been deactivated meanwhile); only the columns the checks need."""
        if self._login is not None:
            row = s.execute(_ACTOR_BY_LOGIN, {"login": self._login}).first()
            if row is None:
                raise StoreError(f"no user '{self._login}' in this store")
            if not row.active:
                raise StoreError(f"user '{self._login}' is deactivated")
            return Actor(row.id, row.login, row.role)
        dpo = s.execute(_FIRST_DPO).first()
        if dpo is None:
            raise StoreError("this store has no DPO yet: run `conneqt-dpo init` first")
        return Actor(dpo.id, dpo.login, dpo.role)

    # -- helpers ----------------------------------------------------------

    def _event_date(self, on: dt.date | None) -> dt.date:
        today = self.today()
        if on is None:
            return today
        if on > today:
            raise DomainError(f"{on.isoformat()} is in the future")
        return on

    def _case_for_update(self, s: Session, reference: str) -> Case:
        case = s.execute(
            select(Case).where(Case.reference == check_reference(reference)).with_for_update()
        ).scalar_one_or_none()
        if case is None:
            raise NotFound(f"no case {reference}")
        return case

    def _recompute(self, s: Session, case: Case) -> list[str]:
        """Recompute the case's dates from its clock events, in the caller's
        transaction. The engine refuses what the law does not allow (an
        extension noticed too late, an answer before its question, ...)."""
        s.flush()
        s.refresh(case, ["clock_events"])
        return clock.store_result(case, clock.compute_case(case, clock.CalendarCache(s)))

    def _entry(
        self,
        actor: str,
        action: str,
        entity: str,
        entity_id: int | None,
        reference: str | None = None,
        *,
        fields: Sequence[str] = (),
        detail: audit.Detail | None = None,
    ) -> audit.Entry:
        return audit.Entry(
            occurred_at=self.now().isoformat(timespec="microseconds"),
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            reference=reference,
            fields=tuple(fields),
            detail=detail,
        )

    def _audit(
        self,
        s: Session,
        actor: str,
        action: str,
        entity: str,
        entity_id: int | None,
        reference: str | None = None,
        *,
        fields: Sequence[str] = (),
        detail: audit.Detail | None = None,
    ) -> None:
        entry = self._entry(actor, action, entity, entity_id, reference, fields=fields,
                            detail=detail)  # fmt: skip
        audit.append_many(s, [entry])


def require(user: Actor, *roles: Role, doing: str) -> None:
    if user.role not in roles:
        who = " or ".join(r.value for r in roles)
        raise StoreError(f"only {who} users may {doing} (you are {user.role})")


def check_reference(reference: str) -> str:
    ref = reference.strip().upper()
    if not REFERENCE.match(ref):
        raise DomainError(f"'{reference[:40]}' is not a case reference (like DSR-2026-00042)")
    return ref


def user_view(u: User) -> UserView:
    return UserView(u.id, u.login, u.name, u.email, u.role, u.active)
