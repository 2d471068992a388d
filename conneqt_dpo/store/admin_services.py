"""Running the store: the people who use it (deactivated, never deleted:
the audit trail names them; a leaver's open cases are handed to someone
who can act) and the inventory of data systems each new case
is searched in. Changes are for a DPO or an admin."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.validation import clean_login, clean_text
from conneqt_dpo.domain.workflow import OPEN_STATES, Role
from conneqt_dpo.store import audit
from conneqt_dpo.store.errors import NotFound, StoreError
from conneqt_dpo.store.models import Case, DataSystem, User
from conneqt_dpo.store.service_base import ServiceBase, require, user_view
from conneqt_dpo.store.views import DataSystemView, UserView

_LIST_FIELDS = ("categories", "purposes", "recipients")
_SYSTEM_FIELDS = ("name", "owner", *_LIST_FIELDS, "active")
_OPEN = sorted(s.value for s in OPEN_STATES)


class AdminServices(ServiceBase):
    # -- users ------------------------------------------------------------

    def deactivate_user(self, login: str, reassign_to: str | None = None) -> UserView:
        """The user can no longer act (kept: the audit trail names them).
        The last active DPO stays: someone must be able to decide.

        Their open cases go to `reassign_to` (an active dpo or support user)
        in the same transaction, each audited as an assignment. Without it a
        user who still has open cases is refused: a case assigned to someone
        who can no longer act would wait unseen while its clock runs."""
        name = clean_login(login)
        heir_name = clean_login(reassign_to) if reassign_to is not None else None
        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, Role.ADMIN, doing="deactivate users")
            user = self._user_for_update(s, name)
            if user.active and user.role == Role.DPO.value:
                self._keep_a_dpo(s, user)
            cases = list(
                s.execute(
                    select(Case)
                    .where(Case.assignee_id == user.id, Case.state.in_(_OPEN))
                    .order_by(Case.id)
                    .with_for_update()
                ).scalars()
            )
            if cases and heir_name is None:
                n = len(cases)
                raise StoreError(
                    f"'{name}' still has {n} open case{'s' if n != 1 else ''} assigned; "
                    f"choose an active dpo or support user to hand "
                    f"{'them' if n != 1 else 'it'} to"
                )
            heir = self._heir(s, heir_name, user) if heir_name is not None else None
            entries = []
            if heir is not None and cases:
                stamp = self._stamp()
                for case in cases:
                    case.assignee_id = heir.id
                    case.updated_at = stamp
                    entries.append(self._entry(
                        me.login, "case.assigned", "case", case.id, case.reference,
                        fields=["assignee"],
                        detail={"assignee": heir.id, "previous": user.id,
                                "because": "user.deactivated"},
                    ))  # fmt: skip
            if user.active:
                user.active = False
                detail: dict[str, str | int | None] = {"role": user.role}
                if entries and heir is not None:
                    detail.update(handed_over=len(entries), to=heir.id)
                entries.append(self._entry(me.login, "user.deactivated", "user", user.id,
                                           fields=["active"], detail=detail))  # fmt: skip
            audit.append_many(s, entries)
            return user_view(user)

    def reactivate_user(self, login: str) -> UserView:
        name = clean_login(login)
        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, Role.ADMIN, doing="reactivate users")
            user = self._user_for_update(s, name)
            if not user.active:
                user.active = True
                self._audit(s, me.login, "user.reactivated", "user", user.id,
                            fields=["active"], detail={"role": user.role})  # fmt: skip
            return user_view(user)

    def open_cases_by_user(self) -> dict[str, int]:
        """How many open cases each user has assigned (users with none are
        left out): what deactivating them would hand over."""
        with self.store.read() as s:
            self._actor(s)
            rows = s.execute(
                select(User.login, func.count(Case.id))
                .join(Case, Case.assignee_id == User.id)
                .where(Case.state.in_(_OPEN))
                .group_by(User.login)
            ).all()
            return {login: n for login, n in rows}

    def _user_for_update(self, s: Session, login: str) -> User:
        user = s.execute(
            select(User).where(User.login == login).with_for_update()
        ).scalar_one_or_none()
        if user is None:
            raise NotFound(f"no user '{login}' in this store")
        return user

    def _keep_a_dpo(self, s: Session, user: User) -> None:
        others = s.execute(
            select(func.count(User.id)).where(
                User.role == Role.DPO.value, User.active, User.id != user.id
            )
        ).scalar_one()
        if not others:
            raise StoreError(
                f"'{user.login}' is the last active DPO; add or reactivate another DPO first"
            )

    def _heir(self, s: Session, login: str, leaver: User) -> User:
        """Who takes over a leaver's cases: someone who can work on them."""
        heir = s.execute(select(User).where(User.login == login)).scalar_one_or_none()
        if heir is None:
            raise NotFound(f"no user '{login}' in this store to hand the cases to")
        if heir.id == leaver.id:
            raise StoreError(f"'{login}' cannot take over their own cases; choose someone else")
        if not heir.active:
            raise StoreError(f"user '{login}' is deactivated; choose an active user")
        if heir.role not in (Role.DPO, Role.SUPPORT):
            raise StoreError(
                f"'{login}' is an {heir.role}: only dpo or support users work on cases"
            )
        return heir

    # -- data systems -----------------------------------------------------

    def data_systems(self, include_retired: bool = False) -> list[DataSystemView]:
        with self.store.read() as s:
            self._actor(s)
            stmt = select(DataSystem).order_by(DataSystem.name)
            if not include_retired:
                stmt = stmt.where(DataSystem.active.is_(True))
            return [_view(d) for d in s.execute(stmt).scalars()]

    def add_data_system(
        self,
        name: str,
        *,
        owner: str | None = None,
        categories: Iterable[str] = (),
        purposes: Iterable[str] = (),
        recipients: Iterable[str] = (),
    ) -> int:
        """A system to search, correct or erase on every new case (one task
        each); returns its id."""
        values = _clean_system(
            name=name, owner=owner, categories=categories, purposes=purposes, recipients=recipients
        )
        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, Role.ADMIN, doing="change the data systems")
            self._check_name_free(s, str(values["name"]), None)
            system = DataSystem(**values, active=True, created_at=self._stamp())
            s.add(system)
            s.flush()
            self._audit(
                s,
                me.login,
                "system.added",
                "data_system",
                system.id,
                fields=[k for k, v in values.items() if v not in (None, "[]")],
            )
            return system.id

    def update_data_system(self, system_id: int, **fields: object) -> DataSystemView:
        """Change a system's name, owner, categories, purposes, recipients
        or (True) bring a retired one back."""
        unknown = sorted(set(fields) - set(_SYSTEM_FIELDS))
        if unknown:
            raise DomainError(
                f"a data system has no field '{unknown[0]}'; its fields are: "
                f"{', '.join(_SYSTEM_FIELDS)}"
            )
        active = fields.pop("active", None)
        if active is not None and not isinstance(active, bool):
            raise DomainError("active is true or false")
        values = _clean_system(**fields)
        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, Role.ADMIN, doing="change the data systems")
            system = self._system(s, system_id)
            if "name" in values:
                self._check_name_free(s, str(values["name"]), system.id)
            if active is not None:
                values["active"] = active
            changed = sorted(k for k, v in values.items() if getattr(system, k) != v)
            for k in changed:
                setattr(system, k, values[k])
            if changed:
                self._audit(s, me.login, "system.changed", "data_system", system.id, fields=changed)
            return _view(system)

    def retire_data_system(self, system_id: int) -> DataSystemView:
        """No more tasks for it on new cases; the tasks it has stay."""
        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, Role.ADMIN, doing="change the data systems")
            system = self._system(s, system_id)
            if system.active:
                system.active = False
                self._audit(
                    s, me.login, "system.retired", "data_system", system.id, fields=["active"]
                )
            return _view(system)

    def _system(self, s: Session, system_id: int) -> DataSystem:
        system = s.get(DataSystem, system_id, with_for_update=True)
        if system is None:
            raise NotFound(f"no data system {system_id}")
        return system

    def _check_name_free(self, s: Session, name: str, own_id: int | None) -> None:
        for other_id, other in s.execute(select(DataSystem.id, DataSystem.name)):
            if other_id != own_id and other.casefold() == name.casefold():
                raise StoreError(f"there is already a data system called '{other}' (id {other_id})")


def _clean_system(**given: object) -> dict[str, object]:
    out: dict[str, object] = {}
    if "name" in given:
        out["name"] = clean_text(str(given["name"]), "the system name", max_len=200)
    if "owner" in given:
        owner = given["owner"]
        if owner is not None and not isinstance(owner, str):
            raise DomainError("the owner is a name or a team")
        out["owner"] = (
            clean_text(owner, "the owner", max_len=200) if owner and owner.strip() else None
        )
    for key in _LIST_FIELDS:
        if key in given:
            out[key] = json.dumps(_texts(given[key], key), ensure_ascii=False)
    return out


def _texts(value: object, key: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise DomainError(f"{key} must be a list of texts")
    out = []
    for item in value:
        if not isinstance(item, str):
            raise DomainError(f"{key} must be a list of texts")
        text = clean_text(item, f"an item of {key}", max_len=500)
        if text not in out:
            out.append(text)
    return out


def _view(d: DataSystem) -> DataSystemView:
    return DataSystemView(
        id=d.id,
        name=d.name,
        owner=d.owner,
        categories=tuple(json.loads(d.categories)),
        purposes=tuple(json.loads(d.purposes)),
        recipients=tuple(json.loads(d.recipients)),
        active=d.active,
    )
