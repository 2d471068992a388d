"""Business-day calendars over the ``holidays`` package, and the counting
calculators that use them (calendar months, calendar days, business days).

A calendar decides which days are working days. It affects business-day
counts, the roll of a month-end to a working day and the internal target;
never a calendar-day count (deadlines.md, "Vocabulary").

Holiday names are computed one year at a time by ``holidays`` (slow: about a
millisecond a year) and kept for the life of the process, shared by every
calendar of the same country and subdivision, so a deadline computation only
does dictionary look-ups.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import holidays
from holidays.version import __version__ as _holidays_version

from conneqt_dpo.domain.errors import DomainError

__all__ = [
    "CALENDAR_CODES",
    "EU_MEMBER_STATES",
    "EU_MEMBER_STATE_NAMES",
    "HOLIDAYS_VERSION",
    "BusinessDays",
    "Calendar",
    "CalendarDays",
    "CalendarMonths",
    "Period",
    "add_months",
    "format_date",
    "format_day",
    "get_calendar",
]

HOLIDAYS_VERSION = f"holidays {_holidays_version}"

_ONE_DAY = dt.timedelta(days=1)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# EU member states by their ISO 3166 code, as the `holidays` package names
# them (Greece is GR there, not the EU's EL). Reg 1182/71 Art 2(1): the
# public holidays are those of the member state where the action is taken.
_EU_STATES: Mapping[str, str] = MappingProxyType(
    {
        "AT": "Austria",
        "BE": "Belgium",
        "BG": "Bulgaria",
        "HR": "Croatia",
        "CY": "Cyprus",
        "CZ": "Czechia",
        "DK": "Denmark",
        "EE": "Estonia",
        "FI": "Finland",
        "FR": "France",
        "DE": "Germany",
        "GR": "Greece",
        "HU": "Hungary",
        "IE": "Ireland",
        "IT": "Italy",
        "LV": "Latvia",
        "LT": "Lithuania",
        "LU": "Luxembourg",
        "MT": "Malta",
        "NL": "Netherlands",
        "PL": "Poland",
        "PT": "Portugal",
        "RO": "Romania",
        "SK": "Slovakia",
        "SI": "Slovenia",
        "ES": "Spain",
        "SE": "Sweden",
    }
)


@dataclass(frozen=True, slots=True)
class _Source:
    country: str | None
    subdiv: str | None
    label: str
    holiday_word: str


_SOURCES: Mapping[str, _Source] = MappingProxyType(
    {
        "NONE": _Source(None, None, "weekends only", "holiday"),
        "GB-ENG": _Source("GB", "ENG", "England and Wales bank holidays", "bank holiday"),
        "GB-SCT": _Source("GB", "SCT", "Scotland bank holidays", "bank holiday"),
        "GB-NIR": _Source("GB", "NIR", "Northern Ireland bank holidays", "bank holiday"),
        "US": _Source("US", None, "US federal holidays", "federal holiday"),
        "US-CA": _Source("US", "CA", "California holidays", "holiday"),
        **{
            code: _Source(code, None, f"{name} public holidays", "public holiday")
            for code, name in _EU_STATES.items()
        },
    }
)

CALENDAR_CODES: tuple[str, ...] = tuple(_SOURCES)
# The EU member states' codes (each is also the code of its calendar).
EU_MEMBER_STATES: tuple[str, ...] = tuple(sorted(_EU_STATES))
EU_MEMBER_STATE_NAMES: Mapping[str, str] = _EU_STATES


def format_date(d: dt.date) -> str:
    """``28 Feb 2026``: the form the explanations use for a bare date."""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


_DAY_TEXT: dict[dt.date, str] = {}  # at most one entry a day of 1970-2199


def format_day(d: dt.date) -> str:
    """``Sat 28 Feb 2026``: a date with its day of the week."""
    text = _DAY_TEXT.get(d)
    if text is None:
        text = _DAY_TEXT[d] = f"{_WEEKDAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]} {d.year}"
    return text


class _HolidayYears:
    """Holiday names of one country (and subdivision), computed a year at a
    time on first use and then kept. Shared by all calendars of that place."""

    __slots__ = ("_country", "_subdiv", "_years")

    def __init__(self, country: str, subdiv: str | None) -> None:
        self._country = country
        self._subdiv = subdiv
        self._years: dict[int, Mapping[dt.date, str]] = {}

    def year(self, year: int) -> Mapping[dt.date, str]:
        names = self._years.get(year)
        if names is None:
            found = holidays.country_holidays(self._country, subdiv=self._subdiv, years=year)
            # Keep only the year asked for; an observed day can spill over
            # (US: New Year's Day 2028 observed on Fri 31 Dec 2027).
            names = {d: str(n) for d, n in found.items() if d.year == year}
            self._years[year] = names  # a race only computes a year twice
        return names


_HOLIDAY_YEARS: dict[tuple[str, str | None], _HolidayYears] = {}


@dataclass(frozen=True, slots=True)
class Calendar:
    """The working days of one place: Monday to Friday, less its public
    holidays and the organisation's extra closures, plus any open days."""

    code: str
    label: str
    holiday_word: str
    version: str
    extra_closures: frozenset[dt.date] = frozenset()
    open_days: frozenset[dt.date] = frozenset()
    _holidays: _HolidayYears | None = field(default=None, repr=False, compare=False)
    # Answers already worked out, by date: deadline computation asks about
    # the same few hundred days again and again.
    _working: dict[dt.date, bool] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def is_working_day(self, d: dt.date) -> bool:
        working = self._working.get(d)
        if working is None:
            if d in self.open_days:
                working = True
            elif d.weekday() >= 5 or d in self.extra_closures:
                working = False
            else:
                working = self._holidays is None or d not in self._holidays.year(d.year)
            self._working[d] = working
        return working

    def holiday_name(self, d: dt.date) -> str | None:
        """The holiday on ``d`` (or "closure" for an extra closure), else None.
        A holiday can fall on a weekend; an open day has no holiday name."""
        if d in self.open_days:
            return None
        if d in self.extra_closures:
            return "closure"
        if self._holidays is None:
            return None
        return self._holidays.year(d.year).get(d)

    def describe(self, d: dt.date) -> str:
        """Why ``d`` is or is not a working day, for an explanation line:
        "a Saturday", "a bank holiday (Christmas Day)", "a working day"."""
        if self.is_working_day(d):
            return "a working day"
        if d in self.extra_closures:
            return "a closure day of the organisation"
        name = self.holiday_name(d)
        if d.weekday() >= 5:
            day = f"a {_WEEKDAY_NAMES[d.weekday()]}"
            return f"{day} ({name})" if name else day
        return f"a {self.holiday_word} ({name})"

    def _weekends_only(self) -> bool:
        return self._holidays is None and not self.extra_closures and not self.open_days

    def roll(self, d: dt.date) -> dt.date:
        """``d`` if it is a working day, else the next working day."""
        working = self.is_working_day
        while not working(d):
            d += _ONE_DAY
        return d

    def add_business_days(self, d: dt.date, n: int) -> dt.date:
        """The n-th working day after ``d``: the day after ``d`` is the first
        day counted and only working days count (deadlines.md, "Counting")."""
        if n < 0:
            raise DomainError(f"cannot count {n} business days; the count must be 0 or more")
        if n and self._weekends_only():
            # Weekday arithmetic: from a weekend day, count as from Friday.
            weekday = d.weekday()
            if weekday >= 5:
                d -= dt.timedelta(days=weekday - 4)
                weekday = 4
            weeks, rest = divmod(n, 5)
            return d + dt.timedelta(days=weeks * 7 + rest + (2 if weekday + rest >= 5 else 0))
        working = self.is_working_day
        while n:
            d += _ONE_DAY
            if working(d):
                n -= 1
        return d

    def business_days_before(self, d: dt.date, n: int) -> dt.date:
        """The n-th working day strictly before ``d`` (``d`` itself if n is 0)."""
        if n < 0:
            raise DomainError(f"cannot count {n} business days; the count must be 0 or more")
        if n and self._weekends_only():
            # Weekday arithmetic: from a weekend day, count as from Monday.
            weekday = d.weekday()
            if weekday >= 5:
                d += dt.timedelta(days=7 - weekday)
                weekday = 0
            weeks, rest = divmod(n, 5)
            return d - dt.timedelta(days=weeks * 7 + rest + (2 if weekday < rest else 0))
        working = self.is_working_day
        while n:
            d -= _ONE_DAY
            if working(d):
                n -= 1
        return d

    def closures_between(self, first: dt.date, last: dt.date) -> tuple[tuple[dt.date, str], ...]:
        """Weekday holidays and closures from ``first`` to ``last`` (both
        included), with their names: the days a business-day count skipped
        besides weekends."""
        found: list[tuple[dt.date, str]] = []
        if self._holidays is None and not self.extra_closures:
            return ()  # weekends only: nothing to name
        d = first
        while d <= last:
            if d.weekday() < 5 and not self.is_working_day(d):
                found.append((d, self.holiday_name(d) or "closure"))
            d += _ONE_DAY
        return tuple(found)


