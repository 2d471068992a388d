"""The organisation profile in the store, and as a file: export, import,
and one-line refusals for broken files."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.organisation import Purpose
from conneqt_dpo.store.errors import StoreError
from conneqt_dpo.store.models import AuditEvent
from conneqt_dpo.store.profile import (
    default_organisation,
    export_org_profile,
    import_org_profile,
)
from conneqt_dpo.store.services import Services
from tests.conftest import as_user


def test_the_default_is_the_shipped_profile(svc: Services) -> None:
    assert svc.org_profile() == default_organisation()


def test_set_round_trip_audited_by_key(svc: Services) -> None:
    org = dataclasses.replace(
        default_organisation(),
        supervisory_authority="Data Protection Commission (Ireland)",
        purposes=(Purpose("Billing", "Contract"),),
    )
    assert svc.set_org_profile(org) == org
    assert Services(svc.store, clock=svc.clock).org_profile() == org
    with svc.store.read() as s:
        (fields, detail) = s.execute(
            select(AuditEvent.fields, AuditEvent.detail).where(
                AuditEvent.action == "organisation.profile-changed"
            )
        ).one()
    assert json.loads(fields) == ["purposes", "supervisory_authority"]
    assert "Billing" not in detail + fields and "Commission" not in detail + fields


def test_support_may_not_change_the_profile(svc: Services) -> None:
    org = dataclasses.replace(default_organisation(), name="Someone Else")
    with pytest.raises(StoreError, match="only dpo or admin"):
        as_user(svc, "sam").set_org_profile(org)
    assert as_user(svc, "ada").set_org_profile(org).name == "Someone Else"


def test_a_profile_that_does_not_validate_is_refused(svc: Services) -> None:
    org = dataclasses.replace(default_organisation(), dpo_email="nobody")
    with pytest.raises(DomainError, match="not an email address"):
        svc.set_org_profile(org)
    assert svc.org_profile() == default_organisation()


def test_export_import_round_trip(svc: Services, tmp_path: Path) -> None:
    path = export_org_profile(svc.org_profile(), tmp_path / "profile.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "conneqt-dpo organisation profile" and data["version"] == 1
    assert import_org_profile(path) == default_organisation()


def _write(tmp_path: Path, content: str | bytes) -> Path:
    p = tmp_path / "profile.json"
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    return p


def _good() -> dict[str, object]:
    return {
        "format": "conneqt-dpo organisation profile",
        "version": 1,
        **default_organisation().to_mapping(),
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", r"not valid JSON \(line 1, column 2"),
        ("[1, 2]", "does not hold an organisation profile"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (json.dumps({**_good(), "version": 2}), "newer conneqt-dpo"),
        (json.dumps({**_good(), "version": "one"}), "unreadable version"),
        (json.dumps({**_good(), "format": "something else"}), "not an organisation profile"),
        (json.dumps({**_good(), "categorys": []}), "unknown key 'categorys'"),
        (json.dumps({k: v for k, v in _good().items() if k != "dpo_name"}), "lacks 'dpo_name'"),
        (json.dumps({**_good(), "purposes": [{"purpose": "x"}]}), "lacks 'lawful_basis'"),
        (json.dumps({**_good(), "name": "Bad\u202eName"}), "control or invisible characters"),
    ],
)
def test_broken_files_get_one_line(tmp_path: Path, content: str | bytes, message: str) -> None:
    with pytest.raises(DomainError, match=message) as e:
        import_org_profile(_write(tmp_path, content))
    assert "\n" not in str(e.value)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DomainError, match="no file"):
        import_org_profile(tmp_path / "nope.json")


def test_the_minimal_file_the_readme_describes(tmp_path: Path) -> None:
    org = import_org_profile(
        _write(
            tmp_path,
            json.dumps(
                {
                    "_comment": "for people",
                    "name": "Example Ltd",
                    "address": "1 High St",
                    "dpo_name": "Dana",
                    "dpo_email": "dpo@example.org",
                    "support_email": "help@example.org",
                    "timezone": "Europe/London",
                }
            ),
        )
    )
    assert org.name == "Example Ltd" and org.categories == ()
