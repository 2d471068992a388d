"""The main window: the case queue with search and filters, and the selected
case's details beside it. The full GUI builds on this."""

from __future__ import annotations

import html
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from conneqt_dpo.domain.workflow import State
from conneqt_dpo.gui.case_model import DUE_COLUMN, PAGE, REQUESTER_COLUMN, CaseTableModel
from conneqt_dpo.gui.queue_view import QueueView
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import CaseDetail, CaseQuery

ALL_STATES = "All states"
NO_CASES_YET = "No cases yet.\nRequests appear here once they are logged."
NO_MATCH = "No cases match the search and filters.\nClear them to see every case."
SELECT_A_CASE = "Select a case to see its details."


class MainWindow(QMainWindow):
    def __init__(
        self, services: Services, *, title_suffix: str = "", page_size: int = PAGE
    ) -> None:
        super().__init__()
        self.services = services
        self.setWindowTitle("conneqt-dpo" + title_suffix)
        self.resize(1280, 760)
        self._shown: str | None = None  # the case in the detail pane

        self.search = QLineEdit(placeholderText="Search reference, name or email")
        self.search.setClearButtonEnabled(True)
        self.state = QComboBox()
        self.state.addItem(ALL_STATES, None)
        for s in State:
            self.state.addItem(s.value, s.value)
        self.overdue = QCheckBox("Overdue only")
        state_label = QLabel("&State:")
        state_label.setBuddy(self.state)
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(state_label)
        bar.addWidget(self.state)
        bar.addWidget(self.overdue)

        self.model = CaseTableModel(
            services.list_cases, services.count_cases, services.today, self, page_size=page_size
        )
        self.table = QueueView(stretch_column=REQUESTER_COLUMN)
        # The store's default order (due date first), shown on the header
        # before the model arrives so that setting it does not sort twice.
        self.table.horizontalHeader().setSortIndicator(DUE_COLUMN, Qt.SortOrder.AscendingOrder)
        self.table.setModel(self.model)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.detail.setPlaceholderText(SELECT_A_CASE)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setChildrenCollapsible(False)
        split.setStretchFactor(0, 1)  # a wider window widens the queue
        split.setSizes([940, 340])
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        self.setCentralWidget(body)
        self.count_label = QLabel()
        self.statusBar().addWidget(self.count_label)

        self.search.textChanged.connect(self.apply_filters)
        self.state.currentIndexChanged.connect(self.apply_filters)
        self.overdue.toggled.connect(self.apply_filters)
        self.model.modelReset.connect(self._after_reset)
        self.table.selectionModel().currentRowChanged.connect(self._show_current)
        self.apply_filters()

    def apply_filters(self) -> None:
        q = replace(
            self.model.query,
            text=self.search.text().strip() or None,
            state=self.state.currentData(),
            overdue_on=self.services.today() if self.overdue.isChecked() else None,
        )
        self.model.set_query(q)

    def _after_reset(self) -> None:
        """A new search, filter or sort: count, say why the list may be
        empty, and keep the case the user was reading if it is still listed."""
        total = self.model.total
        self.count_label.setText(f"{total} case{'s' if total != 1 else ''}")
        self.table.set_empty_text(NO_MATCH if _filtered(self.model.query) else NO_CASES_YET)
        row = self.model.row_of(self._shown) if self._shown else None
        if row is None:
            self._show(None)
        else:
            index = self.model.index(row, 0)
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index)

    def _show_current(self) -> None:
        index = self.table.currentIndex()
        self._show(self.model.row_at(index.row()).reference if index.isValid() else None)

    def _show(self, reference: str | None) -> None:
        self._shown = reference
        if reference is None:
            self.detail.clear()
        else:
            self.detail.setHtml(detail_html(self.services.get_case(reference)))


def _filtered(q: CaseQuery) -> bool:
    return bool(q.text or q.state or q.overdue_on or q.open_only or q.assignee or q.regime)


def detail_html(c: CaseDetail) -> str:
    """The case as HTML for the detail pane. Every value is escaped: names,
    emails and notes are typed by (or for) the requester."""
    r = c.row
    e = html.escape

    def line(label: str, value: object) -> str:
        return (
            f"<tr><td style='padding-right:12px'><b>{e(label)}</b></td>"
            f"<td>{e(str(value))}</td></tr>"
        )

    rows = [
        line("Regime / right", f"{r.regime} / {r.right}"),
        line("State", f"{r.state} (clock {r.clock_state})"),
        line("Requester", r.requester_name),
        line("Email", r.requester_email or "—"),
    ]
    if c.requester_phone:
        rows.append(line("Phone", c.requester_phone))
    if c.agent_name:
        rows.append(line("Agent", c.agent_name))
    rows += [
        line("Channel", r.channel),
        line("Received", r.received.isoformat()),
        line("Due", r.due.isoformat() if r.due else "—"),
        line("Internal target", r.target.isoformat() if r.target else "—"),
    ]
    if c.status:
        rows.append(line("Deadline", c.status))
    rows.append(line("Assignee", r.assignee or "—"))
    if c.group_references:
        rows.append(line("Same request", ", ".join(c.group_references)))
    parts = [f"<h2>{e(r.reference)}</h2><table cellspacing='2'>{''.join(rows)}</table>"]
    if c.explanation:
        steps = "".join(f"<li>{e(s)}</li>" for s in c.explanation)
        parts.append(f"<h3>Why this date</h3><ol>{steps}</ol>")
    events = "".join(
        f"<li>{e(ev.on.isoformat())} {e(ev.kind)}{e(f' ({ev.reason})' if ev.reason else '')}</li>"
        for ev in c.events
    )
    parts.append(f"<h3>Clock events</h3><ul>{events}</ul>")
    if c.notes:
        notes = "".join(
            f"<li>{e(n.author)}: {e(n.text).replace(chr(10), '<br>')}</li>" for n in c.notes
        )
        parts.append(f"<h3>Notes</h3><ul>{notes}</ul>")
    return "".join(parts)
