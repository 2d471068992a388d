"""What a letter says: the case, the organisation profile and the DPO's
free text, filled into the letter's template (templates.py), as a LetterDoc
for the renderer.

Python decides only which facts go in: the wording and the citations are in
the templates (resources/letters/, or the organisation's copies in the data
folder), the organisation's facts in its profile, the dates from the
deadline engine (the case's clock). Anything missing is refused with a
message naming it, before anything is rendered.

The fields a template can use are listed in resources/letters/README.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.organisation import Organisation, field_problem, missing_for
from conneqt_dpo.domain.regimes import get_regime, get_rule
from conneqt_dpo.domain.validation import clean_text
from conneqt_dpo.domain.workflow import EXTENSION_REASONS
from conneqt_dpo.outputs.letters.document import LetterDoc
from conneqt_dpo.outputs.letters.kinds import (
    KINDS,
    LetterKind,
    get_kind,
    page_size,
    refusal_grounds,
    regime_family,
)
from conneqt_dpo.outputs.letters.templates import find_template, group, one_line, render
from conneqt_dpo.store.views import CaseDetail, DataSystemView

if TYPE_CHECKING:
    from conneqt_dpo.store.document_services import VerificationView

__all__ = ["build_letter", "extra_fields"]

_MAX_EXTRA = 10_000
_NO_EXTRA: Mapping[str, str] = MappingProxyType({})

_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def _date_text(d: dt.date | None, *, us: bool) -> str:
    """How a date is printed: "24 November 2026" in Europe, "November 24,
    2026" in the US; empty for no date."""
    if d is None:
        return ""
    month = _MONTHS[d.month - 1]
    return f"{month} {d.day}, {d.year}" if us else f"{d.day} {month} {d.year}"


def extra_fields(kind: str) -> tuple[tuple[str, str, bool], ...]:
    """The free-text parts of a kind as (key, description, required at
    all), for forms and the CLI."""
    return tuple((f.key, f.description, f.required) for f in get_kind(kind).extra)


def build_letter(
    kind: str,
    case: CaseDetail,
    org: Organisation,
    *,
    today: dt.date,
    extra: Mapping[str, str] = _NO_EXTRA,
    systems: Sequence[DataSystemView] = (),
    verification: VerificationView | None = None,
    data_dir: Path | None = None,
) -> LetterDoc:
    """The letter `kind` (spec/letters.md identifier) for `case`, dated
    `today`. `extra` holds the free-text parts the DPO writes (keys per kind:
    kinds.py, `extra_fields`); `systems` is the data systems inventory (an
    access response names the categories, purposes and recipients of the
    systems the case's tasks found data in); `verification` the case's
    latest identity decision; `data_dir` the data folder whose `letters/`
    may hold the organisation's own templates (None: the shipped ones only).

    Raises DomainError, naming what is wrong, when the kind does not fit the
    case, a required part or profile field is missing, or the template is
    broken."""
    k = get_kind(kind)
    regime, right = case.row.regime, case.row.right
    if not k.applies(regime, right):
        fitting = [x.code for x in KINDS.values() if x.applies(regime, right)]
        raise DomainError(
            f"there is no {k.label} for a {regime} {right} case; its letters are: "
            f"{', '.join(fitting)}"
        )
    values = _check_extra(k, regime, right, extra)
    _check_profile(k, regime, org)
    if k.code == "refusal":
        grounds = refusal_grounds(regime, right)
        if values["ground"] not in grounds:
            raise DomainError(
                f"the refusal ground '{values['ground']}' does not apply to a {regime} {right} "
                f"case; use one of: {', '.join(grounds)}"
            )
    us = page_size(regime) == "LETTER"
    extension = _extension(k, case, today) if k.code == "extension-notice" else None
    scope = _Scope.of(case, systems, needed=_lists_scope(k, regime))
    informed = _informed(values, scope)
    if not informed and (k.code, regime_family(regime)) in _NAMES_RECIPIENTS:
        raise DomainError(
            f"the {k.label} needs its 'recipients_informed': none of the systems the case's "
            "tasks changed names a recipient; say whom you told, or that there was no one"
        )
    source = find_template(k.code, regime, regime_family(regime), data_dir)
    context = _context(k, case, org, today, values, scope, informed, verification, extension, us=us)
    rendered = render(source, context)
    addressee_name, on_behalf = _addressee_names(case)
    return LetterDoc(
        kind=k.code,
        regime=regime,
        reference=case.reference,
        date=_date_text(today, us=us),
        sender=_sender(org),
        addressee=_addressee(case, addressee_name, on_behalf),
        subject=rendered.subject,
        blocks=rendered.blocks,
        signature=_signature(org),
        page_size=page_size(regime),
        title=rendered.subject,
        author=org.name,
        template=source.describe(),
    )


