"""Starting the desktop app."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.gui.main_window import MainWindow
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.store import Store, open_store


def open_demo_store(demo_dir: Path, demo_cases: int) -> Store:
    """The demo store: its own folder, filled with fake cases on first use."""
    from conneqt_dpo.store.demo import fill_demo

    store = open_store(f"sqlite:///{demo_dir / 'store.db'}", data_dir=demo_dir)
    if not Services(store).users() or not Services(store).count_cases():
        fill_demo(store, cases=demo_cases, seed=1)
    return store


def run_gui(
    *,
    database: str | None = None,
    user: str | None = None,
    demo_dir: Path | None = None,
    demo_cases: int = 60,
) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("conneqt-dpo")
    try:
        if demo_dir is not None:
            store = open_demo_store(demo_dir, demo_cases)
            suffix = " — DEMO store (fake cases)"
        else:
            store = open_store(database)
            suffix = ""
        services = Services(store, user=user)
        if not services.users():
            services.init(login="dpo", name="Data Protection Officer")
        window = MainWindow(services, title_suffix=suffix)
    except DomainError as e:
        QMessageBox.critical(None, "conneqt-dpo cannot start", str(e))
        return 2
    window.show()
    try:
        return app.exec()
    finally:
        store.close()
