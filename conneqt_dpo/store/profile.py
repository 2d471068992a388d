"""The organisation profile as a file: the one shipped in resources/, and
export and import for the DPO (README, "Organisation profile file").

The file is UTF-8 JSON, one object: `"format": "conneqt-dpo organisation
profile"`, `"version": 1`, then the fields of domain/organisation.py's
Organisation (texts; lists of texts; `purposes` a list of objects with
`purpose` and `lawful_basis`). Keys starting with `_` are comments.
"""

from __future__ import annotations

import json
import os
import tempfile
from functools import cache
from pathlib import Path

from conneqt_dpo._bundled import resources_dir
from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.organisation import Organisation

FORMAT = "conneqt-dpo organisation profile"
VERSION = 1
MAX_BYTES = 5_000_000


@cache
def default_organisation() -> Organisation:
    data = json.loads((resources_dir() / "organisation.json").read_text(encoding="utf-8"))
    return Organisation.from_mapping(data)


def export_org_profile(org: Organisation, path: Path | str) -> Path:
    """Write the profile to `path` (replaced whole, never half-written)."""
    target = Path(path)
    data = {"format": FORMAT, "version": VERSION, **org.to_mapping()}
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    try:
        fd, tmp = tempfile.mkstemp(prefix=".org-profile-", dir=target.parent)
    except OSError as e:
        raise DomainError(f"cannot write {target}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, target)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise DomainError(f"cannot write {target}: {e.strerror or e}") from None
    return target


def import_org_profile(path: Path | str) -> Organisation:
    """Read and check a profile file; a broken one raises DomainError with
    one line saying what is wrong."""
    source = Path(path)
    try:
        if source.stat().st_size > MAX_BYTES:
            raise DomainError(f"{source} is too large for an organisation profile")
        raw = source.read_bytes()
    except FileNotFoundError:
        raise DomainError(f"no file {source}") from None
    except OSError as e:
        raise DomainError(f"cannot read {source}: {e.strerror or e}") from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise DomainError(f"{source} is not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise DomainError(
            f"{source} is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})"
        ) from None
    if not isinstance(data, dict):
        raise DomainError(f"{source} does not hold an organisation profile (a JSON object)")
    fmt = data.pop("format", FORMAT)
    version = data.pop("version", VERSION)
    if fmt != FORMAT:
        raise DomainError(f"{source} is not an organisation profile (format {fmt!r})")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise DomainError(f"{source} has an unreadable version ({version!r})")
    if version > VERSION:
        raise DomainError(
            f"{source} was written by a newer conneqt-dpo (profile version {version}); "
            "update the app to read it"
        )
    try:
        return Organisation.from_mapping(data, strict=True)
    except DomainError as e:
        raise DomainError(f"{source}: {e}") from None
