"""The locker's file format (store/crypto.py): round trips at every size
boundary, every way of tampering caught with a message naming the document,
keyed addresses, the size limit, and the subkeys."""

from __future__ import annotations

import hashlib
import io
import os

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from conneqt_dpo.store import crypto
from conneqt_dpo.store.crypto import (
    HEADER_BYTES,
    MASTER_KEY_BYTES,
    TAG_BYTES,
    IntegrityError,
    Subkeys,
    TooLarge,
    decrypt_stream,
    encrypt_stream,
    new_master_key,
)
from conneqt_dpo.store.errors import StoreError

CHUNK = 64
NAME = "passport-scan.pdf"


@pytest.fixture(scope="module")
def keys() -> Subkeys:
    return Subkeys.from_master(bytes(range(MASTER_KEY_BYTES)))


def seal(keys: Subkeys, data: bytes, chunk: int = CHUNK) -> tuple[bytes, str]:
    out = io.BytesIO()
    res = encrypt_stream(
        keys.files, io.BytesIO(data), out, chunk_size=chunk, address_key=keys.address
    )
    assert res.size == len(data) and res.address is not None
    return out.getvalue(), res.address


def open_(keys: Subkeys, blob: bytes, address: str | None = None) -> bytes:
    out = io.BytesIO()
    n = decrypt_stream(
        keys.files,
        io.BytesIO(blob),
        out,
        name=NAME,
        address_key=keys.address,
        expect_address=address,
    )
    assert n == len(out.getvalue())
    return out.getvalue()


def chunks_of(blob: bytes, chunk: int = CHUNK) -> tuple[bytes, list[bytes]]:
    block = chunk + TAG_BYTES
    body = blob[HEADER_BYTES:]
    return blob[:HEADER_BYTES], [body[i : i + block] for i in range(0, len(body), block)]


def assert_integrity_error(keys: Subkeys, blob: bytes, address: str | None = None) -> None:
    with pytest.raises(IntegrityError) as e:
        open_(keys, blob, address)
    msg = str(e.value)
    assert NAME in msg and "failed its integrity check" in msg
    assert "\n" not in msg


@pytest.mark.parametrize(
    "size",
    [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 5 * CHUNK + 7, 1000],
)
def test_round_trip_at_every_boundary(keys: Subkeys, size: int) -> None:
    data = os.urandom(size)
    blob, address = seal(keys, data)
    full_chunks, rest = divmod(size, CHUNK)
    expected_chunks = max(1, full_chunks + (1 if rest else 0))
    assert len(blob) == HEADER_BYTES + size + expected_chunks * TAG_BYTES
    assert open_(keys, blob, address) == data


def test_default_chunk_size_round_trip(keys: Subkeys) -> None:
    data = os.urandom((1 << 20) + 3)
    out = io.BytesIO()
    encrypt_stream(keys.files, io.BytesIO(data), out)
    assert open_(keys, out.getvalue()) == data


def test_empty_input_is_one_final_chunk(keys: Subkeys) -> None:
    blob, _ = seal(keys, b"")
    assert len(blob) == HEADER_BYTES + TAG_BYTES
    assert open_(keys, blob) == b""


class ShortReads(io.RawIOBase):
    """A stream that hands out at most 7 bytes per read, like a pipe."""

    def __init__(self, data: bytes) -> None:
        self.inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        return self.inner.read(min(n, 7) if n >= 0 else 7)


def test_short_reads_give_the_same_plaintext(keys: Subkeys) -> None:
    data = os.urandom(3 * CHUNK + 5)
    out = io.BytesIO()
    res = encrypt_stream(
        keys.files,
        ShortReads(data),  # type: ignore[arg-type]
        out,
        chunk_size=CHUNK,
        address_key=keys.address,
    )
    back = io.BytesIO()
    decrypt_stream(
        keys.files,
        ShortReads(out.getvalue()),  # type: ignore[arg-type]
        back,
        name=NAME,
        address_key=keys.address,
        expect_address=res.address,
    )
    assert back.getvalue() == data


# -- tampering ------------------------------------------------------------------


