"""What the letters say: for every kind and every regime where it applies,
each element spec/letters.md requires is in the letter built from a real
case; gaps in the profile, missing free text and unknown template fields
are refused with a message naming them; the organisation's own templates
are used and named; hostile values stay text in their paragraph."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.organisation import Organisation
from conneqt_dpo.domain.regimes import REGIMES, available_rights, get_rule
from conneqt_dpo.outputs.letters.content import build_letter, extra_fields
from conneqt_dpo.outputs.letters.document import LetterDoc
from conneqt_dpo.outputs.letters.kinds import KINDS, page_size, regime_family
from conneqt_dpo.outputs.letters.templates import shipped_dir
from conneqt_dpo.store.document_services import VerificationView
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import CaseDetail
from tests.factories import request

TODAY = dt.date(2026, 11, 24)  # the fixtures' clock: the day the cases arrive

# The shipped profile with its gaps filled in, each with a value to look for.
DPC = "Data Protection Commission, 21 Fitzwilliam Square South, Dublin 2, Ireland"
SCC = "Standard contractual clauses (Commission Decision (EU) 2021/914)"
NO_ADM = "We make no decisions based solely on automated processing"
RETENTION = "Account records: six years after the account closes"
PHONE = "+1 954 555 0100"
COMPLAINTS = "Privacy Office, CONNEQT, LLC"
APPEAL = "Reply with the word APPEAL within 60 days of this letter"
OPT_OUT = "Use the Do Not Sell or Share My Personal Information link at conneqt.care/privacy"
SOLD = "Identifiers, shared with advertising networks for cross-context behavioral advertising"


def complete(org: Organisation) -> Organisation:
    return dataclasses.replace(
        org,
        supervisory_authority=DPC,
        phone=PHONE,
        complaints_contact=COMPLAINTS,
        appeal_instructions=APPEAL,
        opt_out_instructions=OPT_OUT,
        transfer_safeguards=(SCC,),
        automated_decisions=(NO_ADM + ", including profiling.",),
        retention=(*org.retention[:-1], RETENTION),
        sold_or_shared=(SOLD,),
    )


# The free-text parts the DPO writes, per kind (and per regime or family).
EXTRA: dict[str, dict[str, str]] = {
    "identity-request": {"proof_needed": "A copy of a recent utility bill"},
    "clarification-request": {"question": "Which years does your request cover?"},
    "fee-request": {
        "basis": "further-copies",
        "amount": "12.50",
        "calculation": "Two hours of staff time to print and post the second copy.",
    },
    "access-response": {
        "provided": "Copies of your appointment records",
        "form_format": "A PDF file sent through the patient portal",
    },
    "portability-response": {
        "format": "CSV files in a ZIP archive",
        "contents": "Your orders and account settings",
    },
    "rectification-confirmation": {
        "what_was_done": "Corrected your postal address",
        "recipients_informed": "Our payment processor",
    },
    "erasure-confirmation": {
        "what_was_done": "Erased your account",
        "recipients_informed": "Our payment processor",
    },
    "restriction-confirmation": {
        "what_was_done": "Restricted your account",
        "recipients_informed": "Our payment processor",
    },
    "objection-confirmation": {"purpose": "profiling for product analytics"},
    "refusal": {"ground": "identity-not-verified", "reasons": "We received no reply from you."},
    "appeal-decision": {"outcome": "denied", "reasons": "The original refusal was right."},
    "closing": {"what_was_done": "Everything you asked for was sent."},
}
EXTRA_BY: dict[tuple[str, str], dict[str, str]] = {
    ("refusal", "gdpr"): {
        "ground": "manifestly-excessive",
        "reasons": "You asked for the same data three times this month.",
    },
    ("refusal", "hipaa"): {"ground": "hipaa-reviewable", "reasons": "A doctor decided."},
}

# What each letter must say (spec/letters.md), as phrases found in its
# text: one entry per (kind, regime), or per family (gdpr, us-state), or "*"
# for every regime without its own; phrases separated by "|", an indented
# line continues an entry. {received}, {respond_by}, {unextended},
# {new_date} and {lookback_from} are the case's dates as printed; {SCC} and
# the other capitals are the profile values above.
TABLE = """
acknowledgement *: received your request on {received} | How we will handle your request
    | respond by {respond_by}
acknowledgement ccpa: received your request on {received} | 11 CCR §7021(a)
    | How we will process your request | How we verify your identity | at least two data points
    | respond by {respond_by}
identity-request uk-gdpr: A copy of a recent utility bill | Why we ask | Article 12(6)
    | How to send it securely | Article 12A | starts when we receive the information
identity-request eu-gdpr: A copy of a recent utility bill | Article 12(6) | How to send it securely
    | runs from the day we received your request
identity-request ccpa: A copy of a recent utility bill | §7060-7062 | How to send it securely
    | does not stop while we verify your identity
identity-request hipaa: A copy of a recent utility bill | 164.514(h) | How to send it securely
identity-request us-state: A copy of a recent utility bill | authenticate | How to send it securely
clarification-request uk-gdpr: Which years does your request cover? | scope of your request
    | Article 12A | does not count towards the one-month period
clarification-request eu-gdpr: Which years does your request cover? | scope of your request
    | keeps running
fee-request uk-gdpr: The fee is 12.50 | Two hours of staff time | Article 15(3)
    | starts when we receive the fee
fee-request eu-gdpr: The fee is 12.50 | Two hours of staff time | Article 15(3)
extension-notice gdpr: Your request is complex | {unextended} | {new_date} | two further months
extension-notice ccpa: Your request is complex | {new_date} | 45 more days
extension-notice hipaa: The reasons for the delay | Your request is complex | {new_date}
    | no more than 30 days
