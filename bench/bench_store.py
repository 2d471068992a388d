"""Store benchmark: the services against plain driver calls on the same work,
on the encrypted (SQLCipher) store.

    .venv/bin/python bench/bench_store.py [--log N] [--list M] [--reps R]

1. Logging: N requests (one right each) through `Services.log_request` into
   a store opened by `open_store` (SQLCipher, keyed with the store subkey),
   and the same rows written with plain `sqlcipher3` calls (one transaction
   per request, same raw key, same pragmas (WAL, synchronous=FULL), same
   real schema, same SQL statements in the same order, the audit chain
   HMAC-sealed with the same audit subkey) into a copy of the same freshly
   initialised store. The same plain loop also writes a decrypted copy of
   that store through the same driver (no key): the cost of encryption
   itself. The three writers take turns, a tenth of the requests at a time.
   All three stores must end up with the same rows and the same audit chain
   head; the ratios services/raw (aim: within 3x) and sqlcipher/plain are
   printed.
2. Listing: a store of M cases, bulk-filled with SQLAlchemy Core into the
   tables the real migrations create; first pages (limit 500) and counts
   through the services against the SELECT the services generate, run as
   plain `sqlcipher3` calls on the same keyed file (aim: within 2x), plus
   the time to open the store.
3. A table, the machine, and a JSON copy in bench/results/.

The stores' master keys are wrapped with a cheap Argon2id cost (BENCH_KDF)
and no OS keyring is used (the null backend): deriving the key happens once
per `open_store` and is not what is measured; its cost at the default
parameters is measured once and printed beside the results.

Numbers only: nothing here asserts a timing. Every store lives in a
temporary folder (removed at the end unless --keep); the clock is frozen
(Tue 24 Nov 2026, 10:00 New York), the data are fake (names, @example.org).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import dataclasses
import datetime as dt
import io
import json
import os
import platform
import pstats
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import keyring
import keyring.backends.null
import sqlalchemy
import sqlcipher3
from benchlib import save_results, workdir
from sqlalchemy import insert

from conneqt_dpo.domain import calendars, deadlines, regimes
from conneqt_dpo.domain.intake import email_key, name_key, phone_key, suppression_reason
from conneqt_dpo.domain.settings import Settings
from conneqt_dpo.domain.workflow import OPEN_STATES, Channel, State
from conneqt_dpo.store import audit, clock, keys, settings_rows
from conneqt_dpo.store import engine as engine_mod
from conneqt_dpo.store.crypto import new_master_key
from conneqt_dpo.store.engine import BUSY_TIMEOUT_MS, sqlite_url
from conneqt_dpo.store.models import (
    Case,
    DataSubject,
    ReferenceCounter,
    RequestGroup,
    User,
)
from conneqt_dpo.store.services import Services, format_reference
from conneqt_dpo.store.store import DEFAULT_KDF, Store, Unlock, open_store
from conneqt_dpo.store.views import CaseQuery, CaseRow, NewRequest

NEW_YORK = ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=NEW_YORK)  # as in tests/conftest.py
TODAY = NOW.date()

LOG_AIM = 3.0
LIST_AIM = 2.0
PAGE = 500

# Not a secret: it wraps the keys of throw-away stores of fake data.
BENCH_PASSPHRASE = "bench passphrase for fake stores"
# A cheap Argon2id cost (the tests' FAST_KDF): each open_store derives the
# key once, which is not what this bench measures; kdf_cost() times the
# default cost separately.
BENCH_KDF = keys.KdfParams(memory_kib=1024, iterations=1, lanes=1)

REGIMES = ("uk-gdpr", "eu-gdpr", "ccpa", "hipaa")
REGIME_WEIGHTS = (35, 30, 25, 10)
CHANNELS = tuple(c.value for c in Channel)
FIRST = (
    "Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Freya", "Leo",
    "Sofia", "Liam", "Chloe", "Mateo", "Emma", "Lucas", "Zoe", "Hugo", "Nora", "Elias",
    "Maya", "Jonas", "Aisha", "Omar", "Priya", "Ravi", "Mei", "Kenji", "Ines", "Tomas",
)  # fmt: skip
LAST = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Wright", "Garcia", "Martinez", "Muller", "Schmidt", "Rossi", "Dubois", "Novak", "Kowalski",
    "Nguyen", "Kim", "Okafor", "Mensah", "Silva", "Santos", "Jansen", "Larsen", "Murphy",
    "Kelly", "O'Brien", "Fischer",
)  # fmt: skip
# A surname a handful of the 100,000 listing subjects carry: the selective search.
RARE_SURNAME = "Quartermaine"


# -- small helpers ------------------------------------------------------------


def _iso_dt(t: dt.datetime) -> str:
    """A naive datetime as SQLAlchemy's SQLite DateTime stores it."""
    return t.isoformat(sep=" ", timespec="microseconds")


