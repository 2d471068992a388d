"""The main window: the queues on the left (with live counts), the case
table with its search and filters in the first tab, each opened case in a
tab of its own, and the due-soon and overdue counts in the status bar.

Everything it shows comes from the services; after a change published on
the ChangeBus it asks again for the counts and the rows it shows (no
polling), and at midnight, when "overdue" moves on by itself."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from conneqt_dpo.domain.deadlines import DeadlineSettings
from conneqt_dpo.domain.regimes import REGIMES
from conneqt_dpo.domain.workflow import Role
from conneqt_dpo.gui import nav, style
from conneqt_dpo.gui.bus import ChangeBus
from conneqt_dpo.gui.case_model import (
    DUE_COLUMN,
    PAGE,
    RIGHT_COLUMN,
    CaseTableModel,
)
from conneqt_dpo.gui.case_tabs import CaseTabs
from conneqt_dpo.gui.intake_dialog import IntakeDialog
from conneqt_dpo.gui.intake_launcher import IntakeLauncher
from conneqt_dpo.gui.nav import SPECS, NavModel, NavPane, View
from conneqt_dpo.gui.queue_view import QueueView
from conneqt_dpo.gui.reminders import HOUR_MS, ReminderNotice, ReminderPresenter, Reminding
from conneqt_dpo.gui.user_picker import LastUser
from conneqt_dpo.gui.user_switch import UserSwitch
from conneqt_dpo.gui.worker import Runner, SyncRunner
from conneqt_dpo.store.casework_services import QueueCounts
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import CaseQuery, CasesChanged, Draft, UserView

__all__ = ["MainWindow"]

SEARCH_DELAY_MS = 200  # results as you type, one query per pause
START_VIEW = View.OPEN
ANY_REGIME = "All regimes"
ANYONE = "Anyone"
LOADING = "Loading…"
NO_CASES_YET = "No cases yet.\nRequests appear here once they are logged."
NO_CASES_HERE = "Nothing in {queue} right now."
NO_MATCH = "No cases in {queue} match the search and filters.\nClear them to see every case."
NEW_REQUEST_TIP = "Log a request that came in by phone, email, letter, web form or in person"
NEW_REQUEST_NOT_YOURS = "Only dpo or support users log requests (you are {role})"
SETTINGS_TIP = "The organisation, its data systems, time zone, calendars, retention and users"
SETTINGS_NOT_YOURS = "Only a DPO or an admin can change settings (you are {role})"
SWITCH_USER_TIP = "Hand the app to someone else without restarting (it asks who)"
WORKING_AS_TIP = "Working as {login}: everything you do is recorded under this user"


def _report(e: BaseException) -> None:
    sys.excepthook(type(e), e, e.__traceback__)


def _unique(keys: list[QKeySequence]) -> list[QKeySequence]:
    """The same sequence twice on one action makes Qt call it ambiguous
    and do nothing (Ctrl+Q is also the platform's Quit on Linux)."""
    seen: dict[str, QKeySequence] = {}
    for k in keys:
        if not k.isEmpty():
            seen.setdefault(k.toString(), k)
    return list(seen.values())


def _plural(n: int, word: str = "case") -> str:
    return f"{n:,} {word}{'s' if n != 1 else ''}"


class MainWindow(QMainWindow):
    def __init__(
        self,
        services: Services,
        *,
        bus: ChangeBus | None = None,
        runner: Runner | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        title_suffix: str = "",
        page_size: int = PAGE,
        search_delay_ms: int = SEARCH_DELAY_MS,
        due_soon_days: int = DeadlineSettings().due_soon_days,
        intake_delays: tuple[int, int] | None = None,
        services_for: Callable[[str], Services] | None = None,
        last_user: LastUser | None = None,
    ) -> None:
        """`services_for(login)`: the services acting as another user (File >
        Switch user…); by default over the same store and clock.
        `last_user`: where that choice is remembered for the next start."""
        super().__init__()
        self.services = services
        self.bus = bus or ChangeBus(self)
        self.runner: Runner = runner or SyncRunner()
        self._on_error = on_error or _report
        self._due_soon_days = due_soon_days
        self._counts_generation = 0
        self._keep: tuple[str | None, int] = (None, 0)  # (current case, scroll) over a reset
        actor = services.actor()
        self.me = actor.login
        self._role = actor.role
        self.intake_launcher = IntakeLauncher(
            self, services, self.runner, self.bus, open_case=self.open_case,
            say=lambda text: self.statusBar().showMessage(text, 10_000),
            on_error=self._on_error, delays=intake_delays,
        )  # fmt: skip
        self.settings_dialog: QWidget | None = None
        self.reminding: Reminding | None = None
        self.user_switch = UserSwitch(
            self, self.runner, services_for or self._same_store_as,
            current=lambda: self.services, apply=self.act_as, last_user=last_user,
            on_error=self._on_error,
        )  # fmt: skip
        workers = [u.login for u in services.users()
                   if u.active and u.role in (Role.DPO, Role.SUPPORT)]  # fmt: skip

        self.setWindowTitle("conneqt-dpo" + title_suffix)
        self.setWindowIcon(style.app_icon())
        self.resize(1280, 800)

        self._make_actions()

        # -- the queues --------------------------------------------------
        self.nav_model = NavModel(self)
        self.nav = NavPane(self.nav_model)
        self.new_button = QToolButton()
        self.new_button.setDefaultAction(self.new_request_action)
        self.new_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.new_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.new_button)
        left_layout.addWidget(self.nav, 1)
        self.settings_button = QToolButton()
        self.settings_button.setDefaultAction(self.settings_action)
        self.settings_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.settings_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        left_layout.addWidget(self.settings_button)

        # -- the search and the filters ------------------------------------
        self.search = QLineEdit(placeholderText="Search reference, name or email")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search cases")
        self.search.setToolTip("Each word matches the start of a word (Ctrl+F)")
        self.regime = QComboBox()
        self.regime.setAccessibleName("Filter by regime")
        self.regime.addItem(ANY_REGIME, None)
        for regime in sorted(REGIMES.values(), key=lambda r: r.label):
            self.regime.addItem(regime.label, regime.code)
        self.state = QComboBox()
        self.state.setAccessibleName("Filter by work state")
        self.assignee = QComboBox()
        self.assignee.setAccessibleName("Filter by assignee")
        self.assignee.addItem(ANYONE, None)
        for login in workers:
            self.assignee.addItem(login, login)
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        for text, combo in (("Re&gime:", self.regime), ("S&tate:", self.state),
                            ("&Assignee:", self.assignee)):  # fmt: skip
            label = QLabel(text)
            label.setBuddy(combo)
            bar.addSpacing(6)
            bar.addWidget(label)
            bar.addWidget(combo)

        # -- the table -----------------------------------------------------
        self.model = CaseTableModel(
            services.list_cases,
            services.count_cases,
            services.today,
            self,
            runner=self.runner,
            on_error=self._on_error,
            page_size=page_size,
            due_soon_days=due_soon_days,
        )
        self.table = QueueView(
            # The rights' labels are long and read well cut short; names do not.
            stretch_column=RIGHT_COLUMN,
        )
        self.table.setAccessibleName("Cases")
        # The store's default order (due date first), shown on the header
        # before the model arrives so that setting it does not sort twice.
        self.table.set_sort_indicator(DUE_COLUMN, Qt.SortOrder.AscendingOrder)
        self.table.setModel(self.model)
        self.table.set_empty_text(LOADING)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.addAction(self.open_action)

        self.heading = QLabel()
        self.heading.setObjectName("queueHeading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)
        queue_page = QWidget()
        queue_layout = QVBoxLayout(queue_page)
        queue_layout.addWidget(self.heading)
        queue_layout.addLayout(bar)
        queue_layout.addWidget(self.table, 1)

        self.queue_page = queue_page
        self.tabs = CaseTabs(queue_page, self._make_case_view)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setChildrenCollapsible(False)
        split.setStretchFactor(1, 1)  # a wider window widens the table
        split.setSizes([self.nav.sizeHintForColumn(0), 1280])
        self.setCentralWidget(split)

        # -- the status bar ------------------------------------------------
        self.count_label = QLabel()
        self.due_soon_label = QLabel()
        self.due_soon_label.setAccessibleName("Cases due in 7 days")
        self.overdue_label = QLabel()
        self.overdue_label.setAccessibleName("Overdue cases")
        self.statusBar().addWidget(self.count_label)
        self.user_label = QLabel()
        self.user_label.setAccessibleName("Working as")
        self.user_label.setContentsMargins(12, 0, 12, 0)
        self._show_user(actor)
        self.statusBar().addPermanentWidget(self.user_label)
        for label in (self.due_soon_label, self.overdue_label):
            label.setContentsMargins(12, 0, 12, 0)
            self.statusBar().addPermanentWidget(label)

        for a, b in ((self.nav, self.search), (self.search, self.regime),
                     (self.regime, self.state), (self.state, self.assignee),
                     (self.assignee, self.table)):  # fmt: skip
            self.setTabOrder(a, b)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(max(0, search_delay_ms))
        self._search_timer.timeout.connect(self.apply_filters)
        self._search_delay = search_delay_ms
        self._midnight = QTimer(self)
        self._midnight.setSingleShot(True)
        self._midnight.timeout.connect(self._new_day)

        self.search.textChanged.connect(self._search_typed)
        self.search.returnPressed.connect(self.apply_filters)
        self.regime.currentIndexChanged.connect(self.apply_filters)
        self.state.currentIndexChanged.connect(self.apply_filters)
        self.assignee.currentIndexChanged.connect(self.apply_filters)
        self.nav.view_changed.connect(self._view_changed)
        self.model.modelAboutToBeReset.connect(self._before_reset)
        self.model.modelReset.connect(self._after_reset)
        self.model.loaded.connect(self._after_load)
        self.model.loading_rest.connect(self._loading_rest)
        self.table.doubleClicked.connect(self._open_index)
        self.table.customContextMenuRequested.connect(self._table_menu)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.bus.cases_changed.connect(self._cases_changed)

        self._view = START_VIEW
        self._fill_state_filter(START_VIEW)
        self.nav.select(START_VIEW)  # loads the queue
        self.refresh_counts()
        self._arm_midnight()

    # -- actions ------------------------------------------------------------

    def _make_actions(self) -> None:
        def action(text: str, keys: list[QKeySequence], slot: Callable[[], object],
                   tip: str | None = None) -> QAction:  # fmt: skip
            a = QAction(text, self)
            a.setShortcuts(_unique(keys))
            a.triggered.connect(lambda _checked=False: slot())
            if tip:
                a.setToolTip(tip)
                a.setStatusTip(tip)
            self.addAction(a)  # shortcuts work wherever the focus is in the window
            return a

        key = QKeySequence
        self.new_request_action = action("&New request…", [key("Ctrl+N")], self.new_request,
                                         NEW_REQUEST_TIP)  # fmt: skip
        self.settings_action = action("&Settings…", [key("Ctrl+,")], self.open_settings,
                                      SETTINGS_TIP)  # fmt: skip
        self.switch_user_action = action("S&witch user…", [key("Ctrl+Shift+U")],
                                         self.switch_user, SWITCH_USER_TIP)  # fmt: skip
        self._apply_role()
        self.reminders_action = action("&Reminders…", [key("Ctrl+Shift+R")], self.show_reminders,
                                       "What is overdue, due soon or waiting too long")  # fmt: skip
        quit_keys = [key("Ctrl+Q"), *key.keyBindings(key.StandardKey.Quit)]
        self.quit_action = action("&Quit", quit_keys, self.close)
        self.find_action = action("&Find…", [key("Ctrl+F")], self.focus_search,
                                  "Search the queue (reference, name or email)")  # fmt: skip
        self.refresh_action = action("&Refresh", [key("F5")], self.refresh,
                                     "Ask the store again for the counts and cases")  # fmt: skip
        self.next_tab_action = action("&Next tab", [key("Ctrl+Tab"), key("Ctrl+PgDown")],
                                      lambda: self.tabs.cycle(1))  # fmt: skip
        self.previous_tab_action = action(
            "&Previous tab",
            [key("Ctrl+Shift+Tab"), key("Ctrl+Shift+Backtab"), key("Ctrl+PgUp")],
            lambda: self.tabs.cycle(-1),
        )
        self.close_tab_action = action(
            "&Close case tab", [key("Ctrl+W")], lambda: self.tabs.close_current()
        )
        self.open_action = QAction("&Open case", self)
        self.open_action.setShortcuts([key("Return"), key("Enter")])
        # Only while the table has the focus: Enter in the search box searches.
        self.open_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.open_action.triggered.connect(lambda _checked=False: self._open_index(
            self.table.currentIndex()))  # fmt: skip

        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        file_menu.setToolTipsVisible(True)
        file_menu.addAction(self.new_request_action)
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addAction(self.switch_user_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        view_menu = menus.addMenu("&View")
        for a in (self.find_action, self.refresh_action, self.reminders_action, None,
                  self.next_tab_action,
                  self.previous_tab_action, self.close_tab_action):  # fmt: skip
            if a is None:
                view_menu.addSeparator()
            else:
                view_menu.addAction(a)
        case_menu = menus.addMenu("&Case")
        case_menu.addAction(self.open_action)

    def _apply_role(self) -> None:
        """Enable what the current user's role may do; what it may not stays
        visible, disabled, saying why (the services refuse it anyway)."""
        for a, allowed, tip, refusal in (
            (self.new_request_action, (Role.DPO, Role.SUPPORT), NEW_REQUEST_TIP,
             NEW_REQUEST_NOT_YOURS),
            (self.settings_action, (Role.DPO, Role.ADMIN), SETTINGS_TIP, SETTINGS_NOT_YOURS),
        ):  # fmt: skip
            may = self._role in allowed
            text = tip if may else refusal.format(role=self._role)
            a.setEnabled(may)
            a.setToolTip(text)
            a.setStatusTip(text)

    def _show_user(self, actor: UserView) -> None:
        self.user_label.setText(f"{actor.name} — {actor.role}")
        self.user_label.setToolTip(WORKING_AS_TIP.format(login=actor.login))

    # -- who is using it ------------------------------------------------------

    def _same_store_as(self, login: str) -> Services:
        s = self.services
        return Services(s.store, user=login, clock=s.clock, organisation=s.organisation)

    def switch_user(self) -> None:
        """Ctrl+Shift+U: ask who is using the app now (non-blocking)."""
        self.user_switch.ask()

    def act_as(self, services: Services, actor: UserView) -> None:
        """From now on everything here acts as `actor`: the queue and the
        counts (My cases is theirs), each open case's actions, the intake,
        the reminders, and what their role may do."""
        if actor.login == self.me:
            return
        self.services = services
        self.me, self._role = actor.login, actor.role
        self._apply_role()
        self._show_user(actor)
        self.model.set_sources(services.list_cases, services.count_cases, services.today)
        self.intake_launcher.services = services
        for view in self.tabs.case_views():
            act_as = getattr(view, "act_as", None)
            if act_as is not None:
                act_as(services)
        if self.reminding is not None:
            self.reminding.act_as(services, actor.role)
        if SPECS[self._view].assignee_fixed:  # My cases: now theirs
            blocked = self.assignee.blockSignals(True)
            self.assignee.setCurrentIndex(max(0, self.assignee.findData(self.me)))
            self.assignee.blockSignals(blocked)
        self.apply_filters()
        self.refresh_counts()
        self.statusBar().showMessage(f"Now working as {actor.name} ({actor.login})", 10_000)
        self.offer_draft()  # drafts are each user's own

    # -- the queue ------------------------------------------------------------

    @property
    def current_view(self) -> View:
        return self._view

    def show_view(self, view: View) -> None:
        """Show a queue, as a click on it in the pane does."""
        self.nav.select(view)

    def _view_changed(self, view: View) -> None:
        self._view = view
        self._fill_state_filter(view)
        fixed = SPECS[view].assignee_fixed
        blocked = self.assignee.blockSignals(True)
        if fixed:  # My cases: the assignee is me, shown and fixed
            self.assignee.setCurrentIndex(max(0, self.assignee.findData(self.me)))
        elif not self.assignee.isEnabled():  # leaving My cases
            self.assignee.setCurrentIndex(0)
        self.assignee.setEnabled(not fixed)
        self.assignee.blockSignals(blocked)
        self.tabs.set_queue_title(SPECS[view].label)
        self.tabs.show_queue()
        self.apply_filters()

    def _fill_state_filter(self, view: View) -> None:
        spec = SPECS[view]
        blocked = self.state.blockSignals(True)
        self.state.clear()
        if spec.any_state is not None:
            self.state.addItem(spec.any_state, None)
        for s in spec.states:
            self.state.addItem(s.value.replace("-", " ").capitalize(), s.value)
        self.state.setEnabled(self.state.count() > 1)
        self.state.blockSignals(blocked)

    def _search_typed(self) -> None:
        if self._search_delay <= 0:
            self.apply_filters()
        else:
            self._search_timer.start()

    def query(self) -> CaseQuery:
        """The store query for the queue, search and filters shown now."""
        base = nav.query_for(
            self._view,
            today=self.services.today(),
            me=self.me,
            due_soon_days=self._due_soon_days,
        )
        current = self.model.query
        return nav.apply_filters(
            base,
            text=self.search.text().strip(),
            regime=self.regime.currentData(),
            state=self.state.currentData(),
            assignee=self.assignee.currentData(),
            sort=current.sort,
            descending=current.descending,
        )

    def apply_filters(self) -> None:
        self._search_timer.stop()
        self.model.set_query(self.query())

    def focus_search(self) -> None:
        self.tabs.show_queue()
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def refresh(self) -> None:
        """F5: the counts and the rows again (the date may have moved too)."""
        query = self.query()
        if query == self.model.query:
            self.model.refresh()  # in place when only the rows changed
        else:
            self.model.set_query(query)
        self.refresh_counts()

    def _cases_changed(self, _changed: CasesChanged) -> None:
        # Any change may move a case in or out of the queue shown (a case
        # started leaves the Triage inbox), so the shown rows are asked for
        # again; the model updates them in place when only they changed.
        self.model.refresh()
        self.refresh_counts()

    def refresh_counts(self) -> None:
        self._counts_generation += 1
        generation = self._counts_generation
        services, days = self.services, self._due_soon_days

        def done(counts: QueueCounts) -> None:
            if shiboken6.isValid(self) and generation == self._counts_generation:
                self._show_counts(counts)

        self.runner.submit(
            lambda: services.queue_counts(services.today(), due_soon_days=days),
            done,
            self._on_error,
        )

    def _show_counts(self, counts: QueueCounts) -> None:
        self.nav_model.set_counts(counts)
        self.due_soon_label.setText(f"Due in {self._due_soon_days} days: {counts.due_soon:,}")
        self.overdue_label.setText(f"Overdue: {counts.overdue:,}")
        self.overdue_label.setToolTip(
            "Open cases past their date in force" if counts.overdue else "Nothing overdue"
        )
        self._show_heading()

    def _new_day(self) -> None:
        # "Overdue" and "due soon" move on at midnight without any change.
        self.refresh()
        self._arm_midnight()

    def _arm_midnight(self) -> None:
        now = self.services.now().astimezone(self.services.tz)
        tomorrow = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0, 0, 5),
                                       tzinfo=self.services.tz)  # fmt: skip
        self._midnight.start(max(1000, int((tomorrow - now).total_seconds() * 1000)))

    # -- after the store answers --------------------------------------------

    def _before_reset(self) -> None:
        index = self.table.currentIndex()
        ref = self.model.row_at(index.row()).reference if index.isValid() else None
        self._keep = (ref, self.table.verticalScrollBar().value())

    def _after_reset(self) -> None:
        """New rows: keep the case the user was on if it is still listed."""
        ref, scroll = self._keep
        row = self.model.row_of(ref) if ref else None
        if row is not None:
            self.table.setCurrentIndex(self.model.index(row, 0))
            self.table.verticalScrollBar().setValue(scroll)
            self.table.scrollTo(self.model.index(row, 0))

    def _after_load(self) -> None:
        self.count_label.setText(_plural(self.model.total))
        queue = SPECS[self._view].label
        if self._filtered():
            empty = NO_MATCH.format(queue=queue)
        elif self._view is View.ALL:
            empty = NO_CASES_YET
        else:
            empty = NO_CASES_HERE.format(queue=queue)
        self.table.set_empty_text(empty)
        self._show_heading()

    def _filtered(self) -> bool:
        """Whether the user narrowed the queue (search or a filter)."""
        spec = SPECS[self._view]
        return bool(
            self.search.text().strip()
            or self.regime.currentData()
            or (spec.any_state is not None and self.state.currentData())
            or (not spec.assignee_fixed and self.assignee.currentData())
        )

    def _show_heading(self) -> None:
        spec = SPECS[self._view]
        if not self.model.has_loaded:
            self.heading.setText(spec.label)
            return
        shown = _plural(self.model.total)
        self.heading.setText(f"{spec.label} · {shown}")
        self.tabs.set_queue_title(spec.label)

    def _loading_rest(self, loading: bool) -> None:
        if loading:
            self.statusBar().showMessage(f"Loading all {_plural(self.model.total)}…")
        else:
            self.statusBar().clearMessage()

    # -- case tabs ------------------------------------------------------------

    def _make_case_view(self, reference: str) -> QWidget:
        # Imported on first use: the case view and its panels are not needed
        # to show the queue.
        from conneqt_dpo.gui.case_view import CaseView

        return CaseView(self.services, reference, self.bus, self.runner)

    def open_case(self, reference: str) -> QWidget:
        """Show the case in its own tab (the one it has, if open already)."""
        row = self.model.row_of(reference)
        name = self.model.row_at(row).requester_name if row is not None else None
        return self.tabs.open_case(reference, tooltip=name)

    def case_tabs(self) -> list[str]:
        """The references of the open case tabs, left to right."""
        return self.tabs.case_references()

    def close_tab(self, index: int) -> None:
        self.tabs.close_tab(index)

    def _tab_changed(self, _index: int) -> None:
        self.close_tab_action.setEnabled(not self.tabs.on_queue())

    def _open_index(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        try:
            self.open_case(self.model.row_at(index.row()).reference)
        except Exception as e:  # e.g. the case is gone: a message, not a dead click
            self._on_error(e)

    def _table_menu(self, pos: QPoint) -> None:
        if not self.table.indexAt(pos).isValid():
            return
        menu = QMenu(self)
        menu.addAction(self.open_action)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    # -- logging a request ----------------------------------------------------

    def new_request(self) -> None:
        """Ctrl+N: the intake dialog, with the draft left unsaved if any."""
        self.intake_launcher.new_request()

    def open_intake(self, draft: Draft | None = None) -> IntakeDialog:
        return self.intake_launcher.open(draft)

    def offer_draft(self) -> None:
        """At start (and on switching user): offer the request left unsaved
        last time (its draft)."""
        if self._role in (Role.DPO, Role.SUPPORT):
            self.intake_launcher.offer_draft()

    @property
    def intake(self) -> IntakeDialog | None:
        """The intake dialog last opened."""
        return self.intake_launcher.dialog

    @property
    def message_box(self) -> QMessageBox | None:
        """The question last asked (the draft offered at start)."""
        return self.intake_launcher.message_box

    # -- settings and reminders ----------------------------------------------

    def open_settings(self) -> QWidget | None:
        """The settings dialog (DPO and admin; the services check again)."""
        if not self.settings_action.isEnabled():
            return None
        from conneqt_dpo.gui.settings_dialog import SettingsDialog

        if self.settings_dialog is not None and shiboken6.isValid(self.settings_dialog) \
                and self.settings_dialog.isVisible():  # fmt: skip
            self.settings_dialog.raise_()
            return self.settings_dialog
        dialog = SettingsDialog(self.services, self.runner, on_error=self._on_error, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def start_reminders(self, interval_ms: int = HOUR_MS) -> Reminding:
        """Check now and every `interval_ms` for what needs chasing."""
        reminding = self._reminding()
        reminding.presenter.timer.setInterval(max(1000, interval_ms))
        reminding.presenter.start()
        return reminding

    def show_reminders(self) -> None:
        """The reminders now, even when there is nothing to chase."""
        self._reminding().show_now()

    def _reminding(self) -> Reminding:
        if self.reminding is None:
            presenter = ReminderPresenter(self.services, self.runner, on_error=self._on_error,
                                          parent=self)  # fmt: skip
            self.reminding = Reminding(presenter, self._make_notice, self.bus, self)
        return self.reminding

    def _make_notice(self) -> ReminderNotice:
        return ReminderNotice(self.services, self.bus, self.runner, role=self._role,
                              open_case=self._open_reference, parent=self)  # fmt: skip

    def _open_reference(self, reference: str) -> None:
        try:
            self.open_case(reference)
            self.raise_()
            self.activateWindow()
        except Exception as e:
            self._on_error(e)

    def closeEvent(self, event: QCloseEvent) -> None:
        dialog = self.settings_dialog
        if dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible() \
                and not dialog.close():  # fmt: skip
            event.ignore()  # it asks about its edits first; quit again after
            return
        if self.reminding is not None:
            self.reminding.stop()
        self.intake_launcher.keep_and_close()  # quitting loses nothing typed
        self._midnight.stop()
        self._search_timer.stop()
        super().closeEvent(event)