_BASE_CALENDARS: dict[str, Calendar] = {}


def _base_calendar(code: str) -> Calendar:
    calendar = _BASE_CALENDARS.get(code)
    if calendar is not None:
        return calendar
    source = _SOURCES[code]
    years = None
    if source.country is not None:
        key = (source.country, source.subdiv)
        years = _HOLIDAY_YEARS.get(key)
        if years is None:
            years = _HOLIDAY_YEARS.setdefault(key, _HolidayYears(*key))
    calendar = Calendar(
        code=code,
        label=source.label,
        holiday_word=source.holiday_word,
        version=HOLIDAYS_VERSION,
        _holidays=years,
    )
    return _BASE_CALENDARS.setdefault(code, calendar)


def _dates(values: Iterable[dt.date], what: str) -> frozenset[dt.date]:
    out: set[dt.date] = set()
    for value in values:
        # datetime is a subclass of date but does not compare with one.
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise DomainError(f"{what} must be dates (YYYY-MM-DD), not {value!r}")
        out.add(value)
    return frozenset(out)


def get_calendar(
    code: str,
    *,
    extra_closures: Iterable[dt.date] = (),
    open_days: Iterable[dt.date] = (),
) -> Calendar:
    """The calendar called ``code`` (``NONE``, ``GB-ENG``, ``GB-SCT``,
    ``GB-NIR``, ``US``, ``US-CA`` or an EU member state such as ``IE``),
    with the organisation's extra closures and open days."""
    base = _BASE_CALENDARS.get(code) if isinstance(code, str) else None
    if base is not None and not extra_closures and not open_days:
        return base  # the common case, kept fast
    key = code.strip().upper() if isinstance(code, str) else ""
    if key not in _SOURCES:
        raise DomainError(
            f"unknown holiday calendar {code!r}; the calendars are: {', '.join(CALENDAR_CODES)}"
        )
    base = _base_calendar(key)
    closures = _dates(extra_closures, "extra closures")
    opened = _dates(open_days, "open days")
    if not closures and not opened:
        return base
    both = sorted(closures & opened)
    if both:
        raise DomainError(
            f"{format_date(both[0])} is both an extra closure and an open day; choose one"
        )
    return replace(base, extra_closures=closures, open_days=opened)


