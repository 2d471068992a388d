"""The statutory clock's speed: deadlines (with explanations) for 100,000
cases in memory, and the store's recompute of 100,000 cases.

Run: .venv/bin/python bench/bench_clock.py [--cases N]. Prints numbers; the
aims (DESIGN.md) are ~20 µs per computation (100,000 in 2 s on one core) and
a store recompute of 100,000 under 30 s. Nothing here is asserted.

The store is encrypted like any local store (SQLCipher), unlocked as the
store bench unlocks its own (bench_store.bench_unlock: a bench passphrase,
a cheap Argon2id cost, no OS keyring); opening it is not timed."""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from conneqt_dpo.domain import deadlines
from conneqt_dpo.store.engine import sqlite_url
from conneqt_dpo.store.models import Case, ClockEventRow, DataSubject, RequestGroup
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.store import open_store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import bench_unlock  # beside this file: one way to unlock a bench store

MIX = [("uk-gdpr", "access"), ("eu-gdpr", "erasure"), ("ccpa", "access"),
       ("ccpa", "opt-out-sale"), ("hipaa", "access"), ("va-vcdpa", "access")]  # fmt: skip
START = dt.date(2025, 1, 1)


def workload(n: int, rng: random.Random) -> list[tuple[str, str, list[deadlines.ClockEvent]]]:
    out = []
    for _ in range(n):
        regime, right = rng.choice(MIX)
        received = START + dt.timedelta(days=rng.randrange(700))
        events = [deadlines.ClockEvent("received", received)]
        if regime == "uk-gdpr" and rng.random() < 0.2:
            asked = received + dt.timedelta(days=rng.randrange(1, 10))
            events += [
                deadlines.ClockEvent("clarification-requested", asked),
                deadlines.ClockEvent(
                    "clarification-received", asked + dt.timedelta(days=rng.randrange(1, 15))
                ),
            ]
        out.append((regime, right, events))  # fmt: skip
    return out


def bench_memory(n: int) -> dict[str, float]:
    work = workload(n, random.Random(1))
    today = dt.date(2026, 11, 24)
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        for regime, right, events in work:
            deadlines.compute(regime, right, events, today=today)
        runs.append(time.perf_counter() - t0)
    best, median = min(runs), statistics.median(runs)
    return {"cases": n, "best_s": best, "median_s": median, "us_each": best / n * 1e6,
            "per_s": n / best}  # fmt: skip


def bench_store(n: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        # The URL is given so that no CONNEQT_DPO_* variable of the caller leaks in.
        data = Path(tmp)
        store = open_store(sqlite_url(data / "store.db"), data, unlock=bench_unlock())
        svc = Services(store)
        svc.init(name="Bench DPO")
        work = workload(n, random.Random(2))
        now = dt.datetime(2026, 11, 24, 12)
        t0 = time.perf_counter()
        with store.write() as s:
            s.execute(
                insert(DataSubject),
                [
                    {
                        "id": 1,
                        "name": "Bench Person",
                        "email": "bench@example.org",
                        "created_at": now,
                    }
                ],
            )
            s.execute(
                insert(RequestGroup),
                [
                    {
                        "id": 1,
                        "channel": "email",
                        "received_at": now,
                        "created_at": now,
                        "created_by": 1,
                    }
                ],
            )
            cases, events = [], []
            for i, (regime, right, evs) in enumerate(work, start=1):
                received = evs[0].on
                cases.append(
                    {
                        "id": i,
                        "reference": f"DSR-{received.year}-{i:06d}",
                        "year": received.year,
                        "number": i,
                        "group_id": 1,
                        "subject_id": 1,
                        "regime": regime,
                        "right": right,
                        "channel": "email",
                        "received_at": now,
                        "received_on": received,
                        "state": "in-progress",
                        "clock_state": "running",
                        "sort_due": dt.date(9999, 12, 31),
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                events += [
                    {"case_id": i, "kind": e.kind, "on": e.on, "recorded_at": now, "recorded_by": 1}
                    for e in evs
                ]
            s.execute(insert(Case), cases)
            s.execute(insert(ClockEventRow), events)  # fmt: skip
        fill = time.perf_counter() - t0
        t0 = time.perf_counter()
        moved = svc.recompute_deadlines()
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = svc.recompute_deadlines()
        second = time.perf_counter() - t0
        store.close()
    return {"cases": n, "fill_s": fill, "recompute_s": first, "moved": len(moved),
            "per_s": n / first, "noop_recompute_s": second, "moved_again": len(again)}  # fmt: skip


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--cases", type=int, default=100_000)
    args = p.parse_args()
    print(f"python {sys.version.split()[0]}")
    m = bench_memory(args.cases)
    print(f"in memory: {m['cases']:,} deadlines with explanations: best {m['best_s']:.2f} s "
          f"(median {m['median_s']:.2f} s), {m['us_each']:.1f} µs each, "
          f"{m['per_s']:,.0f}/s  [aim: 2 s, ~20 µs]")  # fmt: skip
    s = bench_store(args.cases)
    print(f"store: recompute {s['cases']:,} cases: {s['recompute_s']:.1f} s "
          f"({s['per_s']:,.0f}/s, {s['moved']:,} dates written)  [aim: 30 s]; "
          f"again with nothing to move: {s['noop_recompute_s']:.1f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