def test_every_flipped_byte_is_caught(keys: Subkeys) -> None:
    blob, _ = seal(keys, os.urandom(2 * CHUNK + 10))
    for i in range(len(blob)):
        bad = bytearray(blob)
        bad[i] ^= 0x01
        assert_integrity_error(keys, bytes(bad))


def test_swapped_chunks_are_caught(keys: Subkeys) -> None:
    blob, _ = seal(keys, os.urandom(3 * CHUNK))
    header, parts = chunks_of(blob)
    assert len(parts) == 3
    assert_integrity_error(keys, header + parts[1] + parts[0] + parts[2])
    # Two full-size chunks swapped at the end: the last flag is caught too.
    assert_integrity_error(keys, header + parts[0] + parts[2] + parts[1])


def test_dropped_last_chunk_is_caught(keys: Subkeys) -> None:
    blob, _ = seal(keys, os.urandom(3 * CHUNK + 9))
    header, parts = chunks_of(blob)
    assert len(parts) == 4
    assert_integrity_error(keys, header + b"".join(parts[:-1]))  # exactly at a boundary
    assert_integrity_error(keys, blob[:-1])
    assert_integrity_error(keys, blob[: HEADER_BYTES + 5])


def test_dropped_middle_chunk_is_caught(keys: Subkeys) -> None:
    blob, _ = seal(keys, os.urandom(3 * CHUNK + 9))
    header, parts = chunks_of(blob)
    assert_integrity_error(keys, header + parts[0] + parts[2] + parts[3])


def test_extension_is_caught(keys: Subkeys) -> None:
    blob, _ = seal(keys, os.urandom(2 * CHUNK))
    _, parts = chunks_of(blob)
    assert_integrity_error(keys, blob + parts[0])
    assert_integrity_error(keys, blob + b"x")
    short, _ = seal(keys, b"short")
    assert_integrity_error(keys, short + b"\x00" * 3)


def test_chunk_from_another_file_is_caught(keys: Subkeys) -> None:
    data = os.urandom(2 * CHUNK)
    a, _ = seal(keys, data)
    b, _ = seal(keys, data)
    assert a != b  # a new salt, so a new key, for every file
    header_a, parts_a = chunks_of(a)
    _, parts_b = chunks_of(b)
    assert_integrity_error(keys, header_a + parts_a[0] + parts_b[1])


@pytest.mark.parametrize("cut", [0, 1, 6, 7, HEADER_BYTES - 1, HEADER_BYTES])
def test_short_header_is_caught(keys: Subkeys, cut: int) -> None:
    blob, _ = seal(keys, b"some letter")
    assert_integrity_error(keys, blob[:cut])


def test_foreign_file_and_unknown_version_are_caught(keys: Subkeys) -> None:
    assert_integrity_error(keys, b"%PDF-1.7\n" + os.urandom(200))
    blob, _ = seal(keys, b"letter")
    newer = bytearray(blob)
    newer[len(crypto.MAGIC)] = 2
    with pytest.raises(IntegrityError, match="version 2"):
        open_(keys, bytes(newer))


def test_forged_huge_chunk_size_is_refused_before_reading(keys: Subkeys) -> None:
    blob = bytearray(seal(keys, b"letter")[0])
    blob[len(crypto.MAGIC) + 1 : len(crypto.MAGIC) + 5] = (0xFFFFFFFF).to_bytes(4, "big")
    assert_integrity_error(keys, bytes(blob))


def test_wrong_key_is_caught(keys: Subkeys) -> None:
    blob, _ = seal(keys, b"ID scan")
    other = Subkeys.from_master(new_master_key())
    assert_integrity_error(other, blob)


def test_wrong_address_is_caught(keys: Subkeys) -> None:
    blob, _ = seal(keys, b"ID scan")
    _, other_address = seal(keys, b"another scan")
    assert_integrity_error(keys, blob, other_address)


