"""Reading and writing the `settings` table: one JSON value per key, inside
the caller's transaction. Kept apart from the services so the clock (which
needs the calendars and the engine settings) can read them too."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from typing import cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from conneqt_dpo.domain.settings import Settings
from conneqt_dpo.store.models import Setting

ORGANISATION_KEY = "organisation"
log = logging.getLogger(__name__)

_TABLE = cast(Table, Setting.__table__)


def load_values(s: Session) -> dict[str, object]:
    """Every stored key with its value; a value that is not JSON is
    skipped (and logged): the setting falls back to its default."""
    out: dict[str, object] = {}
    for row in s.execute(select(_TABLE.c.key, _TABLE.c.value)):
        key: str = row.key
        try:
            out[key] = json.loads(row.value)
        except ValueError:
            log.warning("setting %r holds no readable JSON; its default is used", key)
    return out


def load_settings(s: Session) -> Settings:
    values = load_values(s)
    values.pop(ORGANISATION_KEY, None)
    return Settings.from_mapping(values, lenient=True)


def load_value(s: Session, key: str) -> object | None:
    text = s.execute(select(_TABLE.c.value).where(_TABLE.c.key == key)).scalar()
    if text is None:
        return None
    try:
        return cast(object, json.loads(text))
    except ValueError:
        log.warning("setting %r holds no readable JSON; its default is used", key)
        return None


def save_values(
    s: Session, values: Mapping[str, object], *, at: dt.datetime, by: int | None
) -> None:
    """Insert or replace each key's JSON value (portable: no dialect upsert)."""
    con = s.connection()
    known: set[str] = set(
        con.execute(select(_TABLE.c.key).where(_TABLE.c.key.in_(list(values)))).scalars()
    )
    for key, value in values.items():
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        row = {"value": text, "updated_at": at, "updated_by": by}
        if key in known:
            con.execute(update(_TABLE).where(_TABLE.c.key == key).values(**row))
        else:
            con.execute(insert(_TABLE).values(key=key, **row))
