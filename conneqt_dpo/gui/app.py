"""Starting the desktop app."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.gui import style
from conneqt_dpo.gui.crash import CrashHandler, log_path
from conneqt_dpo.gui.main_window import MainWindow
from conneqt_dpo.gui.worker import PoolRunner, Runner
from conneqt_dpo.store import paths
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
    runner: Runner | None = None,
    crash: CrashHandler | None = None,
) -> tuple[MainWindow, Store]:
    """The store and the window over it, not yet shown. Raises DomainError
    (with a message for a person) when the store cannot be used; the store
    is closed by then. `runner`: where queries run (the thread pool unless
    given); `crash`: where errors of background work go."""
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
        window = MainWindow(
            services,
            runner=runner or PoolRunner(),
            title_suffix=suffix,
            on_error=crash.report if crash is not None else None,
        )
        return window, store
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
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName("conneqt-dpo")
    app.setApplicationDisplayName("conneqt-dpo")
    app.setDesktopFileName("conneqt-dpo")
    app.setWindowIcon(style.app_icon())
    # The log goes where the store keeps its data (the demo's own folder for
    # the demo), created on the first error only.
    crash = CrashHandler(log_path(demo_dir or paths.resolve().data_dir))
    crash.install()
    try:
        try:
            window, store = open_main_window(database=database, user=user, demo_dir=demo_dir,
                                             demo_cases=demo_cases, crash=crash)  # fmt: skip
        except DomainError as e:
            crash.log.warning("cannot start: %s", e)
            box = QMessageBox(QMessageBox.Icon.Critical, "conneqt-dpo cannot start", str(e))
            box.finished.connect(app.quit)
            box.open()
            app.exec()
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
            # Queries still running need the store: let them end first.
            QThreadPool.globalInstance().waitForDone(5000)
            store.close()
    finally:
        crash.uninstall()
