"""The evidence locker's use cases: attach, list, export and open a
case's documents; record the identity decision; legal holds; and the purge
of identity documents after the decision and of closed cases after their
retention period.

A document's content goes into the locker (encrypted, store/locker.py)
before its row is written; a failed transaction leaves at most an
unreferenced encrypted file, which the next purge removes. A purge writes
the tombstone (and its audit event) first and removes the file after the
commit: rerun after a kill, it removes whatever a tombstone still names, so
there is never a removed file without a tombstone, and after a rerun never
a tombstone whose file is still there."""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from conneqt_dpo.domain import verification
from conneqt_dpo.domain.calendars import add_months
from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.validation import clean_text
from conneqt_dpo.domain.workflow import OPEN_STATES, Role, State
from conneqt_dpo.store.errors import NotFound, StoreError
from conneqt_dpo.store.locker import Locker, safe_name
from conneqt_dpo.store.models import (
    Agent,
    Case,
    DataSubject,
    Document,
    DraftRow,
    Note,
    Task,
    User,
    Verification,
)
from conneqt_dpo.store.service_base import MAX_NOTE, ServiceBase, require
from conneqt_dpo.store.views import CasesChanged, DocumentView

MIB = 1024 * 1024
# What a document is to the case; the CLI's `attach --kind` takes the first three.
ATTACH_KINDS = ("identity", "correspondence", "extract")
DOCUMENT_KINDS = (*ATTACH_KINDS, "declaration", "letter", "bundle")
PURGED_TEXT = "(purged)"
ORPHAN_GRACE_S = 3600.0


@dataclass(frozen=True)
class VerificationView:
    id: int
    methods: tuple[str, ...]
    data_points: tuple[str, ...]
    level: str | None
    decision: str
    note: str | None
    decided_at: dt.datetime
    decided_by: str


@dataclass(frozen=True)
class VerifyResult:
    changed: CasesChanged
    consequences: tuple[str, ...]
    purge_after: dt.date | None  # when the case's identity documents go


@dataclass(frozen=True)
class PurgePlan:
    """What a purge removes on a given day."""

    documents: tuple[tuple[int, str, str, str], ...]  # id, reference, kind, why
    cases: tuple[str, ...]  # closed cases past retention, not on hold
    held: tuple[str, ...]  # would go, but a legal hold keeps them
    orphans: int  # locker files no live document refers to

    @property
    def empty(self) -> bool:
        return not (self.documents or self.cases or self.orphans)


