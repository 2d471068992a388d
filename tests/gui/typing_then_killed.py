"""Run by test_draft_survives.py in a process of its own: start the window
on a store, open New request (Ctrl+N), type a request by keyboard, wait until the draft
is in the store (the real debounce and the real thread pool), say READY
and keep running until killed.

    python tests/gui/typing_then_killed.py STORE_URL NOW_ISO
"""

from __future__ import annotations

import datetime as dt
import os
import sys

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtCore import QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from conneqt_dpo.gui.main_window import MainWindow
from conneqt_dpo.gui.worker import PoolRunner
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.store import open_store

TYPED = {"name": "Kim Killed", "email": "kim@example.org", "note": "Asked twice on the phone"}


def main() -> int:
    url, now_iso = sys.argv[1], sys.argv[2]
    now = dt.datetime.fromisoformat(now_iso)
    app = QApplication(sys.argv)
    store = open_store(url, clock=lambda: now)
    window = MainWindow(Services(store, clock=lambda: now), runner=PoolRunner())
    window.show()

    def type_request() -> None:
        dialog = window.intake
        if dialog is None or not dialog.isVisible():  # the drafts are asked on the pool
            QTimer.singleShot(10, type_request)
            return
        QTest.keyClicks(dialog.channel, "P")  # Phone
        for field, text in TYPED.items():
            QTest.keyClicks(getattr(dialog, field), text)
        dialog.presenter.draft_saved.connect(ready)

    def ready() -> None:
        window.intake.presenter.draft_saved.disconnect(ready)  # type: ignore[union-attr]
        print("READY", flush=True)

    window.new_request_action.trigger()  # Ctrl+N
    QTimer.singleShot(0, type_request)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