# -- checks --------------------------------------------------------------------


def _check_extra(
    k: LetterKind, regime: str, right: str, extra: Mapping[str, str]
) -> dict[str, str]:
    unknown = sorted(str(key) for key in extra if k.extra_field(str(key)) is None)
    if unknown:
        parts = ", ".join(f.key for f in k.extra) or "none"
        raise DomainError(f"a {k.label} has no part '{unknown[0]}'; its parts are: {parts}")
    out: dict[str, str] = {}
    for f in k.extra:
        value = extra.get(f.key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise DomainError(f"the {k.label}'s '{f.key}' must be text")
        text = (
            clean_text(value, f"the {k.label}'s '{f.key}'", max_len=_MAX_EXTRA, multiline=True)
            if value.strip()
            else ""
        )
        if f.choices and text and text not in f.choices:
            raise DomainError(
                f"the {k.label}'s '{f.key}' must be one of: {', '.join(f.choices)} (not '{text}')"
            )
        if not text and f.required_on(regime, right):
            raise DomainError(f"the {k.label} needs its '{f.key}': {f.description}")
        out[f.key] = text
    return out


def _check_profile(k: LetterKind, regime: str, org: Organisation) -> None:
    missing = missing_for(k.code, regime, org)
    if not missing:
        return
    parts = [f"{name} ({field_problem(org, name)})" for name in missing]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    it = "it" if len(parts) == 1 else "them"
    raise DomainError(
        f"the {k.label} needs the organisation profile's {listed}; set {it} in "
        "Settings > Organisation or with conneqt-dpo org-profile import"
    )


@dataclass(frozen=True)
class _Extension:
    reason: str
    noticed_on: dt.date
    new_date: dt.date
    unextended: dt.date


def _extension(k: LetterKind, case: CaseDetail, today: dt.date) -> _Extension:
    """The extension the notice announces: its reason and new date come from
    the case's clock, where the DPO recorded it."""
    event = next(
        (e for e in reversed(case.events) if e.kind == "extended" and not e.superseded), None
    )
    if event is None or case.extended_respond_by is None or case.respond_by is None:
        raise DomainError(
            f"record the extension on the case first (conneqt-dpo event {case.reference} "
            f"extended --reason {'|'.join(EXTENSION_REASONS)}, or on the case's clock); the "
            f"{k.label} states the reason and the new date the clock gives"
        )
    # The notice must reach the person within the first period (GDPR Art
    # 12(3); UK Art 12(3)-12A; Cal. Civ. Code §1798.130(a)(2); 45 CFR
    # 164.524(b)(2)(iii); the state laws' "within the initial 45 days").
    if today > case.respond_by:
        raise DomainError(
            f"an {k.label} must be sent on or before the unextended respond-by date "
            f"({case.respond_by.isoformat()}); this one would be dated {today.isoformat()}"
        )
    return _Extension(event.reason or "", event.on, case.extended_respond_by, case.respond_by)


def _lists_scope(k: LetterKind, regime: str) -> bool:
    """Whether the letter lists categories, purposes and recipients (and so
    may narrow them to the systems the data was found in)."""
    return k.code == "access-response" and regime != "hipaa"


_CHANGED = ("erased", "corrected", "restricted", "recipients-notified")


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


@dataclass(frozen=True)
class _Scope:
    """The data systems the case's tasks name, with what the inventory says
    about them."""

    found: tuple[DataSystemView, ...]
    changed: tuple[DataSystemView, ...]
    none_found: bool

    @classmethod
    def of(cls, case: CaseDetail, systems: Sequence[DataSystemView], *, needed: bool) -> _Scope:
        by_name = {s.name.casefold(): s for s in systems}
        found: list[DataSystemView] = []
        changed: list[DataSystemView] = []
        for t in case.tasks:
            system = by_name.get(t.system.casefold())
            if t.outcome == "found":
                if system is None:
                    if needed:
                        raise DomainError(
                            f"the case's task found data in '{t.system}', which is not in the "
                            "data systems inventory; add it in Settings > Data systems so the "
                            "letter can name its categories, purposes and recipients"
                        )
                    continue
                if needed:
                    for what in ("categories", "purposes", "recipients"):
                        if not getattr(system, what):
                            raise DomainError(
                                f"the data system '{system.name}' has no {what} recorded; the "
                                "access response lists them for each system the data was found in"
                            )
                found.append(system)
            elif t.outcome in _CHANGED and system is not None:
                changed.append(system)
        none_found = bool(case.tasks) and all(
            t.outcome is not None and t.outcome != "found" for t in case.tasks
        )
        return cls(tuple(found), tuple(changed), none_found and not found)


# Letters that must name the recipients told of the change: GDPR Art 19
# (rectification, erasure, restriction); CCPA deletion, the service
# providers, contractors and third parties notified (11 CCR §7022(b)).
_NAMES_RECIPIENTS = frozenset(
    {
        ("rectification-confirmation", "gdpr"),
        ("erasure-confirmation", "gdpr"),
        ("restriction-confirmation", "gdpr"),
        ("erasure-confirmation", "ccpa"),
    }
)


def _informed(extra: Mapping[str, str], scope: _Scope) -> list[str]:
    """The recipients told of a change: as the DPO wrote them, else those
    of the systems the case's tasks changed (the inventory's recipients)."""
    if extra.get("recipients_informed"):
        return [extra["recipients_informed"]]
    return _unique(x for s in scope.changed for x in s.recipients)


# -- the fields ------------------------------------------------------------------


def _addressee_names(case: CaseDetail) -> tuple[str, str]:
    """Whom the letter is to, and on whose behalf ("" if the person's own),
    each on one line."""
    if case.agent_name:
        return one_line(case.agent_name), one_line(case.row.requester_name)
    return one_line(case.row.requester_name), ""


def _split(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _addressee(case: CaseDetail, name: str, on_behalf: str) -> tuple[str, ...]:
    if on_behalf:
        lines = [name, *_split(case.agent_organisation), f"on behalf of {on_behalf}"]
        return tuple(lines + ([one_line(case.agent_email)] if case.agent_email else []))
    lines = [name, *_split(case.requester_address)]
    if not case.requester_address and case.row.requester_email:
        lines.append(one_line(case.row.requester_email))
    return tuple(lines)


def _usable(org: Organisation, name: str) -> str:
    value = getattr(org, name)
    return value if isinstance(value, str) and field_problem(org, name) is None else ""


def _sender(org: Organisation) -> tuple[str, ...]:
    lines = [org.name, *_split(org.address)]
    phone = _usable(org, "phone")
    if phone:
        lines.append(phone)
    lines.append(org.support_email)
    return tuple(lines)


def _signature(org: Organisation) -> tuple[str, ...]:
    return (org.dpo_name, org.dpo_title, org.name, org.dpo_email)


def _appeal(regime: str) -> dict[str, object]:
    """The regime's appeal of a refusal, if it has one (the state laws but
    Utah): its time limit and citation, for refusals that say how to appeal."""
    rule = get_regime(regime).rights.get("appeal")
    if rule is None:
        return {"exists": False, "period": "", "citation": ""}
    return {"exists": True, "period": rule.period.describe(), "citation": rule.citation}


def _months_before(d: dt.date, months: int) -> dt.date:
    index = d.year * 12 + d.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for day in (d.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def _context(
    k: LetterKind,
    case: CaseDetail,
    org: Organisation,
    today: dt.date,
    extra: Mapping[str, str],
    scope: _Scope,
    informed: list[str],
    verification: VerificationView | None,
    extension: _Extension | None,
    *,
    us: bool,
) -> dict[str, object]:
    row = case.row
    reg = get_regime(row.regime)
    rule = get_rule(row.regime, row.right)

    def date(d: dt.date | None) -> str:
        return _date_text(d, us=us)

    profile = org.to_mapping()
    profile.pop("timezone", None)
    profile_purposes = {p.purpose.casefold(): p.lawful_basis for p in org.purposes}
    if scope.found:
        purposes = [
            {"purpose": p, "lawful_basis": profile_purposes.get(p.casefold(), "")}
            for p in _unique(x for s in scope.found for x in s.purposes)
        ]
        categories = _unique(x for s in scope.found for x in s.categories)
        recipients = _unique(x for s in scope.found for x in s.recipients)
    else:
        purposes = [{"purpose": p.purpose, "lawful_basis": p.lawful_basis} for p in org.purposes]
        categories, recipients = list(org.categories), list(org.recipients)
    by_outcome: dict[str, list[str]] = {}
    for t in case.tasks:
        key = (t.outcome or "open").replace("-", "_")
        by_outcome.setdefault(key, []).append(t.system)
    outcomes = ("found", "not_found", "erased", "corrected", "restricted",
                "recipients_notified", "not_applicable", "open")  # fmt: skip
    name, on_behalf = _addressee_names(case)
    return {
        "letter": group(
            "letter",
            {
                "kind": k.code,
                "label": k.label,
                "date": date(today),
                "iso_date": today.isoformat(),
                "family": regime_family(row.regime),
            },
        ),
        "controller": group("controller", profile),
        "regime": group("regime", {"code": reg.code, "label": reg.label, "citation": reg.citation}),
        "right": group(
            "right",
            {
                "code": rule.right,
                "label": rule.label,
                "citation": rule.citation,
                "period_citation": reg.rule_citation(rule, row.received),
                "extension_citation": rule.extension_citation,
                "extension_text": rule.extension_text,
            },
        ),
        "case": group(
            "case",
            {
                "reference": row.reference,
                "channel": row.channel,
                "state": row.state,
                "clock_state": row.clock_state,
                "ccpa_detail": case.ccpa_detail or "",
                "linked": list(case.group_references),
                "stopped_by": row.stopped_by or "",
            },
        ),
        "dates": group(
            "dates",
            {
                "received": date(row.received),
                "received_iso": row.received.isoformat(),
                "acknowledge_by": date(case.acknowledge_by),
                "respond_by": date(row.due),
                "unextended": date(case.respond_by),
                "extended": date(case.extended_respond_by),
                "stopped_on": date(row.stopped_on),
                "lookback_from": date(_months_before(row.received, 12)),
            },
        ),
        "extension": group(
            "extension",
            {
                "reason": extension.reason if extension else "",
                "noticed_on": date(extension.noticed_on) if extension else "",
                "new_date": date(extension.new_date) if extension else "",
                "unextended": date(extension.unextended) if extension else "",
                "days": str((extension.new_date - extension.unextended).days) if extension else "",
            },
        ),
        "appeal": group("appeal", _appeal(row.regime)),
        "addressee": group("addressee", {"name": name, "on_behalf_of": on_behalf}),
        "requester": group(
            "requester",
            {
                "name": row.requester_name,
                "email": row.requester_email or "",
                "phone": case.requester_phone or "",
                "address": case.requester_address or "",
                "account_id": case.requester_account_id or "",
            },
        ),
        "agent": group(
            "agent",
            {
                "name": case.agent_name or "",
                "organisation": case.agent_organisation or "",
                "email": case.agent_email or "",
                "authority": case.agent_authority or "",
            },
        ),
        "tasks": [
            group("tasks[]", {"system": t.system, "outcome": t.outcome or "", "note": t.note or ""})
            for t in case.tasks
        ],
        "systems": group("systems", {o: by_outcome.get(o, []) for o in outcomes}),
        "scope": group(
            "scope",
            {
                "limited": bool(scope.found),
                "none_found": scope.none_found,
                "systems": [s.name for s in scope.found],
                "categories": categories,
                "purposes": purposes,
                "recipients": recipients,
            },
        ),
        "informed": informed,
        "verification": group(
            "verification",
            {
                "decision": verification.decision if verification else "",
                "level": (verification.level or "") if verification else "",
                "methods": list(verification.methods) if verification else [],
            },
        ),
        "extra": group("extra", dict(extra)),
    }