extension-notice us-state: Your request is complex | {new_date} | extending it by 45 days
access-response uk-gdpr: purposes of the processing | To provide CONNEQT® services to you
    | categories of personal data | Identifiers | recipients | Our affiliates | third countries
    | {SCC} | How long we keep | {RETENTION} | rectify | erase | restrict | object
    | lodge a complaint | Information Commissioner's Office | Where your personal data comes from
    | From cookies on our website | Automated decision-making | {NO_ADM}
    | copy of that personal data is enclosed
access-response eu-gdpr: purposes of the processing | To provide CONNEQT® services to you
    | categories of personal data | Identifiers | recipients | Our affiliates | third countries
    | {SCC} | How long we keep | {RETENTION} | rectify | erase | restrict | object
    | lodge a complaint | {DPC} | Where your personal data comes from
    | From cookies on our website | Automated decision-making | {NO_ADM}
    | copy of that personal data is enclosed
access-response ccpa: Categories of personal information we collected | Identifiers
    | Categories of sources | From cookies on our website | business or commercial purposes
    | To provide CONNEQT® services to you | Categories of third parties | Our affiliates
    | sold or shared | {SOLD} | disclosed for a business purpose | Regional geolocation data
    | 12 months before we received your request | {lookback_from} | §7024(h)
    | Social Security number | §7024(d)
access-response hipaa: Copies of your appointment records
    | A PDF file sent through the patient portal | 164.524(c)(2) | We charge no fee
access-response us-state: copy of that personal data is enclosed | Categories of personal data
    | Why we process it | Categories of third parties
portability-response gdpr: structured, commonly used and machine-readable
    | CSV files in a ZIP archive | Your orders and account settings
portability-response ccpa: portable | readily usable | CSV files in a ZIP archive
    | Your orders and account settings
portability-response us-state: portable | readily usable | CSV files in a ZIP archive
    | Your orders and account settings
rectification-confirmation gdpr: Corrected your postal address
    | The recipients we informed (Article 19) | Our payment processor
    | ask us who these recipients are
rectification-confirmation ccpa: Corrected your postal address | §7023
rectification-confirmation hipaa: Corrected your postal address | 164.526(c)
rectification-confirmation us-state: Corrected your postal address
erasure-confirmation gdpr: Erased your account | The recipients we informed (Article 19)
    | Our payment processor | ask us who these recipients are
erasure-confirmation ccpa: Erased your account | service providers and contractors
    | third parties | Our payment processor | record of your request | §7022(e)
erasure-confirmation us-state: Erased your account
restriction-confirmation gdpr: Restricted your account | The recipients we informed (Article 19)
    | Our payment processor | ask us who these recipients are | Article 18(3)
objection-confirmation gdpr: stopped processing your personal data for profiling for product
    analytics | suppression list
objection-confirmation ccpa: stopped selling and sharing | suppression list
objection-confirmation us-state: stopped processing your personal data for targeted advertising
    | suppression list
objection-confirmation can-spam: commercial email | after {respond_by} | will not sell or transfer
    | suppression list | 15 U.S.C. §7704(a)(4)
refusal uk-gdpr: You asked for the same data three times | manifestly excessive | complain to us
    | section 164A | Information Commissioner's Office | judicial remedy
refusal eu-gdpr: You asked for the same data three times | manifestly excessive
    | complaint with a supervisory authority | {DPC} | judicial remedy
refusal ccpa: We received no reply from you. | could not verify your identity
    | California Attorney General | California Privacy Protection Agency
refusal hipaa: A doctor decided. | The basis for the denial | right to have this denial reviewed
    | {COMPLAINTS} | {PHONE} | Secretary of the U.S. Department of Health and Human Services
    | 1-800-368-1019
refusal us-state: We received no reply from you. | could not authenticate | How to appeal
    | {APPEAL} | Attorney General
refusal ut-ucpa: We received no reply from you. | could not authenticate
    | does not provide for an appeal
appeal-decision us-state: denied your appeal | The original refusal was right.
    | Complaining to the Attorney General
closing uk-gdpr: case is closed | Everything you asked for was sent. | section 164A
    | Information Commissioner's Office
closing eu-gdpr: case is closed | Everything you asked for was sent.
    | complaint with a supervisory authority | {DPC}
closing ccpa: case is closed | Everything you asked for was sent. | California Attorney General
closing hipaa: case is closed | Everything you asked for was sent. | {COMPLAINTS} | {PHONE}
    | Health and Human Services
closing us-state: case is closed | Everything you asked for was sent. | Attorney General
closing ut-ucpa: case is closed | Everything you asked for was sent.
    | Utah Division of Consumer Protection
closing can-spam: case is closed | Everything you asked for was sent. | Federal Trade Commission
"""
PROFILE_VALUES = {
    "DPC": DPC,
    "SCC": SCC,
    "NO_ADM": NO_ADM,
    "RETENTION": RETENTION,
    "PHONE": PHONE,
    "COMPLAINTS": COMPLAINTS,
    "APPEAL": APPEAL,
    "SOLD": SOLD,
}


def _table(text: str) -> dict[tuple[str, str], tuple[str, ...]]:
    entries: list[str] = []
    for line in text.strip().splitlines():
        if line.startswith(" "):
            entries[-1] += " " + line.strip()
        else:
            entries.append(line)
    out = {}
    for entry in entries:
        head, phrases = entry.split(": ", 1)
        kind, where = head.split()
        out[kind, where] = tuple(
            p.strip().format_map(_Keep(PROFILE_VALUES)) for p in phrases.split("|")
        )
    return out


class _Keep(dict[str, str]):
    """Fills the profile values now, keeps the date fields for later."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


REQUIRED = _table(TABLE)

