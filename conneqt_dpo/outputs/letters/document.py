"""A letter as plain data, between its content (templates filled from the
case and the organisation profile) and its rendering (ReportLab).

Every text here is plain text, never markup: the renderer escapes it. The
content side decides what is said; the renderer decides how it looks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PageSize = Literal["A4", "LETTER"]


@dataclass(frozen=True)
class Block:
    """One part of the body: a paragraph, a heading, or a bulleted list."""

    kind: Literal["paragraph", "heading", "bullets"]
    text: str = ""  # paragraph and heading
    items: tuple[str, ...] = ()  # bullets


@dataclass(frozen=True)
class LetterDoc:
    kind: str  # spec/letters.md identifier, e.g. "access-response"
    regime: str
    reference: str  # the case, e.g. DSR-2026-00042
    date: str  # as printed, e.g. "25 November 2026"
    sender: tuple[str, ...]  # letterhead: controller name, address lines, contact
    addressee: tuple[str, ...]  # name (and agent "on behalf of"), address or email
    subject: str
    blocks: tuple[Block, ...]
    signature: tuple[str, ...]  # the DPO's name, title, contact
    page_size: PageSize = "A4"
    title: str = ""  # PDF metadata
    author: str = ""
    template: str = ""  # which template (and version) produced it, printed small
    warnings: tuple[str, ...] = field(default=())  # e.g. a script without a bundled font