def _iso_d(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def bench_unlock() -> Unlock:
    """How every bench store is unlocked: the bench passphrase (for a new
    store and an existing one alike), never the caller's environment, and
    the null keyring so that the OS keyring is never read or written."""
    keyring.set_keyring(keyring.backends.null.Keyring())  # type: ignore[no-untyped-call]
    return Unlock(
        ask=lambda _prompt: BENCH_PASSPHRASE,
        ask_new=lambda _prompt: BENCH_PASSPHRASE,
        kdf=BENCH_KDF,
        env={},
    )


def _new_store(data_dir: Path) -> Store:
    """Open (creating it the first time) the store in data_dir. The URL is
    given so that no CONNEQT_DPO_* variable of the caller leaks in."""
    return open_store(
        sqlite_url(data_dir / "store.db"), data_dir, clock=lambda: NOW, unlock=bench_unlock()
    )


def _services(store: Store) -> Services:
    return Services(store, clock=lambda: NOW)


def _raw_connect(path: Path, raw_key: str | None) -> sqlcipher3.Connection:
    """A plain driver connection set up like the store's engine: the raw key
    first (engine.connect; None for a plain file), then the pragmas of
    engine.make_engine, autocommit so that BEGIN IMMEDIATE starts each
    transaction as the engine's begin event does."""
    con = engine_mod.connect(path, raw_key, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    con.execute("PRAGMA foreign_keys=ON")
    con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    return con


def decrypted_copy(source: Path, raw_key: str, target: Path) -> None:
    """A plain (unencrypted) copy of an SQLCipher store, schema, triggers,
    rows and user_version alike (SQLCipher's sqlcipher_export into a
    database attached with an empty key): the baseline for what the
    encryption itself costs."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with engine_mod.connection(source, raw_key) as con:
        con.isolation_level = None
        literal = str(target).replace("'", "''")
        con.execute(f"ATTACH DATABASE '{literal}' AS plain KEY ''")
        try:
            con.execute("SELECT sqlcipher_export('plain')")
            version = int(con.execute("PRAGMA user_version").fetchone()[0])
            con.execute(f"PRAGMA plain.user_version = {version}")
        finally:
            con.execute("DETACH DATABASE plain")
    if engine_mod.file_kind(target) != "plain":
        raise RuntimeError(f"{target} did not come out as a plain SQLite file")


def kdf_cost(reps: int = 3) -> dict[str, Any]:
    """What the key derivation this bench leaves out costs: wrapping a key
    at DEFAULT_KDF (one Argon2id derivation, as each unlock by passphrase
    does; an unlock from the keyring derives nothing), and at BENCH_KDF."""
    master = new_master_key()
    out: dict[str, Any] = {}
    for label, params in (("default", DEFAULT_KDF), ("bench", BENCH_KDF)):
        t = Timing()
        for _ in range(reps):
            start = time.perf_counter()
            keys.wrap(master, BENCH_PASSPHRASE, params)
            t.samples.append(time.perf_counter() - start)
        out[label] = {"params": dataclasses.asdict(params), **t.to_json()}
    return out


def _kdf_text(p: Mapping[str, int]) -> str:
    return f"{p['memory_kib'] // 1024} MiB, t={p['iterations']}, p={p['lanes']}"


@dataclass
class Timing:
    """Repeated wall-clock measurements of one thing, in seconds."""

    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def best(self) -> float:
        return min(self.samples)

    def to_json(self) -> dict[str, Any]:
        return {"median_s": self.median, "best_s": self.best, "samples_s": self.samples}


def _ms(s: float) -> str:
    return f"{s * 1000:9.2f}"


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("inf")


# -- 1. logging -----------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    name: str
    email: str


def make_requests(n: int, rng: random.Random) -> list[NewRequest]:
    """N requests, one right each: varied regimes and channels, a tenth from
    someone who asked before (same name and email), a fifth backdated with a
    reason, a tenth with a note."""
    people: list[Person] = []
    out: list[NewRequest] = []
    for i in range(n):
        if people and rng.random() < 0.10:
            who = rng.choice(people)
        else:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            local = f"{first}.{last}".lower().replace("'", "")
            who = Person(f"{first} {last}", f"{local}.{i}@example.org")
            people.append(who)
        regime = rng.choices(REGIMES, REGIME_WEIGHTS)[0]
        received_at: dt.datetime | None = None
        reason: str | None = None
        if rng.random() < 0.20:
            received_at = NOW - dt.timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 8))
            reason = "letter opened late"
        received_on = (received_at or NOW).date()
        right = rng.choice(regimes.available_rights(regime, received_on))
        note = f"Caller asked for a copy by post ({i})." if rng.random() < 0.10 else None
        out.append(
            NewRequest(
                regime=regime,
                rights=(right,),
                channel=rng.choice(CHANNELS),
                name=who.name,
                email=who.email,
                received_at=received_at,
                received_reason=reason,
                note=note,
            )
        )
    return out


@dataclass
class Run:
    """One writer's pass over the requests, in turns: wall and CPU seconds,
    and wall µs per request for each tenth of the pass (to show work that
    grows with the store)."""

    wall_s: float = 0.0
    cpu_s: float = 0.0
    us_by_tenth: list[float] = field(default_factory=list)

    def to_json(self, n: int) -> dict[str, Any]:
        return {
            "total_s": self.wall_s,
            "us_per_request": self.wall_s / n * 1e6,
            "us_per_request_median_tenth": statistics.median(self.us_by_tenth),
            "requests_per_s": n / self.wall_s,
            "cpu_s": self.cpu_s,
            "cpu_us_per_request": self.cpu_s / n * 1e6,
            "us_per_request_by_tenth": self.us_by_tenth,
        }


def interleaved(
    writers: Mapping[str, Callable[[NewRequest], object]],
    requests: Sequence[NewRequest],
    rounds: int = 10,
) -> dict[str, Run]:
    """Every writer logs all the requests in the same order, a tenth at a
    time, the writers taking turns (who goes first rotates each round): a
    slow spell of a shared machine then falls on all of them alike instead
    of on whichever ran second, and each tenth gives one ratio."""
    n = len(requests)
    rounds = max(1, min(rounds, n))
    bounds = [n * i // rounds for i in range(rounds + 1)]
    names = list(writers)
    runs = {name: Run() for name in names}
    for k in range(rounds):
        chunk = requests[bounds[k] : bounds[k + 1]]
        for j in range(len(names)):
            name = names[(k + j) % len(names)]
            log_one = writers[name]
            cpu = time.process_time()
            start = time.perf_counter()
            for req in chunk:
                log_one(req)
            wall = time.perf_counter() - start
            run = runs[name]
            run.wall_s += wall
            run.cpu_s += time.process_time() - cpu
            run.us_by_tenth.append(wall / len(chunk) * 1e6)
    return runs


def _median_ratio(a: Run, b: Run) -> float:
    """The median over the tenths of a's time over b's on the same tenth."""
    return statistics.median(
        _ratio(x, y) for x, y in zip(a.us_by_tenth, b.us_by_tenth, strict=True)
    )


# One audit event to append: action, entity, entity id, reference, fields, detail.
RawEvent = tuple[str, str, int | None, str | None, list[str], dict[str, Any]]


class RawLogger:
    """What `Services.log_request` writes, as plain driver calls against the
    same schema, statement for statement in the order the services issue
    them (intake_services.py `log_request`), one BEGIN IMMEDIATE ... COMMIT
    per request:

    the actor look-up (first active DPO); the settings (the time zone that
    dates the receipt, the calendar and deadline settings); the subject
    look-up by the indexed `email_key` with the same name match; a new
    subject (with its email, phone and name keys); the request group; the
    active data systems (a task per system and case); the counter UPDATE
    ... RETURNING reserving all the request's numbers (a year's first
    request inserts the row); the closure days of the calendar (one SELECT
    per calendar and transaction, as `clock.CalendarCache`) and the dates
    from the same deadline engine; the case with the `clock.columns`, its
    received clock event, the note; the suppression list for an opt-out or
    a marketing objection; then the audit batch as `audit.append_many`
    (anchor row read, events HMAC-SHA256-chained with the audit subkey in
    one executemany, anchor row moved). The schema's own triggers (the
    case_search FTS index) run for every writer alike.

    Not done: the input checks before the transaction (the bench's requests
    are clean), and the anchor file the store writes outside the database
    after a commit, at most once a second (`Store._advance_anchor_file`);
    its cost shows in the profile."""

    def __init__(self, con: sqlcipher3.Connection, audit_key: bytes) -> None:
        self.con = con
        self.audit_key = audit_key
        self.stamp_text = _iso_dt(NOW.astimezone(dt.UTC).replace(tzinfo=None))
        self.occurred_at = NOW.astimezone(dt.UTC).isoformat(timespec="microseconds")

    def _settings(self) -> Settings:
        """As `settings_rows.load_settings`: every row, JSON-decoded."""
        values: dict[str, object] = {}
        for key, value in self.con.execute('SELECT settings."key", settings.value FROM settings'):
            with contextlib.suppress(ValueError):
                values[key] = json.loads(value)
        values.pop(settings_rows.ORGANISATION_KEY, None)
        return Settings.from_mapping(values, lenient=True)

    def _calendar(self, code: str, seen: dict[str, calendars.Calendar]) -> calendars.Calendar:
        key = code.strip().upper()
        cal = seen.get(key)
        if cal is None:
            rows = self.con.execute(
                "SELECT closure_days.day, closure_days.closed FROM closure_days "
                "WHERE closure_days.calendar = ?",
                (key,),
            ).fetchall()
            cal = calendars.get_calendar(
                key,
                extra_closures=[dt.date.fromisoformat(d) for d, closed in rows if closed],
                open_days=[dt.date.fromisoformat(d) for d, closed in rows if not closed],
            )
            seen[key] = cal
        return cal

    def _find_subject(self, name: str, email: str) -> int | None:
        """The same email and name asked before. The bench's requests give
        no phone, address or country, so there is never a detail to fill in."""
        rows = self.con.execute(
            "SELECT data_subjects.id, data_subjects.name, data_subjects.phone, "
            "data_subjects.address, data_subjects.account_id, data_subjects.country, "
            "data_subjects.us_state FROM data_subjects WHERE data_subjects.email_key = ?",
            (email.lower(),),
        )
        for sid, known, *_details in rows:
            if known.casefold() == name.casefold():
                return int(sid)
        return None

    def _allocate_numbers(self, year: int, count: int) -> int:
        con = self.con
        row = con.execute(
            "UPDATE reference_counters SET last_number=(reference_counters.last_number + ?) "
            "WHERE reference_counters.year = ? RETURNING last_number",
            (count, year),
        ).fetchone()
        if row is not None:
            return int(row[0]) - count + 1
        # No SAVEPOINT around it: none reaches the driver from the services
        # either (their nested transaction is begun on the Session, while the
        # INSERT runs on its connection directly).
        con.execute(
            "INSERT INTO reference_counters (year, last_number) VALUES (?, ?)", (year, count)
        )
        return 1

    def _suppress(self, subject_id: int, reference: str, reason: str) -> list[RawEvent]:
        con = self.con
        ek, pk = con.execute(
            "SELECT data_subjects.email_key, data_subjects.phone_key FROM data_subjects "
            "WHERE data_subjects.id = ?",
            (subject_id,),
        ).fetchone()
        row: dict[str, str] = {}
        if (
            ek
            and not con.execute(
                "SELECT suppressions.id FROM suppressions "
                "WHERE suppressions.email_key = ? AND suppressions.reason = ?",
                (ek, reason),
            ).fetchone()
        ):
            row["email_key"] = ek
        if (
            pk
            and not con.execute(
                "SELECT suppressions.id FROM suppressions "
                "WHERE suppressions.phone_digits = ? AND suppressions.reason = ?",
                (pk, reason),
            ).fetchone()
        ):
            row["phone_digits"] = pk
        if not row:
            return []
        columns = [*row, "source_reference", "reason", "created_at"]
        (sid,) = con.execute(
            f"INSERT INTO suppressions ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))}) RETURNING id",
            (*row.values(), reference, reason, self.stamp_text),
        ).fetchone()
        fields = [{"email_key": "email", "phone_digits": "phone"}[k] for k in row]
        detail = {"reason": reason, "subject": subject_id}
        return [("suppression.added", "suppression", sid, reference, fields, detail)]

    def log(self, req: NewRequest) -> list[str]:
        con = self.con
        rights = list(dict.fromkeys(req.rights))
        stamp = self.stamp_text
        con.execute("BEGIN IMMEDIATE")
        try:
            actor_id, actor_login, _role = con.execute(
                "SELECT users.id, users.login, users.role FROM users "
                "WHERE users.role = ? AND users.active = 1 ORDER BY users.id LIMIT ? OFFSET ?",
                ("dpo", 1, 0),
            ).fetchone()
            settings = self._settings()
            received_at = (req.received_at or NOW).astimezone(dt.UTC)
            received_on = received_at.astimezone(ZoneInfo(settings.timezone)).date()
            received_text = _iso_dt(received_at.replace(tzinfo=None))
            received_day = received_on.isoformat()
            subject_id = self._find_subject(req.name, req.email) if req.email else None
            if subject_id is None:
                (subject_id,) = con.execute(
                    "INSERT INTO data_subjects (name, email, email_key, phone, created_at, "
                    "address, account_id, country, us_state, phone_key, name_key) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (req.name, req.email, email_key(req.email), None, stamp, None, None, None,
                     None, phone_key(None), name_key(req.name)),
                ).fetchone()  # fmt: skip
            (group_id,) = con.execute(
                "INSERT INTO request_groups (channel, received_at, created_at, created_by) "
                "VALUES (?, ?, ?, ?) RETURNING id",
                (req.channel, received_text, stamp, actor_id),
            ).fetchone()
            systems = [
                r[0]
                for r in con.execute(
                    "SELECT data_systems.name FROM data_systems "
                    "WHERE data_systems.active IS 1 ORDER BY data_systems.name"
                )
            ]
            fields = ["regime", "right", "channel", "received", "subject"]
            fields += ["tasks"] if systems else []
            fields += ["note"] if req.note else []
            fields += ["backdate_reason"] if req.received_reason else []
            year = received_on.year
            first = self._allocate_numbers(year, len(rights))
            seen: dict[str, calendars.Calendar] = {}
            entries: list[RawEvent] = []
            refs: list[str] = []
            tasks: list[tuple[int, str, str, int]] = []
            for number, right in enumerate(rights, start=first):
                res = deadlines.compute(
                    req.regime,
                    right,
                    [deadlines.ClockEvent("received", received_on)],
                    calendar=self._calendar(settings.calendar_for(req.regime), seen),
                    settings=settings.deadline_settings(),
                )
                reference = format_reference(year, number)
                (case_id,) = con.execute(
                    "INSERT INTO cases (reference, year, number, group_id, subject_id, "
                    'agent_id, regime, "right", channel, received_at, received_on, '
                    "backdate_reason, state, assignee_id, calendar, clock_state, "
                    "acknowledge_by, respond_by, extended_respond_by, due_on, sort_due, "
                    "stopped_by, stopped_on, target_on, calendar_version, created_at, "
                    "updated_at, ccpa_detail, legal_hold) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (
                        reference,
                        year,
                        number,
                        group_id,
                        subject_id,
                        None,
                        req.regime,
                        right,
                        req.channel,
                        received_text,
                        received_day,
                        req.received_reason,
                        State.NEW.value,
                        None,
                        None,
                        res.clock_state,
                        _iso_d(res.acknowledge_by),
                        _iso_d(res.respond_by),
                        _iso_d(res.extended_respond_by),
                        _iso_d(res.due),
                        (res.due or clock.NO_DATE).isoformat(),
                        res.stopped_by,
                        _iso_d(res.stopped_on),
                        _iso_d(res.target),
                        res.calendar_version,
                        stamp,
                        stamp,
                        None,
                        0,
                    ),
                ).fetchone()
                con.execute(
                    "INSERT INTO clock_events (case_id, kind, on_date, reason, recorded_at, "
                    "recorded_by, superseded) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (case_id, "received", received_day, None, stamp, actor_id, 0),
                )
                if req.note:
                    con.execute(
                        "INSERT INTO notes (case_id, text, created_at, author_id) "
                        "VALUES (?, ?, ?, ?)",
                        (case_id, req.note, stamp, actor_id),
                    )
                tasks += [(case_id, system, stamp, actor_id) for system in systems]
                detail = {
                    "group": group_id,
                    "regime": req.regime,
                    "right": right,
                    "channel": req.channel,
                    "subject": subject_id,
                    "agent": None,
                    "tasks": len(systems),
                }
                entries.append(("case.logged", "case", case_id, reference, fields, detail))
                refs.append(reference)
                why = suppression_reason(req.regime, right)
                if why is not None:
                    entries += self._suppress(subject_id, reference, why)
            if tasks:
                con.executemany(
                    "INSERT INTO tasks (case_id, system, created_at, created_by) "
                    "VALUES (?, ?, ?, ?)",
                    tasks,
                )
            self._audit(actor_login, entries)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return refs

    def _audit(self, actor: str, events: Sequence[RawEvent]) -> None:
        """As `audit.append_many`: the anchor row read once, the events in
        one executemany, the anchor row moved once."""
        con = self.con
        head = con.execute(
            "SELECT audit_anchor.seq, audit_anchor.hash FROM audit_anchor "
            "WHERE audit_anchor.id = ?",
            (1,),
        ).fetchone()
        if head is None:
            con.execute(
                "INSERT INTO audit_anchor (id, seq, hash) VALUES (?, ?, ?)", (1, 0, audit.GENESIS)
            )
            seq, prev = 0, audit.GENESIS
        else:
            seq, prev = head
        rows = []
        for action, entity, entity_id, reference, fields, detail in events:
            seq += 1
            fields_text = json.dumps(sorted(set(fields)), separators=(",", ":"))
            detail_text = json.dumps(detail, sort_keys=True, separators=(",", ":"))
            content = audit.canonical(
                seq,
                self.occurred_at,
                actor,
                action,
                entity,
                entity_id,
                reference,
                fields_text,
                detail_text,
            )
            digest = audit.chain_hash(prev, content, self.audit_key)
            rows.append(
                (
                    seq,
                    self.occurred_at,
                    actor,
                    action,
                    entity,
                    entity_id,
                    reference,
                    fields_text,
                    detail_text,
                    prev,
                    digest,
                )
            )
            prev = digest
        con.executemany(
            "INSERT INTO audit_events (seq, occurred_at, actor, action, entity, entity_id, "
            "reference, fields, detail, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        con.execute(
            "UPDATE audit_anchor SET seq=?, hash=? WHERE audit_anchor.id = ?", (seq, prev, 1)
        )


TABLES = (
    "data_subjects",
    "request_groups",
    "reference_counters",
    "cases",
    "clock_events",
    "notes",
    "tasks",
    "suppressions",
    "audit_events",
)


def compare_stores(a: Path, key_a: str | None, b: Path, key_b: str | None) -> dict[str, Any]:
    """Same rows in the tables the writers touch, and the same audit head?"""
    out: dict[str, Any] = {}
    with engine_mod.connection(a, key_a) as ca, engine_mod.connection(b, key_b) as cb:
        for con in (ca, cb):
            con.execute("PRAGMA query_only=ON")
        for t in TABLES:
            # Every column of every row, in primary-key order.
            ra = ca.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            rb = cb.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            out[t] = {"rows": len(ra), "same": ra == rb}
        ha = ca.execute("SELECT seq, hash FROM audit_anchor").fetchone()
        hb = cb.execute("SELECT seq, hash FROM audit_anchor").fetchone()
        out["audit_head_same"] = ha == hb
    return out


def _all_same(same: Mapping[str, Any]) -> bool:
    return all(v["same"] for v in same.values() if isinstance(v, dict)) and bool(
        same["audit_head_same"]
    )


def probe_subject_lookup(
    path: Path, raw_key: str, emails: Sequence[str], reps: int = 200
) -> dict[str, Any]:
    """The subject look-up log_request does (`email_key = ?`, indexed)
    against the scan it replaced (`lower(email) = ?`), on the store the
    services filled."""
    con = _raw_connect(path, raw_key)
    try:
        sample = [emails[i * len(emails) // reps] for i in range(reps)]
        out: dict[str, Any] = {
            "subjects": con.execute("SELECT count(*) FROM data_subjects").fetchone()[0]
        }
        for label, sql in (
            ("email_key = ?", "SELECT id, name FROM data_subjects WHERE email_key = ?"),
            (
                "lower(email) = ? (before)",
                "SELECT id, name FROM data_subjects WHERE lower(email) = ?",
            ),
        ):
            plan = " | ".join(
                r[3] for r in con.execute("EXPLAIN QUERY PLAN " + sql, ("x",)).fetchall()
            )
            start = time.perf_counter()
            for e in sample:
                con.execute(sql, (e.lower(),)).fetchall()
            out[label] = {"us": (time.perf_counter() - start) / reps * 1e6, "plan": plan}
        return out
    finally:
        con.close()


# The places where log_request spends its time, for the profile summary:
# (label, file name ending(s), function name), cumulative time per request.
# The Services methods live in services.py, its mixins or its base.
_SVC = ("services.py", "intake_services.py", "service_base.py")
_CURSOR = "sqlcipher3.dbapi2.Cursor"
PROFILE_SPOTS: tuple[tuple[str, str | tuple[str, ...], str], ...] = (
    ("log_request (all)", "intake_services.py", "log_request"),
    ("  Store.write (begin, COMMIT, anchor file, close)", "store.py", "write"),
    ("  Store._advance_anchor_file (after commit)", "store.py", "_advance_anchor_file"),
    ("    Store.flush_anchor (at most once a second)", "store.py", "flush_anchor"),
    ("      audit.write_anchor_file (tmp+fsync+rename)", "audit.py", "write_anchor_file"),
    ("  Services._actor (user look-up)", _SVC, "_actor"),
    ("  Services._load_settings (settings SELECT)", _SVC, "_load_settings"),
    ("  Services._find_subject (email_key look-up)", _SVC, "_find_subject"),
    ("  Services._allocate_numbers (counter UPDATE)", _SVC, "_allocate_numbers"),
    ("  clock.compute (closures + engine)", "store/clock.py", "compute"),
    ("    clock.CalendarCache.get (closure-day SELECT)", "store/clock.py", "get"),
    ("    deadlines.compute", "deadlines.py", "compute"),
    ("  clock.columns", "store/clock.py", "columns"),
    ("  Services._suppress (opt-outs)", _SVC, "_suppress"),
    ("  audit.append_many (anchor read, HMAC, insert)", "audit.py", "append_many"),
    ("    audit.chain_hash (HMAC-SHA256)", "audit.py", "chain_hash"),
    ("  Services._entry (audit entries)", _SVC, "_entry"),
    ("  sqlcipher3 Cursor.execute (all SQL)", "~", f"<method 'execute' of '{_CURSOR}' objects>"),
    (
        "  sqlcipher3 Cursor.executemany",
        "~",
        f"<method 'executemany' of '{_CURSOR}' objects>",
    ),
    (
        "  sqlcipher3 Connection.commit (the COMMITs)",
        "~",
        "<method 'commit' of 'sqlcipher3.dbapi2.Connection' objects>",
    ),
)


def profile_services(svc: Services, requests: Sequence[NewRequest]) -> dict[str, Any]:
    prof = cProfile.Profile()
    prof.enable()
    start = time.perf_counter()
    for req in requests:
        svc.log_request(req)
    elapsed = time.perf_counter() - start
    prof.disable()
    st = pstats.Stats(prof)
    raw_stats: dict[Any, Any] = st.stats  # type: ignore[attr-defined]
    n = len(requests)
    spots: list[dict[str, Any]] = []
    for label, fname, func in PROFILE_SPOTS:
        ct = calls = 0.0
        for (file, _line, name), (_cc, nc, _tt, cum, _callers) in raw_stats.items():
            if name == func and file.endswith(fname):
                ct += cum
                calls += nc
        spots.append(
            {"what": label, "us_per_request": ct / n * 1e6, "calls_per_request": calls / n}
        )
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(12)
    return {
        "requests": n,
        "us_per_request_under_profile": elapsed / n * 1e6,
        "spots": spots,
        "top_tottime": buf.getvalue(),
    }


def bench_logging(
    work: Path, n: int, rng: random.Random, *, profile: bool, keep_log: Callable[[str], None]
) -> dict[str, Any]:
    requests = make_requests(n, rng)

    # One store, initialised once. The raw writer gets a copy of it (the same
    # master key: the same raw key, audit subkey and store id), the plain
    # writer a decrypted copy: all three start from the same rows and the
    # same audit head, so they must end with the same ones too.
    svc_dir, raw_dir, plain_dir = work / "log-services", work / "log-raw", work / "log-plain"
    store = _new_store(svc_dir)
    _services(store).init(login="dpo", name="Dana Officer", email="dpo@example.org")
    raw_key, audit_key = store.keys.store_pragma_key(), store.keys.audit
    store.close()
    shutil.copytree(svc_dir, raw_dir)
    svc_file, raw_file, plain_file = (d / "store.db" for d in (svc_dir, raw_dir, plain_dir))
    decrypted_copy(svc_file, raw_key, plain_file)

    store = _new_store(svc_dir)
    raw = _raw_connect(raw_file, raw_key)
    plain = _raw_connect(plain_file, None)
    try:
        runs = interleaved(
            {
                "services": _services(store).log_request,
                "raw": RawLogger(raw, audit_key).log,
                "plain": RawLogger(plain, audit_key).log,
            },
            requests,
        )
    finally:
        plain.close()
        raw.close()
        store.close()
    svc_run, raw_run, plain_run = runs["services"], runs["raw"], runs["plain"]

    same = compare_stores(svc_file, raw_key, raw_file, raw_key)
    same_plain = compare_stores(svc_file, raw_key, plain_file, None)
    verdicts = {}
    for label, folder in (("services", svc_dir), ("raw", raw_dir)):
        check_store = _new_store(folder)
        verdicts[label] = check_store.verify_audit().message
        check_store.close()

    probe = probe_subject_lookup(svc_file, raw_key, [r.email or "" for r in requests])

    result: dict[str, Any] = {
        "requests": n,
        "services": svc_run.to_json(n),
        "raw_sqlcipher": raw_run.to_json(n),
        "raw_plain": plain_run.to_json(n),
        "ratio_services_over_raw": _ratio(svc_run.wall_s, raw_run.wall_s),
        "ratio_services_over_raw_median_tenth": _median_ratio(svc_run, raw_run),
        "cpu_ratio_services_over_raw": _ratio(svc_run.cpu_s, raw_run.cpu_s),
        "ratio_sqlcipher_over_plain": _ratio(raw_run.wall_s, plain_run.wall_s),
        "ratio_sqlcipher_over_plain_median_tenth": _median_ratio(raw_run, plain_run),
        "cpu_ratio_sqlcipher_over_plain": _ratio(raw_run.cpu_s, plain_run.cpu_s),
        "aim": LOG_AIM,
        "same_rows": same,
        "same_rows_plain": same_plain,
        "audit_verdicts": verdicts,
        "file_mb": {
            "sqlcipher": _store_mb(raw_file),
            "plain": _store_mb(plain_file),
        },
        "subject_lookup_probe": probe,
    }
    if profile and result["ratio_services_over_raw_median_tenth"] > LOG_AIM:
        keep_log("  ratio above the aim: profiling 200 more requests through the services ...")
        store = _new_store(svc_dir)
        extra = make_requests(200, random.Random(rng.random()))
        # Fresh emails so the subject look-up behaves as in the main run.
        extra = [dataclasses.replace(r, email=(r.email or "").replace("@", ".p@")) for r in extra]
        result["profile"] = profile_services(_services(store), extra)
        store.close()
    return result


# -- 2. listing -------------------------------------------------------------------

OPEN_MIX = (
    (State.NEW, 25), (State.AWAITING_IDENTITY, 15), (State.IN_PROGRESS, 40),
    (State.AWAITING_APPROVAL, 12), (State.APPROVED, 8),
)  # fmt: skip
CLOSED_MIX = (
    (State.RESPONDED, 45), (State.CLOSED, 40), (State.REFUSED, 8), (State.WITHDRAWN, 7),
)  # fmt: skip
SUPPORT_LOGINS = ("sam", "lee", "kim", "pat", "ola")


def _period_days(regime: str, right: str, rng: random.Random) -> int:
    if regime in ("uk-gdpr", "eu-gdpr"):
        return rng.choice((28, 30, 31))  # one calendar month, rolled
    if regime == "ccpa":
        return 21 if right in ("opt-out-sale", "limit-sensitive", "automated-decision") else 45
    return 60 if right == "rectification" else 30  # hipaa


def fill_listing_store(store: Store, m: int, rng: random.Random) -> dict[str, Any]:
    """M cases over three years up to today, fast: Core inserts, one
    transaction. Most old cases are closed, a few are a forgotten backlog
    (overdue); recent ones are spread over the open states; GDPR cases
    awaiting identity have their clock waiting (no due date)."""
    start = time.perf_counter()
    stamp = NOW.astimezone(dt.UTC).replace(tzinfo=None)
    users = [
        {
            "login": login,
            "name": f"{login.title()} Support",
            "email": f"{login}@example.org",
            "role": "support",
            "active": True,
            "created_at": stamp,
        }
        for login in SUPPORT_LOGINS
    ]
    received = sorted(TODAY - dt.timedelta(days=rng.randint(0, 3 * 365)) for _ in range(m))
    subjects: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    counters: dict[int, int] = {}
    rare_left = 5
    i = 0
    while i < m:
        on = received[i]
        age = (TODAY - on).days
        if subjects and rng.random() < 0.2:
            subject_id = rng.randint(1, len(subjects))
        else:
            first = rng.choice(FIRST)
            last = rng.choice(LAST)
            if rare_left and rng.random() < 0.0005:
                last, rare_left = RARE_SURNAME, rare_left - 1
            local = f"{first}.{last}".lower().replace("'", "")
            has_email = rng.random() < 0.92
            email = f"{local}.{len(subjects)}@example.org" if has_email else None
            subjects.append(
                {
                    "name": f"{first} {last}",
                    "email": email,
                    "email_key": email.lower() if email else None,  # as log_request sets it
                    "phone": None if has_email else f"+1 954 555 {rng.randint(0, 9999):04d}",
                    "created_at": stamp,
                }
            )
            subject_id = len(subjects)
        regime = rng.choices(REGIMES, REGIME_WEIGHTS)[0]
        channel = rng.choice(CHANNELS)
        received_at = dt.datetime.combine(on, dt.time(13, 0)) + dt.timedelta(
            minutes=rng.randint(0, 600)
        )
        groups.append(
            {
                "channel": channel,
                "received_at": received_at,
                "created_at": received_at,
                "created_by": 1,
            }
        )
        group_id = len(groups)
        n_rights = rng.choices((1, 2, 3), (85, 12, 3))[0]
        available = regimes.available_rights(regime, on)
        for right in rng.sample(available, min(n_rights, len(available))):
            if i >= m:
                break
            # Recent cases are mostly open; old ones are a small forgotten backlog.
            open_case = rng.random() < (0.85 if age < 75 else 0.02)
            state = (
                rng.choices(*zip(*OPEN_MIX, strict=True))[0]
                if open_case
                else rng.choices(*zip(*CLOSED_MIX, strict=True))[0]
            )
            days = _period_days(regime, right, rng)
            respond_by = on + dt.timedelta(days=days)
            extended = respond_by + dt.timedelta(days=60) if rng.random() < 0.05 else None
            due: dt.date | None = extended or respond_by
            clock_state = "running"
            stopped_by: str | None = None
            stopped_on: dt.date | None = None
            if state == State.AWAITING_IDENTITY and regime in ("uk-gdpr", "eu-gdpr"):
                clock_state, due = "waiting", None
            elif not open_case:
                # Closed: the response (or the withdrawal) stopped the clock,
                # mostly in time, a tenth late.
                clock_state = "stopped"
                stopped_by = "withdrawn" if state == State.WITHDRAWN else "responded"
                late = 20 if rng.random() < 0.1 else 0
                stopped_on = min(TODAY, on + dt.timedelta(days=rng.randint(1, days + late)))
            number = counters.get(on.year, 0) + 1
            counters[on.year] = number
            assigned = rng.random() < (0.7 if open_case else 0.9)
            cases.append(
                {
                    "reference": format_reference(on.year, number),
                    "year": on.year,
                    "number": number,
                    "group_id": group_id,
                    "subject_id": subject_id,
                    "agent_id": None,
                    "regime": regime,
                    "right": right,
                    "channel": channel,
                    "received_at": received_at,
                    "received_on": on,
                    "backdate_reason": None,
                    "state": state.value,
                    "assignee_id": rng.randint(2, 1 + len(SUPPORT_LOGINS)) if assigned else None,
                    "calendar": None,
                    "clock_state": clock_state,
                    "acknowledge_by": on + dt.timedelta(days=14) if regime == "ccpa" else None,
                    "respond_by": respond_by,
                    "extended_respond_by": extended,
                    "due_on": due,
                    "sort_due": due or clock.NO_DATE,
                    "stopped_by": stopped_by,
                    "stopped_on": stopped_on,
                    "target_on": None if due is None else due - dt.timedelta(days=7),
                    "calendar_version": calendars.HOLIDAYS_VERSION,
                    "created_at": received_at,
                    "updated_at": received_at,
                }
            )
            i += 1
    generated = time.perf_counter() - start
    with store.engine.begin() as con:
        con.execute(insert(User.__table__), users)
        for table, rows in (
            (DataSubject.__table__, subjects),
            (RequestGroup.__table__, groups),
            (Case.__table__, cases),
        ):
            for k in range(0, len(rows), 20_000):
                con.execute(insert(table), rows[k : k + 20_000])
        con.execute(
            insert(ReferenceCounter.__table__),
            [{"year": y, "last_number": n} for y, n in sorted(counters.items())],
        )
    return {
        "cases": len(cases),
        "subjects": len(subjects),
        "groups": len(groups),
        "generate_s": generated,
        "insert_s": time.perf_counter() - start - generated,
    }


_RAW_SELECT = (
    'SELECT c.id, c.reference, c.regime, c."right", c.channel, c.state, c.clock_state, '
    "c.received_on, c.due_on, c.target_on, s.name, s.email, u.login, c.stopped_by, "
    "c.stopped_on "
    "FROM cases c JOIN data_subjects s ON s.id = c.subject_id "
    "LEFT OUTER JOIN users u ON u.id = c.assignee_id"
)
# count_cases joins the person (and the assignee) only when a filter needs them.
_RAW_COUNT = "SELECT count(c.id) FROM cases c"
_OPEN_IN = "c.state IN (" + ", ".join(f"'{s.value}'" for s in sorted(OPEN_STATES)) + ")"
_DUE_ORDER = " ORDER BY c.sort_due, c.received_on, c.id"  # queries._SORTS["due"]
# Text search on SQLite: the case_search FTS5 index (store/search.py), each
# word a prefix; the count needs no join for it.
_TEXT = "c.id IN (SELECT rowid FROM case_search WHERE case_search MATCH ?)"


@dataclass(frozen=True)
class ListCase:
    label: str
    query: CaseQuery
    sql: str
    params: tuple[Any, ...]
    count: bool = False


def listing_cases() -> list[ListCase]:
    page = f" LIMIT {PAGE} OFFSET 0"
    overdue = (
        f" WHERE {_OPEN_IN} AND c.due_on IS NOT NULL AND c.due_on < ? "
        "AND c.clock_state != 'stopped'"
    )
    return [
        ListCase("all, by due", CaseQuery(limit=PAGE), _RAW_SELECT + _DUE_ORDER + page, ()),
        ListCase(
            "open only, by due",
            CaseQuery(open_only=True, limit=PAGE),
            _RAW_SELECT + f" WHERE {_OPEN_IN}" + _DUE_ORDER + page,
            (),
        ),
        ListCase(
            "state=in-progress",
            CaseQuery(state="in-progress", limit=PAGE),
            _RAW_SELECT + " WHERE c.state = ?" + _DUE_ORDER + page,
            ("in-progress",),
        ),
        ListCase(
            "overdue on today",
            CaseQuery(overdue_on=TODAY, limit=PAGE),
            _RAW_SELECT + overdue + _DUE_ORDER + page,
            (TODAY.isoformat(),),
        ),
        ListCase(
            "text 'example'",
            CaseQuery(text="example", limit=PAGE),
            _RAW_SELECT + " WHERE " + _TEXT + _DUE_ORDER + page,
            ('"example"*',),
        ),
        ListCase(
            f"text '{RARE_SURNAME.lower()}'",
            CaseQuery(text=RARE_SURNAME, limit=PAGE),
            _RAW_SELECT + " WHERE " + _TEXT + _DUE_ORDER + page,
            (f'"{RARE_SURNAME.lower()}"*',),
        ),
        ListCase(
            "received, descending",
            CaseQuery(sort="received", descending=True, limit=PAGE),
            _RAW_SELECT + " ORDER BY c.received_on DESC, c.id DESC" + page,
            (),
        ),
        ListCase(
            "count state=in-progress",
            CaseQuery(state="in-progress"),
            _RAW_COUNT + " WHERE c.state = ?",
            ("in-progress",),
            count=True,
        ),
        ListCase(
            "count overdue on today",
            CaseQuery(overdue_on=TODAY),
            _RAW_COUNT + overdue,
            (TODAY.isoformat(),),
            count=True,
        ),
        ListCase(
            "count text 'example'",
            CaseQuery(text="example"),
            _RAW_COUNT + " WHERE " + _TEXT,
            ('"example"*',),
            count=True,
        ),
    ]


def bench_listing(work: Path, m: int, reps: int, rng: random.Random) -> dict[str, Any]:
    data_dir = work / "list"
    store = _new_store(data_dir)
    _services(store).init(login="dpo", name="Dana Officer", email="dpo@example.org")
    fill = fill_listing_store(store, m, rng)
    raw_key = store.keys.store_pragma_key()
    store.close()
    path = data_dir / "store.db"
    fill["file_mb"] = _store_mb(path)

    # Each open derives the key once from the passphrase, at BENCH_KDF.
    opens = Timing()
    for _ in range(reps):
        start = time.perf_counter()
        s = _new_store(data_dir)
        opens.samples.append(time.perf_counter() - start)
        s.close()

    store = _new_store(data_dir)
    svc = _services(store)
    raw = _raw_connect(path, raw_key)
    rows: list[dict[str, Any]] = []
    try:
        for lc in listing_cases():
            run_svc, run_raw, run_rows = _runners(svc, raw, lc)
            got_svc, got_raw = run_svc(), run_raw()  # warm-up, and the equivalence check
            if lc.count:
                same, n_rows = got_svc == got_raw, got_svc
            else:
                assert run_rows is not None
                same = got_svc == run_rows()
                n_rows = len(got_svc)
            t_svc, t_raw, t_rows = Timing(), Timing(), Timing()
            for _ in range(reps):  # interleaved, so drift hits all alike
                for fn, t in ((run_svc, t_svc), (run_raw, t_raw), (run_rows, t_rows)):
                    if fn is not None:
                        start = time.perf_counter()
                        fn()
                        t.samples.append(time.perf_counter() - start)
            plan = " | ".join(
                r[3] for r in raw.execute("EXPLAIN QUERY PLAN " + lc.sql, lc.params).fetchall()
            )
            rows.append(
                {
                    "query": lc.label,
                    "rows": n_rows,
                    "same_result": same,
                    "services": t_svc.to_json(),
                    "raw_sqlcipher": t_raw.to_json(),
                    "raw_sqlcipher_to_caserows": t_rows.to_json() if t_rows.samples else None,
                    "ratio_median": _ratio(t_svc.median, t_raw.median),
                    "ratio_best": _ratio(t_svc.best, t_raw.best),
                    "raw_plan": plan,
                }
            )
    finally:
        raw.close()
        store.close()
    return {
        "cases": m,
        "fill": fill,
        "open_store": opens.to_json(),
        "queries": rows,
        "aim": LIST_AIM,
    }


def _runners(
    svc: Services, raw: sqlcipher3.Connection, lc: ListCase
) -> tuple[Callable[[], Any], Callable[[], Any], Callable[[], Any] | None]:
    """The services call, the plain SELECT, and (for pages) the plain
    SELECT turned into the same CaseRow objects the services return."""
    if lc.count:

        def svc_count() -> Any:
            return svc.count_cases(lc.query)

        def raw_count() -> Any:
            return raw.execute(lc.sql, lc.params).fetchone()[0]

        return svc_count, raw_count, None

    def svc_list() -> Any:
        return svc.list_cases(lc.query)

    def raw_list() -> Any:
        return raw.execute(lc.sql, lc.params).fetchall()

    def raw_rows() -> Any:
        day = dt.date.fromisoformat
        return [
            CaseRow(
                *r[:7],
                day(r[7]),
                r[8] and day(r[8]),
                r[9] and day(r[9]),
                *r[10:14],
                r[14] and day(r[14]),
            )
            for r in raw.execute(lc.sql, lc.params)
        ]

    return svc_list, raw_list, raw_rows


def _size(p: Path) -> int:
    return p.stat().st_size if p.exists() else 0


def _store_mb(path: Path) -> float:
    """The store file and its WAL, in MB."""
    return (_size(path) + _size(path.with_name(path.name + "-wal"))) / 1e6


# -- 3. report --------------------------------------------------------------------


def _cipher_info() -> dict[str, str]:
    """SQLCipher's build, as a keyed connection reports it (the cipher
    pragmas answer only once a key is set)."""
    out: dict[str, str] = {}
    with contextlib.closing(sqlcipher3.connect(":memory:")) as con:
        con.execute("PRAGMA cipher_log_level = NONE")
        con.execute(f"PRAGMA key = \"x'{'00' * 32}'\"")
        for pragma in ("cipher_version", "cipher_provider", "cipher_provider_version",
                       "cipher_hmac_algorithm", "cipher_page_size"):  # fmt: skip
            row = con.execute(f"PRAGMA {pragma}").fetchone()
            out[pragma] = str(row[0]) if row else ""
    return out


def machine() -> dict[str, Any]:
    cpu_model = None
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "sqlite": sqlcipher3.sqlite_version,
        "sqlcipher": _cipher_info(),
        "sqlalchemy": sqlalchemy.__version__,
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "cpu_model": cpu_model,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def print_kdf(k: dict[str, Any]) -> None:
    d, b = k["default"], k["bench"]
    print(
        f"   keys: the bench's stores wrap their key at Argon2id {_kdf_text(b['params'])} "
        f"({b['median_s'] * 1000:.0f} ms); key derivation is not what is measured here. At the "
        f"default cost ({_kdf_text(d['params'])}) one derivation takes "
        f"{d['median_s'] * 1000:.0f} ms (median of {len(d['samples_s'])}): each unlock by "
        "passphrase adds it to open_store once, an unlock from the keyring none."
    )


def print_logging(r: dict[str, Any]) -> None:
    s, w, p = r["services"], r["raw_sqlcipher"], r["raw_plain"]
    print(
        f"\n1. Logging {r['requests']:,} requests (one right each), one transaction each; "
        "the writers take turns, a tenth at a time"
    )
    print(f"   {'':28}{'total s':>9}{'µs/req':>9}{'median':>9}{'req/s':>8}{'CPU µs/req':>12}")
    print(f"   {'':28}{'':>9}{'':>9}{'tenth':>9}")
    for label, x in (
        ("Services.log_request", s),
        ("raw sqlcipher3, keyed file", w),
        ("raw sqlcipher3, plain file", p),
    ):
        print(
            f"   {label:28}{x['total_s']:9.2f}{x['us_per_request']:9.0f}"
            f"{x['us_per_request_median_tenth']:9.0f}{x['requests_per_s']:8.0f}"
            f"{x['cpu_us_per_request']:12.0f}"
        )
    ratio = r["ratio_services_over_raw_median_tenth"]
    flag = "ok" if ratio <= r["aim"] else "ABOVE AIM"
    print(
        f"   services/raw (both encrypted): {ratio:.2f}x median of the tenths "
        f"(aim <= {r['aim']:.0f}x: {flag}); {r['ratio_services_over_raw']:.2f}x in total; "
        f"CPU {r['cpu_ratio_services_over_raw']:.2f}x"
    )
    fm = r["file_mb"]
    print(
        f"   encryption itself, sqlcipher/plain (same raw loop, same driver): "
        f"{r['ratio_sqlcipher_over_plain_median_tenth']:.2f}x median of the tenths; "
        f"{r['ratio_sqlcipher_over_plain']:.2f}x in total; "
        f"CPU {r['cpu_ratio_sqlcipher_over_plain']:.2f}x "
        f"(files {fm['sqlcipher']:.1f} MB and {fm['plain']:.1f} MB)"
    )
    print("   µs/request by tenth of the run (growth = per-request work that grows):")
    for label, x in (("services", s), ("raw", w), ("plain", p)):
        print(f"     {label + ':':10}" + " ".join(f"{v:.0f}" for v in x["us_per_request_by_tenth"]))
    v = r["audit_verdicts"]
    print(
        f"   same rows and audit head, services vs raw: "
        f"{'yes' if _all_same(r['same_rows']) else 'NO'}; services vs plain: "
        f"{'yes' if _all_same(r['same_rows_plain']) else 'NO'}; audit chain: services "
        f"{v['services']}; raw {v['raw']}"
    )
    pr = r["subject_lookup_probe"]
    print(
        f"   subject look-up at {pr['subjects']:,} subjects: "
        + "; ".join(
            f"{k} {x['us']:.0f} µs ({x['plan']})" for k, x in pr.items() if isinstance(x, dict)
        )
    )
    prof = r.get("profile")
    if prof:
        print(
            f"   where log_request spends its time (cProfile, {prof['requests']} requests, "
            f"{prof['us_per_request_under_profile']:.0f} µs/request under the profiler):"
        )
        for spot in prof["spots"]:
            print(
                f"     {spot['what']:58}{spot['us_per_request']:8.0f} µs"
                f"  ({spot['calls_per_request']:.1f} calls)"
            )


def print_listing(r: dict[str, Any]) -> None:
    f = r["fill"]
    o = r["open_store"]
    print(
        f"\n2. Listing over {r['cases']:,} cases ({f['subjects']:,} subjects, "
        f"{f['file_mb']:.0f} MB encrypted; filled in {f['generate_s']:.1f} s generate + "
        f"{f['insert_s']:.1f} s insert)"
    )
    print(
        f"   open_store on it (incl. migration check and the bench's cheap key derivation): "
        f"median {o['median_s'] * 1000:.1f} ms, best {o['best_s'] * 1000:.1f} ms"
    )
    print(
        f"   {'query (first page: limit 500)':32}{'rows':>7}{'svc med ms':>11}{'best':>9}"
        f"{'raw med ms':>11}{'best':>9}{'ratio':>7}{'+CaseRow':>10}  same"
    )
    for q in r["queries"]:
        s, w, rows = q["services"], q["raw_sqlcipher"], q["raw_sqlcipher_to_caserows"]
        flag = "" if q["ratio_median"] <= r["aim"] else "  <- above aim"
        print(
            f"   {q['query']:32}{q['rows']:7,}{_ms(s['median_s']):>11}{_ms(s['best_s']):>9}"
            f"{_ms(w['median_s']):>11}{_ms(w['best_s']):>9}{q['ratio_median']:6.2f}x"
            f"{_ms(rows['median_s']) if rows else '':>10}  "
            f"{'yes' if q['same_result'] else 'NO'}{flag}"
        )
    print(
        "   (raw = the same SELECT through sqlcipher3 on the same keyed file; ratio = services"
        " median / raw median; +CaseRow = raw median when the plain rows are also turned into"
        " the CaseRow objects the services return, dates parsed)"
    )


def print_summary(result: dict[str, Any]) -> None:
    print("\nSummary (medians; a shared, noisy machine: compare ratios within one run)")
    log = result.get("logging")
    if log:
        print(
            f"   log_request: {log['services']['us_per_request_median_tenth']:.0f} µs/request, "
            f"raw {log['raw_sqlcipher']['us_per_request_median_tenth']:.0f} µs: services/raw "
            f"{log['ratio_services_over_raw_median_tenth']:.2f}x (aim {LOG_AIM:.0f}x)"
        )
        keyed, plain = log["raw_sqlcipher"], log["raw_plain"]
        print(
            f"   encryption: raw on SQLCipher {keyed['us_per_request_median_tenth']:.0f} "
            f"µs/request, on a plain file {plain['us_per_request_median_tenth']:.0f} µs: "
            f"sqlcipher/plain {log['ratio_sqlcipher_over_plain_median_tenth']:.2f}x"
        )
    lst = result.get("listing")
    if lst:
        worst = max(lst["queries"], key=lambda q: q["ratio_median"])
        slowest = max(lst["queries"], key=lambda q: q["services"]["median_s"])
        print(
            f"   listing: worst ratio {worst['ratio_median']:.2f}x ({worst['query']}), slowest "
            f"{slowest['services']['median_s'] * 1000:.0f} ms ({slowest['query']}); "
            f"open_store {lst['open_store']['median_s'] * 1000:.0f} ms"
        )
    k = result["kdf"]["default"]
    print(
        f"   not measured above: key derivation, {k['median_s'] * 1000:.0f} ms per passphrase "
        f"unlock at the default Argon2id cost"
    )
    m = result["machine"]
    c = m["sqlcipher"]
    print(
        f"   machine: Python {m['python']}, SQLite {m['sqlite']} (SQLCipher "
        f"{c.get('cipher_version', '?')}, {c.get('cipher_provider_version', '?')}), "
        f"SQLAlchemy {m['sqlalchemy']}, {m['cpu_count']} CPUs ({m['cpu_model']}), "
        f"load {', '.join(f'{x:.1f}' for x in m['load_average'] or ())}, {m['platform']}"
    )
    print(f"   total run: {result['total_s']:.0f} s")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument(
        "--log",
        type=int,
        default=10_000,
        metavar="N",
        help="requests to log (default 10000; 0 skips part 1)",
    )
    ap.add_argument(
        "--list",
        type=int,
        default=100_000,
        metavar="M",
        help="cases in the listing store (default 100000; 0 skips part 2)",
    )
    ap.add_argument("--reps", type=int, default=5, help="repetitions per listing query")
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument(
        "--no-profile",
        action="store_true",
        help="do not profile log_request when its ratio is above the aim",
    )
    ap.add_argument("--keep", action="store_true", help="keep the temporary stores")
    ap.add_argument("--no-json", action="store_true", help="do not write bench/results/*.json")
    args = ap.parse_args(argv)

    started = time.perf_counter()
    rng = random.Random(args.seed)
    result: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "args": vars(args),
        "machine": machine(),
    }
    m = result["machine"]
    print(
        f"conneqt-dpo store bench: Python {m['python']}, SQLite {m['sqlite']} (SQLCipher "
        f"{m['sqlcipher'].get('cipher_version', '?')}), {m['cpu_count']} CPUs; "
        f"--log {args.log} --list {args.list} --reps {args.reps}",
        flush=True,
    )
    result["kdf"] = kdf_cost()
    print_kdf(result["kdf"])

    with workdir("conneqt-bench-", args.keep) as work:
        if args.log > 0:
            print(
                f"  logging {args.log:,} requests: services, raw keyed and raw plain in turns ...",
                flush=True,
            )
            result["logging"] = bench_logging(
                work,
                args.log,
                rng,
                profile=not args.no_profile,
                keep_log=lambda s: print(s, flush=True),
            )
            print_logging(result["logging"])
        if args.list > 0:
            print(
                f"\n  filling a store with {args.list:,} cases and timing the queue ...", flush=True
            )
            result["listing"] = bench_listing(work, args.list, args.reps, rng)
            print_listing(result["listing"])
        if args.keep:
            print(f"\n  stores kept in {work}")
    result["total_s"] = time.perf_counter() - started
    print_summary(result)

    if not args.no_json:
        save_results("store", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
