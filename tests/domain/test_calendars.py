"""Business-day calendars over the `holidays` package."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conneqt_dpo.domain.calendars import CALENDAR_CODES, format_date, format_day, get_calendar
from conneqt_dpo.domain.errors import DomainError

D = dt.date.fromisoformat

EU = (
    *("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"),
    *("IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"),
)


def test_codes() -> None:
    assert set(CALENDAR_CODES) == {"NONE", "US", "US-CA", "GB-ENG", "GB-SCT", "GB-NIR", *EU}


@pytest.mark.parametrize("code", CALENDAR_CODES)
def test_every_calendar_builds_and_knows_new_year(code: str) -> None:
    cal = get_calendar(code)
    assert cal.code == code
    assert re.fullmatch(r"holidays \d+\.\d+(\.\d+)?", cal.version)
    new_year = D("2026-01-01")  # a Thursday
    assert cal.is_working_day(new_year) == (code == "NONE")
    assert cal.is_working_day(D("2026-01-14"))  # an ordinary Wednesday everywhere
    assert not cal.is_working_day(D("2026-01-10"))  # a Saturday


def test_codes_are_case_insensitive_and_cached() -> None:
    assert get_calendar("gb-eng") is get_calendar("GB-ENG")
    assert get_calendar(" ie ").code == "IE"


@pytest.mark.parametrize("code", ["GB", "XX", "", "EU", "US-NY"])
def test_unknown_calendar_is_refused(code: str) -> None:
    with pytest.raises(DomainError, match=r"unknown holiday calendar .*; the calendars are: NONE"):
        get_calendar(code)


@pytest.mark.parametrize(
    ("day", "name"),
    [
        ("2026-12-28", "Boxing Day (observed)"),  # substitute: 26 Dec is a Saturday
        ("2027-12-27", "Christmas Day (observed)"),
        ("2027-12-28", "Boxing Day (observed)"),
        ("2028-01-03", "New Year's Day (observed)"),
        ("2026-04-03", "Good Friday"),
        ("2026-08-31", "Late Summer Bank Holiday"),
    ],
)
def test_england_and_wales_bank_holidays(day: str, name: str) -> None:
    cal = get_calendar("GB-ENG")
    assert not cal.is_working_day(D(day))
    assert cal.holiday_name(D(day)) == name


def test_scotland_and_northern_ireland_differ_from_england() -> None:
    assert get_calendar("GB-ENG").is_working_day(D("2026-11-30"))
    assert not get_calendar("GB-SCT").is_working_day(D("2026-11-30"))  # St Andrew's Day
    assert not get_calendar("GB-NIR").is_working_day(D("2026-03-17"))  # St Patrick's Day
    assert not get_calendar("GB-NIR").is_working_day(D("2026-07-13"))  # Boyne (observed)


def test_us_federal_and_california() -> None:
    us = get_calendar("US")
    assert not us.is_working_day(D("2026-07-03"))  # Independence Day observed
    assert not us.is_working_day(D("2027-12-31"))  # New Year's Day 2028 observed
    assert us.is_working_day(D("2026-11-27"))  # day after Thanksgiving: not federal
    ca = get_calendar("US-CA")
    assert not ca.is_working_day(D("2026-11-27"))
    assert not ca.is_working_day(D("2026-03-31"))  # Cesar Chavez Day


def test_member_state_holidays() -> None:
    assert not get_calendar("IE").is_working_day(D("2026-03-17"))
    assert get_calendar("DE").is_working_day(D("2026-03-17"))
    # Good Friday: a bank holiday in England and Wales, not in Ireland.
    assert get_calendar("IE").is_working_day(D("2026-04-03"))


def test_none_is_weekends_only() -> None:
    cal = get_calendar("NONE")
    assert cal.is_working_day(D("2026-12-25"))
    assert cal.holiday_name(D("2026-12-25")) is None
    assert cal.label == "weekends only"


def test_roll() -> None:
    cal = get_calendar("GB-ENG")
    assert cal.roll(D("2024-12-25")) == D("2024-12-27")
    assert cal.roll(D("2026-02-28")) == D("2026-03-02")
    assert cal.roll(D("2026-03-02")) == D("2026-03-02")
    assert cal.roll(D("2027-12-25")) == D("2027-12-29")


def test_add_business_days_counts_from_the_day_after() -> None:
    none = get_calendar("NONE")
    assert none.add_business_days(D("2026-11-23"), 10) == D("2026-12-07")  # CAN-SPAM
    assert none.add_business_days(D("2026-06-12"), 15) == D("2026-07-03")
    assert get_calendar("US").add_business_days(D("2026-06-12"), 15) == D("2026-07-07")
    assert none.add_business_days(D("2026-01-05"), 10) == D("2026-01-19")
    assert get_calendar("US").add_business_days(D("2026-01-05"), 10) == D("2026-01-20")
    # Received on a Saturday: Monday is the first day counted.
    assert none.add_business_days(D("2026-01-03"), 1) == D("2026-01-05")
    assert none.add_business_days(D("2026-01-03"), 0) == D("2026-01-03")
    with pytest.raises(DomainError):
        none.add_business_days(D("2026-01-03"), -1)


def test_business_days_before_is_strictly_before() -> None:
    cal = get_calendar("GB-ENG")
    assert cal.business_days_before(D("2026-03-02"), 5) == D("2026-02-23")
    assert cal.business_days_before(D("2026-03-02"), 1) == D("2026-02-27")
    assert cal.business_days_before(D("2026-03-02"), 0) == D("2026-03-02")
    # 3 and 6 Apr 2026 are Good Friday and Easter Monday.
    assert cal.business_days_before(D("2026-04-08"), 2) == D("2026-04-02")
    with pytest.raises(DomainError):
        cal.business_days_before(D("2026-03-02"), -1)


def test_describe_names_holidays() -> None:
    cal = get_calendar("GB-ENG")
    assert cal.describe(D("2024-12-25")) == "a bank holiday (Christmas Day)"
    assert cal.describe(D("2026-02-28")) == "a Saturday"
    assert cal.describe(D("2026-12-26")) == "a Saturday (Boxing Day)"
    assert cal.describe(D("2026-03-02")) == "a working day"
    assert get_calendar("IE").describe(D("2026-03-17")) == "a public holiday (Saint Patrick's Day)"


def test_extra_closures_and_open_days() -> None:
    base = get_calendar("GB-ENG")
    shut = get_calendar("GB-ENG", extra_closures=[D("2026-12-24")], open_days=[D("2026-12-28")])
    assert not shut.is_working_day(D("2026-12-24"))
    assert shut.holiday_name(D("2026-12-24")) == "closure"
    assert shut.describe(D("2026-12-24")) == "a closure day of the organisation"
    assert shut.is_working_day(D("2026-12-28"))
    assert shut.holiday_name(D("2026-12-28")) is None
    # The base calendar is untouched (its memo is its own).
    assert base.is_working_day(D("2026-12-24"))
    assert not base.is_working_day(D("2026-12-28"))
    assert shut != base
    assert get_calendar("GB-ENG") is base


def test_bad_closures_are_refused() -> None:
    with pytest.raises(DomainError, match="both an extra closure and an open day"):
        get_calendar("NONE", extra_closures=[D("2026-12-24")], open_days=[D("2026-12-24")])
    with pytest.raises(DomainError, match="must be dates"):
        get_calendar("NONE", extra_closures=[dt.datetime(2026, 12, 24, 9, 0)])
    with pytest.raises(DomainError, match="must be dates"):
        get_calendar("NONE", open_days=["2026-12-24"])  # type: ignore[list-item]


def test_closures_between_names_weekday_holidays_only() -> None:
    cal = get_calendar("GB-ENG")
    found = cal.closures_between(D("2026-12-24"), D("2026-12-31"))
    assert found == ((D("2026-12-25"), "Christmas Day"), (D("2026-12-28"), "Boxing Day (observed)"))


def test_formats() -> None:
    assert format_date(D("2026-02-28")) == "28 Feb 2026"
    assert format_day(D("2026-03-02")) == "Mon 2 Mar 2026"


# A far-away open day forces the day-by-day count; the weekends-only
# calendar uses weekday arithmetic. Both must agree.
_SLOW_NONE = get_calendar("NONE", open_days=[D("1971-01-01")])


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dates(min_value=D("2000-01-01"), max_value=D("2100-12-31")), st.integers(0, 400))
def test_weekday_arithmetic_matches_the_day_by_day_count(d: dt.date, n: int) -> None:
    fast = get_calendar("NONE")
    assert fast.add_business_days(d, n) == _SLOW_NONE.add_business_days(d, n)
    assert fast.business_days_before(d, n) == _SLOW_NONE.business_days_before(d, n)
    assert fast.roll(d) == _SLOW_NONE.roll(d)
    if n:
        end = fast.add_business_days(d, n)
        assert fast.is_working_day(end)
        # Counting back n - 1 working days lands on the first day counted.
        assert fast.business_days_before(end, n - 1) == fast.roll(d + dt.timedelta(days=1))
        assert fast.business_days_before(end, n) <= d
