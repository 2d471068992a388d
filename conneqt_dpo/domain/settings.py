"""The organisation's settings, declared once: each field with its type,
default, label and help (the settings form and `conneqt-dpo settings show`
are built from this declaration), validated on construction.

The store keeps one JSON value per key; a key this version does not know
is ignored and a value it cannot read falls back to its default, so a store
written by another version still opens (the upgrade path).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from conneqt_dpo.domain import calendars as holiday_calendars
from conneqt_dpo.domain import regimes
from conneqt_dpo.domain.deadlines import DeadlineSettings
from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.validation import clean_text, shown

__all__ = [
    "SETTINGS_FIELDS",
    "SettingField",
    "Settings",
    "format_setting",
    "parse_setting",
]


def _meta(
    label: str,
    help: str,
    minimum: int | None = None,
    maximum: int | None = None,
    choices: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "label": label,
        "help": help,
        "minimum": minimum,
        "maximum": maximum,
        "choices": choices,
    }


_NO_CALENDARS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class Settings:
    """What the DPO or an admin may change. Defaults fit CONNEQT LLC (its
    principal office is in Fort Lauderdale)."""

    timezone: str = field(
        default="America/New_York",
        metadata=_meta(
            "Time zone",
            "The organisation's time zone (IANA name): the day a request is received is the date "
            'there (spec/deadlines.md, "Counting").',
        ),
    )
    eu_member_state: str | None = field(
        default=None,
        metadata=_meta(
            "EU member state",
            "The EU member state whose public holidays roll EU GDPR deadlines over (Reg 1182/71 "
            "Art 3(4), by analogy), e.g. IE; empty: weekends only.",
            choices=holiday_calendars.EU_MEMBER_STATES,
        ),
    )
    calendars: Mapping[str, str] = field(
        default_factory=lambda: _NO_CALENDARS,
        hash=False,
        metadata=_meta(
            "Holiday calendars",
            "A holiday calendar per regime (regime=CODE, e.g. ccpa=US-CA); a regime not named uses "
            "its default (EU GDPR: the member state above).",
            choices=holiday_calendars.CALENDAR_CODES,
        ),
    )
    target_working_days: int = field(
        default=5,
        metadata=_meta(
            "Internal target (working days)",
            "Staff aim to respond this many working days before the statutory date.",
            0,
            366,
        ),
    )
    due_soon_days: int = field(
        default=7,
        metadata=_meta(
            "Due soon (days)",
            "A case due within this many calendar days is shown as due soon.",
            0,
            366,
        ),
    )
    reminder_working_days: int = field(
        default=3,
        metadata=_meta(
            "Reminder (working days)",
            "Remind about open cases due within this many working days.",
            0,
            366,
        ),
    )
    identity_wait_days: int = field(
        default=30,
        metadata=_meta(
            "Identity wait (days)",
            "Flag a case still awaiting identity this many days after identity was requested.",
            1,
            366,
        ),
    )
    retention_years: int = field(
        default=6,
        metadata=_meta(
            "Keep closed cases (years)",
            "Closed cases under a regime without its own period below are kept this many years, "
            "then purged by `conneqt-dpo purge` (a legal hold keeps a case).",
            1,
            100,
        ),
    )
    retention_months_ccpa: int = field(
        default=24,
        metadata=_meta(
            "Keep closed CCPA cases (months)",
            "The CCPA asks for records of requests and responses for at least 24 months "
            "(11 CCR §7101(a)).",
            24,
            1200,
        ),
    )
    retention_months_hipaa: int = field(
        default=72,
        metadata=_meta(
            "Keep closed HIPAA cases (months)",
            "HIPAA documentation is kept six years (45 CFR 164.530(j)(2)).",
            72,
            1200,
        ),
    )
    identity_purge_days: int = field(
        default=30,
        metadata=_meta(
            "Purge identity documents after (days)",
            "Identity documents are purged this many days after the verification decision "
            "(a tombstone stays); signed declarations are records and stay with the case.",
            0,
            3650,
        ),
    )
    max_document_mb: int = field(
        default=100,
        metadata=_meta(
            "Largest document (MB)",
            "A file larger than this is refused when attached.",
            1,
            4096,
        ),
    )
    backup_folder: str | None = field(
        default=None,
        metadata=_meta(
            "Backup folder",
            "Where backups are written (a full path); empty: the data folder's backups/.",
        ),
    )

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.type == "int":
                _check_int(f.name, getattr(self, f.name), f.metadata)
        set_ = object.__setattr__
        set_(self, "timezone", _check_timezone(self.timezone))
        set_(self, "eu_member_state", _check_member_state(self.eu_member_state))
        set_(self, "calendars", _check_calendars(self.calendars))
        set_(self, "backup_folder", _check_folder(self.backup_folder))

    # -- what the store and the engine use ----------------------------------

    def calendar_for(self, regime: str) -> str:
        """The holiday calendar code a case under ``regime`` rolls over when
        it names none itself: the override, else (EU GDPR) the member state,
        else the regime's default."""
        code = self.calendars.get(regime)
        if code:
            return code
        if regime == "eu-gdpr" and self.eu_member_state:
            return self.eu_member_state
        return regimes.get_regime(regime).default_calendar

    def retention_months(self, regime: str) -> int:
        """How long a closed case under ``regime`` is kept."""
        if regime == "ccpa":
            return self.retention_months_ccpa
        if regime == "hipaa":
            return self.retention_months_hipaa
        return self.retention_years * 12

    def deadline_settings(self) -> DeadlineSettings:
        return DeadlineSettings(self.target_working_days, self.due_soon_days)

    # -- as JSON ---------------------------------------------------------

    @classmethod
    def from_mapping(cls, data: Mapping[str, object], *, lenient: bool = False) -> Settings:
        """Settings from JSON values; missing keys take their defaults and
        unknown keys are ignored. ``lenient`` (reading the store): a value
        that does not validate takes its default instead of raising."""
        if not isinstance(data, Mapping):
            raise DomainError("the settings must be a JSON object")
        values: dict[str, object] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            try:
                value = _from_json(f.name, f.type, data[f.name])
                cls(**{f.name: value})  # type: ignore[arg-type]  # validate this one
            except DomainError:
                if lenient:
                    continue
                raise
            values[f.name] = value
        return cls(**values)  # type: ignore[arg-type]

    def to_mapping(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = dict(value) if isinstance(value, Mapping) else value
        return out

    def replace(self, **changes: object) -> Settings:
        """A copy with ``changes`` (JSON values or typed ones), validated;
        an unknown name is refused."""
        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:
            raise DomainError(
                f"unknown setting '{shown(unknown[0], 40)}'; the settings are: "
                f"{', '.join(f.name for f in fields(self))}"
            )
        return Settings.from_mapping({**self.to_mapping(), **changes})


@dataclass(frozen=True)
class SettingField:
    """One setting as a form or the CLI shows it. ``type`` is the field's
    declared type: ``int``, ``str``, ``str | None`` or ``Mapping[str, str]``
    (regime -> calendar code)."""

    name: str
    type: str
    label: str
    help: str
    default: object
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()  # the codes a value may take (empty: free text)


def _field(name: str) -> SettingField:
    f = _BY_NAME.get(name)
    if f is None:
        raise DomainError(
            f"unknown setting '{shown(name, 40)}'; the settings are: {', '.join(_BY_NAME)}"
        )
    return f


def parse_setting(name: str, text: str) -> object:
    """A value typed as text (the CLI's `settings set KEY VALUE`) as the
    setting's type: a whole number; `none` or nothing for an empty optional
    value; calendars as `REGIME=CODE` pairs separated by commas (the whole
    mapping; `none` clears it)."""
    f = _field(name)
    text = text.strip()
    empty = text.lower() in ("", "none", "-")
    if f.type == "int":
        try:
            return int(text)
        except ValueError:
            raise DomainError(f"{name} takes a whole number, not '{shown(text, 40)}'") from None
    if f.type == "str | None":
        return None if empty else text
    if f.type == "Mapping[str, str]":
        if empty:
            return {}
        out: dict[str, str] = {}
        for pair in text.split(","):
            regime, sep, code = pair.partition("=")
            if not sep or not regime.strip() or not code.strip():
                raise DomainError(
                    f"{name} takes REGIME=CODE pairs separated by commas "
                    f"(e.g. ccpa=US-CA), not '{shown(pair.strip(), 40)}'"
                )
            out[regime.strip()] = code.strip()
        return out
    return text


def format_setting(settings: Settings, name: str) -> str:
    """A setting's value in words, for `settings show` and forms."""
    value = getattr(settings, _field(name).name)
    if value is None:
        return "(none)"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "(regime defaults)"
    return str(value)


# -- checks ------------------------------------------------------------------


def _from_json(name: str, type_: object, value: object) -> object:
    """Check a JSON value has the field's type (int, str, str | None, or an
    object of strings)."""
    if type_ == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise DomainError(f"{name} must be a whole number, not {shown(repr(value), 40)}")
        return value
    if type_ == "Mapping[str, str]":
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise DomainError(f"{name} must map regime codes to calendar codes")
        return value
    if value is None and type_ == "str | None":
        return None
    if not isinstance(value, str):
        raise DomainError(f"{name} must be text, not {shown(repr(value), 40)}")
    return value


def _check_int(name: str, value: object, meta: Mapping[str, Any]) -> None:
    lo, hi = meta["minimum"], meta["maximum"]
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise DomainError(f"{name} must be a whole number from {lo} to {hi}, not {value!r}")


def _check_timezone(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DomainError("the time zone is empty")
    key = value.strip()
    try:
        ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(
            f"unknown time zone '{shown(key, 60)}' (use an IANA name like America/New_York)"
        ) from None
    return key


def _check_member_state(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise DomainError("the EU member state must be a country code like IE")
    code = value.strip().upper()
    if not code:
        return None
    if code not in holiday_calendars.EU_MEMBER_STATES:
        raise DomainError(
            f"'{shown(value, 20)}' is not an EU member state; use one of: "
            f"{', '.join(holiday_calendars.EU_MEMBER_STATES)}"
        )
    return code


def _check_calendars(value: object) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise DomainError("calendars must map regime codes to calendar codes")
    out: dict[str, str] = {}
    for regime, code in value.items():
        if not isinstance(regime, str) or not isinstance(code, str):
            raise DomainError("calendars must map regime codes to calendar codes")
        reg = regimes.get_regime(regime.strip())
        out[reg.code] = holiday_calendars.get_calendar(code).code
    return MappingProxyType(dict(sorted(out.items())))


def _check_folder(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise DomainError("the backup folder must be a path")
    if not value.strip():
        return None
    text = clean_text(value, "the backup folder", max_len=1000)
    # A full path: a relative one would depend on where the app was started.
    if not (text.startswith("/") or text.startswith("\\\\") or text[1:3] in (":\\", ":/")):
        raise DomainError(
            f"the backup folder must be a full path (like /home/dana/backups), "
            f"not '{shown(text, 60)}'"
        )
    return text


# Built after the checks above: building it constructs the defaults.
def _default(name: str) -> object:
    value = getattr(Settings(), name)
    return dict(value) if isinstance(value, Mapping) else value


SETTINGS_FIELDS: tuple[SettingField, ...] = tuple(
    SettingField(
        name=f.name,
        type=str(f.type),
        label=f.metadata["label"],
        help=f.metadata["help"],
        default=_default(f.name),
        minimum=f.metadata["minimum"],
        maximum=f.metadata["maximum"],
        choices=f.metadata["choices"],
    )
    for f in fields(Settings)
)
_BY_NAME = {f.name: f for f in SETTINGS_FIELDS}