PAIRS = [(k.code, regime) for k in KINDS.values() for regime in k.regimes]
# The right a pair's case is for: the first of these the kind answers.
PREFERRED = (
    "access",
    "erasure",
    "rectification",
    "restriction",
    "portability",
    "objection",
    "opt-out-sale",
    "marketing-objection",
    "appeal",
)


def required(kind: str, regime: str) -> tuple[str, ...]:
    for key in ((kind, regime), (kind, regime_family(regime)), (kind, "*")):
        if key in REQUIRED:
            return REQUIRED[key]
    raise AssertionError(f"no required phrases for {kind} under {regime}")


def extra_for(kind: str, regime: str) -> dict[str, str]:
    out = dict(EXTRA.get(kind, {}))
    for key in ((kind, regime_family(regime)), (kind, regime)):
        out.update(EXTRA_BY.get(key, {}))
    return out


def right_for(kind: str, regime: str) -> str:
    rights = available_rights(regime, TODAY)
    return next(r for r in (*PREFERRED, *rights) if r in rights and KINDS[kind].applies(regime, r))


def case_for(svc: Services, kind: str, regime: str, right: str | None = None) -> CaseDetail:
    ref = svc.log_request(request(regime=regime, rights=(right or right_for(kind, regime),)))[0]
    svc.act(ref, "start")
    if kind == "extension-notice":
        svc.record_event(ref, "extended", reason="complex")
    return svc.get_case(ref)


def text_of(doc: LetterDoc) -> str:
    parts = [*doc.sender, doc.date, doc.reference, *doc.addressee, doc.subject]
    for b in doc.blocks:
        parts += [b.text, *b.items]
    return "\n".join([*parts, *doc.signature])


def date_text(d: dt.date | None, regime: str) -> str:
    assert d is not None
    month = d.strftime("%B")
    return (
        f"{month} {d.day}, {d.year}"
        if page_size(regime) == "LETTER"
        else f"{d.day} {month} {d.year}"
    )


@pytest.fixture
def org(svc: Services) -> Organisation:
    return complete(svc.org_profile())


def check_letter(svc: Services, org: Organisation, kind: str, regime: str) -> list[str]:
    """Build the letter from a new case; return what it lacks."""
    case = case_for(svc, kind, regime)
    doc = build_letter(kind, case, org, today=TODAY, extra=extra_for(kind, regime))
    dates = {
        "received": date_text(case.row.received, regime),
        "respond_by": date_text(case.row.due, regime) if case.row.due else "",
        "unextended": date_text(case.respond_by, regime) if case.respond_by else "",
        "new_date": date_text(case.extended_respond_by, regime) if case.extended_respond_by else "",
        "lookback_from": date_text(dt.date(2025, 11, 24), regime),
    }
    # spec/letters.md: every letter carries the controller's name and
    # address, the date, the reference, the addressee, the regime's name for
    # the right, and the DPO's name and contact as signatory.
    rule = get_rule(regime, case.row.right)
    every = (
        org.name,
        org.address,
        date_text(TODAY, regime),
        case.reference,
        case.row.requester_name,
        rule.label,
        org.dpo_name,
        org.dpo_email,
    )
    text = text_of(doc).casefold()
    wanted = [*every, *(p.format(**dates) for p in required(kind, regime))]
    lacks = [p for p in wanted if p.casefold() not in text]
    assert doc.date == date_text(TODAY, regime) and doc.reference == case.reference
    assert doc.subject.startswith(rule.label) and doc.title == doc.subject
    assert (doc.kind, doc.regime, doc.page_size) == (kind, regime, page_size(regime))
    assert doc.template.startswith(f"{kind}.") and "(as shipped)" in doc.template
    assert doc.signature[0] == org.dpo_name and doc.author == org.name
    assert "[to be completed" not in text
    return lacks


# One store per regime (opening a store is the slow part); every kind that
# applies there is checked, and all that is missing is reported at once.
@pytest.mark.parametrize("regime", tuple(REGIMES))
def test_every_letter_has_what_the_spec_requires(
    svc: Services, org: Organisation, regime: str
) -> None:
    kinds = [kind for kind, r in PAIRS if r == regime]
    assert kinds
    lacking = {kind: check_letter(svc, org, kind, regime) for kind in kinds}
    assert {kind: lacks for kind, lacks in lacking.items() if lacks} == {}


def test_the_table_covers_every_kind_and_regime() -> None:
    assert len(PAIRS) > 100
    for kind, regime in PAIRS:
        assert required(kind, regime)


# -- the profile ---------------------------------------------------------------


def test_a_placeholder_in_the_profile_refuses_the_letter_naming_the_field(
    svc: Services,
) -> None:
    case = case_for(svc, "access-response", "uk-gdpr")
    with pytest.raises(DomainError) as e:
        build_letter("access-response", case, svc.org_profile(), today=TODAY)
    assert str(e.value) == (
        "the access response needs the organisation profile's retention (still 'to be "
        "completed'), automated_decisions (still 'to be completed') and transfer_safeguards "
        "(still 'to be completed'); set them in Settings > Organisation or with conneqt-dpo "
        "org-profile import"
    )


def test_an_empty_profile_field_refuses_the_letter_naming_the_field(
    svc: Services, org: Organisation
) -> None:
    case = case_for(svc, "refusal", "hipaa")
    with pytest.raises(
        DomainError,
        match=r"the refusal needs the organisation profile's phone "
        r"\(empty\); set it in Settings > Organisation",
    ):
        build_letter(
            "refusal",
            case,
            dataclasses.replace(org, phone=" "),
            today=TODAY,
            extra=extra_for("refusal", "hipaa"),
        )
    eu = case_for(svc, "closing", "eu-gdpr")
    with pytest.raises(DomainError, match="profile's supervisory_authority"):
        build_letter("closing", eu, dataclasses.replace(org, supervisory_authority=""), today=TODAY)


