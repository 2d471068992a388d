"""Recorded letters: the stored PDF is the letter; marking it sent records
the clock step it stands for, dated the day it went out."""

from __future__ import annotations

import datetime as dt

import pytest

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.store.errors import StoreError
from conneqt_dpo.store.letter_services import SentStep
from conneqt_dpo.store.services import Services
from tests.conftest import FrozenClock, as_user
from tests.factories import request

PDF = b"%PDF-1.4\n% a letter\n%%EOF\n"


def test_record_list_and_read_back(svc: Services) -> None:
    (ref,) = svc.log_request(request())
    letter = svc.record_letter(ref, "acknowledgement", PDF, template="acknowledgement.txt v1")
    assert (letter.kind, letter.created_by, letter.sent_on) == ("acknowledgement", "dpo", None)
    assert letter.filename == f"{ref}-acknowledgement.pdf"
    assert [x.id for x in svc.letters(ref)] == [letter.id]
    assert svc.letter_pdf(letter.id) == PDF
    (doc,) = svc.documents(ref)
    assert (doc.kind, doc.media_type) == ("letter", "application/pdf")


def test_only_the_dpo_records_and_only_pdfs(svc: Services) -> None:
    (ref,) = svc.log_request(request())
    with pytest.raises(StoreError, match="only dpo"):
        as_user(svc, "sam").record_letter(ref, "acknowledgement", PDF)
    with pytest.raises(DomainError, match="PDF"):
        svc.record_letter(ref, "acknowledgement", b"<html>")
    assert svc.letters(ref) == []


def test_sending_an_extension_notice_records_the_extension(
    svc: Services, clock: FrozenClock
) -> None:
    (ref,) = svc.log_request(request())
    svc.act(ref, "start")
    before = svc.get_case(ref).row.due
    letter = svc.record_letter(ref, "extension-notice", PDF)
    clock.advance(days=3)
    sent_day = dt.date(2026, 11, 27)
    as_user(svc, "dpo").mark_letter_sent(letter.id, on=sent_day, method="email",
                                         step=SentStep("event", "extended", "complex"))  # fmt: skip
    case = svc.get_case(ref)
    assert [(e.kind, e.on) for e in case.events if e.kind == "extended"] == [("extended", sent_day)]
    assert case.row.due is not None and before is not None and case.row.due > before
    assert svc.letter(letter.id).sent_on == sent_day
    with pytest.raises(DomainError, match="already marked sent"):
        svc.mark_letter_sent(letter.id, method="post")


def test_sending_the_response_responds(svc: Services) -> None:
    (ref,) = svc.log_request(request())
    for action in ("start", "submit", "approve"):
        svc.act(ref, action)
    letter = svc.record_letter(ref, "access-response", PDF)
    as_user(svc, "sam").mark_letter_sent(letter.id, method="post", step=SentStep("act", "respond"))
    assert svc.get_case(ref).row.state == "responded"


def test_a_refused_step_leaves_the_letter_unsent(svc: Services) -> None:
    (ref,) = svc.log_request(request())
    letter = svc.record_letter(ref, "access-response", PDF)
    with pytest.raises(DomainError):
        svc.mark_letter_sent(letter.id, method="email", step=SentStep("act", "respond"))
    assert svc.letter(letter.id).sent_on is None
    with pytest.raises(DomainError, match="send method"):
        svc.mark_letter_sent(letter.id, method="pigeon")


def test_an_extension_notice_sent_later_redates_the_recorded_extension(
    svc: Services, clock: FrozenClock
) -> None:
    from conneqt_dpo.outputs.letters.drafting import sent_step

    (ref,) = svc.log_request(request())
    svc.act(ref, "start")
    svc.record_event(ref, "extended", reason="complex")  # recorded on 24 Nov
    letter = svc.record_letter(ref, "extension-notice", PDF)
    step = sent_step("extension-notice", svc.get_case(ref))
    assert step == SentStep("redate", "extended")
    clock.advance(days=2)
    svc.mark_letter_sent(letter.id, on=dt.date(2026, 11, 26), method="post", step=step)
    events = [(e.kind, e.on) for e in svc.get_case(ref).events if e.kind == "extended"]
    assert events == [("extended", dt.date(2026, 11, 26))]
    assert svc.store.verify_audit().ok


def test_a_letter_is_not_sent_before_it_was_recorded(svc: Services, clock: FrozenClock) -> None:
    (ref,) = svc.log_request(request())
    clock.advance(days=3)
    letter = svc.record_letter(ref, "acknowledgement", PDF)
    with pytest.raises(DomainError, match="recorded on 2026-11-27"):
        svc.mark_letter_sent(letter.id, on=dt.date(2026, 11, 25), method="email")
    assert svc.letter(letter.id).sent_on is None