class DocumentServices(ServiceBase):
    # -- documents ----------------------------------------------------------

    def _locker(self) -> Locker:
        locker = self.store.locker
        locker.max_bytes = self._current_settings().max_document_mb * MIB
        return locker

    def attach(
        self, reference: str, path: Path, *, kind: str, filename: str | None = None
    ) -> DocumentView:
        """Store a file (encrypted) on a case."""
        if kind not in DOCUMENT_KINDS:
            raise DomainError(f"unknown document kind {kind!r} (one of: {', '.join(ATTACH_KINDS)})")
        name = safe_name(filename if filename is not None else path.name)
        if path.is_dir():
            raise DomainError(f"{path} is a folder, not a file")
        with self.store.read() as s:  # refuse before encrypting 100 MB
            me = self._actor(s)
            require(me, Role.DPO, Role.SUPPORT, doing="attach documents")
            self._load_settings(s)
            case = self._case(s, reference)
            if case.purged_at is not None:
                raise DomainError(f"{case.reference} was purged; nothing can be added to it")
        locker = self._locker()
        blob = None
        try:
            blob = locker.put(path)  # the same content twice is stored once
            with self.store.write() as s:
                me = self._actor(s)
                require(me, Role.DPO, Role.SUPPORT, doing="attach documents")
                case = self._case_for_update(s, reference)
                if case.purged_at is not None:
                    raise DomainError(f"{case.reference} was purged; nothing can be added to it")
                if not locker.exists(blob.address):
                    # Swept in the meantime (the same content was a purged
                    # document's): stored again, under this write lock.
                    blob = locker.put(path)
                doc = Document(
                    case_id=case.id,
                    kind=kind,
                    filename=name,
                    media_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
                    size=blob.size,
                    address=blob.address,
                    added_at=self._stamp(),
                    added_by=me.id,
                    purge_after=self._identity_purge_after(s, case) if kind == "identity" else None,
                )
                s.add(doc)
                s.flush()
                self._audit(
                    s,
                    me.login,
                    "document.attached",
                    "case",
                    case.id,
                    case.reference,
                    fields=["document"],
                    detail={"document": doc.id, "kind": kind, "size": blob.size},
                )
                return self._view(s, doc, case.reference)
        except FileNotFoundError:
            raise DomainError(f"no file at {path}") from None
        except StoreError:
            # The row was not written: an encrypted file nothing refers to
            # stays until the next purge sweeps it (another case may be
            # attaching the same content right now).
            raise

    def documents(self, reference: str) -> list[DocumentView]:
        with self.store.read() as s:
            self._actor(s)
            case = self._case(s, reference)
            rows = s.execute(
                select(Document).where(Document.case_id == case.id).order_by(Document.id)
            ).scalars()
            return [self._view(s, d, case.reference) for d in rows]

    def document(self, document_id: int) -> DocumentView:
        with self.store.read() as s:
            self._actor(s)
            doc, ref = self._document(s, document_id)
            return self._view(s, doc, ref)

    def export_document(self, document_id: int, target: Path) -> DocumentView:
        """Decrypt, verify and write a document to `target` (a new file);
        nothing is written when it fails its check. Audited."""
        view = self._readable(document_id)
        self._check_not_purged(view)
        self.store.locker.export(view.address, target, name=view.filename)
        self._record_access(view, "document.exported", target)
        return view

    def open_document(self, document_id: int, folder: Path) -> Path:
        """Decrypt a document for viewing into `folder` (the caller's private
        temporary folder, removed when the viewer closes). Audited."""
        view = self._readable(document_id)
        self._check_not_purged(view)
        target = folder / view.filename
        self.store.locker.export(view.address, target, name=view.filename)
        os.chmod(target, 0o600)
        self._record_access(view, "document.opened", target)
        return target

    def _readable(self, document_id: int) -> DocumentView:
        """A document's content is case work (identity scans, data
        extracts): dpo and support users read it; an admin, who runs users
        and settings, sees only what is stored (the list)."""
        with self.store.read() as s:
            me = self._actor(s)
            require(me, Role.DPO, Role.SUPPORT, doing="open or export documents")
            doc, ref = self._document(s, document_id)
            return self._view(s, doc, ref)

    def _record_access(self, view: DocumentView, action: str, written: Path) -> None:
        """Every export and open is in the audit trail: a copy whose event
        cannot be written is removed again."""
        try:
            self._write_access(view, action)
        except BaseException:
            written.unlink(missing_ok=True)
            raise

    def _write_access(self, view: DocumentView, action: str) -> None:
        with self.store.write() as s:
            me = self._actor(s)
            case_id = s.execute(
                select(Case.id).where(Case.reference == view.reference)
            ).scalar_one()
            self._audit(
                s, me.login, action, "case", case_id, view.reference, detail={"document": view.id}
            )

    @staticmethod
    def _check_not_purged(view: DocumentView) -> None:
        if view.purged_at is not None:
            raise DomainError(
                f"document {view.id} ({view.kind}) was purged on "
                f"{view.purged_at.date().isoformat()} ({view.purge_reason})"
            )

    def _document(self, s: Session, document_id: int) -> tuple[Document, str]:
        row = s.execute(
            select(Document, Case.reference)
            .join(Case, Case.id == Document.case_id)
            .where(Document.id == document_id)
        ).first()
        if row is None:
            raise NotFound(f"no document {document_id}")
        return row[0], row[1]

    def _view(self, s: Session, d: Document, reference: str) -> DocumentView:
        login = s.execute(select(User.login).where(User.id == d.added_by)).scalar() or "?"
        return DocumentView(
            d.id,
            reference,
            d.kind,
            d.filename,
            d.media_type,
            d.size,
            d.address,
            d.added_at,
            login,
            d.purge_after,
            d.purged_at,
            d.purge_reason,
        )

    def _case(self, s: Session, reference: str) -> Case:
        from conneqt_dpo.store.service_base import check_reference

        case = s.execute(
            select(Case).where(Case.reference == check_reference(reference))
        ).scalar_one_or_none()
        if case is None:
            raise NotFound(f"no case {reference}")
        return case

    # -- identity -----------------------------------------------------------

    def _local_day(self, stamp: dt.datetime) -> dt.date:
        return stamp.replace(tzinfo=dt.UTC).astimezone(self.tz).date()

    def _identity_purge_after(self, s: Session, case: Case) -> dt.date | None:
        """Identity documents go a set number of days after the decision
        (GDPR Art 5(1)(e), 11 CCR §7060: kept no longer than needed)."""
        decided = s.execute(
            select(Verification.decided_at)
            .where(Verification.case_id == case.id)
            .order_by(Verification.id.desc())
            .limit(1)
        ).scalar()
        if decided is None:
            return None
        days = self._load_settings(s).identity_purge_days
        on = decided.replace(tzinfo=dt.UTC).astimezone(self.tz).date()
        return max(on, self.today()) + dt.timedelta(days=days)

    def verify_identity(
        self,
        reference: str,
        *,
        methods: Sequence[str],
        decision: str,
        level: str | None = None,
        data_points: Sequence[str] = (),
        note: str | None = None,
    ) -> VerifyResult:
        """Record the identity decision (the DPO's). Under the CCPA an
        unverified request for specific pieces becomes one for categories."""
        text = clean_text(note, "the note", max_len=MAX_NOTE, multiline=True) if note else None
        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, doing="decide on identity")
            case = self._case_for_update(s, reference)
            if State(case.state) not in OPEN_STATES:
                raise DomainError(
                    f"{case.reference} is {case.state}: identity is decided on open cases only"
                )
            decided = verification.decide(
                regime=case.regime,
                right=case.right,
                ccpa_detail=case.ccpa_detail,
                has_agent=case.agent_id is not None,
                methods=methods,
                decision=decision,
                level=level,
                data_points=data_points,
            )
            row = Verification(
                case_id=case.id,
                methods=json.dumps([m.value for m in decided.methods]),
                data_points=json.dumps(list(decided.data_points)),
                level=decided.level.value if decided.level else None,
                decision=decided.decision.value,
                note=text,
                decided_at=self._stamp(),
                decided_by=me.id,
            )
            s.add(row)
            s.flush()
            changed = ["verification"]
            if decided.treat_as_categories:
                case.ccpa_detail = "categories"
                changed.append("ccpa_detail")
            purge_after = self._identity_purge_after(s, case)
            for doc in s.execute(
                select(Document).where(
                    Document.case_id == case.id,
                    Document.kind == "identity",
                    Document.purged_at.is_(None),
                )
            ).scalars():
                doc.purge_after = purge_after
            case.updated_at = self._stamp()
            self._audit(
                s,
                me.login,
                "case.identity-decided",
                "case",
                case.id,
                case.reference,
                fields=changed,
                detail={
                    "decision": decided.decision.value,
                    "level": decided.level.value if decided.level else None,
                    "methods": ",".join(m.value for m in decided.methods),
                    "verification": row.id,
                },
            )
            return VerifyResult(CasesChanged((case.reference,)), decided.consequences, purge_after)

    def verifications(self, reference: str) -> list[VerificationView]:
        with self.store.read() as s:
            self._actor(s)
            case = self._case(s, reference)
            rows = s.execute(
                select(Verification, User.login)
                .join(User, User.id == Verification.decided_by)
                .where(Verification.case_id == case.id)
                .order_by(Verification.id)
            ).all()
            return [
                VerificationView(
                    v.id,
                    tuple(json.loads(v.methods)),
                    tuple(json.loads(v.data_points)),
                    v.level,
                    v.decision,
                    v.note,
                    v.decided_at,
                    login,
                )
                for v, login in rows
            ]

    # -- holds and purging --------------------------------------------------

    def set_hold(self, reference: str, on: bool, *, note: str | None = None) -> CasesChanged:
        """A legal hold keeps a case and its documents from every purge."""
        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, doing="place or lift a legal hold")
            case = self._case_for_update(s, reference)
            if case.legal_hold == on:
                return CasesChanged(())
            case.legal_hold = on
            case.updated_at = self._stamp()
            self._audit(
                s,
                me.login,
                "case.hold-placed" if on else "case.hold-lifted",
                "case",
                case.id,
                case.reference,
                fields=["legal_hold"],
            )
            return CasesChanged((case.reference,))

    def purge_plan(self, today: dt.date | None = None) -> PurgePlan:
        today = today or self.today()
        with self.store.read() as s:
            self._actor(s)
            settings = self._load_settings(s)
            docs = []
            held = set()
            for d, ref, hold in s.execute(
                select(Document, Case.reference, Case.legal_hold)
                .join(Case, Case.id == Document.case_id)
                .where(
                    Document.purged_at.is_(None),
                    Document.kind == "identity",
                    Document.purge_after.is_not(None),
                    Document.purge_after <= today,
                )
                .order_by(Document.id)
            ).all():
                if hold:
                    held.add(ref)
                else:
                    docs.append((d.id, ref, d.kind, "identity-minimisation"))
            cases = []
            for c in s.execute(
                select(Case)
                .where(Case.state == State.CLOSED.value, Case.purged_at.is_(None))
                .order_by(Case.id)
            ).scalars():
                # Kept from the response (or withdrawal) that ended it.
                closed_on = c.stopped_on or self._local_day(c.updated_at)
                if add_months(closed_on, settings.retention_months(c.regime)) > today:
                    continue
                if c.legal_hold:
                    held.add(c.reference)
                else:
                    cases.append(c.reference)
        with self.store.read() as s:
            orphans = self._sweepable(s)
        return PurgePlan(tuple(docs), tuple(cases), tuple(sorted(held)), len(orphans))

    def purge(self, today: dt.date | None = None) -> PurgePlan:
        """Carry out the plan: tombstones and anonymised cases first (one
        transaction, audited), then the files nothing live refers to."""
        if today is not None and today > self.today():
            raise DomainError(
                f"{today.isoformat()} is in the future: a purge cannot be run ahead of time "
                "(--dry-run shows what a later day would remove)"
            )
        plan = self.purge_plan(today)
        day = today or self.today()
        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, doing="purge")
            self._tombstone(s, me.login, plan, day)
            stamp = self._stamp()
            for ref in plan.cases:
                self._anonymise(s, me.login, ref, stamp)
        self._sweep_files()
        return plan

    def purge_due_documents(self, today: dt.date | None = None) -> int:
        """The identity documents whose time has come, purged without being
        asked (the app does it at start and every hour, as any user): the
        setting decided it, nobody needs to. Closed cases wait for `purge`."""
        day = today or self.today()
        plan = self.purge_plan(day)
        if not plan.documents:
            return 0
        with self.store.write() as s:
            me = self._actor(s)
            done = self._tombstone(s, me.login, plan, day, automatic=True)
        self._sweep_files()
        return done

    def _tombstone(self, s: Session, actor: str, plan: PurgePlan, day: dt.date, *,
                   automatic: bool = False) -> int:  # fmt: skip
        """The plan was read before this transaction: each document is
        checked again under the write lock (a hold placed, a newer decision
        moving its date, meanwhile)."""
        stamp = self._stamp()
        done = 0
        for doc_id, ref, kind, why in plan.documents:
            d = s.get(Document, doc_id)
            if d is None or d.purged_at is not None or d.purge_after is None or d.purge_after > day:
                continue
            if s.execute(select(Case.legal_hold).where(Case.id == d.case_id)).scalar():
                continue
            d.purged_at, d.purge_reason = stamp, why
            done += 1
            detail: dict[str, str | int | None] = {"document": doc_id, "kind": kind, "reason": why}
            if automatic:
                detail["automatic"] = 1
            self._audit(s, actor, "document.purged", "case", d.case_id, ref, detail=detail)
        return done

    def _anonymise(self, s: Session, actor: str, reference: str, stamp: dt.datetime) -> None:
        """The end of retention: the case keeps its reference, dates, regime,
        right and audit trail (statistics, proof of compliance), and loses
        the person: names, contacts, notes, documents."""
        case = self._case_for_update(s, reference)
        if case.legal_hold or case.purged_at is not None:
            return
        for d in s.execute(
            select(Document).where(Document.case_id == case.id, Document.purged_at.is_(None))
        ).scalars():
            d.purged_at, d.purge_reason = stamp, "retention"
            d.filename = PURGED_TEXT
        for n in s.execute(select(Note).where(Note.case_id == case.id)).scalars():
            n.text = PURGED_TEXT
        for t in s.execute(select(Task).where(Task.case_id == case.id)).scalars():
            t.note = None
        for v in s.execute(select(Verification).where(Verification.case_id == case.id)).scalars():
            v.note = None
            v.data_points = "[]"
        others = s.execute(
            select(func.count(Case.id)).where(
                Case.subject_id == case.subject_id, Case.id != case.id, Case.purged_at.is_(None)
            )
        ).scalar_one()
        if not others:  # the person has no other case this store still needs
            p = s.get(DataSubject, case.subject_id)
            if p is not None:
                p.name, p.email, p.email_key, p.phone, p.phone_key = (
                    PURGED_TEXT,
                    None,
                    None,
                    None,
                    None,
                )
                p.name_key, p.address, p.account_id = None, None, None
        if case.agent_id is not None:
            a = s.get(Agent, case.agent_id)
            if a is not None:
                a.name, a.email, a.phone, a.organisation = PURGED_TEXT, None, None, None
        case.backdate_reason = None
        case.purged_at = stamp
        s.execute(delete(DraftRow).where(DraftRow.key.like(f"%{case.reference}%")))
        self._audit(
            s,
            actor,
            "case.purged",
            "case",
            case.id,
            case.reference,
            fields=["requester", "notes", "documents"],
        )

    def _sweepable(self, s: Session) -> list[str]:
        """Locker files no live document refers to: those of tombstones (also
        what a killed purge left) at once; others (a failed attach) only
        after an hour, so an attach still committing keeps its file."""
        rows = s.execute(select(Document.address, Document.purged_at.is_(None))).all()
        live = {a for a, is_live in rows if is_live}
        tombstoned = {a for a, is_live in rows if not is_live} - live
        cutoff = dt.datetime.now().timestamp() - ORPHAN_GRACE_S
        out = []
        for address in self.store.locker.addresses():
            if address in live:
                continue
            try:
                old = self.store.locker.path_of(address).stat().st_mtime < cutoff
            except FileNotFoundError:  # another process swept it just now
                continue
            if address in tombstoned or old:
                out.append(address)
        return out

    def _sweep_files(self) -> int:
        """Under the write lock: an attach that finds the same content
        already stored cannot commit between the look and the removal."""
        with self.store.write() as s:
            return sum(1 for a in self._sweepable(s) if self.store.locker.remove(a))


def private_folder() -> Path:
    """A folder only this user can read, for documents opened for viewing."""
    return Path(tempfile.mkdtemp(prefix="conneqt-dpo-view-"))


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