# --- Calculators: one per counting rule (deadlines.md, "Counting") --------

_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_NUMBER_WORDS = ("no", "One", "Two", "Three")
_ORDINAL_SUFFIX = {29: "29th", 30: "30th", 31: "31st"}


def _days_in_month(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def add_months(d: dt.date, n: int) -> dt.date:
    """The same day of the month n months later; if that month has no such
    day, its last day (31 Jan + 1 month = 28/29 Feb). ICO method; GDPR by
    analogy with Reg 1182/71 Art 3(2)(c)."""
    months = d.year * 12 + d.month - 1 + n
    year, month = divmod(months, 12)
    month += 1
    return dt.date(year, month, min(d.day, _days_in_month(year, month)))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass(frozen=True, slots=True)
class CalendarMonths:
    """Calendar months from the start, plus any paused days, rolled to a
    working day. ``chained`` (EU extension): also count ``chained`` months,
    then the rest, and take the earlier of the two dates."""

    months: int
    roll_citation: str
    chained: int | None = None

    def describe(self) -> str:
        return f"{_NUMBER_WORDS[self.months].lower()} calendar month" + (
            "s" if self.months > 1 else ""
        )

    def due(
        self, start: dt.date, calendar: Calendar, paused_days: int = 0
    ) -> tuple[dt.date, list[str]]:
        end = add_months(start, self.months)
        words = f"{_NUMBER_WORDS[self.months]} calendar month" + ("s" if self.months > 1 else "")
        clamp = ""
        if end.day != start.day:
            # The corresponding date does not exist: the month's last day.
            name = _MONTH_NAMES[end.month - 1]
            clamp = f" ({name} has no {_ORDINAL_SUFFIX[start.day]})"
            if start.day == 29:
                clamp = f" ({name} {end.year} has no 29th)"
        lines = [f"{words}: {format_date(end)}{clamp}."]
        if self.chained is not None:
            first = add_months(start, self.chained)
            alt = add_months(first, self.months - self.chained)
            if alt < end:
                rest = _NUMBER_WORDS[self.months - self.chained].lower()
                lines[0] = (
                    f"{words} from receipt: {format_date(end)}{clamp}; "
                    f"one month ({format_date(first)}) then {rest} further months: "
                    f"{format_date(alt)}; the earlier date is used (earliest defensible date)."
                )
                end = alt
        if paused_days:
            end += dt.timedelta(days=paused_days)
            lines.append(f"Plus {_plural(paused_days, 'paused day')}: {format_date(end)}.")
        rolled = calendar.roll(end)
        if rolled != end:
            lines.append(_roll_line(end, rolled, calendar, self.roll_citation))
        return rolled, lines


def _roll_line(end: dt.date, rolled: dt.date, calendar: Calendar, citation: str) -> str:
    reasons = [f"{format_date(end)} is {calendar.describe(end)}"]
    d = end + dt.timedelta(days=1)
    while d < rolled:
        # Name every holiday skipped; plain weekend days go without saying.
        if d.weekday() < 5 or calendar.holiday_name(d):
            reasons.append(f"{format_date(d)} is {calendar.describe(d)}")
        d += dt.timedelta(days=1)
    return f"{'; '.join(reasons)}; next working day {format_day(rolled)} ({citation})."


@dataclass(frozen=True, slots=True)
class CalendarDays:
    """Receipt plus N calendar days, never rolled. ``receipt_is_day_one``:
    the period "begins on the day" of receipt, so the last day is receipt +
    N - 1 (11 CCR §7021(b))."""

    days: int
    receipt_is_day_one: bool = False

    def describe(self) -> str:
        if self.receipt_is_day_one:
            return f"{self.days} calendar days beginning on the day of receipt (day 1)"
        return f"{self.days} calendar days after receipt"

    def due(
        self, start: dt.date, calendar: Calendar, paused_days: int = 0
    ) -> tuple[dt.date, list[str]]:
        offset = self.days - 1 if self.receipt_is_day_one else self.days
        end = start + dt.timedelta(days=offset + paused_days)
        head = self.describe()
        lines = [f"{head[0].upper()}{head[1:]}: {format_day(end)}; calendar days are not rolled."]
        if not calendar.is_working_day(end):
            last = calendar.business_days_before(end, 1)
            lines.append(
                f"{format_date(end)} is {calendar.describe(end)}: "
                f"plan to answer by {format_day(last)}."
            )
        return end, lines


@dataclass(frozen=True, slots=True)
class BusinessDays:
    """N working days of the calendar, the day after receipt counted first."""

    days: int

    def describe(self) -> str:
        return f"{self.days} business days"

    def due(
        self, start: dt.date, calendar: Calendar, paused_days: int = 0
    ) -> tuple[dt.date, list[str]]:
        end = calendar.add_business_days(start, self.days + paused_days)
        lines = [
            f"{self.days} business days, counted from the day after receipt "
            f"({calendar.label}): {format_day(end)}."
        ]
        skipped = calendar.closures_between(start + dt.timedelta(days=1), end)
        if skipped:
            names = ", ".join(f"{format_day(d)} ({name})" for d, name in skipped)
            lines.append(f"Not counted as business days: {names}.")
        return end, lines


Period = CalendarMonths | CalendarDays | BusinessDays
