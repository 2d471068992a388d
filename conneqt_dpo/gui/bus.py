"""Telling views what changed: after each write the service returns a
CasesChanged, the GUI publishes it here, and every model or view refreshes
the rows it names (no polling, no full reloads)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from conneqt_dpo.store.views import CasesChanged


class ChangeBus(QObject):
    cases_changed = Signal(object)  # CasesChanged

    def publish(self, changed: CasesChanged) -> None:
        if changed.references:
            self.cases_changed.emit(changed)
