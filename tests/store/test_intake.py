"""Intake beyond name and email: where the requester lives, an agent and
their authority, a CCPA request's detail, joining an existing request,
possible duplicates, drafts and the suppression list."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.store.errors import NotFound
from conneqt_dpo.store.models import AuditEvent, DataSubject, RequestGroup
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.suppression import export_suppression_csv
from tests.conftest import as_user
from tests.factories import request


def count(svc: Services, model: type) -> int:
    with svc.store.read() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def audit_text(svc: Services) -> str:
    with svc.store.read() as s:
        rows = s.execute(
            select(AuditEvent.actor, AuditEvent.reference, AuditEvent.fields, AuditEvent.detail)
        ).all()
    return " ".join(" ".join(str(v) for v in r) for r in rows)


# -- the new requester and agent fields ------------------------------------


def test_the_requester_where_they_live_and_their_agent(svc: Services) -> None:
    (ref,) = svc.log_request(
        request(
            regime="ccpa",
            address="1 Ocean Ave\nSanta Monica",
            account_id="ACC-991",
            us_state="ca",
            agent_name="Al Agent",
            agent_organisation="Rights Co",
            agent_email="al@rights.example",
            agent_phone="+1 310 555 0199",
            agent_authority="written-permission",
            ccpa_detail="specific",
        )
    )
    c = svc.get_case(ref)
    assert (c.requester_address, c.requester_account_id) == ("1 Ocean Ave\nSanta Monica", "ACC-991")
    assert (c.requester_country, c.requester_us_state) == ("US", "CA")
    assert (c.agent_name, c.agent_organisation, c.agent_authority) == (
        "Al Agent",
        "Rights Co",
        "written-permission",
    )
    assert c.ccpa_detail == "specific"
    assert c.to_json()["ccpa_detail"] == "specific"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"country": "ZZ"}, "country code"),
        ({"country": "GB", "us_state": "CA"}, "goes with the country US"),
        ({"agent_email": "al@example.org"}, "an agent needs a name"),
        ({"agent_name": "Al", "agent_authority": "friend"}, "unknown agent authority"),
        ({"ccpa_detail": "specific"}, "CCPA request to know"),
        ({"regime": "ccpa", "rights": ("erasure",), "ccpa_detail": "categories"}, "request to"),
        ({"regime": "ccpa", "ccpa_detail": "everything"}, "unknown CCPA request detail"),
    ],
)
def test_bad_intake_details_write_nothing(
    svc: Services, fields: dict[str, object], message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        svc.log_request(request(**fields))
    assert count(svc, DataSubject) == 0


def test_a_returning_requester_gains_missing_details(svc: Services) -> None:
    (first,) = svc.log_request(request())
    svc.log_request(request(rights=("erasure",), country="GB", address="1 St James's"))
    c = svc.get_case(first)
    assert (c.requester_country, c.requester_address) == ("GB", "1 St James's")
    assert count(svc, DataSubject) == 1


def test_the_ccpa_detail_is_kept_on_the_request_to_know_only(svc: Services) -> None:
    a, b = svc.log_request(
        request(regime="ccpa", rights=("access", "erasure"), ccpa_detail="categories")
    )
    assert svc.get_case(a).ccpa_detail == "categories" and svc.get_case(b).ccpa_detail is None


# -- joining an existing request ------------------------------------------


def test_join_adds_rights_to_the_same_request_and_person(svc: Services) -> None:
    (first,) = svc.log_request(request())
    (joined,) = svc.log_request(
        request(rights=("erasure",), name="Ada Lovelace", email=None, join_reference=first.lower())
    )
    a, b = svc.get_case(first), svc.get_case(joined)
    assert a.group_references == (joined,) and b.group_references == (first,)
    assert b.row.requester_email == "ada@example.org"
    assert count(svc, DataSubject) == 1 and count(svc, RequestGroup) == 1
    with svc.store.read() as s:
        fields = s.execute(
            select(AuditEvent.fields).where(
                AuditEvent.action == "case.logged", AuditEvent.reference == joined
            )
        ).scalar_one()
    assert "group" in json.loads(fields)


def test_join_refuses_a_right_already_asked_and_an_unknown_case(svc: Services) -> None:
    (first,) = svc.log_request(request())
    with pytest.raises(DomainError, match=f"{first} in the same request already asks for access"):
        svc.log_request(request(join_reference=first))
    with pytest.raises(NotFound):
        svc.log_request(request(join_reference="DSR-2026-09999"))
    with pytest.raises(DomainError, match="not a case reference"):
        svc.log_request(request(join_reference="nonsense"))
    # The same right under another regime is another case.
    assert svc.log_request(request(regime="ccpa", join_reference=first))


# -- possible duplicates -----------------------------------------------------


def test_duplicates_by_email_phone_or_name(svc: Services) -> None:
    (a,) = svc.log_request(request(email="Ada@Example.org", phone="+44 20 7946 0000"))
    (b,) = svc.log_request(request(name="Grace Hopper", email="grace@example.org"))
    refs = lambda rows: [r.reference for r in rows]  # noqa: E731
    assert refs(svc.possible_duplicates(email="ada@EXAMPLE.org")) == [a]
    assert refs(svc.possible_duplicates(phone="(+44) 20-7946-0000")) == [a]
    assert refs(svc.possible_duplicates(name="  grace   HOPPER ")) == [b]
    assert refs(svc.possible_duplicates(name="Grace Hopper", email="ada@example.org")) == [b, a]
    assert svc.possible_duplicates() == [] and svc.possible_duplicates(phone="12") == []
    assert refs(as_user(svc, "sam").possible_duplicates(email="ada@example.org")) == [a]


def test_duplicates_are_open_or_recent_newest_first_at_most_ten(svc: Services) -> None:
    old = dict(received_at=dt.datetime(2025, 10, 1, 10, 0), received_reason="found in a drawer")
    (old_open,) = svc.log_request(request(**old))  # type: ignore[arg-type]
    (old_closed,) = svc.log_request(request(rights=("erasure",), **old))  # type: ignore[arg-type]
    svc.act(old_closed, "withdraw")
    (recent_closed,) = svc.log_request(request(rights=("portability",)))
    svc.act(recent_closed, "withdraw")
    found = [r.reference for r in svc.possible_duplicates(email="ada@example.org")]
    assert found == [recent_closed, old_open]
    more = [svc.log_request(request(rights=("objection",), received_at=None))[0] for _ in range(10)]
    found = [r.reference for r in svc.possible_duplicates(email="ada@example.org")]
    assert found == list(reversed(more))


# -- drafts ------------------------------------------------------------------


def test_drafts_per_user_replaced_and_discarded_not_audited(svc: Services) -> None:
    before = count(svc, AuditEvent)
    svc.save_draft("intake", {"name": "Ada", "rights": ["access"]})
    svc.save_draft("intake", {"name": "Ada Lovelace", "rights": ["access", "erasure"]})
    svc.save_draft("intake-2", {"name": "Grace"})
    drafts = svc.drafts()
    assert [d.key for d in drafts] == ["intake-2", "intake"]
    assert drafts[1].data == {"name": "Ada Lovelace", "rights": ["access", "erasure"]}
    assert isinstance(drafts[0].updated_at, dt.datetime)
    assert as_user(svc, "sam").drafts() == []
    svc.discard_draft("intake")
    svc.discard_draft("never-saved")
    assert [d.key for d in svc.drafts()] == ["intake-2"]
    assert count(svc, AuditEvent) == before


def test_a_draft_must_be_json(svc: Services) -> None:
    with pytest.raises(DomainError, match="cannot be saved"):
        svc.save_draft("intake", {"received": dt.date(2026, 11, 24)})
    with pytest.raises(DomainError, match="empty"):
        svc.save_draft(" ", {})
    assert svc.drafts() == []


# -- the suppression list --------------------------------------------------


def test_marketing_objections_and_sale_opt_outs_fill_the_list(svc: Services) -> None:
    (m,) = svc.log_request(request(rights=("marketing-objection",), phone="+44 20 7946 0000"))
    svc.log_request(request(rights=("marketing-objection", "access")))  # same person again
    svc.log_request(
        request(
            regime="ccpa", rights=("opt-out-sale",), name="Cal Ifornia", email="cal@example.org"
        )
    )
    svc.log_request(
        request(
            regime="can-spam",
            rights=("marketing-objection",),
            name="Ann Other",
            email="Ann@Example.org",
        )
    )
    svc.log_request(request(rights=("erasure",), name="Not Listed", email="no@example.org"))
    rows = svc.suppression_list()
    assert [(r.email, r.phone, r.reason, r.source_reference) for r in rows] == [
        ("ada@example.org", "442079460000", "marketing-objection", m),
        ("cal@example.org", None, "opt-out-sale", "DSR-2026-00004"),
        ("ann@example.org", None, "marketing-objection", "DSR-2026-00005"),
    ]
    with svc.store.read() as s:
        added = s.execute(
            select(AuditEvent.fields, AuditEvent.detail).where(
                AuditEvent.action == "suppression.added"
            )
        ).all()
    assert json.loads(added[0].fields) == ["email", "phone"]
    assert json.loads(added[0].detail) == {"reason": "marketing-objection", "subject": 1}
    assert "Email or phone added to the suppression list" in [e.text for e in svc.timeline(m)]


def test_the_list_exports_as_csv_safe_for_spreadsheets(svc: Services, tmp_path: Path) -> None:
    svc.log_request(request(rights=("marketing-objection",), email="=cmd@example.org"))
    n = export_suppression_csv(svc.suppression_list(), tmp_path / "list.csv")
    with (tmp_path / "list.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert n == 1 and rows[0] == ["email", "phone", "reason", "source_reference", "created_at"]
    assert rows[1][:4] == ["'=cmd@example.org", "", "marketing-objection", "DSR-2026-00001"]


# -- the audit trail holds no personal data ----------------------------------


def test_no_personal_values_reach_the_audit_trail(svc: Services, tmp_path: Path) -> None:
    secrets = {
        "name": "Zenobia Quartermaine",
        "email": "zenobia@secret.example",
        "phone": "+1 415 555 0142",
        "address": "77 Hidden Lane",
        "account_id": "ACCT-SECRET-7",
        "agent_name": "Xavier Proxyman",
        "agent_email": "xavier@proxy.example",
        "agent_organisation": "Proxy Secrets LLC",
        "agent_phone": "+1 212 555 0177",
    }
    a, b = svc.log_request(
        request(
            regime="ccpa",
            rights=("access", "opt-out-sale"),
            us_state="CA",
            ccpa_detail="specific",
            agent_authority="power-of-attorney",
            **secrets,
        )
    )
    svc.log_request(
        request(
            rights=("marketing-objection",),
            name=secrets["name"],
            email=secrets["email"],
            join_reference=a,
            regime="uk-gdpr",
        )
    )
    svc.update_requester(a, address="88 Other Secret Road", country="US")
    svc.add_data_system(
        "Secret CRM Name", owner="Owner Secretperson", categories=["Secret category"]
    )
    svc.update_settings(backup_folder="/secret/backup/folder", timezone="Europe/Dublin")
    svc.save_draft("intake", {"name": "Draft Secretname"})
    svc.deactivate_user("sam")
    text = audit_text(svc)
    for value in [
        *secrets.values(),
        "88 Other Secret Road",
        "Secret CRM Name",
        "Owner Secretperson",
        "Secret category",
        "/secret/backup",
        "Dublin",
        "Draft Secretname",
        "4155550142",
    ]:
        assert value.lower() not in text.lower(), value
    assert svc.store.verify_audit().ok
    assert b
