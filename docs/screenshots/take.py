"""Take the README's screenshots over a demo store (60 fake cases, seed 1)
on a fixed day, offscreen: docs/screenshots/main-window.png (the main
window, a row selected, 1280x800), intake.png (logging a request, filled
in as by hand, a possible duplicate offered), settings.png (the settings,
at the calendars and deadlines), case-view.png and verification.png (a
CCPA case: its tasks; its identity decision) and unlock.png (the
passphrase asked at start).

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/take.py [--dark]
        [--intake | --settings | --case | --unlock | --all] [--out FILE]
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import shiboken6
from PySide6.QtWidgets import QApplication

from conneqt_dpo.gui import style
from conneqt_dpo.gui.bus import ChangeBus
from conneqt_dpo.gui.case_view import CaseView
from conneqt_dpo.gui.intake_dialog import IntakeDialog
from conneqt_dpo.gui.intake_presenter import IntakePresenter
from conneqt_dpo.gui.main_window import MainWindow
from conneqt_dpo.gui.settings_dialog import SettingsDialog
from conneqt_dpo.gui.unlock import PassphraseDialog
from conneqt_dpo.gui.worker import SyncRunner
from conneqt_dpo.store.demo import fill_demo
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.store import Unlock, open_store
from conneqt_dpo.store.views import NewRequest

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("America/New_York"))
HERE = Path(__file__).resolve().parent


def _out(default: str) -> Path:
    if "--out" in sys.argv:
        return Path(sys.argv[sys.argv.index("--out") + 1])
    return HERE / default


def main_window(app: QApplication, services: Services, dark: bool) -> Path:
    window = MainWindow(services, title_suffix=" — DEMO store (fake cases)")
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    window.table.selectRow(5)
    window.table.setFocus()
    app.processEvents()
    out = _out("main-window-dark.png" if dark else "main-window.png")
    window.grab().save(str(out))
    window.close()
    shiboken6.delete(window)  # now, while the store is open and Qt is up
    return out


def intake(app: QApplication, services: Services) -> Path:
    """The form as a DPO fills it for someone who wrote before, now in California."""
    known = next(r for r in services.list_cases() if r.requester_email)
    presenter = IntakePresenter(services, SyncRunner(), duplicate_delay_ms=0,
                                draft_delay_ms=60_000)  # fmt: skip
    d = IntakeDialog(presenter)
    d.show()
    app.processEvents()
    d.channel.setCurrentIndex(d.channel.findData("web-form"))
    for edit, text in (
        (d.name, known.requester_name),
        (d.email, known.requester_email or ""),
        (d.phone, "+1 415 555 0134"),
        (d.account_id, "C-104-2231"),
        (d.country, "United States (US)"),
        (d.us_state, "California (CA)"),
    ):
        edit.setText(text)
    d.address.setPlainText("2100 Mission Street\nSan Francisco, CA 94110")
    for right in ("access", "erasure"):
        d.right_boxes[right].setChecked(True)
    d.ccpa_radios["specific"].setChecked(True)
    d.note.setPlainText("Sent through the privacy web form; asks for a copy, then deletion.")
    d.name.setFocus()
    app.processEvents()
    d.resize(d.width(), d.sizeHint().height())
    app.processEvents()
    out = _out("intake.png")
    d.grab().save(str(out))
    presenter.stop()
    d.close()
    shiboken6.delete(d)
    return out


def settings(app: QApplication, services: Services) -> Path:
    d = SettingsDialog(services, SyncRunner())
    d.show_page(d.deadlines)
    d.show()
    app.processEvents()
    out = _out("settings.png")
    d.grab().save(str(out))
    d.close()
    shiboken6.delete(d)
    return out


def case_view(app: QApplication, services: Services, tmp: Path) -> list[Path]:
    """A CCPA request to know specific pieces: its tasks, then the identity
    decision (a reasonably high degree: three data points and a signed
    declaration, 11 CCR §7062(c))."""
    svc = services
    (ref,) = svc.log_request(NewRequest(
        regime="ccpa", rights=("access",), channel="web-form", name="Priya Raman",
        email="priya.raman@example.com", us_state="CA", country="US",
        ccpa_detail="specific", received_at=NOW - dt.timedelta(days=6),
        received_reason="logged late"))  # fmt: skip
    svc.act(ref, "start")
    for system in ("CRM (Salesforce)", "Support desk (Zendesk)"):
        svc.add_task(ref, system)
    for name, kind in (("photo-id.jpg", "identity"), ("signed-declaration.pdf", "declaration")):
        (tmp / name).write_bytes(b"fake scan " * 4000)
        svc.attach(ref, tmp / name, kind=kind)
    view = CaseView(svc, ref, ChangeBus(), SyncRunner())
    view.resize(1280, 800)
    view.show()
    app.processEvents()
    shots = [_out("case-view.png")]
    view.grab().save(str(shots[0]))
    v = view.verification
    view.sections.setCurrentWidget(v)
    for method in ("data-points", "signed-declaration"):
        next(b for k, b in v.method_boxes.items() if k.value == method).setChecked(True)
    for point in ("email address", "postal address", "last order number"):
        v.point_edit.setText(point)
        v.add_point()
    next(b for k, b in v.decision_buttons.items() if k.value == "verified").setChecked(True)
    v.level.setCurrentIndex(2)
    v.note.setText("Declaration signed and returned by post")
    v.record()
    app.processEvents()
    shots.append(_out("verification.png"))
    view.grab().save(str(shots[1]))
    view.close()
    shiboken6.delete(view)
    return shots


def unlock_dialog(app: QApplication) -> Path:
    d = PassphraseDialog()
    d.show()
    d.passphrase.setText("not it")
    d.show_wrong()
    app.processEvents()
    out = _out("unlock.png")
    d.grab().save(str(out))
    d.close()
    shiboken6.delete(d)
    return out


def main() -> int:
    dark = "--dark" in sys.argv
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # read when the app starts
    app = QApplication(sys.argv)
    app.setWindowIcon(style.app_icon())
    if dark:
        app.setPalette(style.dark_palette())
    every = "--all" in sys.argv
    with tempfile.TemporaryDirectory() as tmp:
        unlock = Unlock(env={"CONNEQT_DPO_PASSPHRASE": "screenshots only"})
        store = open_store(
            f"sqlite:///{tmp}/store.db", data_dir=Path(tmp), clock=lambda: NOW, unlock=unlock
        )
        try:
            fill_demo(store, cases=60, seed=1, today=NOW.date())
            services = Services(store, clock=lambda: NOW)
            only = {"--intake", "--settings", "--case", "--unlock"} & set(sys.argv)
            if every or not only:
                print(main_window(app, services, dark))
            if every or "--intake" in sys.argv:
                print(intake(app, services))
            if every or "--settings" in sys.argv:
                print(settings(app, services))
            if every or "--case" in sys.argv:
                for shot in case_view(app, services, Path(tmp)):
                    print(shot)
            if every or "--unlock" in sys.argv:
                print(unlock_dialog(app))
        finally:
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
