"""Where conneqt-dpo keeps its data: one data folder (platformdirs,
non-roaming), overridable with CONNEQT_DPO_DATA_DIR for tests, demos and
people who keep it elsewhere."""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from conneqt_dpo.store.errors import StoreUnavailable

APP_NAME = "conneqt-dpo"
DATA_DIR_ENV = "CONNEQT_DPO_DATA_DIR"
DATABASE_URL_ENV = "CONNEQT_DPO_DATABASE_URL"
STORE_FILE = "store.db"


@dataclass(frozen=True)
class Paths:
    data_dir: Path

    @property
    def store_file(self) -> Path:
        return self.data_dir / STORE_FILE

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def audit_anchor(self) -> Path:
        """The audit chain's head, kept outside the database so that cutting
        the newest events off both the audit table and its in-database anchor
        is still caught."""
        return anchor_for(self.store_file)


def anchor_for(store_file: Path) -> Path:
    """A store file's audit anchor lives beside it: store.db -> store.audit-anchor.json."""
    return store_file.with_name(store_file.stem + ".audit-anchor.json")


def default_data_dir() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=False))


def resolve(data_dir: Path | None = None) -> Paths:
    return Paths((data_dir or default_data_dir()).absolute())


def ensure_data_dir(paths: Paths) -> None:
    """Create the data folder owner-only (0700) and check it is writable."""
    d = paths.data_dir
    try:
        d.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as e:
        raise StoreUnavailable(f"cannot create the data folder {d}: {e.strerror}") from None
    if os.name == "posix" and (d.stat().st_mode & 0o077) and os.access(d, os.W_OK):
        # Not ours to change on some shared mounts; the store file is 0600.
        with contextlib.suppress(OSError):
            os.chmod(d, 0o700)
    # Try it rather than ask os.access: root, read-only mounts and network
    # folders answer access() wrongly.
    try:
        with tempfile.TemporaryFile(dir=d):
            pass
    except OSError:
        raise StoreUnavailable(
            f"the data folder {d} is not writable; nothing was changed"
        ) from None
