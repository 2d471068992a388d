"""One case in its own tab. (The full case view builds on this.)"""

from __future__ import annotations

from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from conneqt_dpo.gui.bus import ChangeBus
from conneqt_dpo.gui.main_window import detail_html
from conneqt_dpo.gui.worker import Runner
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import CasesChanged


class CaseView(QWidget):
    def __init__(
        self,
        services: Services,
        reference: str,
        bus: ChangeBus,
        runner: Runner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.reference = reference
        self.body = QTextBrowser()
        layout = QVBoxLayout(self)
        layout.addWidget(self.body)
        bus.cases_changed.connect(self._on_changed)
        self.refresh()

    def refresh(self) -> None:
        self.body.setHtml(detail_html(self.services.get_case(self.reference)))

    def _on_changed(self, changed: CasesChanged) -> None:
        if self.reference in changed.references:
            self.refresh()