def test_letters_that_need_nothing_missing_go_out_with_the_shipped_profile(
    svc: Services,
) -> None:
    case = case_for(svc, "acknowledgement", "ccpa")
    doc = build_letter("acknowledgement", case, svc.org_profile(), today=TODAY)
    # The phone is still a placeholder: not on the letterhead.
    assert doc.sender == (
        "CONNEQT, LLC",
        "111 E. Broward Blvd. Ste. 1700, Ft. Lauderdale, FL 33301",
        "customersupport@conneqt.care",
    )


def write_template(data_dir: Path, name: str, text: str) -> Path:
    folder = data_dir / "letters"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_template_that_prints_a_placeholder_is_refused(svc: Services, data_dir: Path) -> None:
    write_template(
        data_dir,
        "acknowledgement.txt",
        "{# version: 2027-01-01 #}\n# Hello\n\nCall us on {{ controller.phone }}.\n",
    )
    case = case_for(svc, "acknowledgement", "hipaa")
    with pytest.raises(
        DomainError,
        match="template acknowledgement would print a value that is "
        r"still a placeholder \('\[to be completed: the telephone",
    ):
        build_letter("acknowledgement", case, svc.org_profile(), today=TODAY, data_dir=data_dir)


# -- templates -------------------------------------------------------------------


def shipped(name: str) -> str:
    return (shipped_dir() / name).read_text(encoding="utf-8")


def test_every_shipped_template_has_a_version_and_a_known_name() -> None:
    names = sorted(p.name for p in shipped_dir().glob("*.txt"))
    assert len(names) >= 40
    for name in names:
        kind, *variant = name.removesuffix(".txt").split(".")
        assert kind in KINDS, name
        assert shipped(name).startswith("{# version: 2026-11-25 #}\n"), name
        assert len(variant) <= 1


def test_an_override_in_the_data_folder_is_used_and_named(
    svc: Services, org: Organisation, data_dir: Path
) -> None:
    text = shipped("access-response.uk-gdpr.txt").replace(
        "{# version: 2026-11-25 #}", "{# version: 2027-01-05 #}"
    )
    text = text.replace("Yours sincerely,", "Checked by the DPO.\n\nYours sincerely,")
    write_template(data_dir, "access-response.uk-gdpr.txt", text)
    case = case_for(svc, "access-response", "uk-gdpr")
    doc = build_letter("access-response", case, org, today=TODAY, data_dir=data_dir)
    folder = data_dir / "letters"
    assert doc.template == (
        f"access-response.uk-gdpr.txt, version 2027-01-05 (the organisation's copy in {folder})"
    )
    assert "Checked by the DPO." in text_of(doc)
    # Without the data folder: the shipped one.
    plain = build_letter("access-response", case, org, today=TODAY)
    assert plain.template == "access-response.uk-gdpr.txt, version 2026-11-25 (as shipped)"
    assert "Checked by the DPO." not in text_of(plain)


def test_the_most_specific_name_wins_and_the_data_folder_first_at_each_step(
    svc: Services, org: Organisation, data_dir: Path
) -> None:
    mine = "{# version: 2027-02-01 #}\n# Our own {{ case.reference }}\n\nOur own words.\n"
    write_template(data_dir, "refusal.gdpr.txt", mine)
    write_template(data_dir, "acknowledgement.txt", mine)
    refusal = build_letter(
        "refusal",
        case_for(svc, "refusal", "uk-gdpr"),
        org,
        today=TODAY,
        extra=extra_for("refusal", "uk-gdpr"),
        data_dir=data_dir,
    )
    assert refusal.template.startswith("refusal.uk-gdpr.txt, version 2026-11-25")
    ack_case = case_for(svc, "acknowledgement", "uk-gdpr")
    ack = build_letter("acknowledgement", ack_case, org, today=TODAY, data_dir=data_dir)
    assert ack.template.startswith("acknowledgement.txt, version 2027-02-01 (the organisation's")
    assert ack.subject == f"Our own {ack_case.reference}"


def _override(data_dir: Path, body: str) -> None:
    write_template(
        data_dir, "access-response.uk-gdpr.txt", "{# version: 2027-01-05 #}\n# Subject\n\n" + body
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("Dear {{ controler.name }},\n", "controler.name"),
        ("{{ controller.nmae }}\n", "controller.nmae"),
        # In a branch this case never takes: still found.
        ("{% if false %}\n{{ dates.respnd_by }}\n{% endif %}\n", "dates.respnd_by"),
        ("{% if requester.nickname %}\nHi\n{% endif %}\n", "requester.nickname"),
        # A loop variable's field, found while filling in.
        (
            "{% for p in scope.purposes %}\n- {{ p.purpse }}\n{% endfor %}\n",
            "scope.purposes[].purpse",
        ),
    ],
)
def test_an_unknown_field_is_named_before_anything_is_written(
    svc: Services, org: Organisation, data_dir: Path, tmp_path: Path, body: str, field: str
) -> None:
    _override(data_dir, body)
    case = case_for(svc, "access-response", "uk-gdpr")
    out = tmp_path / "letter.pdf"
    with pytest.raises(DomainError) as e:
        doc = build_letter("access-response", case, org, today=TODAY, data_dir=data_dir)
        out.write_bytes(doc.subject.encode())  # where a PDF would be written
    assert str(e.value).startswith(
        f"template access-response.uk-gdpr uses an unknown field '{field}'"
    )
    assert "access-response.uk-gdpr.txt" in str(e.value) and not out.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# Subject\n\nNo version.\n", "must start with its version line"),
        ("{# version: 1 #}\n# Subject\n{% if %}\n", "has an error on line 3"),
        ("{# version: 1 #}\nNo subject.\n", "has no subject line"),
        ("{# version: 1 #}\n# One\n# Two\n", "has two subject lines"),
        ("{# version: 1 #}\n# S\n\n{{ controller.categories }}\n", "prints a list as it is"),
        ("{# version: 1 #}\n# S\n\n{{ controller }}\n", "prints the group of fields"),
        ("{# version: 1 #}\n# S\n\n{{ scope.limited }}\n", "prints a true/false value"),
        # The sandbox: no reaching into Python from a template.
        ("{# version: 1 #}\n# S\n\n{{ ''.__class__.__mro__ }}\n", "template access-response"),
        ("{# version: 1 #}\n# S\n\n{{ letter.date.__class__ }}\n", "template access-response"),
    ],
)
def test_a_broken_template_is_refused_with_a_clear_message(
    svc: Services, org: Organisation, data_dir: Path, text: str, message: str
) -> None:
    write_template(data_dir, "access-response.uk-gdpr.txt", text)
    case = case_for(svc, "access-response", "uk-gdpr")
    with pytest.raises(DomainError, match=message) as e:
        build_letter("access-response", case, org, today=TODAY, data_dir=data_dir)
    assert "\n" not in str(e.value)


