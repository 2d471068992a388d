"""The letter PDF: every part printed, hostile values shown literally,
embedded fonts only, right-to-left text in reading order, CJK from the
fallback font, undrawable characters marked and named, deterministic bytes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pypdfium2 as pdfium
import pytest

from conneqt_dpo.outputs.letters import fonts
from conneqt_dpo.outputs.letters.bidi import base_level, bidi_levels
from conneqt_dpo.outputs.letters.document import Block, LetterDoc
from conneqt_dpo.outputs.letters.escape import clean_text, markup
from conneqt_dpo.outputs.letters.pdf import render, render_pdf

ARABIC = "نحن نؤكد أننا تلقينا طلبك رقم 47 بتاريخ 25 نوفمبر، وسنرد عليه خلال شهر واحد."
HEBREW = "אנו מאשרים שקיבלנו את בקשתך מספר 42 ונשיב עליה בתוך חודש אחד (30 ימים) ממועד קבלתה."
GREEK = "Ελένη Παπαδοπούλου"
CYRILLIC = "Елена Иванова-Щукина"
CJK = "王小明 山田太郎 김민준 ご請求を受け付けました"
LONG_WORD = "Q" * 200 + "w" * 300
HOSTILE = (
    "<b>bold</b>",
    "AT&T",
    "x<y and y>x",
    "</para><para>",
    '<img src="/etc/passwd"/>',
    "\"unbalanced 'quotes",
    "&amp; &#60; &lt; &shy;",
    '<font name="Helvetica">x</font>',
    "<br/><![CDATA[x]]><!-- c -->",
)


def _blocks(*paragraphs: str) -> tuple[Block, ...]:
    return tuple(Block("paragraph", p) for p in paragraphs)


def letter(**changes: Any) -> LetterDoc:
    fields: dict[str, Any] = dict(
        kind="access-response",
        regime="eu-gdpr",
        reference="DSR-2026-00042",
        date="25 November 2026",
        sender=(
            "CONNEQT LLC",
            "1 Las Olas Boulevard, Suite 1200",
            "Fort Lauderdale, FL 33301",
            "privacy@conneqt.example",
        ),
        addressee=("Ms Eleni Papadopoulou", "Odos Ermou 12", "105 63 Athens", "Greece"),
        subject="Your request for access to your personal data",
        blocks=(
            Block("paragraph", "Dear Ms Papadopoulou,"),
            Block("heading", "Purposes of the processing"),
            Block(
                "bullets",
                items=(
                    "Providing your account (contract).",
                    "Marketing, where you agreed (consent).",
                ),
            ),
            Block("paragraph", "Yours sincerely,"),
        ),
        signature=("Jordan Avery", "Data Protection Officer", "dpo@conneqt.example"),
        page_size="A4",
        title="Access response DSR-2026-00042",
        author="Jordan Avery",
        template="access-response.eu-gdpr.txt v3",
    )
    fields.update(changes)
    return LetterDoc(**fields)


def two_page_letter(**changes: Any) -> LetterDoc:
    sentence = ("We hold the following information about you in our customer database, "
                "our support ticket system and our marketing platform. ")  # fmt: skip
    blocks = []
    for n in range(1, 9):
        blocks.append(Block("heading", f"Section {n}"))
        blocks.append(Block("paragraph", sentence * 4))
        blocks.append(Block("bullets", items=(f"Item {n}.1 of the list.", f"Item {n}.2.")))
    return letter(blocks=tuple(blocks), **changes)


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _chars(pdf: bytes, page: int = 0) -> list[tuple[str, float, float, float]]:
    """(character, left, right, line bottom) of every character on a page."""
    document = pdfium.PdfDocument(pdf)
    try:
        textpage = document[page].get_textpage()
        out = []
        for i in range(textpage.count_chars()):
            left, _, right, _ = textpage.get_charbox(i)
            _, bottom, _, _ = textpage.get_charbox(i, loose=True)  # the same on a line
            out.append((textpage.get_text_range(i, 1), left, right, bottom))
        return out
    finally:
        document.close()


def _line_of(chars: list[tuple[str, float, float, float]], ch: str) -> list[Any]:
    """The characters on the line where `ch` first appears."""
    bottom = next(c[3] for c in chars if c[0] == ch)
    return [c for c in chars if abs(c[3] - bottom) < 1]


def _x(chars: list[tuple[str, float, float, float]], ch: str) -> float:
    """Where `ch` starts (its first appearance in drawing order)."""
    return next(c[1] for c in chars if c[0] == ch)


# --- every part -------------------------------------------------------------


def test_every_part_of_the_letter_is_printed() -> None:
    doc = letter()
    text = _flat(_text(render_pdf(doc)))
    parts = [*doc.sender, doc.date, doc.reference, *doc.addressee, doc.subject,
             *doc.signature, doc.template, "Page 1 of 1"]  # fmt: skip
    for block in doc.blocks:
        parts += [block.text] if block.text else list(block.items)
    for part in parts:
        assert part in text


def test_a_long_letter_numbers_its_pages() -> None:
    rendered = render(two_page_letter())
    assert rendered.pages == 2
    reader = pypdf.PdfReader(io.BytesIO(rendered.pdf))
    assert len(reader.pages) == 2
    for n, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Page {n} of 2" in text
        assert "access-response.eu-gdpr.txt v3" in text
    # Later pages carry the controller and the reference at the top.
    assert "CONNEQT LLC" in reader.pages[1].extract_text()
    assert "DSR-2026-00042" in reader.pages[1].extract_text()


def test_metadata() -> None:
    info = pypdf.PdfReader(io.BytesIO(render_pdf(letter()))).metadata
    assert info is not None
    assert info.title == "Access response DSR-2026-00042"
    assert info.author == "Jordan Avery"
    assert info.subject == "DSR-2026-00042 access-response"
    assert info.creator == "conneqt-dpo"
    untitled = pypdf.PdfReader(io.BytesIO(render_pdf(letter(title="")))).metadata
    assert (
        untitled is not None and untitled.title == "Your request for access to your personal data"
    )


@pytest.mark.parametrize(("size", "box"), [("A4", (595.28, 841.89)), ("LETTER", (612, 792))])
def test_page_size(size: str, box: tuple[float, float]) -> None:
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(two_page_letter(page_size=size))))
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(box[0], abs=0.01)
        assert float(page.mediabox.height) == pytest.approx(box[1], abs=0.01)


def test_unknown_page_size_is_refused() -> None:
    with pytest.raises(ValueError, match="A4 or LETTER"):
        render(letter(page_size="A5"))


def test_the_same_letter_gives_the_same_bytes() -> None:
    assert render_pdf(two_page_letter()) == render_pdf(two_page_letter())


def test_the_same_letter_gives_the_same_bytes_in_another_process() -> None:
    # Another hash seed: nothing may depend on the order of a set of strings.
    code = textwrap.dedent("""
        import sys
        from tests.outputs.test_letter_pdf import hostile_letter
        from conneqt_dpo.outputs.letters.pdf import render_pdf
        sys.stdout.buffer.write(render_pdf(hostile_letter()))
    """)
    root = Path(__file__).resolve().parents[2]
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, cwd=root,
                           env={**os.environ, "PYTHONHASHSEED": "12345"}, timeout=120)  # fmt: skip
    assert other.stdout == render_pdf(hostile_letter())


def test_importing_the_renderer_does_not_load_reportlab() -> None:
    code = ("import sys, conneqt_dpo.outputs.letters.pdf, conneqt_dpo.outputs.letters.fonts\n"
            "print('reportlab' in sys.modules)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)  # fmt: skip
    assert out.stdout.strip() == "False"


# --- fonts ------------------------------------------------------------------


def _fonts(pdf: bytes) -> Iterator[Any]:
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            yield font.get_object()


def hostile_letter() -> LetterDoc:
    return letter(
        sender=(HOSTILE[0] + " " + HOSTILE[1], HOSTILE[3], HOSTILE[4]),
        addressee=(GREEK, CYRILLIC, "محمد علي", "שרה כהן", CJK, "", "a\nb"),
        subject="Re: " + HOSTILE[5] + " 🦄",
        blocks=(
            *_blocks(*HOSTILE, LONG_WORD, ARABIC, HEBREW),
            Block("bullets", items=(CJK, HEBREW, "emoji 😀 👍🏽")),
        ),
        template=HOSTILE[2],
    )


@pytest.mark.parametrize("make", [letter, two_page_letter, hostile_letter])
def test_only_embedded_fonts_are_used(make: Any) -> None:
    seen = set()
    for font in _fonts(render_pdf(make())):
        name = str(font["/BaseFont"])
        seen.add(name.split("+")[-1])
        assert "Helvetica" not in name and "Times" not in name and "Courier" not in name
        assert font["/Subtype"] == "/TrueType"
        assert "/FontFile2" in font["/FontDescriptor"].get_object()
    assert {"/DejaVuSans", "/DejaVuSans-Bold"} <= {"/" + n.lstrip("/") for n in seen}


def test_cjk_is_drawn_with_the_bundled_fallback() -> None:
    rendered = render(letter(addressee=(CJK,), blocks=_blocks(CJK)))
    assert rendered.warnings == ()
    names = {str(font["/BaseFont"]).split("+")[-1] for font in _fonts(rendered.pdf)}
    assert "DroidSansFallback" in names
    assert _flat(_text(rendered.pdf)).count(CJK) == 2


def test_greek_and_cyrillic_exactly() -> None:
    text = _text(render_pdf(letter(addressee=(GREEK, CYRILLIC), blocks=_blocks(GREEK))))
    assert GREEK in text and CYRILLIC in text


def test_what_no_font_has_is_marked_and_named() -> None:
    rendered = render(letter(blocks=_blocks("A unicorn 🦄 and a thumbs up 👍🏽.")))
    (warning,) = rendered.warnings
    assert "U+1F984 UNICORN FACE" in warning and "U+1F3FD" in warning
    text = _flat(_text(rendered.pdf))
    assert "A unicorn \ufffd and a thumbs up \ufffd\ufffd." in text
    assert "Some characters in this letter cannot be shown" in text
    assert "U+1F984 UNICORN FACE" in text


def test_the_content_sides_warnings_come_back() -> None:
    rendered = render(letter(warnings=("a placeholder is left",)))
    assert rendered.warnings == ("a placeholder is left",)


def test_undrawable_names_only_what_cannot_be_shown() -> None:
    text = "Ωμέγα Жизнь 中文 שלום سلام ✓ 🦄 \x00\u200d\ufe0f 🦄 \U00010330"
    assert fonts.undrawable(text) == ("🦄", "\U00010330")
    assert fonts.describe(["🦄"]) == "U+1F984 UNICORN FACE"


# --- hostile values ---------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("slot", ["sender", "addressee", "subject", "paragraph", "heading",
                                  "bullet", "signature", "date", "reference"])  # fmt: skip
def test_hostile_values_are_shown_literally(slot: str, value: str) -> None:
    changes: dict[str, Any] = {
        "sender": {"sender": (value, "Street 1")},
        "addressee": {"addressee": ("Name", value)},
        "subject": {"subject": value},
        "paragraph": {"blocks": _blocks(value)},
        "heading": {"blocks": (Block("heading", value),)},
        "bullet": {"blocks": (Block("bullets", items=(value,)),)},
        "signature": {"signature": ("Jordan Avery", value)},
        "date": {"date": value},
        "reference": {"reference": value},
    }[slot]
    # Compared without spaces: a narrow column may wrap a long value.
    assert "".join(value.split()) in "".join(_text(render_pdf(letter(**changes))).split())


def test_hostile_letter_renders_and_reads_no_file() -> None:
    render(hostile_letter())  # fonts and code loaded
    opened: list[str] = []
    active = [False]

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if active[0] and event == "open":
            opened.append(str(args[0]))

    sys.addaudithook(hook)
    active[0] = True
    try:
        rendered = render(hostile_letter())
    finally:
        active[0] = False
    assert opened == []
    text = _flat(_text(rendered.pdf))
    assert '<img src="/etc/passwd"/>' in text and "</para><para>" in text


def test_controls_newlines_and_empty_values() -> None:
    doc = letter(
        addressee=("Name", "", "line one\nline two\r\nline three", "tab\there\x00\x07bell"),
        subject="",
        blocks=(*_blocks("", "\n\n", "first\nsecond"), Block("bullets", items=("", "x"))),
        signature=("", "Jordan Avery"),
    )
    text = _text(render_pdf(doc))
    for line in ("line one", "line two", "line three", "tab herebell", "first", "second"):
        assert line in text.splitlines()
    everything_empty = letter(sender=(), addressee=(), subject="", blocks=(), signature=(),
                              date="", reference="", template="", title="", author="")  # fmt: skip
    assert render(everything_empty).pages == 1


def test_a_long_template_name_is_cut_to_fit_the_footer() -> None:
    pdf = render_pdf(letter(template="access-response " + "v" * 400))
    assert "access-response vvv" in _text(pdf) and "\u2026" in _text(pdf)
    footer = [c for c in _chars(pdf) if c[0] == "v"]
    assert max(c[2] for c in footer) < 595.2756 - 20 * 72 / 25.4 - 30  # clear of "Page 1 of 1"


@pytest.mark.parametrize("slot", ["paragraph", "addressee", "subject", "rtl"])
def test_a_500_character_word_wraps_inside_the_margins(slot: str) -> None:
    word = LONG_WORD if slot != "rtl" else "ש" * 500
    doc = {
        "paragraph": letter(blocks=_blocks("Before " + word + " after.")),
        "addressee": letter(addressee=(word,)),
        "subject": letter(subject=word),
        "rtl": letter(blocks=_blocks("שלום " + word)),
    }[slot]
    pdf = render_pdf(doc)
    width = float(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox.width)
    chars = _chars(pdf)
    drawn = [c for c in chars if c[0] in "Qwש"]
    assert len(drawn) >= 500
    assert min(c[1] for c in drawn) >= 25 * 72 / 25.4 - 1
    assert max(c[2] for c in drawn) <= width - 20 * 72 / 25.4 + 1


# --- right to left ----------------------------------------------------------


def test_hebrew_reads_right_to_left() -> None:
    # Each word has letters of its own, so their places can be compared.
    chars = _line_of(_chars(render_pdf(letter(blocks=_blocks("אב גד 47 הו (35 זח).")))), "א")
    # The first word is right of the second; a number keeps its digit order.
    assert _x(chars, "א") > _x(chars, "ג") > _x(chars, "4") > _x(chars, "ה") > _x(chars, "3")
    assert _x(chars, "4") < _x(chars, "7") and _x(chars, "3") < _x(chars, "5")
    # Right-aligned: the sentence starts at the right margin.
    right = max(c[2] for c in chars if c[0] == "א")
    assert right == pytest.approx(595.2756 - 20 * 72 / 25.4, abs=1.5)


def test_a_hebrew_name_in_an_english_sentence() -> None:
    chars = _line_of(_chars(render_pdf(letter(blocks=_blocks("From שרה כהן today.")))), "ש")
    assert _x(chars, "F") < _x(chars, "כ") < _x(chars, "ש") < _x(chars, "t")


def test_arabic_is_joined_and_in_order() -> None:
    rendered = render(letter(blocks=_blocks(ARABIC)))
    chars = _line_of(_chars(rendered.pdf), "7")
    if fonts_can_shape():
        # Joined letters are drawn with their contextual forms.
        assert any("\ufe70" <= ch <= "\ufeff" for ch in _text(rendered.pdf))
        assert rendered.warnings == ()
    else:
        assert "uharfbuzz" in rendered.warnings[0]
    # "47" (said first) is right of "25"; each keeps its digit order.
    assert _x(chars, "5") < _x(chars, "4") < _x(chars, "7")
    assert _x(chars, "2") < _x(chars, "5")


def test_without_the_shaping_library_arabic_is_unjoined_and_said_so() -> None:
    code = textwrap.dedent("""
        import sys
        sys.modules["uharfbuzz"] = None  # as if it were not installed
        from tests.outputs.test_letter_pdf import ARABIC, letter, _blocks
        from conneqt_dpo.outputs.letters.pdf import render
        print(render(letter(blocks=_blocks(ARABIC))).warnings)
    """)
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=root, timeout=120)  # fmt: skip
    assert "unjoined letters" in out.stdout and "uharfbuzz" in out.stdout


def test_the_first_page_renders_as_an_image() -> None:
    document = pdfium.PdfDocument(render_pdf(hostile_letter()))
    try:
        image = document[0].render(scale=1).to_pil()
    finally:
        document.close()
    assert image.size == (596, 842)
    assert image.convert("L").getextrema()[0] < 100  # something dark was drawn


def fonts_can_shape() -> bool:
    from reportlab.pdfbase.pdfmetrics import getFont

    fonts.register()
    return bool(getFont(fonts.REGULAR).shapable)


@pytest.mark.parametrize(
    ("text", "base", "levels"),
    [
        ("abc", 0, [0, 0, 0]),
        ("אב", 0, [1, 1]),
        ("a אב 12 גד b", 0, [0, 0, 1, 1, 1, 2, 2, 1, 1, 1, 0, 0]),
        ("אב 12.5%", 1, [1, 1, 1, 2, 2, 2, 2, 2]),
        ("אב (c)", 1, [1, 1, 1, 1, 2, 1]),
    ],
)
def test_bidi_levels(text: str, base: int, levels: list[int]) -> None:
    assert bidi_levels(text, base) == levels


def test_base_level_is_the_first_strong_letter() -> None:
    assert (base_level("12 אב c"), base_level("12 c אב"), base_level("12 .")) == (1, 0, 0)


# --- escaping ---------------------------------------------------------------


def test_markup_escapes_and_keeps_lines() -> None:
    assert markup("a<b & c>d\ne") == "a&lt;b &amp; c&gt;d<br/>e"
    assert markup("x\x00\x07\ty\u200b\u202ez") == "x yz"
    assert markup("ab中", lambda ch: "ConneqtSansCJK" if ch == "中" else None) == (
        'ab<font name="ConneqtSansCJK">中</font>'
    )
    with pytest.raises(ValueError, match="not a font name"):
        markup("中", lambda ch: 'x" onload="y')


def test_clean_text() -> None:
    assert clean_text("a\r\nb\rc\u2028d") == "a\nb\nc\nd"
    assert clean_text("e\u0301") == "é"  # one character, as the fonts have it
    assert clean_text("a\u00a0b\u2003c") == "a\u00a0b c"
