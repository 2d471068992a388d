"""The evidence locker: every attached file, encrypted at rest (crypto.py),
stored under its keyed address and checked on every read. The database
holds the metadata (name, type, size, address, kind, who, when); the locker
only holds bytes.

Layout: root/ab/<address> for an address "ab...", root 0700, files 0600.
Writes go to a temporary file inside root (same filesystem, so the final
rename is atomic), are fsynced, then renamed into place: a killed process
leaves at most a temporary file, which sweep_temp() removes later.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from conneqt_dpo.store.crypto import (
    DEFAULT_CHUNK,
    IntegrityError,
    Subkeys,
    TooLarge,
    decrypt_stream,
    encrypt_stream,
    megabytes,
)
from conneqt_dpo.store.errors import NotFound, StoreError

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
TEMP_PREFIX = ".incoming-"
TEMP_SUFFIX = ".partial"
EXPORT_PREFIX = ".conneqt-export-"
MAX_NAME_CHARS = 200
# Most filesystems (ext4, APFS, NTFS in UTF-16 units) cap a name near 255;
# 200 characters of a non-Latin script can exceed that in UTF-8.
MAX_NAME_BYTES = 240
_MAX_EXTENSION = 16
_ADDRESS = re.compile(r"[0-9a-f]{64}")
# Characters Windows refuses in a file name; the name may become a file on
# any system when it is exported.
_WINDOWS_FORBIDDEN = str.maketrans({c: "_" for c in '<>:"|?*'})
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)
}


@dataclass(frozen=True)
class StoredBlob:
    address: str
    size: int  # plaintext bytes


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink in `path` durable (POSIX; Windows has no
    directory handles to sync and its renames are journalled)."""
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish_new(tmp: Path, target: Path) -> None:
    """Move a finished temporary file to `target`, refusing to replace a
    file that is there. A hard link makes the check and the move one atomic
    step; where links are not supported (FAT, some network shares) it falls
    back to check-then-rename."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise StoreError(f"{target} exists; choose a new file name") from None
    except OSError:
        if target.exists():
            raise StoreError(f"{target} exists; choose a new file name") from None
        os.replace(tmp, target)
    else:
        tmp.unlink()
    fsync_dir(target.parent)


def safe_name(name: str) -> str:
    """A document's name made safe to show and to use as a file name: no
    folder part (/ or \\), no control or invisible formatting characters
    (a right-to-left override can disguise "cod.exe" as "exe.doc"), single
    spaces, no characters or device names Windows refuses, at most 200
    characters with the extension kept."""
    text = name.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(
        " " if c.isspace() else c
        for c in text
        if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf", "Cs")
    )
    text = " ".join(text.split()).translate(_WINDOWS_FORBIDDEN)
    text = text.rstrip(". ")  # Windows drops trailing dots and spaces silently
    if not text or text in (".", ".."):
        shown = name if len(name) <= 60 else name[:57] + "..."
        raise StoreError(f"{shown!r} is not a usable file name; give the document a name")
    stem, dot, ext = text.rpartition(".")
    if not dot or not stem or len(ext) > _MAX_EXTENSION or " " in ext:
        stem, ext = text, ""
    else:
        ext = "." + ext
    if stem.split(".")[0].upper() in _WINDOWS_DEVICES:
        stem = "_" + stem
    budget = MAX_NAME_CHARS - len(ext)
    stem = stem[:budget]
    while len((stem + ext).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return (stem.rstrip(" ") or "_") + ext


def _label(path: Path) -> str:
    """A file's name for a message, whatever characters it holds."""
    try:
        return safe_name(path.name)
    except StoreError:
        return " ".join(str(path).split())


