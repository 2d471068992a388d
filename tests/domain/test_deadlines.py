"""The statutory clock: the worked examples, each rule of deadlines.md, the
refusals, status, target and the explanation."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from conneqt_dpo.domain.calendars import get_calendar
from conneqt_dpo.domain.deadlines import (
    CLOCK_EVENT_KINDS,
    ClockEvent,
    DeadlineResult,
    DeadlineSettings,
    compute,
    result_to_json,
)
from conneqt_dpo.domain.errors import DomainError

D = dt.date.fromisoformat

# A copy of spec/deadline-examples.csv: the tests must not reach outside
# the project.
EXAMPLES = Path(__file__).with_name("deadline-examples.csv")


def _rows() -> list[dict[str, str]]:
    with EXAMPLES.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _events(received: str, spec: str) -> list[ClockEvent]:
    events = [ClockEvent("received", D(received))]
    for item in filter(None, (part.strip() for part in spec.split(";"))):
        kind, _, on = item.partition("=")
        events.append(ClockEvent(kind, D(on)))
    return events


def _opt(value: str) -> dt.date | None:
    return D(value) if value else None


def run(regime: str, right: str, received: str, *events: str, **kw: object) -> DeadlineResult:
    """compute() with events written as "kind=YYYY-MM-DD"."""
    return compute(regime, right, _events(received, ";".join(events)), **kw)  # type: ignore[arg-type]


# --- The worked examples ----------------------------------------------------

# Every row was checked against its cited rule in deadlines.md; none
# disagrees with the rule it cites. (The fact sheet's own §10(b) table gives
# CCPA ex25-27 as receipt + 45; the rule book and the CSV use receipt + 44,
# "the day of receipt is day 1", §7021(b): the rule book wins.)


@pytest.mark.parametrize("row", _rows(), ids=lambda row: row["id"])
def test_worked_example(row: dict[str, str]) -> None:
    events = _events(row["received"], row["events"])
    calendar = get_calendar(row["holidays"]) if row["holidays"] else None
    if row["expect"] == "refused":
        with pytest.raises(DomainError) as info:
            compute(row["regime"], row["right"], events, calendar=calendar)
        assert "\n" not in str(info.value)
        return
    assert row["expect"] == "ok"
    r = compute(row["regime"], row["right"], events, calendar=calendar)
    assert r.acknowledge_by == _opt(row["acknowledge_by"])
    assert r.respond_by == _opt(row["respond_by"])
    assert r.extended_respond_by == _opt(row["extended_respond_by"])
    assert r.due == (r.extended_respond_by or r.respond_by)
    if row["holidays"]:
        assert r.calendar_code == row["holidays"]


def test_the_examples_cover_every_regime_but_a_few() -> None:
    regimes = {row["regime"] for row in _rows()}
    assert {"uk-gdpr", "eu-gdpr", "ccpa", "hipaa", "va-vcdpa", "can-spam"} <= regimes


# --- UK: restarts (identity, authority, fee) --------------------------------


def test_uk_fee_restarts_the_month() -> None:
    # Fact sheet ex14: fee requested 3 Sep, paid 30 Sep -> 30 Oct 2026.
    r = run(
        "uk-gdpr", "access", "2026-09-01", "fee-requested=2026-09-03", "fee-received=2026-09-30"
    )
    assert r.clock_start == D("2026-09-30")
    assert r.respond_by == D("2026-10-30")
    assert r.clock_state == "running"


def test_uk_waits_while_any_request_is_open() -> None:
    r = run(
        "uk-gdpr",
        "access",
        "2026-03-02",
        "identity-requested=2026-03-03",
        "fee-requested=2026-03-04",
        "identity-received=2026-03-10",
    )
    assert r.clock_state == "waiting"
    assert r.clock_start is None and r.respond_by is None and r.due is None and r.target is None
    assert "No date: the clock waits for the fee." in r.explanation
    r = run(
        "uk-gdpr",
        "access",
        "2026-03-02",
        "identity-requested=2026-03-03",
        "fee-requested=2026-03-04",
        "identity-received=2026-03-10",
        "fee-received=2026-03-12",
    )
    assert r.clock_start == D("2026-03-12")
    assert r.respond_by == D("2026-04-13")  # 12 Apr 2026 is a Sunday


def test_uk_requests_and_answers_pair_in_order() -> None:
    # Two identity requests and one answer: the second is still open.
    r = run(
        "uk-gdpr",
        "access",
        "2026-03-02",
        "identity-requested=2026-03-03",
        "identity-requested=2026-03-05",
        "identity-received=2026-03-10",
    )
    assert r.clock_state == "waiting"
    r = run(
        "uk-gdpr",
        "access",
        "2026-03-02",
        "identity-requested=2026-03-03",
        "identity-requested=2026-03-05",
        "identity-received=2026-03-10",
        "identity-received=2026-03-16",
    )
    assert r.clock_start == D("2026-03-16")
    assert r.respond_by == D("2026-04-16")


def test_uk_an_answer_nobody_asked_for_moves_nothing() -> None:
    r = run("uk-gdpr", "access", "2026-03-02", "identity-received=2026-03-10")
    assert r.clock_start == D("2026-03-02")
    assert r.respond_by == D("2026-04-02")
    assert any("no request for it was open, so it moves nothing" in x for x in r.explanation)
    # A second answer to one request moves nothing either.
    r = run(
        "uk-gdpr",
        "access",
        "2026-03-02",
        "identity-requested=2026-03-03",
        "identity-received=2026-03-10",
        "identity-received=2026-03-20",
    )
    assert r.clock_start == D("2026-03-10")
    assert r.respond_by == D("2026-04-10")


def test_uk_request_after_the_date_in_force_moves_nothing() -> None:
    r = run(
        "uk-gdpr",
        "access",
        "2026-03-02",
        "identity-requested=2026-04-03",
        "identity-received=2026-04-20",
    )
    assert r.respond_by == D("2026-04-02")
    assert r.clock_state == "running"
    assert any("after the date then in force (Thu 2 Apr 2026)" in x for x in r.explanation)
    assert any("made after the date in force" in x for x in r.explanation)


def test_uk_request_answered_on_the_day_it_is_made() -> None:
    # Same date: the request is taken before the answer, whatever the input order.
    r = run(
        "uk-gdpr",
        "access",
        "2026-03-02",
        "authority-received=2026-03-09",
        "authority-requested=2026-03-09",
    )
    assert r.clock_start == D("2026-03-09")
    assert r.respond_by == D("2026-04-09")


def test_uk_restart_on_receipt_day_is_valid() -> None:
    r = run("uk-gdpr", "access", "2026-03-02", "identity-requested=2026-03-02")
    assert r.clock_state == "waiting"


# --- UK: clarification pause ------------------------------------------------


def test_uk_clarification_pause_counts_both_days() -> None:
    r = run(
        "uk-gdpr",
        "access",
        "2026-03-02",
        "clarification-requested=2026-03-05",
        "clarification-received=2026-03-16",
    )
    assert r.paused_days == 12
    assert r.pauses == ((D("2026-03-05"), D("2026-03-16")),)
    assert r.respond_by == D("2026-04-14")


def test_uk_clarification_answered_the_same_day_pauses_one_day() -> None:
    r = run(
        "uk-gdpr",
        "access",
        "2026-03-02",
        "clarification-received=2026-03-05",
        "clarification-requested=2026-03-05",
    )
    assert r.paused_days == 1
    # 3 Apr 2026 is Good Friday, 6 Apr Easter Monday.
    assert r.respond_by == D("2026-04-07")


def test_uk_open_question_pauses_the_clock() -> None:
    r = run("uk-gdpr", "access", "2026-03-02", "clarification-requested=2026-03-05")
    assert r.clock_state == "paused"
    assert r.clock_start == D("2026-03-02")
    assert r.respond_by is None and r.due is None
    assert any("before the pause the date was Thu 2 Apr 2026" in x for x in r.explanation)
    today = D("2026-03-10")
    r = run("uk-gdpr", "access", "2026-03-02", "clarification-requested=2026-03-05", today=today)
    assert (r.status, r.days_left) == ("paused", None)


def test_uk_overlapping_pauses_count_each_day_once() -> None:
    r = run(
        "uk-gdpr",
        "access",
        "2026-03-02",
        "clarification-requested=2026-03-05",
        "clarification-requested=2026-03-08",
        "clarification-received=2026-03-10",  # answers the 5 Mar question
        "clarification-received=2026-03-12",  # answers the 8 Mar question
    )
    # 5-12 Mar: 8 days, not 6 + 5.
    assert r.pauses == ((D("2026-03-05"), D("2026-03-12")),)
    assert r.paused_days == 8
    assert r.respond_by == D("2026-04-10")


def test_uk_pause_counts_only_days_on_or_after_the_start() -> None:
    # The month restarts on 10 Mar; the question was open 5-15 Mar: only
    # 10-15 Mar (6 days) count.
    r = run(
        "uk-gdpr",
        "access",
        "2026-03-02",
        "identity-requested=2026-03-03",
        "clarification-requested=2026-03-05",
        "identity-received=2026-03-10",
        "clarification-received=2026-03-15",
    )
    assert r.clock_start == D("2026-03-10")
    assert r.paused_days == 6
    assert r.respond_by == D("2026-04-16")
    # A pause wholly before the start counts for nothing.
    r = run(
        "uk-gdpr",
        "access",
        "2026-03-02",
        "clarification-requested=2026-03-03",
        "clarification-received=2026-03-04",
        "identity-requested=2026-03-05",
        "identity-received=2026-03-10",
    )
    assert r.paused_days == 0
    assert r.respond_by == D("2026-04-10")


def test_uk_question_after_the_date_in_force_moves_nothing() -> None:
    r = run(
        "uk-gdpr",
        "access",
        "2026-03-02",
        "clarification-requested=2026-04-03",
        "clarification-received=2026-04-10",
    )
    assert r.paused_days == 0
    assert r.respond_by == D("2026-04-02")
    assert any("after the date then in force" in x for x in r.explanation)


def test_uk_question_on_the_date_in_force_counts() -> None:
    r = run(
        "uk-gdpr",
        "access",
        "2026-03-02",
        "clarification-requested=2026-04-02",
        "clarification-received=2026-04-07",
    )
    assert r.paused_days == 6
    assert r.respond_by == D("2026-04-08")


def test_uk_question_after_the_unextended_date_counts_only_for_the_extension() -> None:
    r = run(
        "uk-gdpr",
        "access",
        "2026-03-02",
        "extended=2026-03-20",
        "clarification-requested=2026-04-14",
        "clarification-received=2026-04-20",
    )
    assert r.respond_by == D("2026-04-02")  # the question came after it
    # 2 Jun 2026 + 7 paused days = 9 Jun.
    assert r.extended_respond_by == D("2026-06-09")
    assert r.due == D("2026-06-09")
    assert r.paused_days == 7


def test_uk_combined_restart_pause_and_extension() -> None:
    # Fact sheet ex16.
    r = run(
        "uk-gdpr",
        "access",
        "2026-06-01",
        "identity-requested=2026-06-02",
        "identity-received=2026-06-08",
        "clarification-requested=2026-06-10",
        "clarification-received=2026-06-20",
        "extended=2026-06-25",
    )
    assert r.clock_start == D("2026-06-08")
    assert r.paused_days == 11
    assert r.respond_by == D("2026-07-20")
    assert r.extended_respond_by == D("2026-09-21")


def test_uk_answers_come_before_an_extension_on_the_same_date() -> None:
    # The month ends Sat 28 Feb 2026, rolled to Mon 2 Mar. A question asked
    # on 2 Mar and answered on 3 Mar pauses 2 days: 28 Feb + 2 = 2 Mar, so
    # the date in force stays Mon 2 Mar. The extension sent on 3 Mar is
    # checked after that answer: late.
    events = (
        "clarification-requested=2026-03-02",
        "extended=2026-03-03",
        "clarification-received=2026-03-03",
    )
    with pytest.raises(DomainError, match="after the respond-by date in force"):
        run("uk-gdpr", "access", "2026-01-31", *events)
    r = run("uk-gdpr", "access", "2026-01-31", *events[::2])
    assert r.respond_by == D("2026-03-02")


def test_uk_extension_while_waiting_is_in_time() -> None:
    r = run(
        "uk-gdpr",
        "access",
        "2026-03-02",
        "identity-requested=2026-03-03",
        "extended=2026-04-20",
        "identity-received=2026-04-21",
    )
    assert r.clock_start == D("2026-04-21")
    assert r.respond_by == D("2026-05-21")
    assert r.extended_respond_by == D("2026-07-21")


def test_uk_extension_is_three_months_from_the_start_not_chained() -> None:
    r = run("uk-gdpr", "access", "2026-01-31", "extended=2026-02-20")
    assert r.extended_respond_by == D("2026-04-30")  # chained would be Tue 5 May


def test_uk_citation_depends_on_art_12a() -> None:
    before = run("uk-gdpr", "access", "2026-02-04").explanation
    after = run("uk-gdpr", "access", "2026-02-05").explanation
    assert any("Art 12(3) (received before Art 12A" in line for line in before)
    assert not any("Art 12A;" in line for line in before)
    assert any("UK GDPR Art 12(3) and Art 12A; ICO guidance of 8 Dec 2025" in x for x in after)


# --- EU GDPR ----------------------------------------------------------------


def test_eu_events_move_nothing() -> None:
    r = run(
        "eu-gdpr",
        "access",
        "2026-03-02",
        "fee-requested=2026-03-03",
        "clarification-requested=2026-03-04",
        "clarification-received=2026-03-20",
    )
    assert r.respond_by == D("2026-04-02")
    assert r.clock_state == "running"
    assert r.paused_days == 0
    assert any("neither restarts nor pauses the month" in x for x in r.explanation)


def test_eu_extension_is_the_earlier_of_three_months_and_one_plus_two() -> None:
    # The rule book (deadlines.md, EU GDPR) wins over fact-sheet §10(b) ex23,
    # which gives 30 Apr 2026 for this request: the earlier of the two
    # readings is 28 Apr.
    # 31 Jan + 3 months = 30 Apr; 31 Jan + 1 month = 28 Feb, + 2 = 28 Apr.
    r = run("eu-gdpr", "access", "2026-01-31", "extended=2026-02-20")
    assert r.extended_respond_by == D("2026-04-28")
    assert any("the earlier date is used" in x for x in r.explanation)
    r = run("eu-gdpr", "access", "2026-03-02", "extended=2026-03-20")
    assert r.extended_respond_by == D("2026-06-02")
    # Chained date on a holiday: rolled over the member state's calendar.
    r = run("eu-gdpr", "access", "2026-03-01", "extended=2026-03-20", calendar=get_calendar("IE"))
    assert r.extended_respond_by == D("2026-06-02")  # 1 Jun 2026: June Bank Holiday


def test_eu_extension_after_the_date_is_refused() -> None:
    with pytest.raises(DomainError, match=r"after the respond-by date in force \(Thu 2 Apr 2026\)"):
        run("eu-gdpr", "access", "2026-03-02", "extended=2026-04-03")


# --- CCPA, HIPAA, states, CAN-SPAM -------------------------------------------


def test_ccpa_verification_never_stops_the_clock() -> None:
    r = run("ccpa", "erasure", "2026-02-10", "identity-requested=2026-02-11")
    assert r.clock_state == "running"
    assert r.respond_by == D("2026-03-26")
    assert any("regardless of verification" in x for x in r.explanation)


def test_ccpa_extension_notice_by_day_45() -> None:
    assert run("ccpa", "access", "2026-01-05", "extended=2026-02-18").due == D("2026-04-04")
    with pytest.raises(DomainError, match="after the respond-by date"):
        run("ccpa", "access", "2026-01-05", "extended=2026-02-19")


def test_ccpa_leap_year() -> None:
    assert run("ccpa", "access", "2028-01-15").respond_by == D("2028-02-28")


def test_ccpa_limit_sensitive_and_admt() -> None:
    assert run("ccpa", "limit-sensitive", "2026-11-20").respond_by == D("2026-12-11")
    us = get_calendar("US")
    assert run("ccpa", "limit-sensitive", "2026-11-20", calendar=us).respond_by == D("2026-12-14")
    ca = get_calendar("US-CA")
    assert run("ccpa", "limit-sensitive", "2026-11-20", calendar=ca).respond_by == D("2026-12-15")
    assert run("ccpa", "automated-decision", "2027-01-04", calendar=us).respond_by == D(
        "2027-01-26"
    )
    with pytest.raises(DomainError, match="only for requests received from 1 Jan 2027"):
        run("ccpa", "automated-decision", "2026-12-31")


def test_ccpa_acknowledgement_over_holidays() -> None:
    r = run("ccpa", "erasure", "2025-12-22", calendar=get_calendar("US"))
    assert r.acknowledge_by == D("2026-01-07")
    assert run("ccpa", "erasure", "2025-12-22").acknowledge_by == D("2026-01-05")


def test_hipaa_amendment_and_access() -> None:
    assert run("hipaa", "access", "2028-02-01").respond_by == D("2028-03-02")
    with pytest.raises(DomainError, match="after the respond-by date"):
        run("hipaa", "access", "2026-01-15", "extended=2026-02-15")


@pytest.mark.parametrize(
    ("regime", "received", "respond_by", "extended"),
    [
        ("co-cpa", "2026-05-01", "2026-06-15", "2026-08-14"),
        ("ct-ctdpa", "2026-08-14", "2026-10-13", None),
        ("or-ocpa", "2026-07-10", "2026-08-24", None),
        ("tx-tdpsa", "2026-05-01", "2026-06-30", None),
        ("ia-icdpa", "2026-05-01", "2026-06-30", None),
        ("va-vcdpa", "2026-05-01", "2026-06-30", None),
    ],
)
def test_state_appeals(regime: str, received: str, respond_by: str, extended: str | None) -> None:
    assert run(regime, "appeal", received).respond_by == D(respond_by)
    if extended:
        r = run(regime, "appeal", received, f"extended={received}")
        assert r.extended_respond_by == D(extended)
    else:
        with pytest.raises(DomainError, match="has no extension"):
            run(regime, "appeal", received, f"extended={received}")


def test_state_extensions() -> None:
    r = run("ut-ucpa", "access", "2027-02-01", "extended=2027-03-01")
    assert (r.respond_by, r.extended_respond_by) == (D("2027-03-18"), D("2027-05-02"))
    r = run("ia-icdpa", "access", "2026-03-02", "extended=2026-05-31")
    assert r.extended_respond_by == D("2026-07-15")  # 90 + 45
    assert run("ut-ucpa", "rectification", "2026-07-01").respond_by == D("2026-08-15")


def test_can_spam_has_no_extension() -> None:
    with pytest.raises(DomainError, match="has no extension"):
        run("can-spam", "marketing-objection", "2026-11-23", "extended=2026-11-24")
    r = run("can-spam", "marketing-objection", "2026-11-23", calendar=get_calendar("US"))
    assert r.respond_by == D("2026-12-08")


# --- Refusals ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("regime", "right", "events", "message"),
    [
        ("gdpr", "access", [], "unknown regime 'gdpr'; the regimes are: eu-gdpr"),
        ("uk-gdpr", "teleport", [], "uk-gdpr has no right 'teleport'"),
        ("ut-ucpa", "appeal", [], "ut-ucpa has no right 'appeal'"),
        ("ccpa", "restriction", [], "ccpa has no right 'restriction'"),
        ("uk-gdpr", "opt-out-sale", [], "uk-gdpr has no right 'opt-out-sale'"),
        ("hipaa", "erasure", [], "hipaa has no right 'erasure'"),
        (
            "uk-gdpr",
            "access",
            ["extended=2026-03-10", "extended=2026-03-20"],
            "only one extension is allowed; found 2",
        ),
        ("ccpa", "opt-out-sale", ["extended=2026-03-03"], "has no extension"),
        ("ccpa", "limit-sensitive", ["extended=2026-03-03"], "has no extension"),
        ("uk-gdpr", "access", ["extended=2026-04-03"], "after the respond-by date in force"),
        ("ccpa", "access", ["identity-requested=2026-03-01"], "is before the request was received"),
        ("uk-gdpr", "access", ["responded=2026-02-27"], "is before the request was received"),
        (
            "uk-gdpr",
            "access",
            ["fee-received=2026-03-05", "fee-requested=2026-03-06"],
            "fee-received on Thu 5 Mar 2026 is before the first fee-requested",
        ),
        (
            "eu-gdpr",
            "access",
            ["clarification-received=2026-03-05", "clarification-requested=2026-03-06"],
            "before the first clarification-requested",
        ),
        ("uk-gdpr", "access", ["received=2026-03-03"], "exactly one 'received' event; found 2"),
    ],
)
def test_refusals(regime: str, right: str, events: list[str], message: str) -> None:
    with pytest.raises(DomainError) as info:
        run(regime, right, "2026-03-02", *events)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_no_received_event_is_refused() -> None:
    with pytest.raises(DomainError, match="no 'received' event"):
        compute("uk-gdpr", "access", [ClockEvent("responded", D("2026-03-02"))])
    with pytest.raises(DomainError, match="no 'received' event"):
        compute("uk-gdpr", "access", [])


def test_bad_events_are_refused() -> None:
    assert len(CLOCK_EVENT_KINDS) == 12
    with pytest.raises(DomainError, match="unknown clock event 'paused'; the kinds are: received"):
        ClockEvent("paused", D("2026-03-02"))
    with pytest.raises(DomainError, match="must be a date"):
        ClockEvent("received", dt.datetime(2026, 3, 2, 9, 0))
    with pytest.raises(DomainError, match="must be a date"):
        ClockEvent("received", "2026-03-02")  # type: ignore[arg-type]
    with pytest.raises(DomainError, match="out of range"):
        ClockEvent("received", D("9999-12-31"))
    with pytest.raises(DomainError, match="must be a ClockEvent"):
        compute("uk-gdpr", "access", [("received", D("2026-03-02"))])  # type: ignore[list-item]
    with pytest.raises(DomainError, match="today must be a date"):
        run("uk-gdpr", "access", "2026-03-02", today=dt.datetime(2026, 3, 2, 9, 0))


def test_bad_settings_are_refused() -> None:
    with pytest.raises(DomainError, match="target_working_days"):
        DeadlineSettings(target_working_days=-1)
    with pytest.raises(DomainError, match="due_soon_days"):
        DeadlineSettings(due_soon_days=True)


def test_events_after_the_clock_stopped_move_nothing() -> None:
    r = run(
        "uk-gdpr",
        "access",
        "2026-03-02",
        "responded=2026-03-20",
        "identity-requested=2026-03-25",
        "extended=2026-03-26",
    )
    assert r.clock_state == "stopped"
    assert r.respond_by == D("2026-04-02")
    assert r.extended_respond_by is None
    assert r.responded_on == D("2026-03-20")
    assert any("after the clock stopped" in x for x in r.explanation)


# --- Status, days left, target ----------------------------------------------


@pytest.mark.parametrize(
    ("today", "status", "days_left"),
    [
        ("2026-03-01", "on-track", 32),
        ("2026-03-25", "on-track", 8),
        ("2026-03-26", "due-soon", 7),
        ("2026-04-01", "due-soon", 1),
        ("2026-04-02", "due-today", 0),
        ("2026-04-03", "overdue", -1),
    ],
)
def test_status_of_a_running_clock(today: str, status: str, days_left: int) -> None:
    r = run("uk-gdpr", "access", "2026-03-02", today=D(today))
    assert (r.status, r.days_left) == (status, days_left)


def test_status_due_soon_setting() -> None:
    settings = DeadlineSettings(due_soon_days=10)
    r = run("uk-gdpr", "access", "2026-03-02", today=D("2026-03-23"), settings=settings)
    assert (r.status, r.days_left) == ("due-soon", 10)


def test_status_once_stopped() -> None:
    kw = {"today": D("2026-05-01")}
    met = run("uk-gdpr", "access", "2026-03-02", "responded=2026-04-02", **kw)
    assert (met.status, met.clock_state, met.days_left) == ("met", "stopped", -29)
    late = run("uk-gdpr", "access", "2026-03-02", "responded=2026-04-03", **kw)
    assert late.status == "met-late"
    assert "Responded 1 day after the date in force." in late.explanation
    gone = run("uk-gdpr", "access", "2026-03-02", "withdrawn=2026-03-10", **kw)
    assert (gone.status, gone.responded_on) == ("withdrawn", None)
    # A response while the clock waits for identity is in time.
    events = ("identity-requested=2026-03-03", "responded=2026-05-20")
    early = run("uk-gdpr", "access", "2026-03-02", *events, today=D("2026-06-01"))
    assert (early.due, early.status, early.clock_state) == (None, "met", "stopped")
    assert "No date: the clock stopped while it waited for identity." in early.explanation


def test_status_waiting_and_none_without_today() -> None:
    r = run(
        "uk-gdpr", "access", "2026-03-02", "identity-requested=2026-03-03", today=D("2026-04-30")
    )
    assert (r.status, r.days_left) == ("waiting", None)
    r = run("uk-gdpr", "access", "2026-03-02")
    assert (r.status, r.days_left) == (None, None)


def test_target_is_working_days_before_the_due_date() -> None:
    r = run("uk-gdpr", "access", "2026-03-02")
    assert r.target == D("2026-03-26")  # 5 working days before Thu 2 Apr
    # Good Friday and Easter Monday are not working days.
    r = run("uk-gdpr", "access", "2026-03-09")
    assert r.due == D("2026-04-09")
    assert r.target == D("2026-03-31")
    r = run("uk-gdpr", "access", "2026-03-09", settings=DeadlineSettings(target_working_days=0))
    assert r.target == r.due
    # HIPAA: due on a Saturday; the target is still working days before it.
    r = run("hipaa", "access", "2026-01-15")
    assert r.target == D("2026-02-09")


def test_target_never_before_receipt() -> None:
    settings = DeadlineSettings(target_working_days=30)
    r = run("can-spam", "marketing-objection", "2026-11-23", settings=settings)
    assert r.target == D("2026-11-23")
    assert r.target <= r.due  # type: ignore[operator]


def test_calendar_override_and_version() -> None:
    r = run("uk-gdpr", "access", "2026-10-30", calendar=get_calendar("GB-SCT"))
    assert r.respond_by == D("2026-12-01")  # 30 Nov 2026: St Andrew's Day
    assert r.calendar_code == "GB-SCT"
    assert r.calendar_version.startswith("holidays ")
    assert run("uk-gdpr", "access", "2026-10-30").respond_by == D("2026-11-30")


# --- Explanation ------------------------------------------------------------


def test_explanation_matches_the_rule_book_example() -> None:
    lines = run("uk-gdpr", "erasure", "2026-01-31").explanation
    expected = [
        "Received Sat 31 Jan 2026 (ICO: the month starts on the day of receipt, even a "
        "non-working day).",
        "One calendar month: 28 Feb 2026 (February has no 31st).",
        "28 Feb 2026 is a Saturday; next working day Mon 2 Mar 2026 (ICO).",
        "Respond by Mon 2 Mar 2026.",
    ]
    for line in expected:
        assert line in lines
    assert [lines.index(line) for line in expected] == sorted(lines.index(x) for x in expected)
    assert lines[0] == expected[0]
    assert any("Zoan v Rouamba" in line for line in lines)


def test_explanation_names_holidays() -> None:
    lines = run("uk-gdpr", "access", "2024-11-25").explanation
    assert (
        "25 Dec 2024 is a bank holiday (Christmas Day); 26 Dec 2024 is a bank holiday "
        "(Boxing Day); next working day Fri 27 Dec 2024 (ICO)."
    ) in lines
    lines = run("eu-gdpr", "access", "2026-02-17", calendar=get_calendar("IE")).explanation
    assert any("is a public holiday (Saint Patrick's Day)" in x for x in lines)
    assert any("Reg 1182/71 Art 3(4)" in x for x in lines)
    lines = run("ccpa", "opt-out-sale", "2026-06-12", calendar=get_calendar("US")).explanation
    assert any("Juneteenth" in x and "Independence Day (observed)" in x for x in lines)


def test_explanation_month_end_in_a_leap_year() -> None:
    lines = run("uk-gdpr", "access", "2027-01-29").explanation
    assert "One calendar month: 28 Feb 2027 (February 2027 has no 29th)." in lines


def test_explanation_of_a_pause_and_an_extension() -> None:
    lines = run(
        "uk-gdpr",
        "access",
        "2026-03-02",
        "clarification-requested=2026-03-05",
        "clarification-received=2026-03-16",
        "extended=2026-03-20",
    ).explanation
    assert "Plus 12 paused days: 14 Apr 2026." in lines
    assert "Unextended respond-by date: Tue 14 Apr 2026." in lines
    # 2 Jun 2026 + 12 = Sun 14 Jun, rolled to Mon 15 Jun.
    assert "Respond by Mon 15 Jun 2026 (extended)." in lines
    assert any(x.startswith("Clarification asked Thu 5 Mar 2026: the clock pauses") for x in lines)


def test_explanation_of_marketing_objections() -> None:
    for regime in ("uk-gdpr", "eu-gdpr"):
        lines = run(regime, "marketing-objection", "2026-03-02").explanation
        assert any("21(3): processing for direct marketing must stop at once" in x for x in lines)
        assert any("only for the written confirmation" in x for x in lines)
    assert run("uk-gdpr", "marketing-objection", "2026-03-02").respond_by == D("2026-04-02")


def test_explanation_of_calendar_days_on_a_weekend() -> None:
    lines = run("hipaa", "access", "2026-01-15").explanation
    assert "30 calendar days after receipt: Sat 14 Feb 2026; calendar days are not rolled." in lines
    assert "14 Feb 2026 is a Saturday: plan to answer by Fri 13 Feb 2026." in lines
    lines = run("ccpa", "access", "2026-01-05").explanation
    assert any("beginning on the day of receipt (day 1): Wed 18 Feb 2026" in x for x in lines)
    assert any(x.startswith("Acknowledge receipt (11 CCR §7021(a))") for x in lines)


# --- Result shape -----------------------------------------------------------


def test_result_to_json() -> None:
    r = run("ccpa", "access", "2026-01-05", "extended=2026-02-10", today=D("2026-02-01"))
    data = result_to_json(r)
    assert set(data) == {
        "regime",
        "right",
        "received",
        "acknowledge_by",
        "respond_by",
        "extended_respond_by",
        "due",
        "target",
        "status",
        "days_left",
        "clock_state",
        "paused_days",
        "calendar",
        "calendar_version",
        "explanation",
    }
    assert data["received"] == "2026-01-05"
    assert data["acknowledge_by"] == "2026-01-19"
    assert data["respond_by"] == "2026-02-18"
    assert data["extended_respond_by"] == "2026-04-04"
    assert data["due"] == "2026-04-04"
    assert data["status"] == "on-track"
    assert data["calendar"] == "NONE"
    assert isinstance(data["explanation"], list)
    json.dumps(data)  # serialisable as is
    waiting = result_to_json(run("uk-gdpr", "access", "2026-03-02", "fee-requested=2026-03-02"))
    assert waiting["due"] is None and waiting["target"] is None and waiting["status"] is None


def test_result_is_frozen_and_compute_is_pure() -> None:
    events = _events("2026-03-02", "clarification-requested=2026-03-05")
    first = compute("uk-gdpr", "access", events)
    assert compute("uk-gdpr", "access", events) == first
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.due = D("2026-01-01")  # type: ignore[misc]
    assert events == _events("2026-03-02", "clarification-requested=2026-03-05")