def test_a_template_that_is_not_utf8_is_refused(
    svc: Services, org: Organisation, data_dir: Path
) -> None:
    path = write_template(data_dir, "access-response.uk-gdpr.txt", "")
    path.write_bytes(b"{# version: 1 #}\n# \xff\n")
    case = case_for(svc, "access-response", "uk-gdpr")
    with pytest.raises(DomainError, match="is not UTF-8 text"):
        build_letter("access-response", case, org, today=TODAY, data_dir=data_dir)


def test_the_markup(svc: Services, org: Organisation, data_dir: Path) -> None:
    _override(
        data_dir,
        "First line\nsecond line {% if true %}joined{% endif %}\nthird.\n\n"
        "## A heading\n- one\n- {{ requester.name }}\n{% for c in ['x', 'y'] %}\n- {{ c }}\n"
        "{% endfor %}\n\\- not a bullet\n\\## not a heading\n\n- {{ requester.phone }}\n",
    )
    doc = build_letter(
        "access-response",
        case_for(svc, "access-response", "uk-gdpr"),
        org,
        today=TODAY,
        data_dir=data_dir,
    )
    assert [(b.kind, b.text, b.items) for b in doc.blocks] == [
        ("paragraph", "First line second line joined third.", ()),
        ("heading", "A heading", ()),
        ("bullets", "", ("one", "Ada Lovelace", "x", "y")),
        ("paragraph", "- not a bullet ## not a heading", ()),
        # A bullet whose value is empty is left out, and its list with it.
    ]
    assert doc.subject == "Subject"


# -- hostile values ------------------------------------------------------------------

HOSTILE = "## Admin <b>bold</b> & </para>\n- not a bullet\r\n# not a subject\u2028<img src='x'/>"


def test_hostile_values_stay_text_inside_their_paragraph(svc: Services, org: Organisation) -> None:
    case = case_for(svc, "refusal", "uk-gdpr")
    extra = {"ground": "other", "reasons": "Plain reasons."}
    base = build_letter("refusal", case, org, today=TODAY, extra=extra)
    hostile_case = dataclasses.replace(
        case, row=dataclasses.replace(case.row, requester_name=HOSTILE)
    )
    reasons = "line one\n\n## Injected heading\n- injected bullet\n  - another\n# subject?"
    doc = build_letter(
        "refusal", hostile_case, org, today=TODAY, extra={"ground": "other", "reasons": reasons}
    )
    # The same structure as with plain values: nothing added.
    assert [(b.kind, b.text if b.kind == "heading" else "") for b in doc.blocks] == [
        (b.kind, b.text if b.kind == "heading" else "") for b in base.blocks
    ]
    assert doc.subject == base.subject
    flat = "## Admin <b>bold</b> & </para> - not a bullet # not a subject <img src='x'/>"
    paragraphs = [b.text for b in doc.blocks if b.kind == "paragraph"]
    assert f"Dear {flat}," in paragraphs
    assert "line one ## Injected heading - injected bullet - another # subject?" in paragraphs
    assert not any(
        b.kind != "paragraph" and ("Admin" in b.text or "Injected" in b.text) for b in doc.blocks
    )
    # The addressee is one line, the text exactly as given but on one line.
    assert doc.addressee[0] == flat


def test_markup_characters_in_stored_names_are_text(svc: Services, org: Organisation) -> None:
    name = "<b>Ada</b> & </para> AT&T \"quoted 'unbalanced"
    ref = svc.log_request(request(regime="ccpa", rights=("access",), name=name))[0]
    doc = build_letter("acknowledgement", svc.get_case(ref), org, today=TODAY)
    assert doc.addressee[0] == name and f"Dear {name}," in [b.text for b in doc.blocks]


def test_a_value_cannot_pull_in_another_value(svc: Services, org: Organisation) -> None:
    case = case_for(svc, "acknowledgement", "ccpa")
    sneaky = dataclasses.replace(
        case, row=dataclasses.replace(case.row, requester_name="\ue0000\ue001")
    )
    doc = build_letter("acknowledgement", sneaky, org, today=TODAY)
    assert doc.blocks[0].text == "Dear 0,"
    with pytest.raises(DomainError, match="control or invisible characters"):
        build_letter(
            "refusal", case, org, today=TODAY, extra={"ground": "other", "reasons": "a \ue000 b"}
        )


# -- the free-text parts ----------------------------------------------------------------


