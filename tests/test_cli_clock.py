"""The statutory clock from the command line: every worked example, the
regimes listing, calendar overrides and the recompute they trigger."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from conneqt_dpo.cli import main
from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.store.services import Services
from tests.conftest import NEW_YORK, FrozenClock
from tests.factories import request

with (Path(__file__).parent / "domain" / "deadline-examples.csv").open() as _f:
    EXAMPLES = list(csv.DictReader(_f))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("row", EXAMPLES, ids=[r["id"] for r in EXAMPLES])
def test_every_worked_example(capsys: pytest.CaptureFixture[str], row: dict[str, str]) -> None:
    argv = ["deadline", "--regime", row["regime"], "--right", row["right"],
            "--received", row["received"], "--json", "--today", "2026-11-24"]  # fmt: skip
    for ev in filter(None, row["events"].split(";")):
        argv += ["--event", ev]
    if row["holidays"]:
        argv += ["--holidays", row["holidays"]]
    code, out, err = run(capsys, *argv)
    if row["expect"] == "refused":
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
        return
    assert code == 0, err
    got = json.loads(out)
    for key in ("acknowledge_by", "respond_by", "extended_respond_by"):
        assert (got[key] or "") == row[key], key
    assert got["explanation"] and got["calendar_version"].startswith("holidays ")
    assert got["due"] == (got["extended_respond_by"] or got["respond_by"])


def test_text_output_explains(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "deadline", "--regime", "uk-gdpr", "--right", "access",
                       "--received", "2026-01-31", "--today", "2026-02-10")  # fmt: skip
    assert code == 0
    assert "Respond by:      Mon 02 Mar 2026" in out
    assert "February has no 31st" in out and "Saturday" in out
    assert "Status:          on-track" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--regime", "mars-law"], "unknown regime"),
        (["--right", "teleport"], "teleport"),
        (["--event", "identity-received"], "KIND=DATE"),
        (["--event", "identity-received=soon"], "not a date"),
        (["--event", "teleported=2026-03-05"], "teleported"),
        (["--event", "identity-requested=2026-02-01"], "before"),
        (["--event", "extended=2026-03-03", "--event", "extended=2026-03-04"], "extension"),
        (["--holidays", "XX"], "unknown holiday calendar"),
        (["--received", "2026-02-30"], "not a date"),
    ],
)
def test_refused_input(capsys: pytest.CaptureFixture[str], extra: list[str], message: str) -> None:
    base = {"--regime": "uk-gdpr", "--right": "access", "--received": "2026-03-02"}
    argv = ["deadline"]
    for k, v in base.items():
        if k not in extra:
            argv += [k, v]
    code, out, err = run(capsys, *argv, *extra)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err


def test_regimes_lists_every_regime_and_right(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "regimes", "--json")
    data = {r["code"]: r for r in json.loads(out)}
    assert code == 0
    assert list(data) == ["eu-gdpr", "uk-gdpr", "ccpa", "hipaa", "va-vcdpa", "co-cpa",
                          "ct-ctdpa", "ut-ucpa", "tx-tdpsa", "or-ocpa", "ia-icdpa", "can-spam"]
    ccpa = {r["code"]: r for r in data["ccpa"]["rights"]}
    assert ccpa["access"]["label"] == "Request to know" and ccpa["access"]["acknowledge"]
    assert ccpa["opt-out-sale"]["extension"] is None
    assert "appeal" not in {r["code"] for r in data["ut-ucpa"]["rights"]}
    assert run(capsys, "regimes")[1].startswith("eu-gdpr: EU GDPR")


def test_a_closure_day_moves_the_stored_dates_and_back(svc: Services, clock: FrozenClock) -> None:
    # Received Fri 20 Nov 2026: one month is Sun 20 Dec -> Mon 21 Dec.
    (ref,) = svc.log_request(request(received_at=dt.datetime(2026, 11, 20, 9, tzinfo=NEW_YORK),
                                     received_reason="post room"))  # fmt: skip
    (other,) = svc.log_request(request(regime="ccpa"))  # another calendar: untouched
    assert svc.get_case(ref).row.due == dt.date(2026, 12, 21)
    moved = svc.set_calendar_day("GB-ENG", dt.date(2026, 12, 21), closed=True,
                                 note="office closed")  # fmt: skip
    assert [(m.reference, m.before, m.after) for m in moved] == [
        (ref, dt.date(2026, 12, 21), dt.date(2026, 12, 22))]  # fmt: skip
    assert svc.get_case(ref).row.due == dt.date(2026, 12, 22)
    assert "office closed" not in json.dumps(svc.get_case(other).to_json())
    assert svc.calendar_days("gb-eng") == [(dt.date(2026, 12, 21), True, "office closed")]
    moved = svc.set_calendar_day("GB-ENG", dt.date(2026, 12, 21), closed=None)
    assert [m.after for m in moved] == [dt.date(2026, 12, 21)]
    assert svc.recompute_deadlines() == []  # nothing left to move
    assert svc.store.verify_audit().ok


def test_an_open_day_makes_a_holiday_count(svc: Services) -> None:
    # ICO example: received 25 Nov 2024, one month is Wed 25 Dec (Christmas),
    # 26 Dec is Boxing Day -> Fri 27 Dec 2024.
    (ref,) = svc.log_request(request(received_at=dt.datetime(2024, 11, 25, 9, tzinfo=NEW_YORK),
                                     received_reason="archive import"))  # fmt: skip
    assert svc.get_case(ref).row.due == dt.date(2024, 12, 27)
    moved = svc.set_calendar_day("GB-ENG", dt.date(2024, 12, 25), closed=False,
                                 note="office open on Christmas Day")  # fmt: skip
    assert [(m.before, m.after) for m in moved] == [(dt.date(2024, 12, 27), dt.date(2024, 12, 25))]
    with pytest.raises(DomainError, match="unknown holiday calendar"):
        svc.set_calendar_day("XX", dt.date(2024, 12, 25), closed=False)


def test_only_dpo_or_admin_change_calendars(svc: Services) -> None:
    from tests.conftest import as_user

    with pytest.raises(Exception, match="only dpo or admin"):
        as_user(svc, "sam").set_calendar_day("GB-ENG", dt.date(2026, 12, 21), closed=True)
    as_user(svc, "ada").set_calendar_day("GB-ENG", dt.date(2026, 12, 21), closed=True)


def test_calendar_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "init")[0] == 0
    code, out, _ = run(capsys, "calendar", "close", "2026-12-21", "--calendar", "GB-ENG")
    assert code == 0 and "0 case(s) moved" in out
    code, out, _ = run(capsys, "calendar", "show", "GB-ENG", "--year", "2026", "--json")
    shown = json.loads(out)
    days = {d["date"]: d for d in shown["closures"]}
    assert days["2026-12-21"]["override"] and days["2026-12-25"]["name"] == "Christmas Day"
    code, _, err = run(capsys, "calendar", "close", "2026-12-21", "--calendar", "MARS")
    assert code == 2 and "unknown holiday calendar" in err
    code, out, _ = run(capsys, "deadlines", "recompute", "--json")
    assert code == 0 and json.loads(out) == []
