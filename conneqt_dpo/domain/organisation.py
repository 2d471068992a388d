"""The organisation the app serves. Its default profile ships in
`resources/organisation.json`, taken from its privacy notice (CONNEQT LLC);
letters are built from this data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from conneqt_dpo.domain.errors import DomainError


@dataclass(frozen=True)
class Organisation:
    name: str
    address: str
    dpo_name: str
    dpo_email: str
    support_email: str
    # The day of receipt is the date at the controller (spec/deadlines.md,
    # "Counting"): the time zone of its principal office.
    timezone: str

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Organisation:
        values = {}
        for f in fields(cls):
            v = data.get(f.name)
            if not isinstance(v, str) or not v.strip():
                raise DomainError(f"the organisation profile lacks '{f.name}'")
            values[f.name] = v.strip()
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise DomainError(f"unknown time zone '{values['timezone']}'") from None
        return cls(**values)