def test_missing_or_unknown_free_text_is_refused_naming_it(
    svc: Services, org: Organisation
) -> None:
    case = case_for(svc, "refusal", "ccpa")
    with pytest.raises(DomainError, match="the refusal needs its 'reasons': the reasons"):
        build_letter("refusal", case, org, today=TODAY, extra={"ground": "other"})
    with pytest.raises(DomainError, match="the refusal needs its 'ground'"):
        build_letter("refusal", case, org, today=TODAY, extra={"reasons": "x", "ground": "  "})
    with pytest.raises(
        DomainError,
        match="a refusal has no part 'reason'; its parts are: ground, reasons, held_elsewhere",
    ):
        build_letter("refusal", case, org, today=TODAY, extra={"reason": "x"})
    with pytest.raises(DomainError, match="'ground' must be one of: identity-not-verified"):
        build_letter("refusal", case, org, today=TODAY, extra={"ground": "rude", "reasons": "x"})
    with pytest.raises(
        DomainError,
        match="the refusal ground 'hipaa-reviewable' does not apply "
        "to a ccpa access case; use one of",
    ):
        build_letter(
            "refusal", case, org, today=TODAY, extra={"ground": "hipaa-reviewable", "reasons": "x"}
        )
    hipaa = case_for(svc, "access-response", "hipaa")
    with pytest.raises(DomainError, match="the access response needs its 'provided'"):
        build_letter("access-response", hipaa, org, today=TODAY)
    objection = case_for(svc, "objection-confirmation", "uk-gdpr", "objection")
    with pytest.raises(DomainError, match="needs its 'purpose'"):
        build_letter("objection-confirmation", objection, org, today=TODAY)
    assert ("reasons", "the reasons, in detail", True) in extra_fields("refusal")


def test_a_kind_that_does_not_fit_the_case_is_refused(svc: Services, org: Organisation) -> None:
    case = case_for(svc, "erasure-confirmation", "uk-gdpr")
    with pytest.raises(
        DomainError,
        match="there is no access response for a uk-gdpr erasure "
        "case; its letters are: acknowledgement, identity-request",
    ):
        build_letter("access-response", case, org, today=TODAY)
    with pytest.raises(DomainError, match="unknown letter kind 'welcome'"):
        build_letter("welcome", case, org, today=TODAY)


def test_confirmations_must_name_the_recipients_informed(svc: Services, org: Organisation) -> None:
    case = case_for(svc, "erasure-confirmation", "ccpa")
    with pytest.raises(DomainError, match="needs its 'recipients_informed'"):
        build_letter(
            "erasure-confirmation", case, org, today=TODAY, extra={"what_was_done": "Deleted"}
        )
    # Not required where the law does not ask for it.
    state = case_for(svc, "erasure-confirmation", "tx-tdpsa")
    build_letter(
        "erasure-confirmation", state, org, today=TODAY, extra={"what_was_done": "Deleted"}
    )


# -- content from the case ------------------------------------------------------------


def _systems(svc: Services) -> None:
    svc.add_data_system(
        "CRM",
        categories=["Contact details", "Support tickets"],
        purposes=["To provide CONNEQT® services to you", "Customer support"],
        recipients=["Helpdesk provider (US)"],
    )
    svc.add_data_system(
        "Billing",
        categories=["Payment card (last four digits)"],
        purposes=["Billing"],
        recipients=["Payment processor"],
    )
    svc.add_data_system(
        "Archive", categories=["Old orders"], purposes=["Legal records"], recipients=["Auditors"]
    )


def _finish_tasks(svc: Services, ref: str, outcomes: dict[str, str]) -> CaseDetail:
    for task in svc.get_case(ref).tasks:
        svc.complete_task(task.id, outcomes[task.system])
    return svc.get_case(ref)


def test_the_access_response_lists_the_systems_the_data_was_found_in(
    svc: Services, org: Organisation
) -> None:
    _systems(svc)
    ref = svc.log_request(request(regime="uk-gdpr", rights=("access",)))[0]
    case = _finish_tasks(svc, ref, {"CRM": "found", "Billing": "found", "Archive": "not-found"})
    doc = build_letter("access-response", case, org, today=TODAY, systems=svc.data_systems())
    text = text_of(doc)
    assert "We found personal data about you in these of our systems: Billing, CRM." in text
    assert "not the general lists of our privacy notice" in text
    bullets = [i for b in doc.blocks if b.kind == "bullets" for i in b.items]
    assert "Contact details" in bullets and "Payment card (last four digits)" in bullets
    assert "Helpdesk provider (US)" in bullets and "Payment processor" in bullets
    assert "Old orders" not in bullets and "Auditors" not in bullets
    # The lawful basis comes from the profile where the purpose matches it.
    assert any(
        i.startswith("To provide CONNEQT® services to you (lawful basis: For the") for i in bullets
    )
    assert "Customer support" in bullets
    assert not any(i.startswith("Inferences drawn") for i in bullets)


def test_a_found_system_the_inventory_cannot_describe_is_refused(
    svc: Services, org: Organisation
) -> None:
    svc.add_data_system("Mailer", categories=[], purposes=["Marketing"], recipients=["ESP"])
    ref = svc.log_request(request(regime="ccpa", rights=("access",)))[0]
    case = _finish_tasks(svc, ref, {"Mailer": "found"})
    with pytest.raises(DomainError, match="the data system 'Mailer' has no categories recorded"):
        build_letter("access-response", case, org, today=TODAY, systems=svc.data_systems())
    with pytest.raises(
        DomainError, match="found data in 'Mailer', which is not in the data systems inventory"
    ):
        build_letter("access-response", case, org, today=TODAY, systems=())


