"""The documents of a case in the case view: attach through the (injected)
file chooser, open into a private folder through the (injected) viewer,
export through the (injected) save dialog, see the purge dates and the
tombstones, hold the case; checked on what the user sees and on the store
and the disk afterwards."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from conneqt_dpo.domain.verification import Decision, Method
from conneqt_dpo.gui.bus import ChangeBus
from conneqt_dpo.gui.case_tabs import CaseTabs
from conneqt_dpo.gui.case_view import CaseView
from conneqt_dpo.gui.documents_panel import DAMAGED_TITLE, DocumentsPanel
from conneqt_dpo.gui.worker import SyncRunner
from conneqt_dpo.store.models import AuditEvent
from conneqt_dpo.store.services import Services
from tests.conftest import FrozenClock, as_user
from tests.gui.conftest import log

LEFT = Qt.MouseButton.LeftButton
TODAY = "24 Nov 2026"


class Chooser:
    """Stands in for a file dialog: answers with `answer` (None: cancelled)."""

    def __init__(self, answer: Path | None) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def __call__(self, start: str, chosen: Callable[[str], None]) -> None:
        self.asked.append(start)
        if self.answer is not None:
            chosen(str(self.answer))


class Viewer:
    """Stands in for the program that shows a document: keeps what it was
    asked to show, and its content at that moment."""

    def __init__(self) -> None:
        self.shown: list[tuple[Path, bytes]] = []

    def __call__(self, path: Path) -> bool:
        self.shown.append((path, path.read_bytes()))
        return True


MakeView = Callable[..., CaseView]


@pytest.fixture
def make_view(qtbot: QtBot) -> MakeView:
    bus = ChangeBus()

    def make(services: Services, reference: str, **kw: object) -> CaseView:
        view = CaseView(services, reference, bus, SyncRunner(), **kw)  # type: ignore[arg-type]
        qtbot.addWidget(view)
        view.resize(1280, 800)
        with qtbot.waitExposed(view):
            view.show()
        view.sections.setCurrentWidget(view.documents)
        return view

    return make


def a_file(tmp_path: Path, name: str = "passport.txt", text: str = "PASSPORT 123\n") -> Path:
    folder = tmp_path / "incoming"
    folder.mkdir(exist_ok=True)
    f = folder / name
    f.write_text(text * 40)
    return f


def tick(qtbot: QtBot, button: QAbstractButton) -> None:
    """Click a check box or radio button on its indicator."""
    assert button.isEnabled(), f"{button.text()} is disabled: {button.toolTip()}"
    qtbot.mouseClick(button, LEFT, pos=QPoint(7, button.height() // 2))


def click(qtbot: QtBot, button: QWidget) -> None:
    assert button.isEnabled(), f"disabled: {button.toolTip()}"
    qtbot.mouseClick(button, LEFT)


def attach(qtbot: QtBot, panel: DocumentsPanel, kind: str) -> None:
    panel.kind.setCurrentIndex(panel.kind.findData(kind))
    click(qtbot, panel.attach_button)


def audit_actions(svc: Services, reference: str) -> list[str]:
    with svc.store.read() as s:
        return list(s.execute(
            select(AuditEvent.action).where(AuditEvent.reference == reference)
            .order_by(AuditEvent.seq)
        ).scalars())  # fmt: skip


def row(panel: DocumentsPanel, r: int = 0) -> list[str]:
    return [panel.table.column_texts(c)[r] for c in range(panel.table.columnCount())]


def test_a_file_attached_through_the_chooser_is_listed_with_its_purge_date(
    qtbot: QtBot, svc: Services, make_view: MakeView, tmp_path: Path
) -> None:
    ref = log(svc)
    scan = a_file(tmp_path)
    view = make_view(svc, ref, choose_file=Chooser(scan))
    panel = view.documents
    assert panel.empty.isVisible() and not panel.table.isVisible()
    assert not panel.attach_button.isEnabled()
    assert panel.attach_button.toolTip() == "Choose what kind of document it is first."

    attach(qtbot, panel, "identity")
    assert panel.table.isVisible() and not panel.empty.isVisible()
    assert scan.stat().st_size == 520
    assert row(panel) == ["passport.txt", "Identity proof", "520 bytes", f"dpo, {TODAY}",
                          "after the identity decision"]  # fmt: skip
    assert panel.status.text() == "Attached passport.txt."
    assert panel.kind.currentData() is None  # the next file's kind is chosen afresh
    assert view.sections.tabText(2) == "Documents (1)"

    # The DPO decides; the identity document now has its date.
    view.sections.setCurrentWidget(view.verification)
    v = view.verification
    tick(qtbot, v.method_boxes[Method.ID_DOCUMENT])
    tick(qtbot, v.decision_buttons[Decision.VERIFIED])
    click(qtbot, v.record_button)
    view.sections.setCurrentWidget(panel)
    assert row(panel)[4] == "Thu 24 Dec 2026"
    (doc,) = svc.documents(ref)
    assert doc.purge_after == dt.date(2026, 12, 24) and doc.filename == "passport.txt"


def test_who_may_attach_and_hold(
    qtbot: QtBot, svc: Services, make_view: MakeView, tmp_path: Path
) -> None:
    ref = log(svc)
    support = make_view(as_user(svc, "sam"), ref, choose_file=Chooser(a_file(tmp_path)))
    panel = support.documents
    assert not panel.hold.isEnabled()
    assert panel.hold.toolTip() == "Only the DPO places or lifts a legal hold (you are support)."
    attach(qtbot, panel, "correspondence")
    assert row(panel)[:2] == ["passport.txt", "Correspondence"]
    assert row(panel)[4] == "—"  # kept with the case

    admin = make_view(as_user(svc, "ada"), ref)
    assert not admin.documents.attach_button.isEnabled()
    assert not admin.documents.kind.isEnabled()
    assert "Only dpo or support users attach documents" in admin.documents.attach_button.toolTip()
    admin.documents.select("passport.txt")  # listed, but not readable by an admin
    assert not admin.documents.open_button.isEnabled()
    assert not admin.documents.export_button.isEnabled()
    assert "open or export documents" in admin.documents.export_button.toolTip()


def test_open_decrypts_into_a_private_folder_that_goes_with_the_tab(
    qtbot: QtBot, svc: Services, tmp_path: Path
) -> None:
    ref = log(svc)
    scan = a_file(tmp_path)
    svc.attach(ref, scan, kind="identity")
    viewer = Viewer()
    bus = ChangeBus()
    tabs = CaseTabs(QWidget(), lambda r: CaseView(svc, r, bus, SyncRunner(), open_file=viewer))
    qtbot.addWidget(tabs)
    tabs.resize(1280, 800)
    tabs.show()
    view = tabs.open_case(ref)
    assert isinstance(view, CaseView)
    panel = view.documents
    view.sections.setCurrentWidget(panel)
    assert not panel.open_button.isEnabled()
    assert panel.open_button.toolTip() == "Select a document first."
    panel.select("passport.txt")
    click(qtbot, panel.open_button)

    ((shown, content),) = viewer.shown
    assert shown.name == "passport.txt" and content == scan.read_bytes()
    root = panel.presenter.viewing.root
    assert root is not None and shown.is_relative_to(root)
    if os.name == "posix":
        assert root.stat().st_mode & 0o077 == 0  # this user's only
        assert shown.stat().st_mode & 0o077 == 0
    assert panel.status.text() == "Opened passport.txt."
    # Opened twice (a double click opens too): a copy each, no clash over the name.
    item = panel.table.item(0, 0)
    assert item is not None
    at = panel.table.visualItemRect(item).center()
    qtbot.mouseClick(panel.table.viewport(), LEFT, pos=at)
    qtbot.mouseDClick(panel.table.viewport(), LEFT, pos=at)
    assert len(viewer.shown) == 2 and viewer.shown[1][0] != shown
    assert audit_actions(svc, ref).count("document.opened") == 2

    tabs.close_tab(tabs.indexOf(view))  # what the tab's close button does
    qtbot.waitUntil(lambda: not root.exists())
    assert not shiboken6.isValid(view)


def test_a_tampered_file_is_a_message_naming_it(
    qtbot: QtBot, svc: Services, make_view: MakeView, tmp_path: Path
) -> None:
    ref = log(svc)
    bad = svc.attach(ref, a_file(tmp_path, "scan.pdf"), kind="identity")
    svc.attach(ref, a_file(tmp_path, "letter.txt", "Dear DPO\n"), kind="correspondence")
    stored = svc.store.locker.path_of(bad.address)
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 1
    stored.write_bytes(bytes(data))
    viewer = Viewer()
    target = tmp_path / "out" / "scan.pdf"
    target.parent.mkdir()
    view = make_view(svc, ref, open_file=viewer, choose_target=Chooser(target))
    panel = view.documents

    panel.select("scan.pdf")
    click(qtbot, panel.open_button)
    box = panel.message_box
    assert box is not None and box.isVisible()
    assert box.windowTitle() == DAMAGED_TITLE
    assert '"scan.pdf" failed its integrity check' in box.text()
    assert viewer.shown == []
    root = panel.presenter.viewing.root
    assert root is not None and list(root.iterdir()) == []  # nothing half-written left
    box.close()

    click(qtbot, panel.export_button)
    assert panel.message_box is not None and "scan.pdf" in panel.message_box.text()
    assert not target.exists()
    panel.message_box.close()

    panel.select("letter.txt")  # nothing else is affected
    click(qtbot, panel.open_button)
    assert viewer.shown[0][1].startswith(b"Dear DPO")


def test_export_and_tombstones(
    qtbot: QtBot, svc: Services, make_view: MakeView, tmp_path: Path, clock: FrozenClock
) -> None:
    ref = log(svc)
    scan = a_file(tmp_path, "id-card.png")
    svc.attach(ref, scan, kind="identity")
    svc.attach(ref, a_file(tmp_path, "declaration.pdf", "I declare\n"), kind="declaration")
    target = tmp_path / "copy.png"
    chooser = Chooser(target)
    view = make_view(svc, ref, choose_target=chooser)
    panel = view.documents
    panel.select("id-card.png")
    click(qtbot, panel.export_button)
    assert chooser.asked == ["id-card.png"]  # the save dialog offers the document's name
    assert target.read_bytes() == scan.read_bytes()
    assert panel.status.text() == f"Exported to {target}."

    svc.verify_identity(ref, methods=["id-document"], decision="verified")
    clock.advance(days=30)  # the purge date: 24 Dec
    svc.purge()
    view.presenter.refresh()
    assert row(panel, 0)[4] == "purged 24 Dec 2026 (minimisation)"
    assert row(panel, 1)[1:] == ["Signed declaration", row(panel, 1)[2], f"dpo, {TODAY}", "—"]
    item = panel.table.item(0, 0)
    assert item is not None and item.font().italic()
    grey = panel.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert item.foreground().color() == grey
    assert view.sections.tabText(2) == "Documents (1)"  # what is still there
    panel.select("id-card.png")
    for button in (panel.open_button, panel.export_button):
        assert not button.isEnabled()
        assert button.toolTip() == "id-card.png was purged on 24 Dec 2026; only its record is left."


def test_the_legal_hold_is_placed_and_lifted_by_the_dpo(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc)
    view = make_view(svc, ref)
    hold = view.documents.hold
    assert not hold.isChecked()
    tick(qtbot, hold)
    assert hold.isChecked()  # still, after the case reloaded
    assert view.documents.status.text() == "Legal hold placed."
    assert svc.set_hold(ref, True).references == ()  # already on: nothing to change
    tick(qtbot, hold)
    assert not hold.isChecked()
    assert svc.set_hold(ref, False).references == ()
    actions = audit_actions(svc, ref)
    assert actions.count("case.hold-placed") == 1 and actions.count("case.hold-lifted") == 1


def test_a_refused_hold_is_shown_as_it_still_is(
    qtbot: QtBot, svc: Services, make_view: MakeView
) -> None:
    ref = log(svc)
    view = make_view(svc, ref)
    panel = view.documents
    # The services decide: here they act for someone else than the window shows.
    panel.presenter.services = as_user(svc, "sam")
    tick(qtbot, panel.hold)
    assert not panel.hold.isChecked()
    box = panel.message_box
    assert box is not None and box.isVisible() and box.windowTitle() == "Not done"
    assert "only dpo users may place or lift a legal hold" in box.text().lower()
