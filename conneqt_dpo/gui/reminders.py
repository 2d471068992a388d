"""Reminders: at start and every hour, what needs chasing (cases due soon,
overdue cases, open tasks on overdue cases, cases waiting too long for
identity), in a notice that does not block, and as a tray notification
where the desktop has a tray.

``ReminderPresenter`` asks the services on the runner (no window needed);
``ReminderNotice`` lists what it found. From the notice a case opens in its
tab, and a DPO can close a stale identity case as not verified: that is the
case view's own Refuse form with the reason set to identity-not-verified,
so the refusal asks for what any refusal asks for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QSystemTrayIcon,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from conneqt_dpo.domain import regimes
from conneqt_dpo.domain.calendars import format_day
from conneqt_dpo.domain.workflow import Role
from conneqt_dpo.gui import style
from conneqt_dpo.gui.bus import ChangeBus
from conneqt_dpo.gui.case_actions import CaseActions
from conneqt_dpo.gui.dialogs import ActionDialog, plain_label
from conneqt_dpo.gui.worker import Runner
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import CaseRow, CasesChanged, Reminders

HOUR_MS = 60 * 60 * 1000
REFUSE_REASON = "identity-not-verified"
NOTHING = "Nothing to chase: no case is overdue, due soon or waiting too long for identity."
CLOSE_NOT_VERIFIED = "Close as &not verified…"
ONLY_DPO = "Only a DPO refuses a request (you are {role})."
PICK_STALE = "Choose a case waiting for identity to close it as not verified."

# (section, title, what it means)
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("overdue", "Overdue", "Open cases past their date in force"),
    ("due_soon", "Due soon", "Open cases due within the reminder's working days"),
    ("overdue_tasks", "Open tasks on overdue cases", "Systems still to search or act in"),
    ("stale_identity", "Waiting too long for identity",
     "Identity was asked for and has not come: close them as not verified"),
)  # fmt: skip
SECTION_ROLE = Qt.ItemDataRole.UserRole
REFERENCE_ROLE = Qt.ItemDataRole.UserRole + 1


def is_empty(r: Reminders) -> bool:
    return not (r.due_soon or r.overdue or r.overdue_tasks or r.stale_identity)


def summary(r: Reminders) -> str:
    """One line for the tray and the status bar."""
    parts = []
    tasks = len(r.overdue_tasks)
    for count, words in ((len(r.overdue), "overdue"), (len(r.due_soon), "due soon"),
                         (tasks, f"open task{'s' if tasks != 1 else ''} on overdue cases"),
                         (len(r.stale_identity), "waiting too long for identity")):  # fmt: skip
        if count:
            parts.append(f"{count} {words}")
    return ", ".join(parts) if parts else NOTHING


def _right(row: CaseRow) -> str:
    regime = regimes.REGIMES.get(row.regime)
    rule = regime.rights.get(row.right) if regime is not None else None
    return rule.label if rule is not None else row.right


def case_line(row: CaseRow, today: dt.date) -> list[str]:
    """Reference, requester, what, and when in words."""
    left = row.days_left(today)
    if row.due is None:
        when = "no date in force"
    elif left is not None and left < 0:
        when = f"due {format_day(row.due)}, {-left} day{'s' if left != -1 else ''} late"
    elif left == 0:
        when = "due today"
    else:
        when = f"due {format_day(row.due)}, {left} day{'s' if left != 1 else ''} left"
    return [row.reference, row.requester_name, _right(row), when]


class ReminderPresenter(QObject):
    """Asks for the reminders at start and every `interval_ms`."""

    found = Signal(object)  # Reminders

    def __init__(
        self,
        services: Services,
        runner: Runner,
        *,
        on_error: Callable[[BaseException], None],
        interval_ms: int = HOUR_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.runner = runner
        self._on_error = on_error
        self.last: Reminders | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(max(1000, interval_ms))
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        self.check()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def check(self) -> None:
        svc = self.services

        def done(found: Reminders) -> None:
            if shiboken6.isValid(self):
                self.last = found
                self.found.emit(found)

        def work() -> Reminders:
            # Identity documents past their purge date go first (the
            # setting decided it; GDPR Art 5(1)(e)), then what to chase.
            svc.purge_due_documents()
            return svc.reminders()

        self.runner.submit(work, done, self._on_error)


class ReminderNotice(QDialog):
    """The list of what needs chasing (not modal: the window stays usable)."""

    def __init__(
        self,
        services: Services,
        bus: ChangeBus,
        runner: Runner,
        *,
        role: str,
        open_case: Callable[[str], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.bus = bus
        self.runner = runner
        self.role = role
        self._open_case = open_case
        self.reminders: Reminders | None = None
        self.refuse_dialog: ActionDialog | None = None
        self.message_box: QMessageBox | None = None
        self._actions: CaseActions | None = None
        self.setWindowTitle("Reminders")
        self.setModal(False)
        self.resize(760, 420)

        self.intro = plain_label()
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Cases to chase")
        self.tree.setHeaderLabels(["Reference", "Requester", "Right or system", "When"])
        self.tree.setAllColumnsShowFocus(True)
        self.tree.setUniformRowHeights(True)
        self.open_button = QPushButton("&Open case")
        self.refuse_button = QPushButton(CLOSE_NOT_VERIFIED)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addWidget(self.refuse_button)
        row.addStretch(1)
        row.addWidget(buttons)
        column = QVBoxLayout(self)
        column.addWidget(self.intro)
        column.addWidget(self.tree, 1)
        column.addLayout(row)

        self.open_button.clicked.connect(self.open_selected)
        self.refuse_button.clicked.connect(self.close_as_not_verified)
        self.tree.currentItemChanged.connect(lambda *_: self._enable())
        self.tree.itemActivated.connect(lambda *_: self.open_selected())
        self._enable()

    # -- showing --------------------------------------------------------------

    def show_reminders(self, found: Reminders) -> None:
        self.reminders = found
        today = self.services.today()
        selected = self.selected_reference()
        self.tree.clear()
        self.intro.setText(
            NOTHING if is_empty(found) else f"On {format_day(today)}: {summary(found)}."
        )
        rows_by_ref = {r.reference: r for r in (*found.overdue, *found.due_soon)}
        for section, title, tip in SECTIONS:
            entries = getattr(found, section)
            if not entries:
                continue
            head = QTreeWidgetItem([f"{title} ({len(entries)})"])
            head.setToolTip(0, tip)
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = head.font(0)
            font.setBold(True)
            head.setFont(0, font)
            head.setFirstColumnSpanned(True)
            self.tree.addTopLevelItem(head)
            for entry in entries:
                if section == "overdue_tasks":
                    ref, system = entry
                    case = rows_by_ref.get(ref)
                    texts = [ref, case.requester_name if case else "", system,
                             case_line(case, today)[3] if case else "case overdue"]  # fmt: skip
                else:
                    ref, texts = entry.reference, case_line(entry, today)
                item = QTreeWidgetItem(texts)
                item.setData(0, SECTION_ROLE, section)
                item.setData(0, REFERENCE_ROLE, ref)
                if section in ("overdue", "overdue_tasks"):
                    item.setIcon(0, style.status_icon("overdue", self.palette()))
                elif section == "due_soon":
                    item.setIcon(0, style.status_icon("due-soon", self.palette()))
                head.addChild(item)
                if ref == selected and self.tree.currentItem() is None:
                    self.tree.setCurrentItem(item)
            head.setExpanded(True)
        for c in range(4):
            self.tree.resizeColumnToContents(c)
        self._enable()

    def entries(self, section: str) -> list[str]:
        """The references listed under `section` (for tests and screen readers)."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            head = self.tree.topLevelItem(i)
            for j in range(head.childCount() if head else 0):
                child = head.child(j) if head else None
                if child is not None and child.data(0, SECTION_ROLE) == section:
                    out.append(str(child.data(0, REFERENCE_ROLE)))
        return out

    def select(self, section: str, reference: str) -> None:
        for i in range(self.tree.topLevelItemCount()):
            head = self.tree.topLevelItem(i)
            for j in range(head.childCount() if head else 0):
                child = head.child(j) if head else None
                if child is not None and child.data(0, SECTION_ROLE) == section \
                        and child.data(0, REFERENCE_ROLE) == reference:  # fmt: skip
                    self.tree.setCurrentItem(child)
                    return
        raise LookupError(f"{reference} is not under {section}")

    def selected_reference(self) -> str | None:
        item = self.tree.currentItem()
        ref = item.data(0, REFERENCE_ROLE) if item is not None else None
        return str(ref) if ref else None

    def _selected_section(self) -> str | None:
        item = self.tree.currentItem()
        section = item.data(0, SECTION_ROLE) if item is not None else None
        return str(section) if section else None

    def _enable(self) -> None:
        ref = self.selected_reference()
        self.open_button.setEnabled(ref is not None)
        if self.role != Role.DPO:
            self.refuse_button.setEnabled(False)
            self.refuse_button.setToolTip(ONLY_DPO.format(role=self.role))
        elif self._selected_section() != "stale_identity":
            self.refuse_button.setEnabled(False)
            self.refuse_button.setToolTip(PICK_STALE)
        else:
            self.refuse_button.setEnabled(True)
            self.refuse_button.setToolTip(
                "Refuse the request because the requester's identity could not be verified "
                "(a refusal is a response: the clock stops)."
            )

    def act_as(self, services: Services, role: str) -> None:
        self.services = services
        self.role = role
        self._enable()

    # -- doing ---------------------------------------------------------------

    def open_selected(self) -> None:
        ref = self.selected_reference()
        if ref is not None:
            self._open_case(ref)

    def close_as_not_verified(self) -> ActionDialog | None:
        """The Refuse form for the selected case, its reason chosen."""
        ref = self.selected_reference()
        if ref is None or not self.refuse_button.isEnabled():
            return None
        actions = CaseActions(self.services, ref, self.bus, self.runner, self)
        actions.refused.connect(self._show_refusal)
        try:
            actions.load_now()
        except Exception as e:  # gone since the list was made: say so, not crash
            self._show_refusal(str(e))
            return None
        dialog = actions.begin("refuse", self)
        assert isinstance(dialog, ActionDialog)
        dialog.choose_reason(REFUSE_REASON)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._actions = actions
        self.refuse_dialog = dialog
        dialog.open()
        return dialog

    def _show_refusal(self, message: str) -> None:
        parent: QWidget = self
        if self.refuse_dialog is not None and shiboken6.isValid(self.refuse_dialog) \
                and self.refuse_dialog.isVisible():  # fmt: skip
            parent = self.refuse_dialog
        box = QMessageBox(QMessageBox.Icon.Warning, "Not done", message,
                          QMessageBox.StandardButton.Ok, parent)  # fmt: skip
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_box = box
        box.open()


