"""The case view's dialogs on their own: OK is enabled only for a complete
form, OK does not close the form (the presenter does, once the services
accepted it), and nothing typed is read as HTML."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from conneqt_dpo.gui.case_actions import FORMS
from conneqt_dpo.gui.dialogs import (
    CHOOSE,
    ActionDialog,
    ActionForm,
    OutcomeDialog,
    Person,
    PersonDialog,
    TaskDialog,
)

TODAY = dt.date(2026, 11, 24)
REASONS = (("exemption", "An exemption applies"), ("other", "Other (explain below)"))


def action_dialog(qtbot: QtBot, form: ActionForm, **kw: object) -> ActionDialog:
    d = ActionDialog(form, today=TODAY, **kw)  # type: ignore[arg-type]
    qtbot.addWidget(d)
    return d


def test_a_required_reason_keeps_ok_disabled_until_chosen(qtbot: QtBot) -> None:
    form = ActionForm("Refuse", "intro", "Refuse", reasons=REASONS, note_required_for=("other",),
                      warning="Shown to the requester.")  # fmt: skip
    d = action_dialog(qtbot, form)
    assert d.reason is not None and d.reason.currentText() == CHOOSE
    assert d.reason_code() is None and not d.ok_button.isEnabled()
    assert d.ok_button.text() == "Refuse"
    d.choose_reason("exemption")
    assert d.ok_button.isEnabled()
    d.choose_reason("other")
    assert not d.ok_button.isEnabled()
    assert d.note is not None and d.note.placeholderText().startswith("Required")
    qtbot.keyClicks(d.note, "   ")
    assert not d.ok_button.isEnabled()  # blank is not an explanation
    qtbot.keyClicks(d.note, "Because.")
    assert d.ok_button.isEnabled() and d.note_text() == "Because."
    with pytest.raises(ValueError):
        d.choose_reason("made-up")


def test_a_default_reason_is_preselected(qtbot: QtBot) -> None:
    d = action_dialog(qtbot, FORMS["fee-requested"])
    assert d.reason_code() == "fee" and d.ok_button.isEnabled()
    d.choose_reason("clarify-scope")
    assert d.reason_code() == "clarify-scope"


def test_dates_run_from_receipt_to_today(qtbot: QtBot) -> None:
    d = action_dialog(qtbot, FORMS["respond"], earliest=dt.date(2026, 11, 2))
    assert d.date is not None and d.on() == TODAY
    assert d.date.maximumDate() == QDate(2026, 11, 24)
    assert d.date.minimumDate() == QDate(2026, 11, 2)
    d.date.setDate(QDate(2026, 12, 1))  # clamped: the future is not offered
    assert d.on() == TODAY
    d.date.setDate(QDate(2026, 11, 10))
    assert d.on() == dt.date(2026, 11, 10)
    assert d.reason is None and d.reason_code() is None
    assert action_dialog(qtbot, FORMS["reopen"]).on() is None  # no date asked


def test_ok_asks_the_presenter_and_only_finish_closes(qtbot: QtBot) -> None:
    d = action_dialog(qtbot, FORMS["withdraw"])
    d.open()
    with qtbot.waitSignal(d.submitted):
        qtbot.mouseClick(d.ok_button, Qt.MouseButton.LeftButton)
    assert d.isVisible()
    d.set_busy(True)
    assert not d.ok_button.isEnabled() and not d.cancel_button.isEnabled()
    with qtbot.assertNotEmitted(d.submitted):
        d.accept()  # not twice
    d.reject()
    assert d.isVisible()  # not while the work runs
    d.set_busy(False)
    assert d.ok_button.isEnabled()
    d.finish()
    assert not d.isVisible() and d.result() == ActionDialog.DialogCode.Accepted


def test_the_fixed_identity_reason_is_shown_not_chosen(qtbot: QtBot) -> None:
    d = action_dialog(qtbot, FORMS["request-identity"])
    assert d.reason is None and d.reason_code() is None
    texts = [label.text() for label in d.findChildren(QLabel)]
    assert "Identity check" in texts


def test_the_refusal_form_warns_that_the_requester_reads_it(qtbot: QtBot) -> None:
    d = action_dialog(qtbot, FORMS["refuse"])
    assert d.warning is not None
    assert "shown to the requester" in d.warning.text()
    assert d.reason is not None
    codes = [d.reason.itemData(i) for i in range(d.reason.count())]
    assert codes[0] is None and "repeat-within-12-months" in codes


def test_the_person_dialog_needs_a_name_unless_it_may_remove(qtbot: QtBot) -> None:
    d = PersonDialog("Edit requester", "intro", Person("Ada", "ada@example.org"))
    qtbot.addWidget(d)
    assert d.ok_button.isEnabled() and d.organisation is None
    d.name.clear()
    assert not d.ok_button.isEnabled()
    qtbot.keyClicks(d.name, " Ada King ")
    qtbot.keyClicks(d.phone, " ")
    assert d.person() == Person("Ada King", "ada@example.org", None, None)

    agent = PersonDialog("Edit agent", "intro", None, name_required=False,
                         with_organisation=True)  # fmt: skip
    qtbot.addWidget(agent)
    assert agent.ok_button.isEnabled() and agent.person() is None  # empty: remove
    qtbot.keyClicks(agent.name, "Tom")
    assert agent.organisation is not None
    qtbot.keyClicks(agent.organisation, "Okafor Legal")
    assert agent.person() == Person("Tom", None, None, "Okafor Legal")


def test_the_task_and_outcome_dialogs(qtbot: QtBot) -> None:
    t = TaskDialog()
    qtbot.addWidget(t)
    assert not t.ok_button.isEnabled()
    qtbot.keyClicks(t.system, "  CRM ")
    assert t.ok_button.isEnabled() and t.system_name() == "CRM"

    o = OutcomeDialog([(1, "CRM (open)"), (2, "Billing (open)")],
                      [("found", "Data found"), ("erased", "Erased")], selected=2)  # fmt: skip
    qtbot.addWidget(o)
    assert o.task_id() == 2 and o.outcome_code() is None and not o.ok_button.isEnabled()
    o.choose_outcome("erased")
    assert o.ok_button.isEnabled() and o.note_text() is None
    qtbot.keyClicks(o.note, "done")
    assert o.note_text() == "done"


def test_nothing_typed_is_read_as_html(qtbot: QtBot) -> None:
    hostile = "<b>x</b><img src=x>"
    form = ActionForm(hostile, hostile, "OK", warning=hostile)
    d = action_dialog(qtbot, form)
    labels = [label for label in d.findChildren(QLabel) if hostile in label.text()]
    assert len(labels) == 2
    assert all(label.textFormat() == Qt.TextFormat.PlainText for label in labels)
    p = PersonDialog("Edit", hostile, Person(hostile))
    qtbot.addWidget(p)
    assert p.name.text() == hostile
