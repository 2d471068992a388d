"""Write one sample of each letter kind (PDF, and its first page as PNG)
into docs/letters/, from a throw-away store of fake cases with the
organisation profile's gaps filled in by example values.

    .venv/bin/python docs/letters/make.py
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdfium2

from conneqt_dpo.outputs.letters.drafting import draft_letter
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.store import Unlock, open_store
from conneqt_dpo.store.views import NewRequest

HERE = Path(__file__).resolve().parent
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("America/New_York"))
EXAMPLE_GAPS = {
    "supervisory_authority": "Data Protection Commission, 21 Fitzwilliam Square South, Dublin 2",
    "phone": "+1 954 555 0100",
    "complaints_contact": "Privacy Office",
    "appeal_instructions": "Reply to this letter with the word APPEAL within 60 days",
    "opt_out_instructions": "Use the Do Not Sell or Share My Personal Information link",
    "transfer_safeguards": ("Standard contractual clauses approved by the European Commission",),
    "automated_decisions": ("We make no decisions based solely on automated processing.",),
    "sold_or_shared": ("None: no personal information was sold or shared in the last 12 months",),
}
# kind -> (regime, right, the free-text parts, the workflow steps first)
SAMPLES: dict[str, tuple[str, str, dict[str, str], tuple[str, ...]]] = {
    "acknowledgement": ("ccpa", "access", {}, ()),
    "identity-request": ("uk-gdpr", "access",
                         {"proof_needed": "A copy of a recent utility bill showing your address"},
                         ()),
    "clarification-request": ("uk-gdpr", "access",
                              {"question": "Which years of appointment records do you need?"},
                              ("start",)),
    "fee-request": ("eu-gdpr", "access",
                    {"basis": "further-copies", "amount": "EUR 12.50",
                     "calculation": "Printing and posting a second paper copy (2 hours)."},
                    ("start",)),
    "extension-notice": ("uk-gdpr", "access", {}, ("start",)),
    "access-response": ("uk-gdpr", "access", {}, ("start", "submit", "approve")),
    "portability-response": ("eu-gdpr", "portability",
                             {"format": "CSV files in a ZIP archive",
                              "contents": "Your orders and account settings"},
                             ("start", "submit", "approve")),
    "rectification-confirmation": ("uk-gdpr", "rectification",
                                   {"what_was_done": "Corrected your postal address",
                                    "recipients_informed": "Our payment processor"},
                                   ("start", "submit", "approve")),
    "erasure-confirmation": ("ccpa", "erasure",
                             {"what_was_done": "Deleted your account and appointment history",
                              "recipients_informed": "Our payment processor"},
                             ("start", "submit", "approve")),
    "restriction-confirmation": ("eu-gdpr", "restriction",
                                 {"what_was_done": "Stopped using your data for analytics",
                                  "recipients_informed": "Our payment processor"},
                                 ("start", "submit", "approve")),
    "objection-confirmation": ("uk-gdpr", "marketing-objection",
                               {"purpose": "direct marketing by email and post"},
                               ("start", "submit", "approve")),
    "refusal": ("uk-gdpr", "access",
                {"ground": "manifestly-excessive",
                 "reasons": "This is the fourth identical request in three months."},
                ("start",)),
    "appeal-decision": ("va-vcdpa", "appeal",
                        {"outcome": "denied", "reasons": "The original refusal was right."},
                        ("start", "submit", "approve")),
    "closing": ("uk-gdpr", "access", {"what_was_done": "We sent you a copy of your data."},
                ("start", "submit", "approve", "respond")),
}  # fmt: skip


def main() -> int:
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/store.db", data_dir=Path(tmp), clock=lambda: NOW,
                           unlock=Unlock(env={"CONNEQT_DPO_PASSPHRASE": "samples only"}))  # fmt: skip
        try:
            svc = Services(store, clock=lambda: NOW)
            svc.init(name="Wesley Roberts", email="wroberts@conneqt.care")
            org = svc.org_profile()
            retention = tuple(r for r in org.retention if not r.startswith("[to be completed"))
            retention += ("Case records: six years after the case is closed",)
            svc.set_org_profile(dataclasses.replace(org, retention=retention, **EXAMPLE_GAPS))
            for kind, (regime, right, extra, steps) in SAMPLES.items():
                us = regime not in ("uk-gdpr", "eu-gdpr")
                (ref,) = svc.log_request(NewRequest(
                    regime=regime, rights=(right,), channel="email", name="Ada Example",
                    email="ada@example.org", country="US" if us else "GB",
                    us_state={"ccpa": "CA", "va-vcdpa": "VA"}.get(regime),
                    address="1 Example Street\nSpringfield"))  # fmt: skip
                if kind == "extension-notice":
                    svc.record_event(ref, "extended", reason="complex")
                for step in steps:
                    svc.act(ref, step)
                draft = draft_letter(svc, ref, kind, extra=extra)
                pdf = HERE / f"{kind}.pdf"
                pdf.write_bytes(draft.pdf)
                page = pypdfium2.PdfDocument(draft.pdf)[0]
                image = page.render(scale=100 / 72).to_pil().convert("L")  # grey: a third the size
                image.save(HERE / f"{kind}.png", optimize=True)
                print(pdf.name, draft.pages, "page(s)", draft.doc.template)
        finally:
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
