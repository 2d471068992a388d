"""The organisation the app serves. Its default profile ships in
`resources/organisation.json`, taken from its privacy notice (CONNEQT LLC);
letters are built from this data.

An access response must repeat much of the notice: the purposes, the
categories of personal data, the recipients, the retention period, the
sources, transfers and any automated decision-making (GDPR Art 15(1)-(2));
a CCPA request to know asks for the categories, sources, purposes and the
categories of third parties (Cal. Civ. Code §1798.110(a)). So the profile
keeps those as lists, not prose.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.validation import clean_email, clean_text, shown

__all__ = ["LIST_FIELDS", "Organisation", "Purpose"]

_MAX_TEXT = 2000


@dataclass(frozen=True)
class Purpose:
    """What personal information is used for, and the reason the law
    accepts for it (GDPR Art 6(1); Art 13(1)(c))."""

    purpose: str
    lawful_basis: str


@dataclass(frozen=True)
class Organisation:
    name: str
    address: str
    dpo_name: str
    dpo_email: str
    support_email: str
    # The day of receipt is the date at the controller (spec/deadlines.md,
    # "Counting"): the time zone of its principal office. The store counts
    # with the `timezone` setting (domain/settings.py), which the DPO edits.
    timezone: str
    # Where a requester may complain (GDPR Art 77; Art 15(1)(f)). Empty:
    # not stated in the notice; letters must not invent one.
    supervisory_authority: str = ""
    categories: tuple[str, ...] = ()  # categories of personal information collected
    # Categories disclosed for a business purpose in the preceding 12 months
    # (Cal. Civ. Code §1798.115(a)(3)).
    disclosed_categories: tuple[str, ...] = ()
    purposes: tuple[Purpose, ...] = ()
    recipients: tuple[str, ...] = ()  # categories of recipients / third parties
    retention: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    transfers: tuple[str, ...] = ()  # outside the EEA / UK, and safeguards
    automated_decisions: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, object], *, strict: bool = False) -> Organisation:
        """A profile from JSON values. ``strict`` (a file someone edited)
        refuses keys it does not know, so a misspelt key is not silently
        dropped; keys starting with ``_`` are comments. Otherwise (the
        store's copy) unknown keys are ignored."""
        if not isinstance(data, Mapping):
            raise DomainError("the organisation profile must be a JSON object")
        if strict:
            known = {f.name for f in fields(cls)}
            extra = sorted(k for k in data if not str(k).startswith("_") and k not in known)
            if extra:
                raise DomainError(
                    f"the organisation profile has an unknown key '{shown(str(extra[0]), 40)}'; "
                    f"the keys are: {', '.join(sorted(known))}"
                )
        values: dict[str, object] = {}
        for name in _REQUIRED:
            v = data.get(name)
            if v is not None and not isinstance(v, str):
                raise DomainError(f"the organisation profile's '{name}' must be text")
            if not isinstance(v, str) or not v.strip():
                raise DomainError(f"the organisation profile lacks '{name}'")
            values[name] = _text(v, name)
        for name in ("dpo_email", "support_email"):
            values[name] = clean_email(str(values[name]))
        try:
            ZoneInfo(str(values["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise DomainError(f"unknown time zone '{shown(str(values['timezone']))}'") from None
        authority = data.get("supervisory_authority", "")
        if not isinstance(authority, str):
            raise DomainError("the organisation profile's 'supervisory_authority' must be text")
        values["supervisory_authority"] = (
            _text(authority, "supervisory_authority") if authority.strip() else ""
        )
        for name in LIST_FIELDS:
            values[name] = _texts(data.get(name, []), name)
        values["purposes"] = _purposes(data.get("purposes", []))
        return cls(**values)  # type: ignore[arg-type]

    def to_mapping(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "purposes":
                out[f.name] = [
                    {"purpose": p.purpose, "lawful_basis": p.lawful_basis} for p in value
                ]
            elif isinstance(value, tuple):
                out[f.name] = list(value)
            else:
                out[f.name] = value
        return out


_REQUIRED = ("name", "address", "dpo_name", "dpo_email", "support_email", "timezone")
# The lists of plain texts (purposes are pairs).
LIST_FIELDS = (
    "categories",
    "disclosed_categories",
    "recipients",
    "retention",
    "sources",
    "transfers",
    "automated_decisions",
)


def _text(value: str, name: str, item: str = "") -> str:
    return clean_text(value, f"the organisation profile's '{name}'{item}", max_len=_MAX_TEXT)


def _texts(value: object, name: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise DomainError(f"the organisation profile's '{name}' must be a list of texts")
    out = []
    for i, item in enumerate(value, start=1):
        if not isinstance(item, str):
            raise DomainError(f"the organisation profile's '{name}' item {i} is not text")
        out.append(_text(item, name, f" item {i}"))
    return tuple(out)


def _purposes(value: object) -> tuple[Purpose, ...]:
    if not isinstance(value, list | tuple):
        raise DomainError(
            "the organisation profile's 'purposes' must be a list of "
            '{"purpose": ..., "lawful_basis": ...}'
        )
    out = []
    for i, item in enumerate(value, start=1):
        if isinstance(item, Purpose):
            item = {"purpose": item.purpose, "lawful_basis": item.lawful_basis}
        if not isinstance(item, Mapping):
            raise DomainError(f"the organisation profile's 'purposes' item {i} is not an object")
        parts = []
        for key in ("purpose", "lawful_basis"):
            v = item.get(key)
            if not isinstance(v, str) or not v.strip():
                raise DomainError(f"the organisation profile's 'purposes' item {i} lacks '{key}'")
            parts.append(_text(v, "purposes", f" item {i} '{key}'"))
        out.append(Purpose(*parts))
    return tuple(out)
