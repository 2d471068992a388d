"""Properties of the statutory clock that hold for every input (hypothesis)."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conneqt_dpo.domain.calendars import (
    BusinessDays,
    Calendar,
    CalendarMonths,
    format_day,
    get_calendar,
)
from conneqt_dpo.domain.deadlines import (
    CLOCK_EVENT_KINDS,
    CLOCK_STATES,
    STATUSES,
    ClockEvent,
    DeadlineResult,
    DeadlineSettings,
    compute,
    result_to_json,
)
from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.regimes import REGIMES

# The autouse fixture of tests/conftest.py (a temporary data folder) is
# function-scoped; these tests never touch it.
FAST = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

FIRST = dt.date(2000, 1, 1)
LAST = dt.date(2100, 12, 31)
PAIRS = [(regime, right) for regime, reg in REGIMES.items() for right in reg.rights]
CALENDARS = st.sampled_from(["NONE", "GB-ENG", "GB-SCT", "GB-NIR", "US", "US-CA", "IE", "DE"])
KINDS = ("identity", "authority", "fee", "clarification")


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, dt.date]:
    """A regime, a right it has and a receipt date on which it has it."""
    regime, right = draw(st.sampled_from(PAIRS))
    start = REGIMES[regime].rights[right].available_from or FIRST
    return regime, right, draw(st.dates(min_value=max(start, FIRST), max_value=LAST))


@st.composite
def clock_events(draw: st.DrawFn, received: dt.date, *, extension: bool = True) -> list[ClockEvent]:
    """Requests, answers and maybe an extension, all on or after receipt;
    every answer on or after its request (some requests stay open)."""
    events = [ClockEvent("received", received)]
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(KINDS))
        asked = received + dt.timedelta(days=draw(st.integers(0, 60)))
        events.append(ClockEvent(f"{kind}-requested", asked))
        if draw(st.booleans()) or draw(st.booleans()):
            answered = asked + dt.timedelta(days=draw(st.integers(0, 40)))
            events.append(ClockEvent(f"{kind}-received", answered))
    if extension and draw(st.booleans()):
        events.append(
            ClockEvent("extended", received + dt.timedelta(days=draw(st.integers(0, 40))))
        )
    return events


def attempt(
    regime: str, right: str, events: list[ClockEvent], calendar: Calendar | None = None
) -> DeadlineResult | None:
    try:
        return compute(regime, right, events, calendar=calendar)
    except DomainError:
        return None  # a refused extension (late, or under a rule with none)


def _dates(r: DeadlineResult) -> list[dt.date]:
    found = [r.clock_start, r.acknowledge_by, r.respond_by, r.extended_respond_by, r.due, r.target]
    return [d for d in found if d is not None]


@FAST
@given(st.data(), requests(), CALENDARS)
def test_no_date_is_before_receipt(
    data: st.DataObject, request: tuple[str, str, dt.date], cal: str
) -> None:
    regime, right, received = request
    events = data.draw(clock_events(received))
    r = attempt(regime, right, events, get_calendar(cal))
    assume(r is not None)
    assert r is not None
    assert all(d >= received for d in _dates(r))
    if r.due is not None:
        assert r.target is not None and received <= r.target <= r.due
        assert r.due == (r.extended_respond_by or r.respond_by)
        assert any(line.startswith(f"Respond by {format_day(r.due)}") for line in r.explanation)
    if r.clock_state in ("waiting", "paused"):
        assert r.due is None
    elif r.clock_state == "running":
        assert r.due is not None
    assert result_to_json(r)["due"] == (None if r.due is None else r.due.isoformat())


@FAST
@given(requests(), CALENDARS)
def test_a_working_day_rule_never_ends_on_a_closed_day(
    request: tuple[str, str, dt.date], cal: str
) -> None:
    regime, right, received = request
    rule = REGIMES[regime].rights[right]
    assume(isinstance(rule.period, CalendarMonths | BusinessDays))
    calendar = get_calendar(cal)
    events = [ClockEvent("received", received)]
    if rule.extension is not None:
        events.append(ClockEvent("extended", received))
    r = compute(regime, right, events, calendar=calendar)
    assert r.respond_by is not None and calendar.is_working_day(r.respond_by)
    if r.extended_respond_by is not None:
        assert calendar.is_working_day(r.extended_respond_by)
    if r.acknowledge_by is not None:
        assert calendar.is_working_day(r.acknowledge_by)
    assert r.target is not None and calendar.is_working_day(r.target)


@FAST
@given(st.data(), st.dates(min_value=FIRST, max_value=LAST), CALENDARS)
def test_pausing_never_makes_a_deadline_earlier(
    data: st.DataObject, received: dt.date, cal: str
) -> None:
    calendar = get_calendar(cal)
    events = data.draw(clock_events(received))
    base = attempt("uk-gdpr", "access", events, calendar)
    assume(base is not None)
    assert base is not None
    asked = received + dt.timedelta(days=data.draw(st.integers(0, 90)))
    answered = asked + dt.timedelta(days=data.draw(st.integers(0, 40)))
    more = [
        *events,
        ClockEvent("clarification-requested", asked),
        ClockEvent("clarification-received", answered),
    ]
    paused = compute("uk-gdpr", "access", more, calendar=calendar)  # never refused
    if base.due is not None and paused.due is not None:
        assert paused.due >= base.due
    if base.respond_by is not None and paused.respond_by is not None:
        assert paused.respond_by >= base.respond_by


@FAST
@given(st.data(), st.sampled_from(PAIRS), CALENDARS)
def test_a_later_receipt_never_gives_an_earlier_deadline(
    data: st.DataObject, pair: tuple[str, str], cal: str
) -> None:
    regime, right = pair
    start = max(REGIMES[regime].rights[right].available_from or FIRST, FIRST)
    first = data.draw(st.dates(min_value=start, max_value=LAST))
    second = first + dt.timedelta(days=data.draw(st.integers(0, 400)))
    calendar = get_calendar(cal)
    early = compute(regime, right, [ClockEvent("received", first)], calendar=calendar)
    late = compute(regime, right, [ClockEvent("received", second)], calendar=calendar)
    assert early.due is not None and late.due is not None
    assert late.due >= early.due
    if early.acknowledge_by is not None and late.acknowledge_by is not None:
        assert late.acknowledge_by >= early.acknowledge_by


@FAST
@given(st.data(), requests(), CALENDARS)
def test_an_extension_is_always_later_than_the_original_date(
    data: st.DataObject, request: tuple[str, str, dt.date], cal: str
) -> None:
    regime, right, received = request
    rule = REGIMES[regime].rights[right]
    assume(rule.extension is not None)
    calendar = get_calendar(cal)
    plain = compute(regime, right, [ClockEvent("received", received)], calendar=calendar)
    assert plain.respond_by is not None
    notice = data.draw(st.dates(min_value=received, max_value=plain.respond_by))
    events = [ClockEvent("received", received), ClockEvent("extended", notice)]
    r = compute(regime, right, events, calendar=calendar)
    assert r.respond_by == plain.respond_by
    assert r.extended_respond_by is not None and r.extended_respond_by > r.respond_by
    assert r.due == r.extended_respond_by
    # One day late is refused.
    late = ClockEvent("extended", plain.respond_by + dt.timedelta(days=1))
    assert attempt(regime, right, [ClockEvent("received", received), late], calendar) is None


@FAST
@given(st.data(), st.dates(min_value=FIRST, max_value=LAST))
def test_uk_extension_with_events_is_later_than_the_original(
    data: st.DataObject, received: dt.date
) -> None:
    r = attempt("uk-gdpr", "access", data.draw(clock_events(received)))
    assume(r is not None and r.extended_respond_by is not None)
    assert r is not None and r.respond_by is not None and r.extended_respond_by is not None
    assert r.extended_respond_by > r.respond_by


@FAST
@given(requests(), st.dates(min_value=FIRST, max_value=LAST), st.integers(0, 30))
def test_status_agrees_with_days_left(
    request: tuple[str, str, dt.date], today: dt.date, soon: int
) -> None:
    regime, right, received = request
    r = compute(
        regime,
        right,
        [ClockEvent("received", received)],
        today=today,
        settings=DeadlineSettings(due_soon_days=soon),
    )
    assert r.due is not None and r.days_left == (r.due - today).days
    expected = (
        "overdue"
        if r.days_left < 0
        else "due-today"
        if r.days_left == 0
        else "due-soon"
        if r.days_left <= soon
        else "on-track"
    )
    assert r.status == expected


@FAST
@given(
    requests(),
    st.lists(st.tuples(st.sampled_from(CLOCK_EVENT_KINDS), st.integers(-5, 150)), max_size=8),
    CALENDARS,
    st.dates(min_value=FIRST, max_value=LAST),
)
def test_any_input_gives_a_result_or_a_domain_error(
    request: tuple[str, str, dt.date], raw: list[tuple[str, int]], cal: str, today: dt.date
) -> None:
    regime, right, received = request
    events = [ClockEvent("received", received)]
    events += [ClockEvent(kind, received + dt.timedelta(days=offset)) for kind, offset in raw]
    try:
        r = compute(regime, right, events, calendar=get_calendar(cal), today=today)
    except DomainError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert r.clock_state in CLOCK_STATES
    assert r.status in STATUSES
    assert (r.responded_on is not None) <= (r.clock_state == "stopped")
    if r.due is not None:
        assert r.days_left == (r.due - today).days
        assert r.target is not None and r.target <= r.due
