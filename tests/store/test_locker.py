"""The evidence locker (store/locker.py): files stored encrypted under their
keyed address, deduplicated, checked on every read; exports that leave
nothing behind when a check fails; hostile file names made safe."""

from __future__ import annotations

import errno
import io
import os
import stat
import time
from pathlib import Path

import pytest

from conneqt_dpo.store.crypto import HEADER_BYTES, IntegrityError, Subkeys, new_master_key
from conneqt_dpo.store.errors import NotFound, StoreError
from conneqt_dpo.store.locker import TEMP_PREFIX, TEMP_SUFFIX, Locker, safe_name

SCAN = b"%PDF-1.7 passport of MARKER-7f3a " * 1000


@pytest.fixture
def keys() -> Subkeys:
    return Subkeys.from_master(new_master_key())


@pytest.fixture
def locker(tmp_path: Path, keys: Subkeys) -> Locker:
    return Locker(tmp_path / "locker", keys, max_bytes=1 << 20)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# -- storing --------------------------------------------------------------------


def test_put_and_read_back(locker: Locker, tmp_path: Path) -> None:
    blob = locker.put(write(tmp_path / "scan.pdf", SCAN))
    assert blob.size == len(SCAN) and len(blob.address) == 64
    path = locker.path_of(blob.address)
    assert path == locker.root / blob.address[:2] / blob.address
    assert locker.exists(blob.address)
    assert locker.read_bytes(blob.address, name="scan.pdf") == SCAN
    # At rest: no plaintext, and nothing else left in the locker.
    raw = path.read_bytes()
    assert b"MARKER-7f3a" not in raw and b"passport" not in raw
    assert leftovers(locker.root) == [blob.address[:2]]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_locker_is_private(locker: Locker, tmp_path: Path) -> None:
    blob = locker.put(write(tmp_path / "scan.pdf", SCAN))
    assert stat.S_IMODE(locker.root.stat().st_mode) == 0o700
    assert stat.S_IMODE(locker.path_of(blob.address).parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(locker.path_of(blob.address).stat().st_mode) == 0o600


def test_put_from_a_stream(locker: Locker) -> None:
    blob = locker.put(io.BytesIO(b"a letter"))
    assert locker.read_bytes(blob.address, name="letter.txt") == b"a letter"


def test_same_content_is_stored_once(locker: Locker, tmp_path: Path) -> None:
    a = locker.put(write(tmp_path / "a.pdf", SCAN))
    before = locker.path_of(a.address).read_bytes()
    b = locker.put(write(tmp_path / "b.pdf", SCAN))
    assert a == b
    assert locker.path_of(a.address).read_bytes() == before  # the first copy kept
    assert leftovers(locker.root) == [a.address[:2]]
    assert leftovers(locker.root / a.address[:2]) == [a.address]


def test_a_damaged_copy_is_replaced_by_a_new_upload(locker: Locker, tmp_path: Path) -> None:
    a = locker.put(write(tmp_path / "a.pdf", SCAN))
    path = locker.path_of(a.address)
    damaged = bytearray(path.read_bytes())
    damaged[HEADER_BYTES + 3] ^= 0x01
    path.write_bytes(bytes(damaged))
    with pytest.raises(IntegrityError):
        locker.read_bytes(a.address, name="a.pdf")
    assert locker.put(write(tmp_path / "b.pdf", SCAN)) == a
    assert locker.read_bytes(a.address, name="a.pdf") == SCAN


def test_addresses_depend_on_the_key(tmp_path: Path, keys: Subkeys) -> None:
    one = Locker(tmp_path / "one", keys).put(io.BytesIO(SCAN))
    two = Locker(tmp_path / "two", Subkeys.from_master(new_master_key())).put(io.BytesIO(SCAN))
    assert one.address != two.address


def test_empty_file_is_refused(locker: Locker, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r'"empty.pdf" is empty; nothing was stored'):
        locker.put(write(tmp_path / "empty.pdf", b""))
    with pytest.raises(StoreError, match="is empty"):
        locker.put(io.BytesIO(b""))
    assert leftovers(locker.root) == []


def test_file_over_the_limit_is_refused(locker: Locker, tmp_path: Path) -> None:
    big = write(tmp_path / "big.pdf", b"x" * ((1 << 20) + 1))
    with pytest.raises(StoreError, match=r'"big.pdf" is 1,048,577 bytes, over the 1 MB limit') as e:
        locker.put(big)
    assert "\n" not in str(e.value)
    # A stream's size is only known while reading: refused part-way.
    with pytest.raises(StoreError, match="larger than the 1 MB limit"), big.open("rb") as f:
        locker.put(f)
    assert leftovers(locker.root) == []


def test_limit_message_in_megabytes(tmp_path: Path, keys: Subkeys) -> None:
    small = Locker(tmp_path / "l", keys, max_bytes=2 << 20)
    with pytest.raises(StoreError, match=r'"big.pdf" is 3 MB, over the 2 MB limit'):
        small.put(write(tmp_path / "big.pdf", b"x" * (3 << 20)))


def test_file_at_the_limit_is_accepted(locker: Locker, tmp_path: Path) -> None:
    blob = locker.put(write(tmp_path / "max.bin", b"z" * (1 << 20)))
    assert blob.size == 1 << 20


def test_unreadable_source_is_a_clear_error(locker: Locker, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot read"):
        locker.put(tmp_path / "nope.pdf")


# -- reading and exporting --------------------------------------------------------


def test_export_round_trip(locker: Locker, tmp_path: Path) -> None:
    blob = locker.put(write(tmp_path / "scan.pdf", SCAN))
    target = tmp_path / "out" / "scan.pdf"
    target.parent.mkdir()
    assert locker.export(blob.address, target, name="scan.pdf") == len(SCAN)
    assert target.read_bytes() == SCAN
    assert leftovers(target.parent) == ["scan.pdf"]


def test_export_refuses_to_overwrite(locker: Locker, tmp_path: Path) -> None:
    blob = locker.put(io.BytesIO(SCAN))
    target = write(tmp_path / "mine.pdf", b"keep me")
    with pytest.raises(StoreError, match="exists"):
        locker.export(blob.address, target, name="scan.pdf")
    assert target.read_bytes() == b"keep me"
    with pytest.raises(StoreError, match="does not exist"):
        locker.export(blob.address, tmp_path / "no-folder" / "x.pdf", name="scan.pdf")


@pytest.mark.parametrize("where", ["header", "first", "last", "truncate"])
def test_failed_export_leaves_nothing(
    locker: Locker, tmp_path: Path, keys: Subkeys, where: str
) -> None:
    # Several chunks, so the first one decrypts fine before the damage shows.
    data = os.urandom(3 * (1 << 20) + 5)
    big = Locker(tmp_path / "big", keys, max_bytes=10 << 20)
    blob = big.put(io.BytesIO(data))
    path = big.path_of(blob.address)
    raw = bytearray(path.read_bytes())
    if where == "truncate":
        del raw[-100:]
    else:
        raw[{"header": 10, "first": HEADER_BYTES + 1, "last": len(raw) - 1}[where]] ^= 0x40
    path.write_bytes(bytes(raw))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(IntegrityError, match=r'"Passport – Jane\.pdf" failed its integrity check'):
        big.export(blob.address, out / "jane.pdf", name="Passport – Jane.pdf")
    assert leftovers(out) == []


def test_content_under_the_wrong_address_is_caught(locker: Locker, tmp_path: Path) -> None:
    a = locker.put(io.BytesIO(b"letter one"))
    b = locker.put(io.BytesIO(b"letter two"))
    # Someone with file access swaps two stored files: each still decrypts,
    # but not to the content its address names.
    pa, pb = locker.path_of(a.address), locker.path_of(b.address)
    ra, rb = pa.read_bytes(), pb.read_bytes()
    pa.write_bytes(rb)
    pb.write_bytes(ra)
    with pytest.raises(IntegrityError, match="does not match its address"):
        locker.read_bytes(a.address, name="one.txt")
    out = tmp_path / "x"
    out.mkdir()
    with pytest.raises(IntegrityError):
        locker.export(b.address, out / "two.txt", name="two.txt")
    assert leftovers(out) == []


def test_missing_stored_file(locker: Locker, tmp_path: Path) -> None:
    address = "ab" + "0" * 62
    with pytest.raises(NotFound, match=r'"letter.pdf" is missing'):
        locker.read_bytes(address, name="letter.pdf")
    with pytest.raises(NotFound):
        locker.export(address, tmp_path / "letter.pdf", name="letter.pdf")
    assert not (tmp_path / "letter.pdf").exists()


@pytest.mark.parametrize(
    "address", ["", "../../etc/passwd", "AB" + "0" * 62, "ab" + "0" * 61, "ab/" + "0" * 61]
)
def test_addresses_are_checked(locker: Locker, address: str) -> None:
    with pytest.raises(StoreError, match="not a document address"):
        locker.path_of(address)


# -- removing and sweeping -------------------------------------------------------------


def test_remove_is_idempotent(locker: Locker) -> None:
    blob = locker.put(io.BytesIO(SCAN))
    assert locker.remove(blob.address) is True
    assert not locker.exists(blob.address)
    assert locker.remove(blob.address) is False


def test_sweep_removes_old_temp_files_only(locker: Locker) -> None:
    old = write(locker.root / f"{TEMP_PREFIX}killed{TEMP_SUFFIX}", b"half a file")
    fresh = write(locker.root / f"{TEMP_PREFIX}busy{TEMP_SUFFIX}", b"being written")
    other = write(locker.root / "notes.txt", b"not ours to remove")
    an_hour_ago = time.time() - 2 * 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert locker.sweep_temp() == 1
    assert not old.exists() and fresh.exists() and other.exists()
    assert locker.sweep_temp(older_than_s=0) == 1
    assert not fresh.exists() and other.exists()


def test_killed_put_leaves_only_a_temp_file(
    locker: Locker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash between writing and renaming: no file under an address, and
    the temporary file is swept."""

    def killed(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        locker.put(io.BytesIO(SCAN))
    monkeypatch.undo()
    assert [p for p in locker.root.rglob("*") if p.is_file()] == []  # cleaned on the way out
    # Had the process died outright the temp file would remain; sweep handles it.
    write(locker.root / f"{TEMP_PREFIX}x{TEMP_SUFFIX}", b"")
    assert locker.sweep_temp(older_than_s=0) == 1


def test_repr_shows_no_keys(locker: Locker, keys: Subkeys) -> None:
    assert keys.files.hex() not in repr(locker) and "Locker(" in repr(locker)


# -- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("a\\b", "b"),
        ("C:\\Users\\jane\\Passport.pdf", "Passport.pdf"),
        ("\x00evil\n.pdf", "evil.pdf"),
        ("Passport  .pdf", "Passport.pdf"),
        ("ID\tscan   front.jpg", "ID scan front.jpg"),
        ("  spaced  ", "spaced"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ('what?<is>:this|"*.pdf', "what__is__this___.pdf"),
        ("CON.txt", "_CON.txt"),
        ("report.", "report"),
        ("Überweisung März.pdf", "Überweisung März.pdf"),
        (".bashrc", ".bashrc"),
    ],
)
def test_safe_name(given: str, expected: str) -> None:
    assert safe_name(given) == expected


@pytest.mark.parametrize("given", ["", "..", ".", "   ", "\x00\x01", "a/..", "dir/", "...", "\n"])
def test_unusable_names_are_refused(given: str) -> None:
    with pytest.raises(StoreError, match="not a usable file name") as e:
        safe_name(given)
    assert "\n" not in str(e.value)


def test_long_names_keep_the_extension() -> None:
    name = "x" * 500 + ".pdf"
    safe = safe_name(name)
    assert len(safe) == 200 and safe.endswith(".pdf")
    assert safe_name("y" * 500) == "y" * 200
    wide = safe_name("測" * 300 + ".jpeg")
    assert wide.endswith(".jpeg") and len(wide.encode()) <= 240
    assert len(safe_name("a." + "b" * 300)) == 200  # a 300-char "extension" is not one
    with pytest.raises(StoreError) as e:
        safe_name("/" * 500)
    assert len(str(e.value)) < 200


def test_disk_full_is_a_clear_error(locker: Locker, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(_: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(StoreError, match="cannot store the file: No space left on device"):
        locker.put(io.BytesIO(SCAN))
    monkeypatch.undo()
    assert [p for p in locker.root.rglob("*") if p.is_file()] == []
