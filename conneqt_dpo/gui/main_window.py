"""The main window: the case queue with search and filters, and the selected
case's details beside it. The full GUI builds on this."""

from __future__ import annotations

import html
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from conneqt_dpo.domain.workflow import State
from conneqt_dpo.gui.case_model import CaseTableModel
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import CaseDetail, CaseQuery

ALL_STATES = "All states"


class MainWindow(QMainWindow):
    def __init__(self, services: Services, *, title_suffix: str = "") -> None:
        super().__init__()
        self.services = services
        self.setWindowTitle("conneqt-dpo" + title_suffix)
        self.resize(1280, 760)

        self.search = QLineEdit(placeholderText="Search reference, name or email")
        self.search.setClearButtonEnabled(True)
        self.state = QComboBox()
        self.state.addItems([ALL_STATES, *(s.value for s in State)])
        self.overdue = QCheckBox("Overdue only")
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(QLabel("State:"))
        bar.addWidget(self.state)
        bar.addWidget(self.overdue)

        self.model = CaseTableModel(services.list_cases, services.count_cases, services.today,
                                    self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setSizes([860, 420])
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        self.setCentralWidget(body)

        self.search.textChanged.connect(self.apply_filters)
        self.state.currentIndexChanged.connect(self.apply_filters)
        self.overdue.toggled.connect(self.apply_filters)
        self.table.selectionModel().currentRowChanged.connect(self._show_current)
        self.table.sortByColumn(5, Qt.SortOrder.AscendingOrder)  # due date first
        self.apply_filters()

    def apply_filters(self) -> None:
        state = self.state.currentText()
        q = replace(
            self.model.query,
            text=self.search.text().strip() or None,
            state=None if state == ALL_STATES else state,
            overdue_on=self.services.today() if self.overdue.isChecked() else None,
        )
        self.model.set_query(q)
        self.detail.clear()
        shown = self.model.total
        self.statusBar().showMessage(f"{shown} case{'s' if shown != 1 else ''}")

    def _show_current(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            self.detail.clear()
            return
        ref = self.model.row_at(index.row()).reference
        self.detail.setHtml(detail_html(self.services.get_case(ref)))


def detail_html(c: CaseDetail) -> str:
    r = c.row
    e = html.escape

    def line(label: str, value: object) -> str:
        return f"<tr><td><b>{e(label)}</b></td><td>{e(str(value))}</td></tr>"

    rows = [
        line("Regime / right", f"{r.regime} / {r.right}"),
        line("State", f"{r.state} (clock {r.clock_state})"),
        line("Requester", f"{r.requester_name} <{r.requester_email or '-'}>"),
        line("Channel", r.channel),
        line("Received", r.received.isoformat()),
        line("Due", r.due.isoformat() if r.due else "—"),
        line("Internal target", r.target.isoformat() if r.target else "—"),
        line("Assignee", r.assignee or "—"),
    ]
    if c.group_references:
        rows.append(line("Same request", ", ".join(c.group_references)))
    parts = [f"<h2>{e(r.reference)}</h2><table cellspacing='4'>{''.join(rows)}</table>"]
    if c.explanation:
        steps = "".join(f"<li>{e(s)}</li>" for s in c.explanation)
        parts.append(f"<h3>Why this date</h3><ol>{steps}</ol>")
    events = "".join(
        f"<li>{e(ev.on.isoformat())} {e(ev.kind)}{e(f' ({ev.reason})' if ev.reason else '')}</li>"
        for ev in c.events
    )
    parts.append(f"<h3>Clock events</h3><ul>{events}</ul>")
    if c.notes:
        notes = "".join(f"<li>{e(n.author)}: {e(n.text)}</li>" for n in c.notes)
        parts.append(f"<h3>Notes</h3><ul>{notes}</ul>")
    return "".join(parts)