def test_no_plaintext_of_a_failed_chunk_is_written(keys: Subkeys) -> None:
    data = b"A" * CHUNK + b"B" * CHUNK
    blob = bytearray(seal(keys, data)[0])
    blob[-1] ^= 0xFF  # the second (last) chunk's tag
    out = io.BytesIO()
    with pytest.raises(IntegrityError):
        decrypt_stream(keys.files, io.BytesIO(bytes(blob)), out, name=NAME)
    assert b"B" not in out.getvalue()


# -- addresses --------------------------------------------------------------------


def test_address_is_stable_keyed_and_not_sha256(keys: Subkeys) -> None:
    data = b"the same scan"
    blob1, a1 = seal(keys, data)
    blob2, a2 = seal(keys, data, chunk=7)
    assert a1 == a2 and blob1 != blob2
    assert len(a1) == 64 and int(a1, 16) >= 0
    assert a1 != hashlib.sha256(data).hexdigest()
    other = Subkeys.from_master(new_master_key())
    _, a3 = seal(other, data)
    assert a3 != a1
    assert seal(keys, data + b".")[1] != a1


def test_address_is_optional(keys: Subkeys) -> None:
    out = io.BytesIO()
    res = encrypt_stream(keys.files, io.BytesIO(b"x"), out)
    assert res.address is None
    with pytest.raises(ValueError, match="address key"):
        decrypt_stream(
            keys.files, io.BytesIO(out.getvalue()), io.BytesIO(), name=NAME, expect_address="00"
        )


# -- limits -------------------------------------------------------------------------


def test_input_over_the_limit_is_refused(keys: Subkeys) -> None:
    out = io.BytesIO()
    with pytest.raises(TooLarge, match=r"larger than the 1 MB limit") as e:
        encrypt_stream(
            keys.files,
            io.BytesIO(b"x" * ((1 << 20) + 1)),
            out,
            chunk_size=4096,
            max_bytes=1 << 20,
        )
    assert isinstance(e.value, StoreError)
    # What was written cannot pass for a file: it has no final chunk.
    with pytest.raises(IntegrityError):
        decrypt_stream(keys.files, io.BytesIO(out.getvalue()), io.BytesIO(), name=NAME)


def test_input_at_the_limit_is_accepted(keys: Subkeys) -> None:
    data = b"y" * 100
    out = io.BytesIO()
    res = encrypt_stream(keys.files, io.BytesIO(data), out, chunk_size=CHUNK, max_bytes=100)
    assert res.size == 100


def test_megabytes_reads_well() -> None:
    assert crypto.megabytes(100 * 1024 * 1024) == "100 MB"
    assert crypto.megabytes(int(2.5 * 1024 * 1024)) == "2.5 MB"
    assert crypto.megabytes(10) == "10 bytes"


def test_bad_chunk_size_is_a_bug(keys: Subkeys) -> None:
    for size in (0, -1, crypto.MAX_CHUNK + 1):
        with pytest.raises(ValueError):
            encrypt_stream(keys.files, io.BytesIO(b"x"), io.BytesIO(), chunk_size=size)


# -- keys ---------------------------------------------------------------------------


def test_subkeys_are_distinct_deterministic_and_hidden() -> None:
    master = new_master_key()
    assert len(master) == MASTER_KEY_BYTES and master != new_master_key()
    k = Subkeys.from_master(master)
    assert Subkeys.from_master(master) == k
    values = [k.store, k.files, k.address, k.audit]
    assert len(set(values)) == 4 and all(len(v) == 32 for v in values)
    assert master not in values
    text = repr(k) + str(k)
    for v in [*values, master]:
        assert v.hex() not in text and repr(v) not in text


def test_subkeys_pinned_derivation() -> None:
    """The derivation is part of the store format: a change would lock
    every existing store."""
    k = Subkeys.from_master(bytes(32))
    expected = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"conneqt-dpo/v1/store"
    ).derive(bytes(32))
    assert k.store == expected


def test_store_pragma_key_is_a_raw_key_literal() -> None:
    k = Subkeys.from_master(new_master_key())
    lit = k.store_pragma_key()
    assert lit == f"x'{k.store.hex()}'" and len(lit) == 67


def test_master_key_length_is_checked() -> None:
    with pytest.raises(ValueError):
        Subkeys.from_master(b"short")
