"""Checks on what people type: names, emails, phones, free text."""

from __future__ import annotations

import re
import unicodedata

from conneqt_dpo.domain.errors import DomainError

# Deliberately simple: one @, no spaces, a dot in the domain. Delivery is
# what proves an address; this only catches typing mistakes.
_EMAIL = re.compile(
    r"^[^@\s<>()\[\],;:\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}$"
)
_PHONE = re.compile(r"^\+?[0-9 ()./-]{3,32}(?:\s*(?:x|ext\.?)\s*[0-9]{1,6})?$")
_LOGIN = re.compile(r"^[a-z][a-z0-9._-]{0,63}$")


# Format characters that real names and texts need: the zero-width
# non-joiner and joiner (Persian, Indic scripts; emoji sequences).
_JOINERS = {"\u200c", "\u200d"}


def _has_controls(text: str, *, allow_newlines: bool = False) -> bool:
    for ch in text:
        if (allow_newlines and ch in "\n\t") or ch in _JOINERS:
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            return True
    return False


def shown(value: str, limit: int = 80) -> str:
    """A value as an error message may repeat it: shortened, and with
    control and invisible characters made visible, so a message never
    clears a terminal or reverses its text."""
    out = []
    for ch in value[:limit]:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in _JOINERS:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out) + ("…" if len(value) > limit else "")


def clean_text(value: str, what: str, *, max_len: int, multiline: bool = False) -> str:
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise DomainError(f"{what} is empty")
    if len(text) > max_len:
        raise DomainError(f"{what} is longer than {max_len} characters")
    if _has_controls(text, allow_newlines=multiline):
        raise DomainError(f"{what} contains control or invisible characters")
    return text


def clean_name(value: str) -> str:
    return clean_text(value, "the name", max_len=200)


def clean_email(value: str) -> str:
    text = value.strip()
    if len(text) > 254 or not _EMAIL.match(text) or _has_controls(text):
        raise DomainError(f"'{shown(value)}' is not an email address")
    return text


def clean_phone(value: str) -> str:
    text = value.strip()
    if not _PHONE.match(text):
        raise DomainError(f"'{shown(value, 40)}' is not a phone number")
    return text


def clean_login(value: str) -> str:
    text = value.strip()
    if not _LOGIN.match(text):
        raise DomainError(
            f"'{shown(value, 40)}' is not a valid login (lower-case letters, digits, . _ -)"
        )
    return text
