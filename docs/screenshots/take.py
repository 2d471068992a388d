"""Take docs/screenshots/main-window.png: the main window over a demo store
(60 fake cases, seed 1) on a fixed day, a row selected, 1280x800, offscreen.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/take.py [--dark]
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QApplication

from conneqt_dpo.gui import style
from conneqt_dpo.gui.main_window import MainWindow
from conneqt_dpo.store.demo import fill_demo
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.store import open_store

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("America/New_York"))
HERE = Path(__file__).resolve().parent


def main() -> int:
    dark = "--dark" in sys.argv
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # read when the app starts
    app = QApplication(sys.argv)
    app.setWindowIcon(style.app_icon())
    if dark:
        app.setPalette(style.dark_palette())
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/store.db", data_dir=Path(tmp), clock=lambda: NOW)
        try:
            fill_demo(store, cases=60, seed=1, today=NOW.date())
            services = Services(store, clock=lambda: NOW)
            window = MainWindow(services, title_suffix=" — DEMO store (fake cases)")
            window.resize(1280, 800)
            window.show()
            app.processEvents()
            window.table.selectRow(5)
            window.table.setFocus()
            app.processEvents()
            out = HERE / ("main-window-dark.png" if dark else "main-window.png")
            if "--out" in sys.argv:
                out = Path(sys.argv[sys.argv.index("--out") + 1])
            window.grab().save(str(out))
            print(out)
            window.close()
        finally:
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
