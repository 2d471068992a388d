"""Starting the desktop app."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.gui.main_window import MainWindow
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.store import Store, open_store

DEMO_TITLE = " — DEMO store (fake cases)"


def open_demo_store(demo_dir: Path, demo_cases: int) -> Store:
    """The demo store: its own folder, filled with fake cases on first use."""
    from conneqt_dpo.store.demo import fill_demo

    store = open_store(f"sqlite:///{demo_dir / 'store.db'}", data_dir=demo_dir)
    try:
        services = Services(store)
        if not services.users() or not services.count_cases():
            fill_demo(store, cases=demo_cases, seed=1)
    except BaseException:
        store.close()
        raise
    return store


def open_main_window(
    *,
    database: str | None = None,
    user: str | None = None,
    demo_dir: Path | None = None,
    demo_cases: int = 60,
) -> tuple[MainWindow, Store]:
    """The store and the window over it, not yet shown. Raises DomainError
    (with a message for a person) when the store cannot be used; the store
    is closed by then."""
    if demo_dir is not None:
        store = open_demo_store(demo_dir, demo_cases)
        suffix = DEMO_TITLE
    else:
        store = open_store(database)
        suffix = ""
    try:
        services = Services(store, user=user)
        if not services.users():
            services.init(login="dpo", name="Data Protection Officer")
        return MainWindow(services, title_suffix=suffix), store
    except BaseException:
        store.close()
        raise


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
        window, store = open_main_window(
            database=database, user=user, demo_dir=demo_dir, demo_cases=demo_cases
        )
    except DomainError as e:
        QMessageBox.critical(None, "conneqt-dpo cannot start", str(e))
        return 2
    window.show()
    # Ctrl+C in the terminal (`make run`) quits cleanly: Qt's event loop does
    # not run Python signal handlers unless the interpreter gets a turn.
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    ticker = QTimer()
    ticker.start(250)
    ticker.timeout.connect(lambda: None)
    try:
        return app.exec()
    finally:
        ticker.stop()
        store.close()
