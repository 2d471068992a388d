"""Plain text to ReportLab Paragraph markup, shown literally.

ReportLab reads Paragraph text as markup: `x<y` raises, `AT&T` loses its
`&T`, `<img src=...>` opens a local file and `</para>` ends the paragraph.
Every value a letter shows goes through `markup` here and nowhere else is
Paragraph markup built from text. Pure Python: no ReportLab import."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from itertools import groupby

_NEWLINES = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_SAFE_FONT_NAME = re.compile(r"[A-Za-z0-9_-]+")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\n": "<br/>"}
# Format characters that steer shaping (zero-width non-joiner and joiner):
# kept, the font layer decides. Every other format character (bidi
# embeddings and marks, zero-width space, soft hyphen, byte-order mark,
# tags) is invisible and would otherwise turn into a space or a stray
# hyphen in ReportLab, or into a missing glyph.
_KEPT_FORMAT = frozenset("\u200c\u200d")
# Spaces that must not break a line stay; every other space separator
# becomes a plain space (ReportLab breaks lines at it anyway).
_KEPT_SPACES = frozenset("\u00a0\u202f")


def _keep(ch: str) -> str:
    if ch in "\n ":
        return ch
    category = unicodedata.category(ch)
    if category == "Zs":
        return ch if ch in _KEPT_SPACES else " "
    if category == "Cc":
        return " " if ch == "\t" else ""
    if category == "Cf":
        return ch if ch in _KEPT_FORMAT else ""
    if category == "Cs":  # a lone surrogate cannot be encoded at all
        return ""
    return ch


def clean_text(text: str) -> str:
    """The printable form of a value: NFC, line breaks as "\\n", a tab as a
    space, other control characters and invisible formatting dropped."""
    text = _NEWLINES.sub("\n", unicodedata.normalize("NFC", text))
    if text.isascii() and text.isprintable():
        return text
    return "".join(_keep(ch) for ch in text)


def _escaped(text: str) -> str:
    for ch, entity in _ENTITIES.items():  # in order: "&" first, the <br/> last
        if ch in text:
            text = text.replace(ch, entity)
    return text


def markup(text: str, font_of: Callable[[str], str | None] | None = None) -> str:
    """Paragraph markup that shows `text` literally: & < > escaped, each
    line break a <br/>. `font_of` names a font for a character the
    paragraph's own font lacks (a fallback), or None.

    Quotes stay as they are: with < escaped no tag can open, so a quote is
    only ever text, and ReportLab splits text at every entity, which made a
    letter a quarter slower. The result is element content: never put it
    inside an attribute value.

    Very long words are not cut here: a zero-width space or a soft hyphen
    would print as a space or as hyphens at every opportunity, so the
    letter's styles keep ReportLab's `splitLongWords`, which breaks a word
    only where it meets the margin."""
    text = clean_text(text)
    if font_of is None:
        return _escaped(text)
    parts: list[str] = []
    for font, chars in groupby(text, key=lambda ch: None if ch == "\n" else font_of(ch)):
        chunk = _escaped("".join(chars))
        if font is None:
            parts.append(chunk)
        else:
            if not _SAFE_FONT_NAME.fullmatch(font):
                raise ValueError(f"not a font name: {font!r}")
            parts.append(f'<font name="{font}">{chunk}</font>')
    return "".join(parts)
