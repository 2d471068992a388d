"""The intake dialog's presenter: it holds the form's fields, checks them as
they are typed, suggests the regime from where the requester lives, looks
for people who asked before (debounced, on the runner), keeps a draft in the
store as the user types (debounced), and logs the request.

No window is needed to use it: the dialog calls ``update`` with the fields
on every edit and shows what the signals say; tests do the same directly.
Every write (draft, log, discard) goes through one queue, in order, so a
draft saved just before Save can never land after the draft is discarded.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.regime_suggest import suggest_regime
from conneqt_dpo.gui.intake_form import (
    DRAFT_KEY,
    Check,
    IntakeFields,
    check,
    duplicate_query,
    to_request,
)
from conneqt_dpo.gui.worker import Failed, Runner
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import CaseRow

log = logging.getLogger(__name__)

DUPLICATE_DELAY_MS = 300  # one lookup per pause in typing
DRAFT_DELAY_MS = 800  # one draft write per pause in typing


@dataclass(frozen=True)
class Suggestion:
    regime: str | None
    reason: str


class SerialWrites:
    """Runs writes one after another on the runner, in the order asked."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self._queue: deque[tuple[Callable[[], Any], Callable[[Any], None], Failed]] = deque()
        self._running = False

    @property
    def idle(self) -> bool:
        return not self._running and not self._queue

    def submit(self, work: Callable[[], Any], done: Callable[[Any], None], failed: Failed) -> None:
        self._queue.append((work, done, failed))
        if not self._running:
            self._next()

    def _next(self) -> None:
        if not self._queue:
            self._running = False
            return
        self._running = True
        work, done, failed = self._queue.popleft()

        def ok(result: Any) -> None:
            try:
                done(result)
            finally:
                self._next()

        def error(e: BaseException) -> None:
            try:
                failed(e)
            finally:
                self._next()

        self.runner.submit(work, ok, error)


def _report(e: BaseException) -> None:
    import sys

    sys.excepthook(type(e), e, e.__traceback__)


