"""Text search over cases (reference, requester name, email), one interface
over each database's own index: FTS5 on SQLite (the case_search table the
migrations keep), a plain case-insensitive match elsewhere."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, table, text
from sqlalchemy.orm import Session

from conneqt_dpo.store.models import Case, DataSubject

_WORD = re.compile(r"\w+", re.UNICODE)


def fts_query(typed: str) -> str | None:
    """What a person typed as an FTS5 query: every word must match the
    start of a word in the reference, name or email ("ros tria" finds Rosa
    Trialson; "00042" finds DSR-2026-00042). Quoted, so nothing typed is
    FTS syntax."""
    words = _WORD.findall(typed.lower())
    if not words:
        return None
    return " ".join(f'"{w}"*' for w in words)


def text_filter(session: Session, typed: str) -> ColumnElement[bool] | None:
    """A WHERE clause on Case (joined with DataSubject) for the text typed,
    or None when there is nothing to search for."""
    if session.get_bind().dialect.name == "sqlite":
        q = fts_query(typed)
        if q is None:
            return None
        ids: Any = (
            select(text("rowid"))
            .select_from(table("case_search"))
            .where(text("case_search MATCH :q"))
        )
        return Case.id.in_(ids.params(q=q))
    # Elsewhere the same meaning without an index: every word typed must
    # start a word of the reference, name or email (or appear within it).
    words = _WORD.findall(typed.lower())
    if not words:
        return None
    hay = [func.lower(Case.reference), func.lower(DataSubject.name), func.lower(DataSubject.email)]
    return and_(*(or_(*(h.like(_like(w), escape="\\") for h in hay)) for w in words))


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def needs_subject_join(session: Session) -> bool:
    """Does text_filter refer to DataSubject (so the query must join it)?"""
    return session.get_bind().dialect.name != "sqlite"
