"""Where the intake dialog meets the main window: Ctrl+N opens it (with the
draft left unsaved, if any), the start offers that draft, and a request
logged opens its cases in tabs and is published on the bus."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from conneqt_dpo.gui.bus import ChangeBus
from conneqt_dpo.gui.intake_dialog import IntakeDialog
from conneqt_dpo.gui.intake_form import DRAFT_KEY, IntakeFields
from conneqt_dpo.gui.intake_presenter import IntakePresenter
from conneqt_dpo.gui.worker import Runner
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import CasesChanged, Draft

DRAFT_TITLE = "Unsaved request"
DRAFT_TEXT = "You were logging a request for {who} when the app closed{when}. Continue with it?"


def _utc(stamp: dt.datetime) -> dt.datetime:
    """The store's stamps are UTC without a zone."""
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


class IntakeLauncher(QObject):
    def __init__(
        self,
        window: QWidget,
        services: Services,
        runner: Runner,
        bus: ChangeBus,
        *,
        open_case: Callable[[str], object],
        say: Callable[[str], None],
        on_error: Callable[[BaseException], None],
        delays: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.services = services
        self.runner = runner
        self.bus = bus
        self._open_case = open_case
        self._say = say
        self._on_error = on_error
        self._delays = delays  # (duplicates, draft) debounce; None: the presenter's
        self.dialog: IntakeDialog | None = None  # the request being logged
        self.message_box: QMessageBox | None = None  # the draft offered at start

    def is_open(self) -> bool:
        return self.dialog is not None and shiboken6.isValid(self.dialog) \
            and self.dialog.isVisible()  # fmt: skip

    def new_request(self) -> None:
        """Ctrl+N: the intake dialog, with the draft left unsaved if any."""
        if self.is_open():
            assert self.dialog is not None
            self.dialog.raise_()
            self.dialog.activateWindow()
            return

        def found(drafts: list[Draft]) -> None:
            if shiboken6.isValid(self) and not self.is_open():
                self.open(next((d for d in drafts if d.key == DRAFT_KEY), None))

        self.runner.submit(self.services.drafts, found, self._on_error)

    def open(self, draft: Draft | None = None) -> IntakeDialog:
        """The intake dialog (non-blocking), filled from `draft`."""
        presenter = IntakePresenter(self.services, self.runner, on_error=self._on_error)
        if self._delays is not None:
            presenter.set_delays(*self._delays)
        dialog = IntakeDialog(
            presenter,
            draft=IntakeFields.from_draft(draft.data) if draft is not None else None,
            draft_saved_at=_utc(draft.updated_at) if draft is not None else None,
            parent=self.window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        presenter.saved.connect(self._logged)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _logged(self, references: tuple[str, ...]) -> None:
        """The request is in the store: show its cases, tell every view."""
        dialog = self.dialog
        joined = dialog.presenter.fields.join_reference if dialog is not None else ""
        for ref in references:
            try:
                self._open_case(ref)
            except Exception as e:  # the cases are logged; a tab that fails is a bug
                self._on_error(e)
        self._say(f"Logged {', '.join(references)}"
                  + (f", added to {joined}'s request" if joined else ""))  # fmt: skip
        self.bus.publish(CasesChanged(tuple(references) + ((joined,) if joined else ())))

    def keep_and_close(self) -> None:
        """The window is closing: what was typed is kept as a draft."""
        if self.is_open():
            assert self.dialog is not None
            self.dialog.keep_as_draft()

    # -- the draft left last time ---------------------------------------------

    def offer_draft(self) -> None:
        def found(drafts: list[Draft]) -> None:
            draft = next((d for d in drafts if d.key == DRAFT_KEY), None)
            if draft is not None and shiboken6.isValid(self) and not self.is_open():
                self._ask(draft)

        self.runner.submit(self.services.drafts, found, self._on_error)

    def _ask(self, draft: Draft) -> None:
        fields = IntakeFields.from_draft(draft.data)
        who = fields.name.strip() or fields.email.strip() or "a requester not yet named"
        local = _utc(draft.updated_at).astimezone(self.services.tz)
        when = f" (last typed {local:%d %b %Y, %H:%M})"
        box = QMessageBox(QMessageBox.Icon.Question, DRAFT_TITLE,
                          DRAFT_TEXT.format(who=who, when=when),
                          QMessageBox.StandardButton.NoButton, self.window)  # fmt: skip
        box.setTextFormat(Qt.TextFormat.PlainText)
        go_on = box.addButton("&Continue logging", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("&Later", QMessageBox.ButtonRole.RejectRole)
        discard = box.addButton("&Discard it", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(go_on)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        svc = self.services

        def answered(button: QAbstractButton) -> None:
            if button is go_on:
                self.open(draft)
            elif button is discard:
                self.runner.submit(lambda: svc.discard_draft(DRAFT_KEY), lambda _r: None,
                                   self._on_error)  # fmt: skip

        box.buttonClicked.connect(answered)
        self.message_box = box
        box.open()
