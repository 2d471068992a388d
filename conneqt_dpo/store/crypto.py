"""The store's keys and the encrypted-file format of the evidence locker.

One random master key; every use gets its own subkey (HKDF, RFC 5869), so
that a key in one place (the SQLCipher store, the files, the file addresses,
the keyed audit chain) says nothing about the others.

A stored file is a header and a sequence of AES-256-GCM chunks, after the
STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár, "Online
Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", CRYPTO
2015), laid out like Tink's AES-GCM-HKDF streaming AEAD:

    header  = b"CDPOLK" | version (1 byte) | chunk size (4 bytes, big-endian)
              | salt (32 random bytes)
    chunk i = AES-256-GCM(file key, nonce_i, plaintext_i, aad=header)
    file key = HKDF-SHA256(files key, salt, info=b"conneqt-dpo/v1/file")
    nonce_i  = i as 11 bytes big-endian | 1 if last chunk else 0

Each chunk's index and the last-chunk flag are in its nonce, so reordering,
dropping the last chunk or appending one breaks a tag; the header is every
chunk's associated data, so it cannot be changed either. The nonce needs no
random part because the key is new for every file (a 256-bit random salt),
which is what NIST SP 800-38D §8.2.1 asks: a deterministic IV never repeats
under one key. Memory holds a few chunks at a time whatever the file's size.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from conneqt_dpo.store.errors import StoreError

MASTER_KEY_BYTES = 32
SUBKEY_BYTES = 32

MAGIC = b"CDPOLK"
FORMAT_VERSION = 1
SALT_BYTES = 32
HEADER_BYTES = len(MAGIC) + 1 + 4 + SALT_BYTES
TAG_BYTES = 16
DEFAULT_CHUNK = 1 << 20
# A header is read before it is authenticated: a forged chunk size must not
# make the reader allocate gigabytes.
MAX_CHUNK = 1 << 26
_COUNTER_BYTES = 11
_MAX_CHUNKS = 1 << (8 * _COUNTER_BYTES)
_FILE_KEY_INFO = b"conneqt-dpo/v1/file"
_MIB = 1024 * 1024

_INFO = {
    "store": b"conneqt-dpo/v1/store",
    "files": b"conneqt-dpo/v1/files",
    "address": b"conneqt-dpo/v1/address",
    "audit": b"conneqt-dpo/v1/audit",
}


class IntegrityError(StoreError):
    """A stored file (or the key material) does not authenticate: it was
    damaged, altered, cut short, or belongs to another key. Nothing of it
    was used."""

    @classmethod
    def for_document(cls, name: str, why: str = "") -> IntegrityError:
        detail = f" ({why})" if why else ""
        return cls(
            f'"{name}" failed its integrity check{detail}: it is damaged, was altered, '
            "or was stored under another key; none of it was used"
        )


class TooLarge(StoreError):
    """The input is over the size limit; nothing was stored."""

    def __init__(self, limit: int, what: str = "the file") -> None:
        super().__init__(f"{what} is larger than the {megabytes(limit)} limit; nothing was stored")
        self.limit = limit


def _hkdf(key: bytes, *, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=SUBKEY_BYTES, salt=salt, info=info).derive(key)


@dataclass(frozen=True)
class Subkeys:
    """The four keys derived from the master key. The fields are left out of
    the repr so that a log line or a crash report never carries a key."""

    store: bytes = field(repr=False)
    files: bytes = field(repr=False)
    address: bytes = field(repr=False)
    audit: bytes = field(repr=False)

    def __post_init__(self) -> None:
        for name in _INFO:
            if len(getattr(self, name)) != SUBKEY_BYTES:
                raise ValueError(f"the {name} key must be {SUBKEY_BYTES} bytes")

    @classmethod
    def from_master(cls, master: bytes) -> Subkeys:
        if len(master) != MASTER_KEY_BYTES:
            raise ValueError(f"the master key must be {MASTER_KEY_BYTES} bytes")
        # No salt: the master key is uniformly random already, where RFC 5869
        # §3.1 says HKDF needs none; the distinct info labels separate the uses.
        return cls(**{name: _hkdf(master, info=info) for name, info in _INFO.items()})

    def store_pragma_key(self) -> str:
        """The store key as SQLCipher's raw-key literal (used as is, with no
        passphrase derivation on each connection): x'<64 hex digits>'."""
        return f"x'{self.store.hex()}'"


def new_master_key() -> bytes:
    return secrets.token_bytes(MASTER_KEY_BYTES)


def megabytes(n: int) -> str:
    """A size for a message: '100 MB', '2.5 MB', or bytes below one MB."""
    if n < _MIB:
        return f"{n:,} bytes"
    return f"{n / _MIB:.1f}".removesuffix(".0") + " MB"


@dataclass(frozen=True)
class EncryptResult:
    size: int  # plaintext bytes
    address: str | None  # HMAC-SHA256(address key, plaintext), hex, when asked for


def _nonce(index: int, last: bool) -> bytes:
    if index >= _MAX_CHUNKS:  # unreachable in practice (2^88 chunks)
        raise ValueError("too many chunks for one file")
    return index.to_bytes(_COUNTER_BYTES, "big") + (b"\x01" if last else b"\x00")


def _read_full(src: BinaryIO, n: int) -> bytes:
    """Up to n bytes, fewer only at the end of the stream (a raw or piped
    stream may return short reads in the middle)."""
    data = src.read(n)
    if len(data) == n or not data:
        return data
    parts = [data]
    got = len(data)
    while got < n:
        more = src.read(n - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def _address_mac(address_key: bytes | None) -> hmac.HMAC | None:
    if address_key is None:
        return None
    # Keyed, never plain SHA-256: a plain hash would let anyone holding a
    # copy of a known file confirm that it is stored here.
    return hmac.new(address_key, digestmod=hashlib.sha256)


def encrypt_stream(
    files_key: bytes,
    src: BinaryIO,
    dst: BinaryIO,
    *,
    chunk_size: int = DEFAULT_CHUNK,
    address_key: bytes | None = None,
    max_bytes: int | None = None,
) -> EncryptResult:
    """Encrypt src into dst, one chunk in memory at a time. Input larger than
    max_bytes raises TooLarge part-way; dst then holds a fragment that
    does not decrypt (no final chunk) and the caller throws it away."""
    if not 0 < chunk_size <= MAX_CHUNK:
        raise ValueError(f"chunk_size must be between 1 and {MAX_CHUNK}")
    if len(files_key) != SUBKEY_BYTES:
        raise ValueError(f"the files key must be {SUBKEY_BYTES} bytes")
    salt = os.urandom(SALT_BYTES)
    header = MAGIC + bytes([FORMAT_VERSION]) + chunk_size.to_bytes(4, "big") + salt
    aead = AESGCM(_hkdf(files_key, salt=salt, info=_FILE_KEY_INFO))
    mac = _address_mac(address_key)
    dst.write(header)
    size = 0
    index = 0
    chunk = _read_full(src, chunk_size)
    while True:
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise TooLarge(max_bytes)
        # Read one chunk ahead: only then is it known whether this one is last
        # (an input that is an exact multiple of chunk_size ends on a full chunk).
        following = _read_full(src, chunk_size) if len(chunk) == chunk_size else b""
        last = not following
        if mac is not None:
            mac.update(chunk)
        dst.write(aead.encrypt(_nonce(index, last), chunk, header))
        if last:
            break
        chunk = following
        index += 1
    return EncryptResult(size, mac.hexdigest() if mac is not None else None)


def decrypt_stream(
    files_key: bytes,
    src: BinaryIO,
    dst: BinaryIO,
    *,
    name: str,
    address_key: bytes | None = None,
    expect_address: str | None = None,
) -> int:
    """Decrypt src into dst and return the plaintext size. Each chunk is
    authenticated before it is written, but a cut-off end only shows at the
    end: what dst holds is to be trusted only once this returns; on
    IntegrityError the caller discards it (Locker.export writes to a
    temporary file and removes it)."""
    if expect_address is not None and address_key is None:
        raise ValueError("expect_address needs the address key")
    if len(files_key) != SUBKEY_BYTES:
        raise ValueError(f"the files key must be {SUBKEY_BYTES} bytes")
    header = _read_full(src, HEADER_BYTES)
    if len(header) < HEADER_BYTES:
        raise IntegrityError.for_document(name, "cut short")
    if header[: len(MAGIC)] != MAGIC:
        raise IntegrityError.for_document(name, "not a conneqt-dpo locker file")
    version = header[len(MAGIC)]
    if version != FORMAT_VERSION:
        raise IntegrityError.for_document(name, f"unknown format version {version}")
    chunk_size = int.from_bytes(header[len(MAGIC) + 1 : len(MAGIC) + 5], "big")
    if not 0 < chunk_size <= MAX_CHUNK:
        raise IntegrityError.for_document(name, "impossible chunk size")
    salt = header[len(MAGIC) + 5 :]
    aead = AESGCM(_hkdf(files_key, salt=salt, info=_FILE_KEY_INFO))
    mac = _address_mac(address_key)
    block = chunk_size + TAG_BYTES
    size = 0
    index = 0
    sealed = _read_full(src, block)
    while True:
        if len(sealed) < TAG_BYTES:
            raise IntegrityError.for_document(name, "cut short")
        following = _read_full(src, block) if len(sealed) == block else b""
        last = not following
        try:
            chunk = aead.decrypt(_nonce(index, last), sealed, header)
        except InvalidTag:
            raise IntegrityError.for_document(name) from None
        if mac is not None:
            mac.update(chunk)
        dst.write(chunk)
        size += len(chunk)
        if last:
            break
        sealed = following
        index += 1
    if (
        expect_address is not None
        and mac is not None
        and not hmac.compare_digest(mac.hexdigest(), expect_address.lower())
    ):
        raise IntegrityError.for_document(name, "its content does not match its address")
    return size
