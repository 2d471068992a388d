"""Clearly fake cases for the demo store and for trying things out.

Every case goes through the same services a person would use, so the demo
store has a real audit trail and real deadlines. The same seed and the same
`today` give the same store. Names are invented, emails use the reserved
example.org / example.com domains (RFC 2606)."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.store.errors import StoreError
from conneqt_dpo.store.profile import default_organisation
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.store import Store, system_clock
from conneqt_dpo.store.views import NewRequest

FIRST = (
    "Ada",
    "Ben",
    "Cleo",
    "Dev",
    "Esme",
    "Finn",
    "Gita",
    "Hugo",
    "Ines",
    "Jon",
    "Kemi",
    "Luca",
    "Mina",
    "Noor",
    "Otto",
    "Pia",
    "Quinn",
    "Rosa",
    "Sami",
    "Tess",
)
LAST = (
    "Sample",
    "Example",
    "Placeholder",
    "Testington",
    "Demo",
    "Fakeley",
    "Mockford",
    "Dummett",
    "Specimen",
    "Trialson",
)
# (regime, rights it may ask for, weight)
MIX = (
    ("uk-gdpr", ("access", "erasure", "rectification", "objection", "marketing-objection"), 4),
    ("eu-gdpr", ("access", "erasure", "portability", "restriction"), 3),
    ("ccpa", ("access", "erasure", "rectification", "opt-out-sale"), 4),
    ("hipaa", ("access", "rectification"), 2),
    ("va-vcdpa", ("access", "erasure"), 1),
    ("co-cpa", ("access", "portability"), 1),
)
CHANNELS = ("email", "email", "web-form", "phone", "letter")
NOTES = (
    "Asked by phone; caller confirmed date of birth.",
    "Customer mentions an old account from 2019.",
    "Forwarded from the support mailbox.",
    None,
    None,
    None,
)


def fill_demo(
    store: Store, *, cases: int, seed: int = 1, today: dt.date | None = None
) -> list[str]:
    """Log `cases` fake requests received over the last ~100 days and move
    them along the workflow. Returns the references created."""
    rng = random.Random(seed)
    tz = ZoneInfo(default_organisation().timezone)
    if today is None:
        today = system_clock().astimezone(tz).date()
    # Work happens in the evening of each day, after the day's requests.
    now = dt.datetime.combine(today, dt.time(18, 0), tzinfo=tz)
    svc = Services(store, clock=lambda: now)
    if svc.users() and svc.count_cases():
        # Fake people would take real references, and the audit trail keeps
        # them for ever.
        raise StoreError("demo cases go only into an empty store (set CONNEQT_DPO_DATA_DIR)")
    if not svc.users():
        svc.init(login="dpo", name="Demo DPO (fake)", email="dpo@example.org")
        svc.add_user(
            login="support", name="Demo Support (fake)", role="support", email="support@example.org"
        )
    regimes = [m for m in MIX for _ in range(m[2])]
    refs: list[str] = []
    made = 0
    while made < cases:
        regime, rights, _ = rng.choice(regimes)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        age = rng.randint(0, 100)
        received = dt.datetime.combine(
            today - dt.timedelta(days=age),
            dt.time(rng.randint(8, 17), rng.randint(0, 59)),
            tzinfo=tz,
        )
        asked = [rng.choice(rights)]
        if rng.random() < 0.15:
            asked.append(rng.choice(rights))
        asked = asked[: cases - made]
        new = svc.log_request(
            NewRequest(
                regime=regime,
                rights=tuple(asked),
                channel=rng.choice(CHANNELS),
                name=f"{first} {last}",
                email=_email(first, last, rng),
                received_at=received,
                received_reason="demo data" if age else None,
                note=rng.choice(NOTES),
            )
        )
        made += len(new)
        refs += new
        for ref in new:
            _progress(svc, rng, ref, received.date(), today)
    return refs


def _email(first: str, last: str, rng: random.Random) -> str:
    domain = rng.choice(("example.org", "example.com"))
    return f"{first}.{last}{rng.randint(1, 999)}@{domain}".lower()


def _progress(
    svc: Services, rng: random.Random, ref: str, received: dt.date, today: dt.date
) -> None:
    """Move a case along a plausible path for its age; steps the law or the
    workflow refuses are skipped, as a person would be stopped."""
    age = (today - received).days

    def on(days: int) -> dt.date:
        return min(today, received + dt.timedelta(days=days))

    # (what to call, action/event/login, date, reason)
    Step = tuple[str, str, dt.date | None, str | None]
    steps: list[Step] = []
    if age >= 1:
        steps.append(("act", "start", None, None))
    if age >= 3 and rng.random() < 0.3:
        steps.append(("act", "request-identity", on(2), None))
        if age >= 9 and rng.random() < 0.8:
            steps.append(("act", "record-identity", on(8), None))
    if age >= 5 and rng.random() < 0.1:
        steps.append(("event", "clarification-requested", on(4), "clarify-scope"))
        if age >= 12:
            steps.append(("event", "clarification-received", on(11), None))
    if age >= 20 and rng.random() < 0.08:
        steps.append(("event", "extended", on(20), "complex"))
    # Most old cases were answered in time; a few stay open to show overdue.
    answered = 0.92 if age > 35 else 0.6
    if age >= 15 and rng.random() < answered:
        steps += [("act", "submit", None, None), ("act", "approve", None, None)]
        if rng.random() < (0.97 if age > 35 else 0.85):
            steps.append(("act", "respond", on(rng.randint(15, min(age, 40))), None))
            if age >= 45 and rng.random() < 0.7:
                steps.append(("act", "close", None, None))
    elif age >= 10 and rng.random() < 0.05:
        steps.append(("act", "withdraw", on(9), None))
    if rng.random() < 0.5:
        steps.insert(0, ("assign", rng.choice(("dpo", "support")), None, None))

    for kind, what, when, reason in steps:
        try:
            if kind == "act":
                svc.act(ref, what, on=when)
            elif kind == "event":
                svc.record_event(ref, what, on=when, reason=reason)
            else:
                svc.assign(ref, what)
        except DomainError:
            continue