class IntakePresenter(QObject):
    checked = Signal(object)  # Check, after every update
    suggested = Signal(object)  # Suggestion, when the country or state changed
    duplicates_found = Signal(object)  # tuple[CaseRow, ...] to offer (may be empty)
    joined = Signal(object)  # CaseRow | None: the request this one adds to
    draft_saved = Signal()
    saved = Signal(object)  # tuple[str, ...]: the new references
    refused = Signal(str)  # a message for a person
    busy_changed = Signal(bool)

    def __init__(
        self,
        services: Services,
        runner: Runner,
        *,
        on_error: Callable[[BaseException], None] | None = None,
        duplicate_delay_ms: int = DUPLICATE_DELAY_MS,
        draft_delay_ms: int = DRAFT_DELAY_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.runner = runner
        self.writes = SerialWrites(runner)
        self._on_error = on_error or _report
        self.fields = IntakeFields()
        self.check_result = Check()
        self.suggestion = Suggestion(None, "")
        self.matches: tuple[CaseRow, ...] = ()  # what the last lookup found
        self.dismissed: set[str] = set()  # "Log anyway": not offered again
        self.joined_row: CaseRow | None = None
        self.busy = False
        self.done = False  # logged or discarded: nothing more to keep
        self._draft_stored = False  # a draft of this form is in the store
        self._lookup_generation = 0
        self._lookup_timer = QTimer(self)
        self._lookup_timer.setSingleShot(True)
        self._lookup_timer.timeout.connect(self.look_up_duplicates)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.timeout.connect(lambda: self.save_draft())
        self.set_delays(duplicate_delay_ms, draft_delay_ms)

    def set_delays(self, duplicate_ms: int, draft_ms: int) -> None:
        """How long a pause in typing is (0: at each key, as tests want)."""
        self._lookup_delay = duplicate_ms
        self._lookup_timer.setInterval(max(0, duplicate_ms))
        self._draft_delay = draft_ms
        self._draft_timer.setInterval(max(0, draft_ms))

    # -- time -------------------------------------------------------------

    def now(self) -> dt.datetime:
        """Now at the organisation, to the minute, without a zone (what the
        received field shows and the store reads as local time)."""
        local = self.services.now().astimezone(self.services.tz)
        return local.replace(tzinfo=None, second=0, microsecond=0)

    def today(self) -> dt.date:
        return self.now().date()

    # -- the form -----------------------------------------------------------

    def start(self, draft: IntakeFields | None = None) -> IntakeFields:
        """The fields a new form opens with: the draft's, or empty and
        received now. A restored draft is in the store already."""
        if draft is not None:
            self._draft_stored = True
            fields = draft if draft.received_at else draft.with_(received_at=self._now_iso())
        else:
            fields = IntakeFields(received_at=self._now_iso())
        self.fields = IntakeFields()  # so that update() sees every field as new
        self.update(fields, draft=False)
        return self.fields

    def _now_iso(self) -> str:
        return self.now().isoformat(timespec="minutes")

    def update(self, fields: IntakeFields, *, draft: bool = True) -> None:
        """The dialog's fields after an edit."""
        before, self.fields = self.fields, fields
        if (before.country, before.us_state) != (fields.country, fields.us_state):
            self._suggest()
        if (before.name, before.email, before.phone) != (fields.name, fields.email, fields.phone):
            self._schedule_lookup()
        self.check_result = check(self.fields, now=self.now())
        self.checked.emit(self.check_result)
        if draft and fields != before:
            self._schedule_draft()

    def choose_regime(self, regime: str) -> None:
        """The user chose the regime: it is theirs from now on."""
        self.update(self.fields.with_(regime=regime, regime_by_hand=bool(regime)))

    def _suggest(self) -> None:
        country, state = self.fields.country_code(), self.fields.state_code()
        if country is None and state is None:
            self.suggestion = Suggestion(None, "")
        else:
            code, reason = suggest_regime(country, state)
            self.suggestion = Suggestion(code, reason)
        self.suggested.emit(self.suggestion)
        if self.suggestion.regime and not self.fields.regime_by_hand:
            # The dialog shows the regime it is given; the fields follow.
            self.fields = self.fields.with_(regime=self.suggestion.regime)

    # -- people who asked before ------------------------------------------

    def _schedule_lookup(self) -> None:
        if self._lookup_delay <= 0:
            self.look_up_duplicates()
        else:
            self._lookup_timer.start()

    def look_up_duplicates(self) -> None:
        self._lookup_timer.stop()
        self._lookup_generation += 1
        generation = self._lookup_generation
        query = duplicate_query(self.fields)
        if not any(query.values()):
            self._found(generation, [])
            return
        svc = self.services
        self.runner.submit(
            lambda: svc.possible_duplicates(**query),
            lambda rows: self._found(generation, rows),
            self._failed,
        )

    def _found(self, generation: int, rows: list[CaseRow]) -> None:
        if not shiboken6.isValid(self) or generation != self._lookup_generation:
            return  # typed on since: a newer lookup answers
        self.matches = tuple(rows)
        self.duplicates_found.emit(self.offered())

    def offered(self) -> tuple[CaseRow, ...]:
        """The matches to show: not once "Log anyway" was pressed for them,
        nor once this request is added to one of them."""
        if self.joined_row is not None:
            return ()
        return tuple(r for r in self.matches if r.reference not in self.dismissed)

    def log_anyway(self) -> None:
        self.dismissed.update(r.reference for r in self.matches)
        self.duplicates_found.emit(self.offered())

    def join(self, row: CaseRow) -> None:
        """Add the rights asked now to that case's request (and person)."""
        self.joined_row = row
        fields = self.fields.with_(join_reference=row.reference)
        if not fields.regime_by_hand:
            fields = fields.with_(regime=row.regime)
        self.update(fields)
        self.joined.emit(row)
        self.duplicates_found.emit(self.offered())

    def unjoin(self) -> None:
        self.joined_row = None
        self.update(self.fields.with_(join_reference=""))
        self.joined.emit(None)
        self.duplicates_found.emit(self.offered())

    # -- the draft ----------------------------------------------------------

    def _schedule_draft(self) -> None:
        if self.done:
            return
        if self._draft_delay <= 0:
            self.save_draft()
        else:
            self._draft_timer.start()

    def save_draft(self, then: Callable[[], None] | None = None) -> None:
        """Keep the fields in the store now (or forget the draft when the
        form holds nothing any more)."""
        self._draft_timer.stop()
        if self.done:
            return
        svc, data = self.services, self.fields.to_draft()
        if self.fields.has_content():
            self._draft_stored = True
            self.writes.submit(lambda: svc.save_draft(DRAFT_KEY, data),
                               lambda _r: self._draft_done(then), self._failed)  # fmt: skip
        elif self._draft_stored:
            self._draft_stored = False
            self.writes.submit(lambda: svc.discard_draft(DRAFT_KEY),
                               lambda _r: self._draft_done(then), self._failed)  # fmt: skip
        elif then is not None:
            then()

    def _draft_done(self, then: Callable[[], None] | None) -> None:
        if shiboken6.isValid(self):
            self.draft_saved.emit()
        if then is not None:
            then()

    @property
    def draft_pending(self) -> bool:
        """An edit not yet in the store (its timer runs, or its write)."""
        return self._draft_timer.isActive() or not self.writes.idle

    def discard(self, then: Callable[[], None] | None = None) -> None:
        """Forget the form and its draft."""
        self._draft_timer.stop()
        self._lookup_timer.stop()
        self.done = True
        svc = self.services
        if self._draft_stored:
            self._draft_stored = False
            self.writes.submit(lambda: svc.discard_draft(DRAFT_KEY),
                               lambda _r: then() if then else None, self._failed)  # fmt: skip
        elif then is not None:
            then()

    # -- saving ---------------------------------------------------------------

    def can_save(self) -> bool:
        return not self.busy and not self.done and self.check_result.ok

    def save(self) -> None:
        """Log the request; ``saved`` with the references, or ``refused``."""
        self.check_result = check(self.fields, now=self.now())
        if not self.can_save():
            self.checked.emit(self.check_result)
            return
        request = to_request(self.fields)
        self._draft_timer.stop()
        self._set_busy(True)
        svc = self.services

        def work() -> tuple[str, ...]:
            refs = tuple(svc.log_request(request))
            try:
                svc.discard_draft(DRAFT_KEY)
            except Exception:  # the request is logged; a stale draft is only offered again
                log.warning("could not discard the intake draft", exc_info=True)
            return refs

        def done(refs: tuple[str, ...]) -> None:
            self.done = True
            self._draft_stored = False
            self._set_busy(False)
            self.saved.emit(refs)

        def failed(e: BaseException) -> None:
            self._set_busy(False)
            self._failed(e)

        self.writes.submit(work, done, failed)

    def _set_busy(self, busy: bool) -> None:
        if shiboken6.isValid(self):
            self.busy = busy
            self.busy_changed.emit(busy)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, DomainError):
            if shiboken6.isValid(self):
                self.refused.emit(str(error))
            return
        self._on_error(error)  # a bug: the crash handler reports it

    def stop(self) -> None:
        """The dialog is going: no timers left to fire on a dead form."""
        self._lookup_timer.stop()
        self._draft_timer.stop()
