"""What the presenters of one case's views share: the services, the case,
the change bus and the runner; a ``busy`` flag while a write runs; loads of
which only the latest is shown; and writes that publish what they changed.

A refusal from the services (a DomainError, whose message is written for a
person) is emitted as ``refused``; anything else is a bug and is raised for
the crash handler. Every call runs on the runner, and every callback checks
that the presenter still exists: the tab may close while the work runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import shiboken6
from PySide6.QtCore import QObject, Signal

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.gui.bus import ChangeBus
from conneqt_dpo.gui.widgets import sentence
from conneqt_dpo.gui.worker import Runner
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import CasesChanged

T = TypeVar("T")


class CasePanelPresenter(QObject):
    refused = Signal(str)  # a message for a person
    busy_changed = Signal(bool)

    def __init__(
        self,
        services: Services,
        reference: str,
        bus: ChangeBus,
        runner: Runner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.reference = reference
        self.bus = bus
        self.runner = runner
        self.busy = False
        self._generation = 0  # only the latest load is shown

    def _load(self, fetch: Callable[[], T], show: Callable[[T], None]) -> None:
        """Run `fetch` on the runner and hand its result to `show`, unless
        a newer load was asked for meanwhile. `fetch` runs on a worker
        thread: it must hold the services, not this object."""
        self._generation += 1
        generation = self._generation

        def loaded(result: T) -> None:
            if shiboken6.isValid(self) and generation == self._generation:
                show(result)

        self.runner.submit(fetch, loaded, self._failed)

    def _run(
        self,
        work: Callable[[], T],
        after: Callable[[T], None],
        undo: Callable[[], None] | None = None,
        *,
        changed: Callable[[T], CasesChanged] | None = None,
    ) -> None:
        """One service call on the runner; then `after` its result, and
        publish what it changed (`changed` of the result; else the result
        itself when it is a CasesChanged; else this case: every write adds
        to its audit trail at least). `undo` puts the view back as it was
        when the call fails."""
        self._set_busy(True)
        bus, ref = self.bus, self.reference

        def finished(result: T) -> None:
            if shiboken6.isValid(self):
                self._set_busy(False)
                after(result)
            if changed is not None:
                bus.publish(changed(result))
            else:
                bus.publish(result if isinstance(result, CasesChanged) else CasesChanged((ref,)))

        def failed(error: BaseException) -> None:
            if shiboken6.isValid(self):
                self._set_busy(False)
                if undo is not None:
                    undo()
            self._failed(error)

        self.runner.submit(work, finished, failed)

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, DomainError):
            raise error  # a bug: the crash handler reports it
        if shiboken6.isValid(self):
            self._refuse(error)

    def _refuse(self, error: DomainError) -> None:
        self.refused.emit(sentence(str(error)))

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busy_changed.emit(busy)
