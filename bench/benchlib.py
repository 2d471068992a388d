"""What the benchmarks share: a scratch folder, and where their numbers go."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def save_results(name: str, result: object) -> Path:
    """A JSON copy of a run in bench/results/ (git-ignored), named by time."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    out = RESULTS_DIR / f"{name}-{stamp}.json"
    out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"   results: {out}")
    return out


@contextlib.contextmanager
def workdir(prefix: str, keep: bool) -> Iterator[Path]:
    """A scratch folder, removed at the end unless `keep`."""
    d = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield d
    finally:
        if not keep:
            shutil.rmtree(d, ignore_errors=True)
