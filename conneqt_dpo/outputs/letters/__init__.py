"""Response letters: the catalogue of kinds (kinds.py), their content from
the case, the organisation profile and the templates (content.py,
templates.py), the plain document between content and rendering
(document.py), and the PDF (pdf.py).

Only the light parts are imported here; `content` (jinja2) and `pdf`
(ReportLab) are imported where they are used, so that listing the kinds
costs nothing."""

from conneqt_dpo.outputs.letters.document import Block, LetterDoc
from conneqt_dpo.outputs.letters.kinds import (
    KINDS,
    ExtraField,
    LetterKind,
    get_kind,
    kinds_for,
    page_size,
    refusal_grounds,
    regime_family,
)

__all__ = [
    "KINDS",
    "Block",
    "ExtraField",
    "LetterDoc",
    "LetterKind",
    "get_kind",
    "kinds_for",
    "page_size",
    "refusal_grounds",
    "regime_family",
]
