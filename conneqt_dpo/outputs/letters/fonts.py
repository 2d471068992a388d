"""The fonts a letter is drawn with, and which characters they cannot draw.

Three TrueType fonts ship in resources/fonts/ and are embedded (subset) in
every PDF, so a letter looks the same on every reader and no standard,
unembedded Helvetica is ever used:

- DejaVu Sans and DejaVu Sans Bold: Latin, Greek, Cyrillic, Hebrew, Arabic
  and many symbols (licence: DejaVu-LICENSE.txt, Bitstream Vera terms);
- Droid Sans Fallback: Chinese, Japanese and Korean (3.4 MB; licence:
  DroidSansFallback-LICENSE.txt, Apache-2.0). It is parsed only when a
  letter holds a character DejaVu lacks, so ordinary letters never pay
  for it.

A character none of them has (or one beyond the Basic Multilingual Plane,
see `font_for`) is shown as U+FFFD, a visible mark rather than an empty
box, and named in the letter's warnings; `undrawable` lets the content
side warn before anything is rendered.

ReportLab is imported on first use, not when this module is imported: the
app's start must not pay for it."""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable
from typing import Any

from conneqt_dpo._bundled import resources_dir
from conneqt_dpo.outputs.letters.escape import clean_text

REGULAR = "ConneqtSans"
BOLD = "ConneqtSans-Bold"
FALLBACK = "ConneqtSansCJK"
REPLACEMENT = "\ufffd"

_FILES = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    FALLBACK: "DroidSansFallback.ttf",
}

# Invisible characters that only steer shaping or choose a glyph variant
# (joiners, variation selectors, the combining grapheme joiner): a font
# without them loses nothing visible, so they are dropped, not reported.
_IGNORABLE = frozenset([0x034F, 0x200C, 0x200D, *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)])

_lock = threading.Lock()
_loaded: dict[str, Any] = {}  # font name -> reportlab TTFont, once registered


def _register(name: str) -> Any:
    font = _loaded.get(name)
    if font is not None:
        return font
    with _lock:
        font = _loaded.get(name)
        if font is None:
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.ttfonts import TTFont

            font = TTFont(name, str(resources_dir() / "fonts" / _FILES[name]))
            pdfmetrics.registerFont(font)
            _map_faces()
            _loaded[name] = font
    return font


def _map_faces() -> None:
    """Paragraph markup looks faces up by (family, bold, italic). There is
    no italic, and the fallback has no bold, so every variant resolves to a
    face that exists; the plain variants go last because the reverse map
    (face -> family, bold, italic) keeps the last one given."""
    from reportlab.lib.fonts import addMapping

    for italic in (1, 0):
        addMapping(REGULAR, 0, italic, REGULAR)
        addMapping(REGULAR, 1, italic, BOLD)
        for bold in (1, 0):
            addMapping(FALLBACK, bold, italic, FALLBACK)


def register() -> None:
    """Make the two DejaVu faces known to ReportLab (once per process).
    The CJK fallback registers itself when a character first needs it."""
    _register(REGULAR)
    _register(BOLD)


def _has(name: str, code: int) -> bool:
    return code in _register(name).face.charToGlyph


def font_for(ch: str, bold: bool = False) -> str | None:
    """The shipped font that draws `ch` (DejaVu, bold or not, then the CJK
    fallback), or None when none of them can."""
    code = ord(ch)
    if code > 0xFFFF:
        # ReportLab writes a character beyond the Basic Multilingual Plane
        # into the PDF's ToUnicode map as 5 hex digits, which is invalid: it
        # would be drawn but not found by search, copy or a screen reader.
        # Most emoji live there; they are marked and named instead.
        return None
    # Not the regular face for bold text: Paragraph markup would turn a
    # <font> naming it back into the bold face, which lacks the glyph.
    face = BOLD if bold else REGULAR
    if _has(face, code):
        return face
    if _has(FALLBACK, code):
        return FALLBACK
    return None


def _needs_no_glyph(ch: str) -> bool:
    return ch in "\n " or ord(ch) in _IGNORABLE


def drawable(text: str, bold: bool = False, missing: dict[str, None] | None = None) -> str:
    """`text` (already cleaned) with every character no shipped font has
    replaced by U+FFFD, and invisible joiners the fonts lack dropped.
    The replaced characters are added to `missing`."""
    if text.isascii():  # DejaVu has every printable ASCII character
        return text
    out: list[str] = []
    for ch in text:
        if ch.isascii() or _needs_no_glyph(ch) or font_for(ch, bold) is not None:
            out.append(ch)
        elif ord(ch) in _IGNORABLE:
            continue
        else:
            out.append(REPLACEMENT)
            if missing is not None:
                missing[ch] = None
    return "".join(out)


def undrawable(text: str) -> tuple[str, ...]:
    """The characters of `text` that no shipped font can draw, each once,
    in the order they first appear (what a letter would mark with U+FFFD).
    Control and invisible formatting characters are not counted: the
    renderer drops them anyway."""
    seen: dict[str, None] = {}
    for ch in clean_text(text):
        if ch not in seen and not _needs_no_glyph(ch) and font_for(ch) is None:
            seen[ch] = None
    return tuple(seen)


def describe(chars: Iterable[str]) -> str:
    """'U+1F984 UNICORN FACE, U+E000 PRIVATE USE CHARACTER': names a reader
    can look up, printable in any font."""
    return ", ".join(f"U+{ord(ch):04X} {_name(ch)}" for ch in chars)


def _name(ch: str) -> str:
    kind = unicodedata.category(ch)
    fallback = {"Co": "PRIVATE USE CHARACTER", "Cn": "UNASSIGNED CHARACTER"}.get(kind)
    return unicodedata.name(ch, fallback or "UNNAMED CHARACTER")
