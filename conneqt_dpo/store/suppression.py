"""The suppression list as a CSV file for the marketing tools: one row per
email or phone number that must get no more marketing, or whose data must
not be sold or shared."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.store.views import SuppressionView

COLUMNS = ("email", "phone", "reason", "source_reference", "created_at")


def _cell(value: str | None) -> str:
    """A value a spreadsheet shows as text: one starting with = + - @ (or a
    tab or carriage return) would be read as a formula (CSV injection)."""
    if not value:
        return ""
    return "'" + value if value[0] in "=+-@\t\r" else value


def export_suppression_csv(rows: Iterable[SuppressionView], path: Path | str) -> int:
    """Write the rows to `path` (UTF-8, a header line; replaced whole).
    Returns the number of rows written."""
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".suppression-", suffix=".csv", dir=target.parent)
    except OSError as e:
        raise DomainError(f"cannot write {target}: {e.strerror or e}") from None
    n = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            out = csv.writer(f)
            out.writerow(COLUMNS)
            for r in rows:
                out.writerow(
                    [
                        _cell(r.email),
                        _cell(r.phone),
                        r.reason,
                        r.source_reference or "",
                        r.created_at.isoformat(timespec="seconds"),
                    ]
                )
                n += 1
        os.replace(tmp, target)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise DomainError(f"cannot write {target}: {e.strerror or e}") from None
    return n
