"""Starting the desktop app."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.gui import style
from conneqt_dpo.gui.crash import CrashHandler, log_path
from conneqt_dpo.gui.first_start import ask_first_run, create_first_dpo, is_new_store
from conneqt_dpo.gui.main_window import MainWindow
from conneqt_dpo.gui.reminders import HOUR_MS
from conneqt_dpo.gui.startup import Startup
from conneqt_dpo.gui.unlock import UnlockCancelled, explain_store_error, gui_unlock
from conneqt_dpo.gui.user_picker import LastUser
from conneqt_dpo.gui.worker import PoolRunner, Runner
from conneqt_dpo.store import paths
from conneqt_dpo.store.errors import StoreError
from conneqt_dpo.store.keys import PASSPHRASE_ENV
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.store import Store, Unlock, open_store

DEMO_TITLE = " — DEMO store (fake cases)"
# The demo holds fake people only; its key is wrapped with this published
# passphrase so that `make run` opens it without asking (README, "The demo").
DEMO_PASSPHRASE = "conneqt-demo-store"


def demo_unlock() -> Unlock:
    return Unlock(env={PASSPHRASE_ENV: DEMO_PASSPHRASE})


def open_demo_store(demo_dir: Path, demo_cases: int) -> Store:
    """The demo store: its own folder, filled with fake cases on first use."""
    from conneqt_dpo.store.demo import fill_demo

    store = open_store(
        f"sqlite:///{demo_dir / 'store.db'}", data_dir=demo_dir, unlock=demo_unlock()
    )
    try:
        services = Services(store)
        if not services.users() or not services.count_cases():
            fill_demo(store, cases=demo_cases, seed=1)
    except BaseException:
        store.close()
        raise
    return store


def _open(
    database: str | None, demo_dir: Path | None, demo_cases: int, unlock: Unlock | None = None
) -> tuple[Store, str]:
    """The store (the demo's, filled on first use) and the window title's suffix."""
    if demo_dir is not None:
        return open_demo_store(demo_dir, demo_cases), DEMO_TITLE
    return open_store(database, unlock=unlock), ""


def _can_create(database: str | None) -> bool:
    """Whether a new local store could be created where it is asked for; if
    not, opening it says why before the first-run questions are asked."""
    from conneqt_dpo.store import engine as engine_mod
    from conneqt_dpo.store.store import resolve_url

    url = resolve_url(database, paths.resolve())
    f = engine_mod.sqlite_path(url) if engine_mod.is_sqlite(url) else None
    return f is None or (f.parent.is_dir() and os.access(f.parent, os.W_OK))


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
    # Between the start's dialogs (the passphrase, the first run, the user
    # picker) no window is shown: that is not the end.
    app.setQuitOnLastWindowClosed(False)
    try:
        first = None
        try:
            if demo_dir is None and is_new_store(database) and _can_create(database):
                first = ask_first_run()
                if first is None:
                    return 0  # cancelled: nothing was created
            unlock = first.unlock() if first is not None else gui_unlock()
            store, suffix = _open(database, demo_dir, demo_cases, unlock)
            if first is not None:
                try:
                    create_first_dpo(Services(store), first)
                except BaseException:
                    store.close()
                    raise
        except UnlockCancelled:
            return 0
        except DomainError as e:
            crash.log.warning("cannot start: %s", type(e).__name__)
            text = explain_store_error(e) if isinstance(e, StoreError) else str(e)
            box = QMessageBox(QMessageBox.Icon.Critical, "conneqt-dpo cannot start", text)
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.finished.connect(app.quit)
            box.open()
            app.exec()
            return 2
        runner = PoolRunner()
        exit_code = 0

        def ready(_window: MainWindow) -> None:
            app.setQuitOnLastWindowClosed(True)

        def given_up(code: int) -> None:
            nonlocal exit_code
            exit_code = code
            app.quit()

        last_user = LastUser.beside(settings_folder(store))

        def make_window(services: Services) -> MainWindow:
            return MainWindow(services, runner=runner, title_suffix=suffix,
                              on_error=crash.report, last_user=last_user)  # fmt: skip

        startup = Startup(
            lambda login: Services(store, user=login),
            make_window,
            runner=runner,
            on_error=crash.report,
            last_user=last_user,
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
