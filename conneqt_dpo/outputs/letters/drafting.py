"""Drafting, recording and sending a letter for a case: the case and the
organisation profile from the store, the words from the templates, the PDF
from the renderer. A draft is nothing but bytes until it is recorded; once
recorded, the stored PDF is the letter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.workflow import TRANSITIONS, Action, State
from conneqt_dpo.outputs.letters.content import build_letter
from conneqt_dpo.outputs.letters.document import LetterDoc
from conneqt_dpo.outputs.letters.kinds import get_kind, kinds_for
from conneqt_dpo.store.letter_services import LetterView, SentStep
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import CaseDetail

_NO_EXTRA: Mapping[str, str] = {}
# The pause (or restart) reason each clock event of a letter names
# (spec/workflow.md, "Reason catalogues").
_EVENT_REASONS = {"clarification-requested": "clarify-scope", "fee-requested": "fee"}


@dataclass(frozen=True)
class Draft:
    reference: str
    kind: str
    doc: LetterDoc
    pdf: bytes
    pages: int
    warnings: tuple[str, ...]


def draft_letter(
    svc: Services,
    reference: str,
    kind: str,
    *,
    extra: Mapping[str, str] = _NO_EXTRA,
    today: dt.date | None = None,
) -> Draft:
    """Build and render a letter; nothing is recorded. Raises DomainError
    (naming what is missing) before any PDF is made."""
    from conneqt_dpo.outputs.letters.pdf import render

    case = svc.get_case(reference, today=today)
    verifications = svc.verifications(reference)
    doc = build_letter(
        kind,
        case,
        svc.org_profile(),
        today=today or svc.today(),
        extra=extra,
        systems=svc.data_systems(include_retired=True),
        verification=verifications[-1] if verifications else None,
        data_dir=svc.store.paths.data_dir,
    )
    rendered = render(doc)
    return Draft(case.row.reference, kind, doc, rendered.pdf, rendered.pages, rendered.warnings)


def offered_kinds(case: CaseDetail) -> tuple[str, ...]:
    """The kinds that fit the case's regime, right and state now."""
    r = case.row
    return tuple(k.code for k in kinds_for(r.regime, r.right, r.state))


def record_draft(svc: Services, draft: Draft) -> LetterView:
    """The DPO approves the draft: its PDF is stored with the case."""
    return svc.record_letter(draft.reference, draft.kind, draft.pdf, template=draft.doc.template)


def sent_step(kind: str, case: CaseDetail, *, reason: str | None = None) -> SentStep | None:
    """The clock step a letter of this kind stands for when it goes out, or
    None when the case already took it (the response was recorded first, the
    extension was recorded before its notice could be written)."""
    event = get_kind(kind).clock_event
    state = State(case.row.state)
    recorded = {e.kind for e in case.events}
    if event is None:
        return None
    if event == "identity-requested":
        return _act(Action.REQUEST_IDENTITY, state)
    if event == "responded":
        if kind == "refusal":
            step = _act(Action.REFUSE, state, reason)
            if step is not None and not reason:
                raise DomainError("say on which ground the request is refused (--reason CODE)")
            return step
        return _act(Action.RESPOND, state)
    if event == "extended" and "extended" in recorded:
        # The notice is written from the recorded extension, which takes
        # the day the notice went out.
        return SentStep("redate", "extended")
    return SentStep("event", event, _EVENT_REASONS.get(event, reason))


def _act(action: Action, state: State, reason: str | None = None) -> SentStep | None:
    t = TRANSITIONS[action]
    if state is t.target:
        return None  # already taken: the case moved before the letter was marked sent
    if state not in t.sources:
        raise DomainError(
            f"this letter stands for `{action.value}`, which a case that is {state.value} "
            "cannot take; move the case on first"
        )
    return SentStep("act", action.value, reason)


def mark_sent(
    svc: Services,
    letter_id: int,
    *,
    method: str,
    on: dt.date | None = None,
    reason: str | None = None,
) -> LetterView:
    """Record that a recorded letter went out, with its clock step."""
    letter = svc.letter(letter_id)
    case = svc.get_case(letter.reference)
    svc.mark_letter_sent(
        letter_id, on=on, method=method, step=sent_step(letter.kind, case, reason=reason)
    )
    return svc.letter(letter_id)
