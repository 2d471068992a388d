"""The Unicode bidirectional algorithm (UAX #9) for the letters, without
explicit embeddings (the escaping step drops those controls).

ReportLab 5 reorders right-to-left text only through `rlbidi`, which is not
published on PyPI, and not at all in paragraphs it shapes; shaping
(uharfbuzz) alone joins Arabic letters but leaves the words of a
right-to-left run in left-to-right order. So the levels and runs are worked
out here, ReportLab shapes each run of one direction, and the renderer
places the runs. (python-bidi's get_display returns only the reordered
string, but shaping needs each run in logical order.)"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

_MIRRORED = str.maketrans("()[]{}<>«»‹›", ")(][}{><»«›‹")
_STRONG_RTL = frozenset(("R", "AL"))


def has_rtl(text: str) -> bool:
    """Whether `text` holds a right-to-left letter (Hebrew, Arabic...)."""
    return not text.isascii() and any(unicodedata.bidirectional(ch) in _STRONG_RTL for ch in text)


def base_level(text: str) -> int:
    """0 (left to right) or 1 (right to left): the direction of the first
    strong letter (UAX #9 P2-P3)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return 0
        if kind in _STRONG_RTL:
            return 1
    return 0


def bidi_levels(text: str, base: int) -> list[int]:
    """The embedding level of each character of one paragraph (no line
    breaks in it): UAX #9 rules W1-W7, N1-N2 and I1-I2."""
    sos = "R" if base else "L"
    types: list[str] = []
    prev = sos
    for ch in text:
        kind = unicodedata.bidirectional(ch) or "L"
        if kind == "NSM":  # W1
            kind = prev
        types.append(kind)
        prev = kind
    last = sos
    for i, kind in enumerate(types):  # W2, W3
        if kind in ("L", "R", "AL"):
            last = kind
        if kind == "EN" and last == "AL":
            types[i] = "AN"
        elif kind == "AL":
            types[i] = "R"
    n = len(types)
    for i in range(1, n - 1):  # W4
        left, kind, right = types[i - 1], types[i], types[i + 1]
        if left == right and (
            (kind == "ES" and left == "EN") or (kind == "CS" and left in ("EN", "AN"))
        ):
            types[i] = left
    i = 0
    while i < n:  # W5
        j = i
        while j < n and types[j] == "ET":
            j += 1
        if j > i and ((i > 0 and types[i - 1] == "EN") or (j < n and types[j] == "EN")):
            types[i:j] = ["EN"] * (j - i)
        i = max(j, i + 1)
    last = sos
    for i, kind in enumerate(types):  # W6, W7
        if kind in ("ES", "ET", "CS"):
            types[i] = "ON"
        elif kind in ("L", "R"):
            last = kind
        elif kind == "EN" and last == "L":
            types[i] = "L"

    def strong(kind: str) -> str | None:
        return "L" if kind == "L" else "R" if kind in ("R", "EN", "AN") else None

    i = 0
    while i < n:  # N1, N2
        if strong(types[i]) is not None:
            i += 1
            continue
        j = i
        while j < n and strong(types[j]) is None:
            j += 1
        before = (strong(types[i - 1]) if i > 0 else None) or sos
        after = (strong(types[j]) if j < n else None) or sos
        types[i:j] = [before if before == after else sos] * (j - i)
        i = j
    if base:  # I2
        return [1 if kind == "R" else 2 for kind in types]
    return [0 if kind == "L" else 1 if kind == "R" else 2 for kind in types]  # I1


def visual_runs(
    levels: Sequence[int], start: int, end: int, same_run: Callable[[int, int], bool]
) -> list[tuple[int, int, int]]:
    """The runs (start, end, level) of one line in the order they are
    drawn, left to right (UAX #9 L2). A run is one level and whatever else
    `same_run` keeps together (one font)."""
    runs: list[tuple[int, int, int]] = []
    i = start
    while i < end:
        j = i + 1
        while j < end and levels[j] == levels[i] and same_run(i, j):
            j += 1
        runs.append((i, j, levels[i]))
        i = j
    for level in range(max((r[2] for r in runs), default=0), 0, -1):
        k = 0
        while k < len(runs):
            if runs[k][2] < level:
                k += 1
                continue
            m = k
            while m < len(runs) and runs[m][2] >= level:
                m += 1
            runs[k:m] = runs[k:m][::-1]
            k = m
    return runs


def reversed_clusters(text: str) -> str:
    """Right-to-left text in drawing order: characters reversed, each
    combining mark kept after its base, brackets mirrored (UAX #9 L4)."""
    clusters: list[str] = []
    for ch in text:
        if clusters and unicodedata.category(ch) in ("Mn", "Mc", "Me"):
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return "".join(reversed(clusters)).translate(_MIRRORED)
