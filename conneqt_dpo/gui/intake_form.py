"""What the intake dialog holds, checked as it is typed: the fields as plain
values (what a draft saves), the hint each field shows, what is still
missing before the request can be saved, and the NewRequest it becomes.

No widgets here: the presenter and the tests use it without a window. The
checks are the domain's own (``clean_email``, ``available_rights``,
``suggest_regime``); this module only says which field a refusal belongs to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from functools import cache

from PySide6.QtCore import QLocale

from conneqt_dpo.domain import intake, regimes
from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.validation import clean_email, clean_name, clean_phone, clean_text
from conneqt_dpo.domain.workflow import Channel
from conneqt_dpo.store.views import NewRequest

DRAFT_KEY = "intake"
DRAFT_VERSION = 1

CHANNEL_LABELS: Mapping[str, str] = {
    Channel.PHONE.value: "Phone",
    Channel.EMAIL.value: "Email",
    Channel.LETTER.value: "Letter",
    Channel.WEB_FORM.value: "Web form",
    Channel.IN_PERSON.value: "In person",
}
_AUTHORITY_WORDS = {
    "power-of-attorney": "Power of attorney",
    "written-permission": "Written permission signed by the requester",
    "parent-guardian": "Parent or guardian",
    "registered-agent": "Registered authorised agent",
    "other": "Other (say which in the note)",
}
AUTHORITY_LABELS: Mapping[str, str] = {
    code: _AUTHORITY_WORDS.get(code, code) for code in intake.AGENT_AUTHORITIES
}
_CCPA_WORDS = {
    "categories": "The categories of personal information",
    "specific": "The specific pieces of personal information",
}
CCPA_DETAIL_LABELS: Mapping[str, str] = {
    code: _CCPA_WORDS.get(code, code) for code in intake.CCPA_DETAILS
}
# A CCPA request to know asks for the categories or the specific pieces
# (domain/intake.py, CCPA_DETAILS); the portable copy is one too.
CCPA_KNOW_RIGHTS = frozenset({"access", "portability"})

# The states as typed and shown: "District of Columbia (DC)".
US_STATES: Mapping[str, str] = {
    code: name.removeprefix("the ") for code, name in intake.US_STATES.items()
}


@cache
def countries() -> Mapping[str, str]:
    """ISO 3166 alpha-2 code -> English name, sorted by name (from Qt's
    locale data, so no extra package)."""
    found: dict[str, str] = {}
    for territory in QLocale.Country:
        code = QLocale.territoryToCode(territory)
        if code in intake.COUNTRIES:
            found.setdefault(code, QLocale.territoryToString(territory))
    for code in intake.COUNTRIES - found.keys():
        found[code] = code  # a code Qt has no name for
    return dict(sorted(found.items(), key=lambda item: item[1].casefold()))


def place_label(code: str, names: Mapping[str, str]) -> str:
    """How a country or a state is shown (and typed): "Germany (DE)"."""
    return f"{names[code]} ({code})"


def resolve_place(text: str, names: Mapping[str, str]) -> str | None:
    """The code a typed country or state stands for: its code, its name or
    its label, in any case; None when it names none."""
    t = " ".join(text.split()).casefold()
    if not t:
        return None
    for code, name in names.items():
        if t in (code.casefold(), name.casefold(), place_label(code, names).casefold()):
            return code
    return None


def regime_label(code: str) -> str:
    regime = regimes.REGIMES.get(code)
    return regime.label if regime else code


def right_choices(regime: str, received: dt.date) -> tuple[tuple[str, str], ...]:
    """(right, the regime's own label) for a request received on `received`."""
    if regime not in regimes.REGIMES:
        return ()
    rules = regimes.REGIMES[regime].rights
    return tuple((r, rules[r].label) for r in regimes.available_rights(regime, received))


@dataclass(frozen=True)
class IntakeFields:
    """Everything the dialog holds, as typed (a draft is exactly this)."""

    channel: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    account_id: str = ""
    country: str = ""  # as typed: "Germany (DE)", "de", "Germany"
    us_state: str = ""  # as typed, like the country
    has_agent: bool = False
    agent_name: str = ""
    agent_organisation: str = ""
    agent_email: str = ""
    agent_phone: str = ""
    agent_authority: str = ""
    regime: str = ""
    regime_by_hand: bool = False  # chosen by the user: suggestions leave it alone
    rights: tuple[str, ...] = ()
    ccpa_detail: str = ""
    received_at: str = ""  # ISO, minutes, organisation local time, no zone
    received_reason: str = ""
    note: str = ""
    join_reference: str = ""

    # -- as a draft ---------------------------------------------------------

    def to_draft(self) -> dict[str, object]:
        data: dict[str, object] = {"version": DRAFT_VERSION}
        data.update(asdict(self))
        data["rights"] = list(self.rights)
        return data

    @classmethod
    def from_draft(cls, data: Mapping[str, object]) -> IntakeFields:
        """Tolerant: a field missing or of the wrong type keeps its default
        (a draft from an older version still opens)."""
        values: dict[str, object] = {}
        for f in fields(cls):
            v = data.get(f.name)
            if f.name == "rights":
                if isinstance(v, list | tuple):
                    values["rights"] = tuple(str(x) for x in v if isinstance(x, str))
            elif f.name in ("has_agent", "regime_by_hand"):
                if isinstance(v, bool):
                    values[f.name] = v
            elif isinstance(v, str):
                values[f.name] = v
        return cls(**values)  # type: ignore[arg-type]

    def has_content(self) -> bool:
        """Whether anything was typed or chosen beyond the defaults: what
        closing would lose. The channel, regime and receipt time are set
        for every new form, so they alone are not content."""
        typed = (self.name, self.email, self.phone, self.address, self.account_id,
                 self.country, self.us_state, self.agent_name, self.agent_organisation,
                 self.agent_email, self.agent_phone, self.received_reason, self.note)  # fmt: skip
        return any(t.strip() for t in typed) or bool(self.rights) or bool(self.join_reference)

    def received(self) -> dt.datetime | None:
        try:
            return dt.datetime.fromisoformat(self.received_at) if self.received_at else None
        except ValueError:
            return None

    def country_code(self) -> str | None:
        return resolve_place(self.country, countries())

    def state_code(self) -> str | None:
        return resolve_place(self.us_state, US_STATES)

    def wants_ccpa_detail(self) -> bool:
        return self.regime == "ccpa" and bool(CCPA_KNOW_RIGHTS & set(self.rights))

    def with_(self, **changes: object) -> IntakeFields:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Check:
    """The form's state: a hint per field (shown beside it, in red), and
    what is still needed before Save (shown by the button)."""

    hints: Mapping[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.hints and not self.missing


def _sentence(error: DomainError) -> str:
    text = str(error)
    return text[:1].upper() + text[1:]


def check(f: IntakeFields, *, now: dt.datetime) -> Check:
    """`now`: the organisation's local time, without a zone."""
    hints: dict[str, str] = {}
    missing: list[str] = []

    def clean(name: str, value: str, cleaner: Callable[[str], object]) -> None:
        if not value.strip():
            return
        try:
            cleaner(value)
        except DomainError as e:
            hints[name] = _sentence(e)

    if not f.channel:
        missing.append("how it came in")
    if not f.name.strip():
        missing.append("the requester's name")
    clean("name", f.name, clean_name)
    clean("email", f.email, clean_email)
    clean("phone", f.phone, clean_phone)
    clean("address", f.address, lambda v: clean_text(v, "the address", max_len=500,
                                                      multiline=True))  # fmt: skip
    clean("account_id", f.account_id, lambda v: clean_text(v, "the account id", max_len=200))
    if not (f.email.strip() or f.phone.strip() or f.address.strip()):
        missing.append("an email, phone or address to reply to")
    country = f.country_code()
    if f.country.strip() and country is None:
        hints["country"] = "Not a country: choose one from the list"
    if f.us_state.strip() and f.state_code() is None:
        hints["us_state"] = "Not a US state: choose one from the list"
    if f.us_state.strip() and country not in (None, "US"):
        hints["us_state"] = "A US state goes with the United States"

    if f.has_agent:
        if not f.agent_name.strip():
            missing.append("the agent's name")
        clean("agent_name", f.agent_name, clean_name)
        clean("agent_email", f.agent_email, clean_email)
        clean("agent_phone", f.agent_phone, clean_phone)
        if f.agent_authority not in AUTHORITY_LABELS:
            missing.append("the agent's kind of authority")

    received = f.received()
    if received is None:
        missing.append("when it was received")
    elif received > now:
        hints["received_at"] = "That is in the future"
    elif received.date() < now.date() and not f.received_reason.strip():
        missing.append("why it is logged after the day it came in")
    clean("received_reason", f.received_reason,
          lambda v: clean_text(v, "the reason", max_len=500))  # fmt: skip

    if not f.regime:
        missing.append("the regime")
    elif f.regime not in regimes.REGIMES:
        hints["regime"] = f"Unknown regime {f.regime!r}"
    else:
        on = received.date() if received else now.date()
        available = {r for r, _ in right_choices(f.regime, on)}
        if not f.rights:
            missing.append("at least one right")
        elif any(r not in available for r in f.rights):
            hints["rights"] = "A right ticked is not one this regime has on the received date"
        if f.wants_ccpa_detail() and f.ccpa_detail not in CCPA_DETAIL_LABELS:
            missing.append("categories or specific pieces")
    clean("note", f.note, lambda v: clean_text(v, "the note", max_len=20_000, multiline=True))
    return Check(hints, tuple(missing))


def missing_text(c: Check) -> str:
    """The line beside Save while it is disabled."""
    if c.missing:
        return "Still needed: " + ", ".join(c.missing) + "."
    if c.hints:
        n = len(c.hints)
        return f"Correct the field{'s' if n > 1 else ''} marked in red."
    return ""


def _opt(value: str) -> str | None:
    return value.strip() or None


def to_request(f: IntakeFields, *, calendar: str | None = None) -> NewRequest:
    """The request to log (call only when `check` is ok)."""
    agent = f.has_agent and bool(f.agent_name.strip())
    return NewRequest(
        regime=f.regime,
        rights=tuple(f.rights),
        channel=f.channel,
        name=f.name.strip(),
        email=_opt(f.email),
        phone=_opt(f.phone),
        received_at=f.received(),
        received_reason=_opt(f.received_reason),
        note=_opt(f.note),
        calendar=calendar,
        address=_opt(f.address),
        account_id=_opt(f.account_id),
        country=f.country_code(),
        us_state=f.state_code(),
        agent_name=_opt(f.agent_name) if agent else None,
        agent_organisation=_opt(f.agent_organisation) if agent else None,
        agent_email=_opt(f.agent_email) if agent else None,
        agent_phone=_opt(f.agent_phone) if agent else None,
        agent_authority=(f.agent_authority or None) if agent else None,
        ccpa_detail=(f.ccpa_detail or None) if f.wants_ccpa_detail() else None,
        join_reference=_opt(f.join_reference),
    )


def duplicate_query(f: IntakeFields) -> dict[str, str | None]:
    """What to look duplicates up by: only values that could match (a
    half-typed email matches nobody, and costs a query)."""

    def ok(value: str, cleaner: Callable[[str], str]) -> str | None:
        try:
            return cleaner(value) if value.strip() else None
        except DomainError:
            return None

    name = f.name.strip()
    return {
        "name": name if len(name) >= 3 else None,
        "email": ok(f.email, clean_email),
        "phone": ok(f.phone, clean_phone),
    }