class Reminding(QObject):
    """Wires the presenter to the notice and the tray for the main window:
    the notice opens (or refreshes) when there is something to chase, or
    whenever the user asks; the tray says it in one line."""

    def __init__(
        self,
        presenter: ReminderPresenter,
        make_notice: Callable[[], ReminderNotice],
        bus: ChangeBus,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.presenter = presenter
        self._make_notice = make_notice
        self.notice: ReminderNotice | None = None
        self.tray: QSystemTrayIcon | None = None
        self._asked = False  # the user asked: show even "nothing to chase"
        presenter.found.connect(self._found)
        bus.cases_changed.connect(self._cases_changed)
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(style.app_icon(), self)
            self.tray.setToolTip("conneqt-dpo")
            self.tray.messageClicked.connect(self.show_now)
            self.tray.show()

    def show_now(self) -> None:
        """The user asked for the reminders."""
        self._asked = True
        self.presenter.check()

    def _notice_open(self) -> bool:
        return self.notice is not None and shiboken6.isValid(self.notice) \
            and self.notice.isVisible()  # fmt: skip

    def _found(self, found: Reminders) -> None:
        asked, self._asked = self._asked, False
        if self._notice_open():
            assert self.notice is not None
            self.notice.show_reminders(found)
            if asked:
                self.notice.raise_()
            return
        if is_empty(found) and not asked:
            return
        notice = self._make_notice()
        notice.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        notice.show_reminders(found)
        self.notice = notice
        notice.show()
        if self.tray is not None and not is_empty(found):
            self.tray.showMessage("conneqt-dpo reminders", summary(found),
                                  QSystemTrayIcon.MessageIcon.Information, 10_000)  # fmt: skip

    def _cases_changed(self, _changed: CasesChanged) -> None:
        # A case closed from the notice (or anywhere) leaves its list.
        if self._notice_open():
            self.presenter.check()

    def act_as(self, services: Services, role: str) -> None:
        """Another user took over the window: ask again as them (an open
        notice enables what their role may do)."""
        self.presenter.services = services
        if self._notice_open():
            assert self.notice is not None
            self.notice.act_as(services, role)
            self.presenter.check()

    def stop(self) -> None:
        self.presenter.stop()
        if self.tray is not None:
            self.tray.hide()
