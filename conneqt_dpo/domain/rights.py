"""The rights vocabulary: one identifier per right, shared by every regime.

Each regime shows the right under its own name and citation (CCPA "Request
to know", HIPAA "Amendment", ...); see ``regimes.py``. The identifiers here
are the ones used in code, the CLI and JSON (deadlines.md, "Vocabulary").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from conneqt_dpo.domain.errors import DomainError

__all__ = ["RIGHTS", "RIGHT_CODES", "Right", "get_right"]


@dataclass(frozen=True, slots=True)
class Right:
    """A right in the shared vocabulary, with a label that fits every regime."""

    code: str
    label: str


_ALL = (
    Right("access", "Access"),
    Right("rectification", "Rectification"),
    Right("erasure", "Erasure"),
    Right("restriction", "Restriction of processing"),
    Right("portability", "Data portability"),
    Right("objection", "Objection"),
    Right("marketing-objection", "Objection to direct marketing"),
    Right("automated-decision", "Automated decision-making"),
    Right("opt-out-sale", "Opt-out of sale, sharing or targeted advertising"),
    Right("limit-sensitive", "Limit use of sensitive information"),
    Right("appeal", "Appeal of a refusal"),
)

RIGHTS: Mapping[str, Right] = MappingProxyType({r.code: r for r in _ALL})
RIGHT_CODES: tuple[str, ...] = tuple(RIGHTS)


def get_right(code: str) -> Right:
    """The right called ``code``; DomainError if the vocabulary has none."""
    try:
        return RIGHTS[code]
    except (KeyError, TypeError):
        raise DomainError(
            f"unknown right {code!r}; the rights are: {', '.join(RIGHT_CODES)}"
        ) from None
