"""Drafts: a form a user has not finished (an intake half typed), kept per
user so it survives a crash or a closed window. Not audited: a draft holds
no case yet. One transaction each."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import cast

from sqlalchemy import Table, delete, insert, select, update

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.validation import clean_text
from conneqt_dpo.store.models import DraftRow
from conneqt_dpo.store.service_base import ServiceBase
from conneqt_dpo.store.views import Draft

MAX_DRAFT_BYTES = 1_000_000
_DRAFTS = cast(Table, DraftRow.__table__)


class DraftServices(ServiceBase):
    def save_draft(self, key: str, data: Mapping[str, object]) -> None:
        """Keep an unfinished form of the acting user under `key` (replacing
        the one before). Not audited: it holds no case yet."""
        k = clean_text(key, "the draft key", max_len=100)
        if not isinstance(data, Mapping):
            raise DomainError("a draft is a mapping of field names to values")
        try:
            text = json.dumps(dict(data), ensure_ascii=False, sort_keys=True)
        except (TypeError, ValueError):
            raise DomainError(
                "the draft holds a value that cannot be saved (use text, numbers, "
                "true/false, lists and mappings; dates as YYYY-MM-DD text)"
            ) from None
        if len(text.encode()) > MAX_DRAFT_BYTES:
            raise DomainError("the draft is too large to keep (over 1 MB)")
        drafts = _DRAFTS
        with self.store.write() as s:
            me = self._actor(s)
            con = s.connection()
            stamp = self._stamp()
            done = con.execute(
                update(drafts)
                .where(drafts.c.user_id == me.id, drafts.c.key == k)
                .values(data=text, updated_at=stamp)
            ).rowcount
            if not done:
                con.execute(
                    insert(drafts).values(user_id=me.id, key=k, data=text, updated_at=stamp)
                )

    def drafts(self) -> list[Draft]:
        """The acting user's drafts, newest first."""
        drafts = _DRAFTS
        with self.store.read() as s:
            me = self._actor(s)
            rows = (
                s.connection()
                .execute(
                    select(drafts.c.key, drafts.c.updated_at, drafts.c.data)
                    .where(drafts.c.user_id == me.id)
                    .order_by(drafts.c.updated_at.desc(), drafts.c.id.desc())
                )
                .all()
            )
        out = []
        for r in rows:
            try:
                data = json.loads(r.data)
            except ValueError:
                continue  # unreadable: as if never saved
            if isinstance(data, dict):
                out.append(Draft(r.key, r.updated_at, data))
        return out

    def discard_draft(self, key: str) -> None:
        """Drop the acting user's draft `key` (nothing if there is none)."""
        drafts = _DRAFTS
        with self.store.write() as s:
            me = self._actor(s)
            s.connection().execute(
                delete(drafts).where(drafts.c.user_id == me.id, drafts.c.key == key.strip())
            )
