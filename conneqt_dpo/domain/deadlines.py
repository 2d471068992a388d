"""The statutory clock: from a case's clock events to its dates.

``compute`` is one pure function: the regime, the right and the events in,
a ``DeadlineResult`` out, with every step explained in plain English and
cited. The rule book is deadlines.md; the counting rules (calendar months,
calendar days, business days) are small calculators in ``calendars.py``;
which one applies to which right is in ``regimes.py``.

Two kinds of clock:

* the UK relevant-time clock (UK GDPR Art 12A; ICO guidance of 8 Dec 2025):
  identity, an agent's authority and a fee restart the month; a
  clarification question pauses it;
* the from-receipt clock (every other regime): the date follows from
  receipt alone; other events are recorded but move nothing, except an
  extension.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from conneqt_dpo.domain.calendars import Calendar, format_day, get_calendar
from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.regimes import (
    UK_ART_12A_FROM,
    Regime,
    RightRule,
    check_right,
    get_regime,
    get_rule,
)

__all__ = [
    "CLOCK_EVENT_KINDS",
    "CLOCK_STATES",
    "STATUSES",
    "ClockEvent",
    "DeadlineResult",
    "DeadlineSettings",
    "compute",
    "result_to_json",
]

CLOCK_EVENT_KINDS: tuple[str, ...] = (
    "received",
    "identity-requested", "identity-received",
    "authority-requested", "authority-received",
    "clarification-requested", "clarification-received",
    "fee-requested", "fee-received",
    "extended", "responded", "withdrawn",
)  # fmt: skip
CLOCK_STATES: tuple[str, ...] = ("running", "waiting", "paused", "stopped")
STATUSES: tuple[str, ...] = (
    "waiting", "paused", "withdrawn", "met", "met-late",
    "overdue", "due-today", "due-soon", "on-track",
)  # fmt: skip

# On one date: receipt first, requests before answers, answers before an
# extension (deadlines.md, "Counting"); a stop comes last.
_RANK = {
    kind: 0 if kind == "received"
    else 1 if kind.endswith("-requested")
    else 2 if kind.endswith("-received")
    else 3 if kind == "extended"
    else 4
    for kind in CLOCK_EVENT_KINDS
}  # fmt: skip
_RESTARTS = ("identity", "authority", "fee")
_WORDS = {
    "received": "Received",
    "identity-requested": "Identity requested",
    "identity-received": "Identity received",
    "authority-requested": "Agent's authority requested",
    "authority-received": "Agent's authority received",
    "clarification-requested": "Clarification asked",
    "clarification-received": "Clarification received",
    "fee-requested": "Fee requested",
    "fee-received": "Fee received",
    "extended": "Extension noticed",
    "responded": "Responded",
    "withdrawn": "Withdrawn",
}
_WAITED_FOR = {"identity": "identity", "authority": "the agent's authority", "fee": "the fee"}
# Dates the app accepts: wide enough for any real case, narrow enough that
# no computation can overflow ``datetime.date``.
_FIRST_DATE = dt.date(1970, 1, 1)
_LAST_DATE = dt.date(2199, 12, 31)


def _check_date(value: object, what: str) -> None:
    # datetime is a subclass of date but does not compare with one.
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise DomainError(f"{what} must be a date (YYYY-MM-DD), not {value!r}")
    if not _FIRST_DATE <= value <= _LAST_DATE:
        raise DomainError(f"{what} {value.isoformat()} is out of range (1970 to 2199)")


@dataclass(frozen=True, slots=True)
class ClockEvent:
    """Something that happened to the clock on a date: ``received``, a
    request or answer (identity, authority, clarification, fee), ``extended``
    (the day the notice was sent), ``responded`` or ``withdrawn``."""

    kind: str
    on: dt.date

    def __post_init__(self) -> None:
        if self.kind not in _RANK:
            raise DomainError(
                f"unknown clock event {self.kind!r}; the kinds are: {', '.join(CLOCK_EVENT_KINDS)}"
            )
        _check_date(self.on, f"the date of the {self.kind!r} event")


@dataclass(frozen=True, slots=True)
class DeadlineSettings:
    """The organisation's choices: the internal target (working days before
    the due date) and how close a due date is "due soon" (calendar days)."""

    target_working_days: int = 5
    due_soon_days: int = 7

    def __post_init__(self) -> None:
        for name in ("target_working_days", "due_soon_days"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 366:
                raise DomainError(f"{name} must be a whole number from 0 to 366, not {value!r}")


@dataclass(frozen=True, slots=True)
class DeadlineResult:
    """The dates of one request and how they were reached. ``respond_by`` is
    the unextended date, ``due`` the date in force; ``target`` is internal."""

    regime: str
    right: str
    received: dt.date
    clock_start: dt.date | None
    acknowledge_by: dt.date | None
    respond_by: dt.date | None
    extended_respond_by: dt.date | None
    due: dt.date | None
    target: dt.date | None
    pauses: tuple[tuple[dt.date, dt.date], ...]
    paused_days: int
    clock_state: str
    status: str | None
    days_left: int | None
    responded_on: dt.date | None
    stopped_by: str | None  # responded or withdrawn: what stopped the clock
    stopped_on: dt.date | None
    calendar_code: str
    calendar_version: str
    explanation: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Outcome:
    clock_start: dt.date | None
    respond_by: dt.date | None
    extended: dt.date | None
    pauses: tuple[tuple[dt.date, dt.date], ...]
    paused_days: int
    state: str
    stop: ClockEvent | None


def _order(events: Iterable[ClockEvent]) -> tuple[list[ClockEvent], dt.date]:
    """The events in clock order, after the checks every regime shares."""
    listed = list(events)
    for event in listed:
        if not isinstance(event, ClockEvent):
            raise DomainError(f"a clock event must be a ClockEvent, not {event!r}")
    receipts = [e.on for e in listed if e.kind == "received"]
    if not receipts:
        raise DomainError("no 'received' event: the clock needs the date the request was received")
    if len(receipts) > 1:
        dates = ", ".join(format_day(d) for d in sorted(receipts))
        raise DomainError(
            f"a request has exactly one 'received' event; found {len(receipts)}: {dates}"
        )
    received = receipts[0]
    ordered = sorted(listed, key=lambda e: (e.on, _RANK[e.kind]))
    if ordered[0].on < received:
        first = ordered[0]
        raise DomainError(
            f"{first.kind} on {format_day(first.on)} is before the request was received "
            f"({format_day(received)}); no event can come before receipt"
        )
    asked: set[str] = set()
    for event in ordered:
        subject, _, step = event.kind.rpartition("-")
        if step == "requested":
            asked.add(subject)
        elif subject and subject not in asked:
            later = [e.on for e in ordered if e.kind == f"{subject}-requested"]
            if later:
                raise DomainError(
                    f"{event.kind} on {format_day(event.on)} is before the first "
                    f"{subject}-requested ({format_day(later[0])}); an answer cannot come "
                    "before its request"
                )
    extensions = [e.on for e in ordered if e.kind == "extended"]
    if len(extensions) > 1:
        dates = ", ".join(format_day(d) for d in extensions)
        raise DomainError(f"only one extension is allowed; found {len(extensions)}: {dates}")
    return ordered, received


def _merge(ranges: Iterable[tuple[dt.date, dt.date]]) -> tuple[tuple[dt.date, dt.date], ...]:
    """The union of date ranges (both ends included), as disjoint ranges."""
    merged: list[tuple[dt.date, dt.date]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + dt.timedelta(days=1):
            if last > merged[-1][1]:
                merged[-1] = (merged[-1][0], last)
        else:
            merged.append((first, last))
    return tuple(merged)


def _span(first: dt.date, last: dt.date) -> str:
    return f"{format_day(first)} to {format_day(last)}"


class _Clock:
    """Runs the events of one request in order and keeps the clock's state.

    Under UK GDPR Art 12A and the ICO's method (deadlines.md, "UK GDPR"),
    identity, an agent's authority and a fee restart the month: while one is
    asked for the clock waits, and the month starts on the day the last one
    arrives. A clarification question pauses it: from the day asked to the
    day answered, both included, the days do not count (union of ranges,
    only days on or after the start). A request or question made after the
    date then in force moves nothing; paused days count for a date only if
    the question was asked on or before that date as it stood then.

    Every other regime counts from receipt alone: requests and answers are
    recorded and move nothing; only an extension changes the date.
    """

    def __init__(self, regime: Regime, rule: RightRule, calendar: Calendar, received: dt.date):
        self.relevant_time = regime.clock == "relevant-time"
        self.events_note = regime.events_note
        self.rule = rule
        self.calendar = calendar
        self.start = received
        self.basis = "UK GDPR Art 12A" if received >= UK_ART_12A_FROM else "ICO guidance"
        self.open: dict[str, deque[dt.date]] = {}  # open restart requests by kind
        self.ignored: dict[str, int] = {}  # requests made too late, by kind
        # Open questions and closed ranges, each with whether it counts for
        # the unextended date and for the extended date.
        self.questions: deque[tuple[dt.date, bool, bool]] = deque()  # open questions
        self.ranges: list[tuple[dt.date, dt.date, bool, bool]] = []
        self.extended_on: dt.date | None = None
        self.lines: list[str] = []

    def waiting(self) -> bool:
        return any(self.open.values())

    def pauses(self, extended: bool) -> tuple[tuple[tuple[dt.date, dt.date], ...], int]:
        if not self.ranges:
            return (), 0
        start = self.start
        counted = _merge(
            (max(first, start), last)
            for first, last, for_respond, for_extended in self.ranges
            if (for_extended if extended else for_respond) and last >= start
        )
        return counted, sum((last - first).days + 1 for first, last in counted)

    def dates(self) -> tuple[dt.date, dt.date | None]:
        """The respond-by and extended dates as they stand (clock running)."""
        respond_by = self.rule.period.due(self.start, self.calendar, self.pauses(False)[1])[0]
        if self.extended_on is None or self.rule.extension is None:
            return respond_by, None
        extended = self.rule.extension.due(self.start, self.calendar, self.pauses(True)[1])[0]
        return respond_by, extended

    def run(self, events: Sequence[ClockEvent]) -> _Outcome:
        stop: ClockEvent | None = None
        stopped_as = "running"
        for event in events:
            words, day = _WORDS[event.kind], format_day(event.on)
            if event.kind == "received":
                continue
            if stop is not None:
                self.lines.append(f"{words} {day}: after the clock stopped, so it moves nothing.")
            elif event.kind in ("responded", "withdrawn"):
                stop, stopped_as = event, self.state()
                self.lines.append(f"{words} {day}: the clock stops.")
            elif event.kind == "extended":
                self.extend(event.on, words, day)
            elif not self.relevant_time:
                self.lines.append(f"{words} {day}: recorded; {self.events_note}.")
            elif event.kind.endswith("-requested"):
                self.request(event.kind.rpartition("-")[0], event.on, words, day)
            else:
                self.answer(event.kind.rpartition("-")[0], event.on, words, day)
        return self.finish(stop, stopped_as)

    def state(self) -> str:
        return "waiting" if self.waiting() else "paused" if self.questions else "running"

    def request(self, subject: str, on: dt.date, words: str, day: str) -> None:
        counts_r = counts_e = True
        if self.state() == "running":  # waiting or paused: no date is in force
            respond_by, extended = self.dates()
            counts_r = on <= respond_by
            counts_e = on <= (extended or respond_by)
            if not counts_e:
                self.ignored[subject] = self.ignored.get(subject, 0) + 1
                self.lines.append(
                    f"{words} {day}: after the date then in force "
                    f"({format_day(extended or respond_by)}), so it moves nothing."
                )
                return
        if subject != "clarification":
            self.open.setdefault(subject, deque()).append(on)
            self.lines.append(
                f"{words} {day}: the clock waits until it arrives "
                f"({self.basis}: the month runs from its receipt)."
            )
            return
        self.questions.append((on, counts_r, counts_e))
        only = (
            "" if counts_r else " (after the unextended date, so it counts only for the extension)"
        )
        self.lines.append(
            f"{words} {day}: the clock pauses until the answer arrives{only} ({self.basis}: "
            "the days from the question to the answer, both included, do not count)."
        )

    def answer(self, subject: str, on: dt.date, words: str, day: str) -> None:
        queue = self.questions if subject == "clarification" else self.open.get(subject)
        if not queue:
            if self.ignored.get(subject):
                self.ignored[subject] -= 1
                why = "it answers a request made after the date in force"
            else:
                why = "no request for it was open"
            self.lines.append(f"{words} {day}: {why}, so it moves nothing.")
            return
        if subject == "clarification":
            asked, counts_r, counts_e = self.questions.popleft()
            self.ranges.append((asked, on, counts_r, counts_e))
            days = (on - asked).days + 1
            more = "; another question is still open" if self.questions else ""
            self.lines.append(
                f"{words} {day}: paused from {format_day(asked)} to {day}, both days "
                f"included ({days} day{'s' if days > 1 else ''}){more}."
            )
            return
        queue.popleft()
        if self.waiting():
            still = ", ".join(_WAITED_FOR[k] for k in _RESTARTS if self.open.get(k))
            self.lines.append(f"{words} {day}; the clock still waits for {still}.")
            return
        self.start = on
        self.lines.append(f"{words} {day}: the month starts again on that day ({self.basis}).")

    def extend(self, on: dt.date, words: str, day: str) -> None:
        text = f"{self.rule.extension_text} ({self.rule.extension_citation})"
        state = self.state()
        if state != "running":
            self.lines.append(f"{words} {day}, while the clock is {state} (in time): {text}.")
        else:
            respond_by = self.dates()[0]
            if on > respond_by:
                raise DomainError(
                    f"extension noticed on {format_day(on)} is after the respond-by date in "
                    f"force ({format_day(respond_by)}); notice must be given on or before it"
                )
            self.lines.append(
                f"{words} {day}, on or before the respond-by date then in force "
                f"({format_day(respond_by)}): {text}."
            )
        self.extended_on = on

    def finish(self, stop: ClockEvent | None, stopped_as: str) -> _Outcome:
        state = "stopped" if stop is not None else self.state()
        as_of = stopped_as if stop is not None else state
        if as_of == "waiting":
            still = ", ".join(_WAITED_FOR[k] for k in _RESTARTS if self.open.get(k))
            self.lines.append(
                f"No date: the clock stopped while it waited for {still}."
                if stop is not None
                else f"No date: the clock waits for {still}."
            )
            return _Outcome(None, None, None, (), 0, state, stop)
        if as_of == "paused":
            since = format_day(self.questions[0][0])
            before = format_day(self.dates()[0])
            self.lines.append(
                f"No date: the clock stopped while it was paused (since {since})."
                if stop is not None
                else f"No date: the clock is paused since {since} until the answer arrives "
                f"(before the pause the date was {before}; it moves on a day for each day "
                "paused)."
            )
            return _Outcome(self.start, None, None, (), 0, state, stop)
        pauses, paused = self.pauses(False)
        if paused:
            self.lines.append(
                f"Paused days on or after the start ({format_day(self.start)}): {paused} "
                f"({'; '.join(_span(a, b) for a, b in pauses)})."
            )
        respond_by, lines = self.rule.period.due(self.start, self.calendar, paused)
        self.lines.extend(lines)
        extended = None
        if self.extended_on is not None and self.rule.extension is not None:
            self.lines.append(f"Unextended respond-by date: {format_day(respond_by)}.")
            pauses, paused_e = self.pauses(True)
            if paused_e != paused:
                self.lines.append(f"Paused days counted for the extended date: {paused_e}.")
            extended, lines = self.rule.extension.due(self.start, self.calendar, paused_e)
            self.lines.extend(lines)
            paused = paused_e
        return _Outcome(self.start, respond_by, extended, pauses, paused, state, stop)


def status_on(
    *,
    clock_state: str,
    due: dt.date | None,
    stopped_by: str | None,
    stopped_on: dt.date | None,
    today: dt.date,
    due_soon_days: int = DeadlineSettings().due_soon_days,
) -> str:
    """The status (deadlines.md, "Status") from what a case keeps of its
    last computation, so a stored case gets it without recomputing."""
    if stopped_by is not None:
        if stopped_by == "withdrawn":
            return "withdrawn"
        # A response given while the clock waited or was paused is in time.
        return "met" if due is None or stopped_on is None or stopped_on <= due else "met-late"
    if due is None:
        return clock_state  # waiting or paused
    days_left = (due - today).days
    if days_left < 0:
        return "overdue"
    if days_left == 0:
        return "due-today"
    return "due-soon" if days_left <= due_soon_days else "on-track"


def compute(
    regime: str,
    right: str,
    events: Sequence[ClockEvent],
    *,
    calendar: Calendar | None = None,
    today: dt.date | None = None,
    settings: DeadlineSettings = DeadlineSettings(),
) -> DeadlineResult:
    """The dates of a request under ``regime`` for ``right`` given its clock
    events (exactly one ``received``). ``calendar`` None means the regime's
    default calendar; ``today`` adds the status and days left. Raises
    DomainError for anything the rules refuse."""
    reg = get_regime(regime)
    rule = get_rule(regime, right)
    ordered, received = _order(events)
    if rule.extension is None and any(e.kind == "extended" for e in ordered):
        raise DomainError(
            f"{reg.code} {right} ({rule.label}) has no extension ({rule.period_citation}); "
            "remove the 'extended' event"
        )
    check_right(regime, right, received)
    if today is not None:
        _check_date(today, "today")
    cal = get_calendar(reg.default_calendar) if calendar is None else calendar

    limit_citation = reg.rule_citation(rule, received)
    label = rule.label if rule.citation == limit_citation else f"{rule.label} ({rule.citation})"
    lines = [
        f"Received {format_day(received)} ({reg.receipt_note}).",
        f"Rule: {label}: {rule.period.describe()} ({limit_citation}).",
    ]
    if rule.note:
        lines.append(rule.note)
    acknowledge_by = None
    if rule.acknowledge is not None:
        acknowledge_by, ack_lines = rule.acknowledge.due(received, cal)
        lines.append(f"Acknowledge receipt ({rule.acknowledge_citation}): {ack_lines[0]}")
        lines.extend(ack_lines[1:])
    clock = _Clock(reg, rule, cal, received)
    clock.lines = lines
    outcome = clock.run(ordered)

    due = outcome.extended or outcome.respond_by
    target = None
    if due is not None:
        extended = " (extended)" if outcome.extended is not None else ""
        lines.append(f"Respond by {format_day(due)}{extended}.")
        n = settings.target_working_days
        # Never after the due date; never before receipt either.
        target = max(cal.business_days_before(due, n), received)
        lines.append(
            f"Internal target: {format_day(target)} ({n} working days before the date in "
            f"force; {cal.label})."
        )
    stop = outcome.stop
    responded_on = stop.on if stop is not None and stop.kind == "responded" else None
    if responded_on is not None and due is not None:
        late = (responded_on - due).days
        lines.append(
            "Responded on time."
            if late <= 0
            else f"Responded {late} day{'s' if late > 1 else ''} after the date in force."
        )
    if reg.stricter_note and due is not None:
        lines.append(reg.stricter_note)

    status = days_left = None
    if today is not None:
        status = status_on(
            clock_state=outcome.state,
            due=due,
            stopped_by=stop.kind if stop is not None else None,
            stopped_on=stop.on if stop is not None else None,
            today=today,
            due_soon_days=settings.due_soon_days,
        )
        if due is not None:
            days_left = (due - today).days
    return DeadlineResult(
        regime=reg.code,
        right=rule.right,
        received=received,
        clock_start=outcome.clock_start,
        acknowledge_by=acknowledge_by,
        respond_by=outcome.respond_by,
        extended_respond_by=outcome.extended,
        due=due,
        target=target,
        pauses=outcome.pauses,
        paused_days=outcome.paused_days,
        clock_state=outcome.state,
        status=status,
        days_left=days_left,
        responded_on=responded_on,
        stopped_by=stop.kind if stop is not None else None,
        stopped_on=stop.on if stop is not None else None,
        calendar_code=cal.code,
        calendar_version=cal.version,
        explanation=tuple(lines),
    )


def _iso(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def result_to_json(r: DeadlineResult) -> dict[str, object]:
    """The result as JSON-ready values: ISO dates, None where none."""
    return {
        "regime": r.regime,
        "right": r.right,
        "received": r.received.isoformat(),
        "acknowledge_by": _iso(r.acknowledge_by),
        "respond_by": _iso(r.respond_by),
        "extended_respond_by": _iso(r.extended_respond_by),
        "due": _iso(r.due),
        "target": _iso(r.target),
        "status": r.status,
        "days_left": r.days_left,
        "clock_state": r.clock_state,
        "paused_days": r.paused_days,
        "calendar": r.calendar_code,
        "calendar_version": r.calendar_version,
        "explanation": list(r.explanation),
    }