def test_an_access_response_when_nothing_was_found(svc: Services, org: Organisation) -> None:
    _systems(svc)
    ref = svc.log_request(request(regime="eu-gdpr", rights=("access",)))[0]
    case = _finish_tasks(
        svc, ref, {"CRM": "not-found", "Billing": "not-found", "Archive": "not-applicable"}
    )
    doc = build_letter("access-response", case, org, today=TODAY, systems=svc.data_systems())
    text = text_of(doc)
    assert "(Billing, CRM) and found no personal data about you" in text
    assert "lodge a complaint" in text and DPC in text
    assert "purposes of the processing" not in text


def test_an_erasure_confirmation_names_the_systems_and_their_recipients(
    svc: Services, org: Organisation
) -> None:
    _systems(svc)
    ref = svc.log_request(request(regime="uk-gdpr", rights=("erasure",)))[0]
    case = _finish_tasks(svc, ref, {"CRM": "erased", "Billing": "erased", "Archive": "not-found"})
    doc = build_letter(
        "erasure-confirmation",
        case,
        org,
        today=TODAY,
        systems=svc.data_systems(),
        extra={"what_was_done": "Deleted."},
    )
    lists = [b.items for b in doc.blocks if b.kind == "bullets"]
    assert ("Billing", "CRM") in lists
    assert ("Payment processor", "Helpdesk provider (US)") in lists


def test_ccpa_specific_pieces_only_when_verified(svc: Services, org: Organisation) -> None:
    ref = svc.log_request(request(regime="ccpa", rights=("access",), ccpa_detail="specific"))[0]
    case = svc.get_case(ref)
    verified = VerificationView(
        1,
        ("data-points", "signed-declaration"),
        ("email", "phone", "zip"),
        "reasonably-high",
        "verified",
        None,
        dt.datetime(2026, 11, 24, 15, 0),
        "dpo",
    )
    doc = build_letter(
        "access-response",
        case,
        org,
        today=TODAY,
        verification=verified,
        extra={
            "enclosures": "specific-pieces.csv",
            "sensitive_types_held": "your Social Security number",
        },
    )
    text = text_of(doc)
    assert "They are enclosed with this letter: specific-pieces.csv." in text
    assert "we hold the following information of these types about you: your Social" in text
    assert "§7024(d)" in text
    unverified = dataclasses.replace(verified, decision="not-verified", level=None)
    categories = dataclasses.replace(case, ccpa_detail="categories")  # as the store turns it
    doc = build_letter("access-response", categories, org, today=TODAY, verification=unverified)
    text = text_of(doc)
    assert "we are not disclosing any specific pieces" in text and "§7024(a)" in text
    assert "enclosed with this letter" not in text


def test_the_uk_complaint_to_the_controller_from_19_june_2026(
    svc: Services, org: Organisation
) -> None:
    ref = svc.log_request(
        request(
            regime="uk-gdpr",
            rights=("erasure",),
            received_at=dt.datetime(2026, 6, 1, 9, 0),
            received_reason="letter opened late",
        )
    )[0]
    case = svc.get_case(ref)
    extra = {"ground": "manifestly-unfounded", "reasons": "No reason given."}
    before = text_of(build_letter("refusal", case, org, today=dt.date(2026, 6, 18), extra=extra))
    after = text_of(build_letter("refusal", case, org, today=dt.date(2026, 6, 19), extra=extra))
    assert "section 164A" not in before and "section 164A" in after
    assert f"complain to us first: {COMPLAINTS}" in after
    for text in (before, after):
        assert "Information Commissioner's Office" in text and "judicial remedy" in text


def test_a_ccpa_deletion_denial_offers_the_opt_out_when_selling_or_sharing(
    svc: Services, org: Organisation
) -> None:
    case = case_for(svc, "refusal", "ccpa", "erasure")
    extra = {"ground": "identity-not-verified", "reasons": "Nothing matched."}
    text = text_of(build_letter("refusal", case, org, today=TODAY, extra=extra))
    assert "could not verify your identity" in text and "cannot delete" in text
    assert f"Would you like to opt out? {OPT_OUT}" in text and "§7022" in text
    sells_nothing = dataclasses.replace(
        org, opt_out_instructions="", sold_or_shared=("None sold or shared.",)
    )
    text = text_of(build_letter("refusal", case, sells_nothing, today=TODAY, extra=extra))
    assert "opt out" not in text and "cannot delete" in text


def test_a_hipaa_amendment_denial(svc: Services, org: Organisation) -> None:
    case = case_for(svc, "refusal", "hipaa", "rectification")
    doc = build_letter(
        "refusal",
        case,
        org,
        today=TODAY,
        extra={"ground": "other", "reasons": "The record is accurate."},
    )
    text = text_of(doc)
    for phrase in (
        "164.526(d)(1)(i)",
        "statement of disagreement",
        "future disclosures",
        COMPLAINTS,
        PHONE,
        "Health and Human Services",
    ):
        assert phrase in text


def test_a_state_appeal_granted_needs_no_complaint_paragraph(
    svc: Services, org: Organisation
) -> None:
    case = case_for(svc, "appeal-decision", "or-ocpa")
    doc = build_letter(
        "appeal-decision",
        case,
        org,
        today=TODAY,
        extra={"outcome": "granted", "reasons": "We were wrong."},
    )
    assert "granted your appeal" in text_of(doc) and "Attorney General" not in text_of(doc)
    denied = build_letter(
        "appeal-decision",
        case,
        org,
        today=TODAY,
        extra={"outcome": "denied", "reasons": "We were right."},
    )
    assert "Oregon Attorney General" in text_of(denied)