class Locker:
    def __init__(self, root: Path, keys: Subkeys, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = root
        self._keys = keys
        self.max_bytes = max_bytes
        try:
            root.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"cannot create the document folder {root}: {e.strerror}") from None

    def __repr__(self) -> str:
        return f"Locker({str(self.root)!r})"

    # -- addresses ----------------------------------------------------------

    def path_of(self, address: str) -> Path:
        # The address comes from the database: checked so that an altered row
        # cannot point outside the locker.
        if not _ADDRESS.fullmatch(address):
            raise StoreError(f"{address[:80]!r} is not a document address")
        return self.root / address[:2] / address

    def exists(self, address: str) -> bool:
        return self.path_of(address).is_file()

    # -- writing ------------------------------------------------------------

    def put(self, src: Path | BinaryIO) -> StoredBlob:
        """Encrypt and store a file; the same content stored twice is kept
        once. Empty files and files over the limit are refused."""
        if not isinstance(src, Path):
            return self._put(src, "the file")
        what = f'"{_label(src)}"'
        try:
            size = src.stat().st_size
            f = src.open("rb")
        except OSError as e:
            raise StoreError(f"cannot read {what}: {e.strerror}") from None
        with f:
            if size == 0:
                raise StoreError(f"{what} is empty; nothing was stored")
            if size > self.max_bytes:
                limit = megabytes(self.max_bytes)
                shown = megabytes(size)
                if shown == limit:  # not "1 MB, over the 1 MB limit"
                    shown = f"{size:,} bytes"
                raise StoreError(f"{what} is {shown}, over the {limit} limit; nothing was stored")
            return self._put(f, what)

    def _put(self, src: BinaryIO, what: str) -> StoredBlob:
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=self.root)
        except OSError as e:
            raise StoreError(f"cannot write to {self.root}: {e.strerror}") from None
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                try:
                    result = encrypt_stream(
                        self._keys.files,
                        src,
                        out,
                        chunk_size=DEFAULT_CHUNK,
                        address_key=self._keys.address,
                        max_bytes=self.max_bytes,
                    )
                except TooLarge as e:
                    raise TooLarge(e.limit, what) from None
                out.flush()
                os.fsync(out.fileno())
            if result.size == 0:
                raise StoreError(f"{what} is empty; nothing was stored")
            assert result.address is not None
            target = self.path_of(result.address)
            if target.exists() and self._intact(target, result.address):
                return StoredBlob(result.address, result.size)  # deduplicated
            made_dir = not target.parent.is_dir()
            target.parent.mkdir(mode=0o700, exist_ok=True)
            if made_dir:
                fsync_dir(self.root)
            os.replace(tmp, target)
            fsync_dir(target.parent)
            return StoredBlob(result.address, result.size)
        except OSError as e:
            # Disk full (ENOSPC) and the like: a message, and nothing half-stored.
            raise StoreError(f"cannot store {what}: {e.strerror}; nothing was stored") from None
        finally:
            tmp.unlink(missing_ok=True)

    def _intact(self, path: Path, address: str) -> bool:
        """Whether the copy already stored under this address still
        verifies; a damaged one is replaced by the new upload."""
        try:
            with path.open("rb") as f, open(os.devnull, "wb") as discard:
                decrypt_stream(
                    self._keys.files,
                    f,
                    discard,
                    name=address,
                    address_key=self._keys.address,
                    expect_address=address,
                )
        except IntegrityError:
            log.warning("stored file %s failed its check; replacing it with the new copy", address)
            return False
        return True

    def remove(self, address: str) -> bool:
        """Remove a stored file; False when it was not there (so a purge
        interrupted after the unlink can simply run again)."""
        path = self.path_of(address)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        fsync_dir(path.parent)
        return True

    def sweep_temp(self, *, older_than_s: float = 3600.0) -> int:
        """Remove temporary files left by a killed process; returns how many.
        Only files older than `older_than_s` go, so that a second process
        (the CLI while the app is open) storing a file right now keeps its
        own."""
        cutoff = time.time() - older_than_s
        removed = 0
        for p in self.root.glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
            with contextlib.suppress(OSError):
                if p.stat().st_mtime <= cutoff:
                    p.unlink()
                    removed += 1
        if removed:
            fsync_dir(self.root)
        return removed

    def addresses(self) -> list[str]:
        """Every stored file's address (temporary files excluded)."""
        out = []
        for sub in sorted(self.root.iterdir()):
            if sub.is_dir() and len(sub.name) == 2:
                out += [f.name for f in sorted(sub.iterdir()) if _ADDRESS.fullmatch(f.name)]
        return out

    # -- reading ------------------------------------------------------------

    def _open(self, address: str, name: str) -> BinaryIO:
        try:
            return self.path_of(address).open("rb")
        except FileNotFoundError:
            raise NotFound(
                f'the stored copy of "{name}" is missing from the document folder'
            ) from None

    def export(self, address: str, target: Path, *, name: str) -> int:
        """Decrypt a stored file to `target` and return its size. It is
        written to a temporary file beside target, checked to the end
        (every chunk and the address), and only then renamed: on any failure
        nothing is left at target."""
        if target.exists():
            raise StoreError(f"{target} exists; choose a new file name")
        if not target.parent.is_dir():
            raise StoreError(f"the folder {target.parent} does not exist")
        with self._open(address, name) as src:
            try:
                fd, tmp_name = tempfile.mkstemp(
                    prefix=EXPORT_PREFIX, suffix=TEMP_SUFFIX, dir=target.parent
                )
            except OSError as e:
                raise StoreError(f"cannot write to {target.parent}: {e.strerror}") from None
            tmp = Path(tmp_name)
            try:
                with os.fdopen(fd, "wb") as out:
                    size = decrypt_stream(
                        self._keys.files,
                        src,
                        out,
                        name=name,
                        address_key=self._keys.address,
                        expect_address=address,
                    )
                    out.flush()
                    os.fsync(out.fileno())
                publish_new(tmp, target)
                return size
            except OSError as e:
                raise StoreError(f"cannot write {target}: {e.strerror}") from None
            finally:
                tmp.unlink(missing_ok=True)

    def read_bytes(self, address: str, *, name: str) -> bytes:
        """A small stored file (a letter) in memory, verified."""
        buf = io.BytesIO()
        with self._open(address, name) as src:
            try:
                decrypt_stream(
                    self._keys.files,
                    src,
                    buf,
                    name=name,
                    address_key=self._keys.address,
                    expect_address=address,
                )
            except OSError as e:
                raise StoreError(f'cannot read "{name}": {e.strerror}') from None
        return buf.getvalue()
