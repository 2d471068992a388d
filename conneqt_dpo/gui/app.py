"""Starting the desktop app."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import shiboken6
from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.gui import style
from conneqt_dpo.gui.crash import CrashHandler, log_path
from conneqt_dpo.gui.main_window import MainWindow
from conneqt_dpo.gui.reminders import HOUR_MS
from conneqt_dpo.gui.startup import Startup
from conneqt_dpo.gui.user_picker import LastUser
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


def _open(database: str | None, demo_dir: Path | None, demo_cases: int) -> tuple[Store, str]:
    """The store (the demo's, filled on first use) and the window title's suffix."""
    if demo_dir is not None:
        return open_demo_store(demo_dir, demo_cases), DEMO_TITLE
    return open_store(database), ""


def open_main_window(
    *,
    database: str | None = None,
    user: str | None = None,
    demo_dir: Path | None = None,
    demo_cases: int = 60,
    runner: Runner | None = None,
    crash: CrashHandler | None = None,
) -> tuple[MainWindow, Store]:
    """The store and the window over it, not yet shown, acting as `user`
    (default the first DPO), without asking anything. Raises DomainError
    (with a message for a person) when the store cannot be used; the store
    is closed by then. `runner`: where queries run (the thread pool unless
    given); `crash`: where errors of background work go."""
    store, suffix = _open(database, demo_dir, demo_cases)
    try:
        window = MainWindow(
            Services(store, user=user),
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
    reminder_interval_ms: int = HOUR_MS,
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
            store, suffix = _open(database, demo_dir, demo_cases)
        except DomainError as e:
            crash.log.warning("cannot start: %s", e)
            box = QMessageBox(QMessageBox.Icon.Critical, "conneqt-dpo cannot start", str(e))
            box.finished.connect(app.quit)
            box.open()
            app.exec()
            return 2
        runner = PoolRunner()
        # Between the start's dialogs no window is shown: that is not the end.
        app.setQuitOnLastWindowClosed(False)
        exit_code = 0

        def ready(_window: MainWindow) -> None:
            app.setQuitOnLastWindowClosed(True)

        def given_up(code: int) -> None:
            nonlocal exit_code
            exit_code = code
            app.quit()

        startup = Startup(
            lambda login: Services(store, user=login),
            lambda services: MainWindow(
                services, runner=runner, title_suffix=suffix, on_error=crash.report
            ),
            runner=runner,
            on_error=crash.report,
            last_user=LastUser.beside(settings_folder(store)),
            user=user,
            reminder_interval_ms=reminder_interval_ms,
        )
        startup.ready.connect(ready)
        startup.given_up.connect(given_up)
        # Ctrl+C in the terminal (`make run`) quits cleanly: Qt's event loop does
        # not run Python signal handlers unless the interpreter gets a turn.
        signal.signal(signal.SIGINT, lambda *_: app.quit())
        ticker = QTimer()
        ticker.start(250)
        ticker.timeout.connect(lambda: None)
        try:
            try:
                startup.begin()
            except DomainError as e:
                crash.log.warning("cannot start: %s", e)
                return 2
            code = app.exec()
            return exit_code or code
        finally:
            ticker.stop()
            app.setQuitOnLastWindowClosed(True)
            # Queries and draft writes still running need the store: let them end first.
            QThreadPool.globalInstance().waitForDone(5000)
            window = startup.window
            if window is not None and shiboken6.isValid(window):
                window.deleteLater()
            store.close()
    finally:
        crash.uninstall()


def settings_folder(store: Store) -> Path:
    """Where the GUI remembers the last user: beside a SQLite store's file
    (each store its own people), else the data folder."""
    f = store.sqlite_file
    return f.parent if f is not None else store.paths.data_dir