def test_the_extension_comes_from_the_case_clock(svc: Services, org: Organisation) -> None:
    ref = svc.log_request(request(regime="ccpa", rights=("erasure",)))[0]
    with pytest.raises(DomainError, match="record the extension on the case first"):
        build_letter("extension-notice", svc.get_case(ref), org, today=TODAY)
    svc.record_event(ref, "extended", reason="numerous")
    case = svc.get_case(ref)
    doc = build_letter(
        "extension-notice",
        case,
        org,
        today=TODAY,
        extra={"explanation": "Three requests arrived the same week."},
    )
    text = text_of(doc)
    assert "a number of requests from you" in text and "Three requests arrived" in text
    assert "February 21, 2027" in text  # 90 days, receipt as day 1 (11 CCR §7021(b))
    with pytest.raises(DomainError, match="must be sent on or before the unextended respond-by"):
        build_letter("extension-notice", case, org, today=dt.date(2027, 1, 8))


def test_an_agent_is_the_addressee_on_behalf_of_the_person(
    svc: Services, org: Organisation
) -> None:
    ref = svc.log_request(
        request(
            regime="ccpa",
            rights=("access",),
            agent_name="Ola Okafor",
            agent_organisation="Privacy Agents Inc",
            agent_email="ola@agents.example",
            agent_authority="written-permission",
        )
    )[0]
    doc = build_letter("acknowledgement", svc.get_case(ref), org, today=TODAY)
    assert doc.addressee == (
        "Ola Okafor",
        "Privacy Agents Inc",
        "on behalf of Ada Lovelace",
        "ola@agents.example",
    )
    assert doc.blocks[0].text == "Dear Ola Okafor,"
    assert "authorized agent of Ada Lovelace" in text_of(doc)


def test_dates_are_printed_the_way_the_reader_writes_them(svc: Services, org: Organisation) -> None:
    uk = build_letter(
        "acknowledgement", case_for(svc, "acknowledgement", "uk-gdpr"), org, today=TODAY
    )
    us = build_letter(
        "acknowledgement", case_for(svc, "acknowledgement", "hipaa"), org, today=TODAY
    )
    assert (uk.date, uk.page_size) == ("24 November 2026", "A4")
    assert (us.date, us.page_size) == ("November 24, 2026", "LETTER")
    assert "respond by 24 December 2026" in text_of(uk)
    assert "respond by December 24, 2026" in text_of(us)


def test_a_uk_acknowledgement_while_the_clock_waits_for_identity(
    svc: Services, org: Organisation
) -> None:
    ref = svc.log_request(request(regime="uk-gdpr", rights=("access",)))[0]
    svc.act(ref, "request-identity")
    doc = build_letter("acknowledgement", svc.get_case(ref), org, today=TODAY)
    assert "has not started yet" in text_of(doc)


# -- the PDF ----------------------------------------------------------------------

# One regime per kind, spread over the families and both page sizes.
PDF_CASES = {
    "acknowledgement": "ccpa",
    "identity-request": "uk-gdpr",
    "clarification-request": "uk-gdpr",
    "fee-request": "eu-gdpr",
    "extension-notice": "ut-ucpa",
    "access-response": "uk-gdpr",
    "portability-response": "ccpa",
    "rectification-confirmation": "hipaa",
    "erasure-confirmation": "ccpa",
    "restriction-confirmation": "eu-gdpr",
    "objection-confirmation": "can-spam",
    "refusal": "hipaa",
    "appeal-decision": "va-vcdpa",
    "closing": "uk-gdpr",
}


def pdf_text(data: bytes, doc: LetterDoc) -> str:
    """The PDF's text on one line, without the page furniture (page
    numbers and the template line) that can fall inside a sentence."""
    import io
    import re

    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data))
    lines = [
        line
        for page in reader.pages
        for line in page.extract_text().splitlines()
        if not re.fullmatch(r"\s*Page \d+ of \d+\s*", line) and line.strip() != doc.template
    ]
    return " ".join(" ".join(lines).split())


def test_the_pdf_cases_cover_every_kind() -> None:
    assert set(PDF_CASES) == set(KINDS)
    assert all(KINDS[k].applies(r, right_for(k, r)) for k, r in PDF_CASES.items())


@pytest.mark.parametrize("kind", tuple(PDF_CASES))
def test_the_pdf_says_what_the_letter_says(svc: Services, org: Organisation, kind: str) -> None:
    from conneqt_dpo.outputs.letters.pdf import render_pdf

    regime = PDF_CASES[kind]
    case = case_for(svc, kind, regime)
    doc = build_letter(kind, case, org, today=TODAY, extra=extra_for(kind, regime))
    text = pdf_text(render_pdf(doc), doc)
    dates = {
        "received": date_text(case.row.received, regime),
        "respond_by": date_text(case.row.due, regime) if case.row.due else "",
        "unextended": date_text(case.respond_by, regime) if case.respond_by else "",
        "new_date": date_text(case.extended_respond_by, regime) if case.extended_respond_by else "",
        "lookback_from": date_text(dt.date(2025, 11, 24), regime),
    }
    wanted = [
        org.name,
        org.dpo_name,
        org.dpo_email,
        case.reference,
        doc.date,
        case.row.requester_name,
        *(p.format(**dates) for p in required(kind, regime)),
    ]
    assert [p for p in wanted if " ".join(p.split()) not in text] == []


def test_hostile_values_print_literally_in_the_pdf(svc: Services, org: Organisation) -> None:
    from conneqt_dpo.outputs.letters.pdf import render_pdf

    case = case_for(svc, "refusal", "eu-gdpr")
    hostile = dataclasses.replace(case, row=dataclasses.replace(case.row, requester_name=HOSTILE))
    doc = build_letter(
        "refusal",
        hostile,
        org,
        today=TODAY,
        extra={"ground": "other", "reasons": "x<y & AT&T </para> <b>"},
    )
    text = pdf_text(render_pdf(doc), doc)
    assert "Dear ## Admin <b>bold</b> & </para> - not a bullet # not a subject" in text
    assert "x<y & AT&T </para> <b>" in text
