"""Letters on a case: a recorded letter is the PDF as approved, stored in
the evidence locker; those bytes are the letter from then on (bundles carry
them, never a re-render). Marking it sent records the date and the method,
and for a deadline-relevant letter the clock step it stands for, dated the
day it was sent."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.validation import clean_text
from conneqt_dpo.domain.workflow import Role
from conneqt_dpo.store.document_services import DocumentServices
from conneqt_dpo.store.errors import NotFound
from conneqt_dpo.store.models import Case, ClockEventRow, Document, Letter, User
from conneqt_dpo.store.service_base import check_reference, require
from conneqt_dpo.store.views import CasesChanged

SEND_METHODS = ("email", "post", "in-person")


@dataclass(frozen=True)
class LetterView:
    id: int
    reference: str
    kind: str
    document_id: int | None
    filename: str
    template: str | None
    created_at: dt.datetime  # UTC
    created_by: str
    sent_on: dt.date | None
    sent_method: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "reference": self.reference,
            "kind": self.kind,
            "document_id": self.document_id,
            "filename": self.filename,
            "template": self.template,
            "created_at": self.created_at.isoformat() + "Z",
            "created_by": self.created_by,
            "sent_on": self.sent_on.isoformat() if self.sent_on else None,
            "sent_method": self.sent_method,
        }


@dataclass(frozen=True)
class SentStep:
    """The clock step a sent letter stands for: a workflow action (`respond`,
    `refuse`, `request-identity`), a clock event (`extended`,
    `clarification-requested`, `fee-requested`) with its reason code, or
    `redate`: the event is already recorded (an extension, whose notice is
    written from it) and takes the day the letter went out."""

    how: Literal["act", "event", "redate"]
    name: str
    reason: str | None = None


class LetterServices(DocumentServices):
    def record_letter(
        self, reference: str, kind: str, pdf: bytes, *, template: str | None = None
    ) -> LetterView:
        """Store an approved letter (the DPO's) on its case."""
        if not pdf.startswith(b"%PDF-"):
            raise DomainError("a letter is recorded as a PDF")
        k = clean_text(kind, "the letter kind", max_len=32)
        tpl = clean_text(template, "the template", max_len=200) if template else None
        with self.store.read() as s:
            me = self._actor(s)
            require(me, Role.DPO, doing="approve and record letters")
            ref = self._reference(s, reference)
        blob = self.store.locker.put(io.BytesIO(pdf))
        filename = f"{ref}-{k}.pdf"
        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, doing="approve and record letters")
            case = self._case_for_update(s, ref)
            if case.purged_at is not None:
                raise DomainError(f"{case.reference} was purged; nothing can be added to it")
            if not self.store.locker.exists(blob.address):  # swept meanwhile: store it again
                blob = self.store.locker.put(io.BytesIO(pdf))
            stamp = self._stamp()
            doc = Document(
                case_id=case.id,
                kind="letter",
                filename=filename,
                media_type="application/pdf",
                size=blob.size,
                address=blob.address,
                added_at=stamp,
                added_by=me.id,
            )
            s.add(doc)
            s.flush()
            letter = Letter(
                case_id=case.id,
                kind=k,
                document_id=doc.id,
                created_at=stamp,
                created_by=me.id,
                template=tpl,
            )
            s.add(letter)
            s.flush()
            case.updated_at = stamp
            self._audit(
                s,
                me.login,
                "letter.recorded",
                "case",
                case.id,
                case.reference,
                fields=["letters", "documents"],
                detail={"letter": letter.id, "kind": k, "document": doc.id},
            )
            return self._letter_view(s, letter, case.reference)

    def letters(self, reference: str) -> list[LetterView]:
        with self.store.read() as s:
            self._actor(s)
            ref = self._reference(s, reference)
            rows = s.execute(
                select(Letter)
                .join(Case, Case.id == Letter.case_id)
                .where(Case.reference == ref)
                .order_by(Letter.id)
            ).scalars()
            return [self._letter_view(s, x, ref) for x in rows]

    def letter(self, letter_id: int) -> LetterView:
        with self.store.read() as s:
            self._actor(s)
            x, ref = self._letter(s, letter_id)
            return self._letter_view(s, x, ref)

    def letter_pdf(self, letter_id: int) -> bytes:
        """The stored bytes, checked."""
        view = self.letter(letter_id)
        if view.document_id is None:
            raise NotFound(f"letter {letter_id} has no stored PDF")
        doc = self.document(view.document_id)
        self._check_not_purged(doc)
        return self.store.locker.read_bytes(doc.address, name=doc.filename)

    def mark_letter_sent(
        self,
        letter_id: int,
        *,
        on: dt.date | None = None,
        method: str,
        step: SentStep | None = None,
    ) -> CasesChanged:
        """Record that a letter went out. The clock step comes first (its
        checks decide whether the letter may count as sent that day), then
        the letter's own record."""
        if method not in SEND_METHODS:
            raise DomainError(f"unknown send method {method!r} (one of: {', '.join(SEND_METHODS)})")
        day = self._event_date(on)
        view = self.letter(letter_id)
        if view.sent_on is not None:
            raise DomainError(f"letter {letter_id} was already marked sent on {view.sent_on}")
        recorded_on = view.created_at.replace(tzinfo=dt.UTC).astimezone(self.tz).date()
        if day < recorded_on:
            raise DomainError(
                f"letter {letter_id} was recorded on {recorded_on.isoformat()}; it cannot have "
                f"been sent on {day.isoformat()}"
            )
        if step is not None and step.how == "act":
            self.act(view.reference, step.name, reason=step.reason, on=day)  # type: ignore[attr-defined]
        elif step is not None and step.how == "event":
            self.record_event(view.reference, step.name, on=day, reason=step.reason)  # type: ignore[attr-defined]
        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, Role.SUPPORT, doing="mark letters sent")
            x, ref = self._letter(s, letter_id)
            if x.sent_on is not None:  # someone else, meanwhile
                raise DomainError(f"letter {letter_id} was already marked sent on {x.sent_on}")
            if step is not None and step.how == "redate":
                self._redate(s, me.login, x.case_id, step.name, day)
            x.sent_on, x.sent_method, x.sent_by = day, method, me.id
            x.sent_at = self._stamp()
            self._audit(
                s,
                me.login,
                "letter.sent",
                "case",
                x.case_id,
                ref,
                fields=["letters"],
                detail={
                    "letter": x.id,
                    "kind": x.kind,
                    "method": method,
                    "on": day.isoformat(),
                    "step": step.name if step else None,
                },
            )
            return CasesChanged((ref,))

    # -- helpers ------------------------------------------------------------

    def _redate(self, s: Session, actor: str, case_id: int, kind: str, day: dt.date) -> None:
        """The recorded event takes the day its letter went out (an extension
        counts from its notice); the engine refuses a day the law does not
        allow (a notice after the unextended deadline)."""
        event = s.execute(
            select(ClockEventRow)
            .where(ClockEventRow.case_id == case_id, ClockEventRow.kind == kind,
                   ClockEventRow.superseded.is_(False))
            .order_by(ClockEventRow.id.desc()).limit(1)
        ).scalar_one_or_none()  # fmt: skip
        if event is None or event.on == day:
            return
        case = s.get(Case, case_id)
        assert case is not None
        before = event.on
        event.on = day
        case.updated_at = self._stamp()
        self._recompute(s, case)
        detail = {"event": kind, "from": before.isoformat(), "on": day.isoformat()}
        self._audit(s, actor, "case.event-redated", "case", case.id, case.reference,
                    fields=["clock_events"], detail=detail)  # fmt: skip

    def _reference(self, s: Session, reference: str) -> str:
        ref = check_reference(reference)
        if s.execute(select(Case.id).where(Case.reference == ref)).first() is None:
            raise NotFound(f"no case {reference}")
        return ref

    def _letter(self, s: Session, letter_id: int) -> tuple[Letter, str]:
        row = s.execute(
            select(Letter, Case.reference)
            .join(Case, Case.id == Letter.case_id)
            .where(Letter.id == letter_id)
        ).first()
        if row is None:
            raise NotFound(f"no letter {letter_id}")
        return row[0], row[1]

    def _letter_view(self, s: Session, x: Letter, reference: str) -> LetterView:
        login = s.execute(select(User.login).where(User.id == x.created_by)).scalar() or "?"
        filename = ""
        if x.document_id is not None:
            filename = (
                s.execute(select(Document.filename).where(Document.id == x.document_id)).scalar()
                or ""
            )
        return LetterView(
            x.id,
            reference,
            x.kind,
            x.document_id,
            filename,
            x.template,
            x.created_at,
            login,
            x.sent_on,
            x.sent_method,
        )
