"""A LetterDoc as a PDF: letterhead, addressee, date and reference, subject,
body, the DPO's signature, "Page n of N" and the template in the footer.

Every value is plain text and reaches ReportLab only through
`escape.markup` (Paragraph) or as a drawn string (never markup), after
`fonts.drawable` has marked what no shipped font can show. Right-to-left
text (Hebrew, Arabic) is laid out here, see `BidiParagraph`. ReportLab is
imported on the first render, not with this module.

Output is deterministic: the same LetterDoc gives the same bytes (ReportLab's
invariant mode fixes the dates and the document id), so a stored letter can
be compared with a re-render."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, NamedTuple

from conneqt_dpo.outputs.letters import fonts
from conneqt_dpo.outputs.letters.bidi import (
    base_level,
    bidi_levels,
    has_rtl,
    reversed_clusters,
    visual_runs,
)
from conneqt_dpo.outputs.letters.document import Block, LetterDoc
from conneqt_dpo.outputs.letters.escape import clean_text, markup

Align = Literal["auto", "left"]

MM = 72 / 25.4
_PAGE_SIZES = {"A4": (595.2756, 841.8898), "LETTER": (612.0, 792.0)}
_MARGIN_LEFT, _MARGIN_RIGHT = 25 * MM, 20 * MM
_MARGIN_TOP, _MARGIN_BOTTOM = 18 * MM, 22 * MM
_FOOTER_Y = 12 * MM
_INK, _MUTED, _RULE, _ALERT = "#1a1a1a", "#5f6368", "#b8bcc2", "#8a1c1c"


@dataclass(frozen=True)
class RenderedLetter:
    pdf: bytes
    pages: int
    # The content side's warnings (LetterDoc.warnings) followed by the
    # renderer's own (characters no font can show, unjoined Arabic).
    warnings: tuple[str, ...]


def render_pdf(doc: LetterDoc) -> bytes:
    return render(doc).pdf


def render(doc: LetterDoc) -> RenderedLetter:
    """The letter as PDF bytes with its page count and warnings. Raises
    ValueError for a page size other than A4 or LETTER."""
    size = _PAGE_SIZES.get(str(doc.page_size).upper())
    if size is None:
        raise ValueError(f"unknown page size {doc.page_size!r}: use A4 or LETTER")
    fonts.register()
    return _Renderer(doc, size).render()


# --- right-to-left text: ordered by bidi.py, shaped and placed here ------


class _Piece(NamedTuple):
    font: str
    text: str  # in drawing order; a ReportLab ShapedStr when shaped
    width: float


class _Line(NamedTuple):
    pieces: tuple[_Piece, ...]
    width: float
    rtl: bool  # the direction of its paragraph, for alignment


class _Shaper:
    """Measures and shapes runs of one direction with ReportLab."""

    def __init__(self, size: float, bold: bool) -> None:
        from reportlab.pdfbase.pdfmetrics import getFont, stringWidth

        self.size = size
        self.bold = bold
        self.primary = fonts.BOLD if bold else fonts.REGULAR
        self._string_width = stringWidth
        self.can_shape = bool(getFont(self.primary).shapable)
        self.space_width = stringWidth(" ", self.primary, size)

    def font_of(self, ch: str) -> str:
        if ch == " " or ch.isascii():
            return self.primary
        return fonts.font_for(ch, self.bold) or self.primary

    def piece(self, text: str, font: str, level: int) -> _Piece:
        arabic = any(unicodedata.bidirectional(ch) == "AL" for ch in text)
        if arabic and self.can_shape:
            return self._shaped(text, font)
        drawn = reversed_clusters(text) if level % 2 else text
        return _Piece(font, drawn, self._string_width(drawn, font, self.size))

    def _shaped(self, text: str, font: str) -> _Piece:
        from reportlab.lib.abag import ABag
        from reportlab.pdfbase.ttfonts import shapeFragWord

        word = [self._string_width(text, font, self.size),
                (ABag(fontName=font, fontSize=self.size), text)]  # fmt: skip
        # HarfBuzz sees a run of one direction, so it both joins the letters
        # and puts them in drawing order. No "dlig": DejaVu's discretionary
        # ligatures look odd in a letter.
        shaped = shapeFragWord(word, features={"kern": True, "liga": True})
        return _Piece(font, shaped[1][1], float(shaped[0]))


def layout_bidi(text: str, shaper: _Shaper, width: float) -> list[_Line]:
    """Lines of at most `width` points for `text`, which may mix
    directions. Each line of the value is its own bidi paragraph."""
    lines: list[_Line] = []
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip(" ")
        if paragraph:
            lines += _BidiText(paragraph, shaper).lines(width)
    return lines


class _BidiText:
    """One bidi paragraph: broken into lines at spaces (an overlong word at
    the margin) in logical order, then each line reordered for drawing."""

    def __init__(self, text: str, shaper: _Shaper) -> None:
        self.text, self.shaper = text, shaper
        if has_rtl(text):
            self.base = base_level(text)
            self.levels = bidi_levels(text, self.base)
        else:  # all left to right, whatever the algorithm would say of digits
            self.base, self.levels = 0, [0] * len(text)
        self.fonts = [shaper.font_of(ch) for ch in text]

    def _same_font(self, i: int, j: int) -> bool:
        return self.fonts[i] == self.fonts[j]

    def pieces(self, start: int, end: int) -> tuple[_Piece, ...]:
        return tuple(
            self.shaper.piece(self.text[a:b], self.fonts[a], level)
            for a, b, level in visual_runs(self.levels, start, end, self._same_font)
        )

    def width(self, start: int, end: int) -> float:
        return sum(piece.width for piece in self.pieces(start, end))

    def lines(self, width: float) -> list[_Line]:
        space = self.shaper.space_width
        spans: list[tuple[int, int, float]] = []  # start, end, width of each line
        for start, end in _words(self.text):
            word = self.width(start, end)
            if spans and spans[-1][2] + space + word <= width:
                spans[-1] = (spans[-1][0], end, spans[-1][2] + space + word)
                continue
            while word > width and end - start > 1:
                cut = self._fit(start, end, width)
                spans.append((start, cut, float("inf")))  # full: nothing joins it
                start = cut
                word = self.width(start, end)
            spans.append((start, end, word))
        return [
            _Line(pieces, sum(p.width for p in pieces), bool(self.base))
            for pieces in (self.pieces(start, end) for start, end, _ in spans)
        ]

    def _fit(self, start: int, end: int, width: float) -> int:
        """The end of the longest piece of the word from `start` that fits
        (at least one character)."""
        low, high = start + 1, end - 1
        while low < high:
            mid = (low + high + 1) // 2
            if self.width(start, mid) <= width:
                low = mid
            else:
                high = mid - 1
        return low


def _words(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = -1
    for i, ch in enumerate(text):
        if ch == " ":
            if start >= 0:
                spans.append((start, i))
            start = -1
        elif start < 0:
            start = i
    if start >= 0:
        spans.append((start, len(text)))
    return spans


# --- ReportLab classes, made on first use ----------------------------------


class _Classes(NamedTuple):
    BidiParagraph: Any
    PagedCanvas: Any


@cache
def _classes() -> _Classes:
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Flowable

    class BidiParagraph(Flowable):  # type: ignore[misc]
        """A paragraph that may hold right-to-left text: laid out by
        `layout_bidi`, aligned to the right when its first strong letter is
        right to left (unless align="left", for the address blocks), split
        between lines across pages."""

        def __init__(self, text: str, style: Any, bold: bool, align: Align,
                     bullet: str = "", lines: list[_Line] | None = None) -> None:  # fmt: skip
            super().__init__()
            self.text, self.style, self.bold, self.align = text, style, bold, align
            self.bullet = bullet
            self._lines = lines
            self._for_width = -1.0
            self.shaper = _Shaper(style.fontSize, bold)

        def _text_width(self, avail: float) -> float:
            return float(avail - self.style.leftIndent - self.style.rightIndent)

        def _layout(self, avail: float) -> list[_Line]:
            if self._lines is None or (self.text and self._for_width != avail):
                self._lines = layout_bidi(self.text, self.shaper, self._text_width(avail))
                self._for_width = avail
            return self._lines

        def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
            self.width = availWidth
            self.height = len(self._layout(availWidth)) * self.style.leading
            return self.width, self.height

        def split(self, availWidth: float, availHeight: float) -> list[Any]:
            lines = self._layout(availWidth)
            fit = int((availHeight + 1e-6) // self.style.leading)
            if fit <= 0:
                return []
            if fit >= len(lines):
                return [self]
            return [
                BidiParagraph("", self.style, self.bold, self.align, self.bullet, lines[:fit]),
                BidiParagraph("", self.style, self.bold, self.align, "", lines[fit:]),
            ]

        def getSpaceBefore(self) -> float:
            return float(self.style.spaceBefore)

        def getSpaceAfter(self) -> float:
            return float(self.style.spaceAfter)

        def draw(self) -> None:
            canv, style = self.canv, self.style
            canv.setFillColor(style.textColor)
            y = self.height - style.fontSize
            for n, line in enumerate(self._lines or ()):
                # A right-to-left line mirrors the indents: its bullet and
                # its indent are on the right.
                rtl = line.rtl and self.align == "auto"
                x = self.width - style.leftIndent - line.width if rtl else style.leftIndent
                if n == 0 and self.bullet:
                    canv.setFont(style.bulletFontName, style.bulletFontSize)
                    if rtl:
                        canv.drawRightString(self.width - style.bulletIndent, y, self.bullet)
                    else:
                        canv.drawString(style.bulletIndent, y, self.bullet)
                for piece in line.pieces:
                    canv.setFont(piece.font, style.fontSize)
                    canv.drawString(x, y, piece.text)
                    x += piece.width
                y -= style.leading

    class PagedCanvas(Canvas):  # type: ignore[misc]
        """Holds each page back until the end, so that every page can say
        "Page n of N"; `furniture(canvas, page, pages)` draws the header and
        footer then."""

        furniture: Callable[[Any, int, int], None] = staticmethod(lambda c, p, n: None)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            pages = len(self._held)
            for number, state in enumerate(self._held, start=1):
                self.__dict__.update(state)
                self.furniture(self, number, pages)
                super().showPage()
            super().save()

    return _Classes(BidiParagraph, PagedCanvas)


# --- the letter ------------------------------------------------------------


class _Renderer:
    def __init__(self, doc: LetterDoc, page: tuple[float, float]) -> None:
        self.doc = doc
        self.page = page
        self.missing: dict[str, None] = {}
        self.arabic = False  # any Arabic letters (joined only when shaping is installed)
        self.styles = _styles()
        self.note_at = 0  # where the story shows the missing-characters note

    # Every value goes through here.
    def _shown(self, value: str, bold: bool) -> str:
        text = fonts.drawable(clean_text(value), bold, self.missing)
        if not text.isascii() and not self.arabic:
            self.arabic = any(unicodedata.bidirectional(ch) == "AL" for ch in text)
        return text

    def para(self, value: str, style: str, *, bullet: str = "", align: Align = "auto") -> Any:
        from reportlab.platypus import Paragraph

        st = self.styles[style]
        bold = st.fontName == fonts.BOLD
        text = self._shown(value, bold)
        if not text.strip():
            return None
        if has_rtl(text):
            return _classes().BidiParagraph(text, st, bold, align, bullet)
        font_of = None if text.isascii() else _fallback_for(st.fontName, bold)
        return Paragraph(markup(text, font_of), st, bulletText=bullet or None)

    def paras(self, values: Sequence[str], style: str, align: Align = "auto") -> list[Any]:
        return [p for p in (self.para(v, style, align=align) for v in values) if p is not None]

    def render(self) -> RenderedLetter:
        from reportlab.pdfbase.pdfmetrics import getFont
        from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

        doc = self.doc
        story = self.story()
        header = self._shown(_join((*doc.sender[:1], doc.reference)), False)
        footer = self._shown(doc.template, False)
        warnings = list(doc.warnings)
        if self.missing:
            note = (f"Some characters in this letter cannot be shown and are marked "
                    f"{fonts.REPLACEMENT}: {fonts.describe(self.missing)}.")  # fmt: skip
            warnings.append(note)
            story.insert(self.note_at, self.para(note, "note"))
        if self.arabic and not getFont(fonts.REGULAR).shapable:
            warnings.append("Arabic text is shown with unjoined letters: the shaping "
                            "library (uharfbuzz) is not installed.")  # fmt: skip

        classes = _classes()
        pages: list[int] = []

        def furniture(canv: Any, page: int, total: int) -> None:
            pages.append(total)
            _draw_furniture(canv, self.page, page, total, header, footer)

        canvas_class = type("LetterCanvas", (classes.PagedCanvas,),
                            {"furniture": staticmethod(furniture)})  # fmt: skip
        out = io.BytesIO()
        width, height = self.page
        # No frame padding: the margins are the text's edges.
        frame = Frame(_MARGIN_LEFT, _MARGIN_BOTTOM, width - _MARGIN_LEFT - _MARGIN_RIGHT,
                      height - _MARGIN_TOP - _MARGIN_BOTTOM, leftPadding=0, rightPadding=0,
                      topPadding=0, bottomPadding=0)  # fmt: skip
        template = BaseDocTemplate(
            out,
            pagesize=self.page,
            pageTemplates=[PageTemplate("letter", frames=[frame])],
            title=_meta(doc.title or doc.subject),
            author=_meta(doc.author),
            subject=_meta(f"{doc.reference} {doc.kind}"),
            creator="conneqt-dpo",
            invariant=1,
            initialFontName=fonts.REGULAR,
            initialFontSize=10,
        )
        template.build(story, canvasmaker=canvas_class)
        return RenderedLetter(out.getvalue(), pages[0] if pages else 0, tuple(warnings))

    def story(self) -> list[Any]:
        from reportlab.lib import colors
        from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle
        from reportlab.platypus.flowables import HRFlowable

        doc = self.doc
        width = self.page[0] - _MARGIN_LEFT - _MARGIN_RIGHT
        story: list[Any] = []
        story += self.paras(doc.sender[:1], "sender_name", "left")
        story += self.paras(doc.sender[1:], "sender_line", "left")
        story.append(HRFlowable(width="100%", thickness=0.6, color=colors.HexColor(_RULE),
                                spaceBefore=6, spaceAfter=16))  # fmt: skip

        meta = [
            [self.para(label, "meta_label") or [], self.para(value, "meta_value", align="left")]
            for label, value in (("Date", doc.date), ("Our reference", doc.reference))
        ]
        meta = [row for row in meta if row[1] is not None]
        meta_table: Any = []  # never a string cell: Table draws those in Helvetica
        if meta:
            meta_table = Table(meta, colWidths=[0.15 * width, 0.27 * width])
            # The smaller label sits on the value's baseline.
            meta_table.setStyle(_plain_table(TableStyle, bottom=3, label_drop=1.5))
        addressee = self.paras(doc.addressee, "addressee", "left")
        block = Table([[addressee, meta_table]], colWidths=[0.58 * width, 0.42 * width])
        block.setStyle(_plain_table(TableStyle, bottom=0))
        story.append(block)

        story.append(self.para(doc.subject, "subject") or Spacer(1, 22))
        self.note_at = len(story)
        body = [flowable for block_ in doc.blocks for flowable in self.block(block_)]
        names = [value for value in doc.signature if clean_text(value).strip()]
        signature = [
            self.para(value, "signature_name" if n == 0 else "signature", align="left")
            for n, value in enumerate(names)
        ]
        closing = [Spacer(1, 20), *(s for s in signature if s is not None)]
        if len(closing) > 1:
            # The signature never stands alone on a page: the closing line
            # ("Yours sincerely,") goes with it.
            closing = body[-1:] + closing
            body = body[:-1]
            story += [*body, KeepTogether(closing)]
        else:
            story += body
        return story

    def block(self, block: Block) -> list[Any]:
        if block.kind == "bullets":
            items = [self.para(item, "bullet", bullet="\u2022") for item in block.items]
            return [i for i in items if i is not None]
        flowable = self.para(block.text, "heading" if block.kind == "heading" else "body")
        return [] if flowable is None else [flowable]


def _fallback_for(primary: str, bold: bool) -> Callable[[str], str | None]:
    def font_of(ch: str) -> str | None:
        if ch.isascii():
            return None
        font = fonts.font_for(ch, bold)
        return None if font is None or font == primary else font

    return font_of


def _join(parts: Sequence[str]) -> str:
    return "  \u00b7  ".join(p for p in parts if clean_text(p).strip())


def _meta(value: str) -> str:
    """Document information strings: one line, no control characters."""
    return " ".join(clean_text(value).split())


def _plain_table(table_style: Any, bottom: float, label_drop: float = 0) -> Any:
    return table_style([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        # Table sets its cell font even around flowables; its default is
        # the standard Helvetica, which is not embedded.
        ("FONT", (0, 0), (-1, -1), fonts.REGULAR, 10),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (0, -1), label_drop),
        ("BOTTOMPADDING", (0, 0), (-1, -1), bottom),
    ])  # fmt: skip


def _draw_furniture(canv: Any, page: tuple[float, float], number: int, total: int,
                    header: str, footer: str) -> None:  # fmt: skip
    """Footer on every page (template left, "Page n of N" right); on later
    pages a running header (controller and reference) above a rule."""
    from reportlab.lib import colors

    width, height = page
    right = width - _MARGIN_RIGHT
    canv.saveState()
    canv.setFillColor(colors.HexColor(_MUTED))
    canv.setStrokeColor(colors.HexColor(_RULE))
    canv.setLineWidth(0.5)
    pages = f"Page {number} of {total}"
    canv.setFont(fonts.REGULAR, 7.5)
    canv.drawRightString(right, _FOOTER_Y, pages)
    room = right - _MARGIN_LEFT - canv.stringWidth(pages, fonts.REGULAR, 7.5) - 24
    _draw_line(canv, _MARGIN_LEFT, _FOOTER_Y, footer, 7.5, room)
    if number > 1:
        top = height - 11 * MM
        _draw_line(canv, _MARGIN_LEFT, top, header, 7.5, right - _MARGIN_LEFT)
        canv.line(_MARGIN_LEFT, top - 4, right, top - 4)
    canv.restoreState()


def _draw_line(canv: Any, x: float, y: float, text: str, size: float, room: float) -> None:
    """One line of (already drawable) text, cut with an ellipsis to fit."""
    if not text.strip():
        return
    shaper = _Shaper(size, bold=False)
    line = layout_bidi(text.replace("\n", " "), shaper, float("inf"))[0]
    if line.width > room:
        low, high = 0, len(text)
        while low < high:  # the longest prefix that fits with its ellipsis
            mid = (low + high + 1) // 2
            cut = layout_bidi(text[:mid].rstrip() + "\u2026", shaper, float("inf"))
            if cut and cut[0].width <= room:
                low = mid
            else:
                high = mid - 1
        line = layout_bidi(text[:low].rstrip() + "\u2026", shaper, float("inf"))[0]
    for piece in line.pieces:
        canv.setFont(piece.font, size)
        canv.drawString(x, y, piece.text)
        x += piece.width


@cache
def _styles() -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    ink, muted = colors.HexColor(_INK), colors.HexColor(_MUTED)
    # Every style names the embedded fonts, bullets included: ReportLab's
    # defaults are the standard Helvetica, which is not embedded.
    base = ParagraphStyle("letter", fontName=fonts.REGULAR, fontSize=10, leading=14.2,
                          textColor=ink, bulletFontName=fonts.REGULAR, bulletFontSize=10,
                          splitLongWords=1)  # fmt: skip

    def style(name: str, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **kw)

    return {
        "sender_name": style(
            "sender_name", fontName=fonts.BOLD, fontSize=14, leading=18, spaceAfter=2
        ),
        "sender_line": style("sender_line", fontSize=8.5, leading=11, textColor=muted),
        "addressee": style("addressee", leading=13.5),
        "meta_label": style("meta_label", fontSize=8.5, leading=13.5, textColor=muted),
        "meta_value": style("meta_value", leading=13.5),
        "subject": style(
            "subject", fontName=fonts.BOLD, fontSize=11, leading=15, spaceBefore=22, spaceAfter=10
        ),
        "note": style(
            "note",
            fontSize=8.5,
            leading=11.5,
            textColor=colors.HexColor(_ALERT),
            borderColor=colors.HexColor(_ALERT),
            borderWidth=0.6,
            borderPadding=5,
            leftIndent=5,  # the box, padding included, stays inside the margins
            rightIndent=5,
            backColor=colors.HexColor("#fbf1f1"),
            spaceBefore=6,
            spaceAfter=16,
        ),
        "body": style("body", spaceAfter=7),
        "heading": style(
            "heading",
            fontName=fonts.BOLD,
            fontSize=10.5,
            leading=14,
            spaceBefore=8,
            spaceAfter=3,
            keepWithNext=1,
        ),
        "bullet": style("bullet", leftIndent=15, bulletIndent=4, spaceAfter=3),
        "signature_name": style("signature_name", fontName=fonts.BOLD),
        "signature": style("signature"),
    }
