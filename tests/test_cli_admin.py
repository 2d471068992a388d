"""The command line for users, settings, the organisation profile, data
systems, the suppression list, reminders and the rest of intake."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from conneqt_dpo.cli import main

LOG = [
    "log",
    "--regime",
    "uk-gdpr",
    "--right",
    "access",
    "--channel",
    "email",
    "--name",
    "Ada Check",
    "--email",
    "ada@example.org",
]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def user_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in out + err, (code, err)
    return err


@pytest.fixture
def initialised(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "init", "--dpo-name", "Dana Officer")[0] == 0
    assert run(capsys, "users", "add", "sam", "--name", "Sam Support", "--role", "support")[0] == 0


def test_users_deactivate_and_reactivate(
    capsys: pytest.CaptureFixture[str], initialised: None
) -> None:
    code, out, _ = run(capsys, "users", "deactivate", "sam")
    assert code == 0 and "deactivated" in out
    assert "deactivated" in user_error(capsys, *LOG, "--user", "sam")
    assert run(capsys, "users", "reactivate", "sam")[0] == 0
    assert "last active DPO" in user_error(capsys, "users", "deactivate", "dpo")
    assert "only dpo or admin" in user_error(capsys, "users", "deactivate", "dpo", "--user", "sam")


def test_settings_show_and_set(capsys: pytest.CaptureFixture[str], initialised: None) -> None:
    code, out, _ = run(capsys, "settings", "show")
    assert code == 0 and "target_working_days" in out and "America/New_York" in out
    assert run(capsys, "settings", "set", "calendars", "ccpa=US-CA,uk-gdpr=GB-SCT")[0] == 0
    assert run(capsys, "settings", "set", "due_soon_days", "10")[0] == 0
    code, out, _ = run(capsys, "settings", "set", "eu_member_state", "ie")
    assert code == 0 and out.strip() == "eu_member_state = IE"
    shown = json.loads(run(capsys, "settings", "show", "--json")[1])
    assert shown["calendars"] == {"ccpa": "US-CA", "uk-gdpr": "GB-SCT"}
    assert shown["due_soon_days"] == 10 and shown["eu_member_state"] == "IE"
    assert run(capsys, "settings", "set", "eu_member_state", "none")[0] == 0
    assert json.loads(run(capsys, "settings", "show", "--json")[1])["eu_member_state"] is None
    assert "unknown setting" in user_error(capsys, "settings", "set", "colour", "blue")
    assert "whole number" in user_error(capsys, "settings", "set", "due_soon_days", "soon")
    assert "only dpo or admin" in user_error(
        capsys, "settings", "set", "due_soon_days", "3", "--user", "sam"
    )


def test_the_timezone_setting_is_shown_with_the_receipt(
    capsys: pytest.CaptureFixture[str], initialised: None
) -> None:
    assert run(capsys, "settings", "set", "timezone", "Europe/London")[0] == 0
    ref = run(capsys, *LOG)[1].strip()
    assert "(Europe/London)" in run(capsys, "case", "show", ref)[1]


def test_org_profile_export_and_import(
    capsys: pytest.CaptureFixture[str], initialised: None, tmp_path: Path
) -> None:
    path = tmp_path / "profile.json"
    assert run(capsys, "org-profile", "export", str(path))[0] == 0
    data = json.loads(path.read_text(encoding="utf-8"))
    data["supervisory_authority"] = "Information Commissioner's Office"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, out, _ = run(capsys, "org-profile", "import", str(path))
    assert code == 0 and "CONNEQT, LLC" in out
    again = tmp_path / "again.json"
    run(capsys, "org-profile", "export", str(again))
    assert json.loads(again.read_text())["supervisory_authority"].startswith("Information")
    path.write_text("{broken", encoding="utf-8")
    assert "not valid JSON" in user_error(capsys, "org-profile", "import", str(path))
    assert "no file" in user_error(capsys, "org-profile", "import", str(tmp_path / "x.json"))


def test_systems_become_tasks(capsys: pytest.CaptureFixture[str], initialised: None) -> None:
    assert (
        run(
            capsys,
            "systems",
            "add",
            "CRM",
            "--owner",
            "Sales",
            "--category",
            "Identifiers",
            "--category",
            "Financial",
        )[0]
        == 0
    )
    assert run(capsys, "systems", "add", "Old ledger")[0] == 0
    listed = json.loads(run(capsys, "systems", "list", "--json")[1])
    assert [(s["id"], s["name"], s["categories"]) for s in listed] == [
        (1, "CRM", ["Identifiers", "Financial"]),
        (2, "Old ledger", []),
    ]
    assert run(capsys, "systems", "retire", "2")[0] == 0
    assert "Old ledger" not in run(capsys, "systems", "list")[1]
    assert "(retired)" in run(capsys, "systems", "list", "--all")[1]
    ref = run(capsys, *LOG)[1].strip()
    tasks = json.loads(run(capsys, "case", "show", ref, "--json")[1])["tasks"]
    assert [t["system"] for t in tasks] == ["CRM"]
    assert "already a data system" in user_error(capsys, "systems", "add", "crm")
    assert "no data system 9" in user_error(capsys, "systems", "retire", "9")


def test_suppression_export(
    capsys: pytest.CaptureFixture[str], initialised: None, tmp_path: Path
) -> None:
    assert (
        run(
            capsys,
            "log",
            "--regime",
            "ccpa",
            "--right",
            "opt-out-sale",
            "--channel",
            "web-form",
            "--name",
            "Cal",
            "--email",
            "Cal@Example.org",
            "--phone",
            "+1 415 555 0100",
        )[0]
        == 0
    )
    path = tmp_path / "suppress.csv"
    code, out, _ = run(capsys, "suppression", "export", str(path))
    assert code == 0 and out.startswith("1 suppression row")
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["email"] == "cal@example.org" and rows[0]["phone"] == "14155550100"
    assert rows[0]["reason"] == "opt-out-sale"


def test_reminders(capsys: pytest.CaptureFixture[str], initialised: None) -> None:
    ref = run(capsys, *LOG, "--received", "2026-01-05T10:00", "--received-reason", "late")[1]
    ref = ref.strip()
    out = json.loads(run(capsys, "reminders", "--today", "2026-03-01", "--json")[1])
    assert [r["reference"] for r in out["overdue"]] == [ref]
    assert out["due_soon"] == [] and out["stale_identity"] == [] and out["overdue_tasks"] == []
    code, text, _ = run(capsys, "reminders", "--today", "2026-03-01")
    assert code == 0 and "Overdue: 1" in text and ref in text


def test_log_with_the_rest_of_intake_and_join(
    capsys: pytest.CaptureFixture[str], initialised: None
) -> None:
    code, out, _ = run(
        capsys,
        "log",
        "--regime",
        "ccpa",
        "--right",
        "access",
        "--channel",
        "email",
        "--name",
        "Cal",
        "--email",
        "cal@example.org",
        "--us-state",
        "CA",
        "--ccpa-detail",
        "specific",
        "--agent-name",
        "Al Agent",
        "--agent-authority",
        "power-of-attorney",
        "--account-id",
        "A-1",
    )
    ref = out.strip()
    shown = json.loads(run(capsys, "case", "show", ref, "--json")[1])
    assert (shown["requester_country"], shown["requester_us_state"]) == ("US", "CA")
    assert shown["agent_authority"] == "power-of-attorney" and shown["ccpa_detail"] == "specific"
    code, out, _ = run(
        capsys, "log", "--regime", "ccpa", "--right", "erasure", "--channel", "email", "--join", ref
    )
    joined = out.strip()
    assert code == 0 and json.loads(run(capsys, "case", "show", joined, "--json")[1])["linked"] == [
        ref
    ]
    assert "--name and --email" in user_error(
        capsys, "log", "--regime", "ccpa", "--right", "access", "--channel", "email"
    )
    assert "not a country code" in user_error(capsys, *LOG, "--country", "ZZ")


def test_deactivating_someone_with_open_cases_needs_a_successor(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from conneqt_dpo.cli import main

    assert main(["init", "--dpo-name", "Dana Officer"]) == 0
    assert main(["users", "add", "sam", "--name", "Sam Support", "--role", "support"]) == 0
    assert main(["users", "add", "kim", "--name", "Kim Support", "--role", "support"]) == 0
    assert main(["log", "--regime", "uk-gdpr", "--right", "access", "--channel", "email",
                 "--name", "Ada Example", "--email", "ada@example.org"]) == 0  # fmt: skip
    assert main(["assign", "DSR-2026-00001", "sam"]) == 0
    capsys.readouterr()
    assert main(["users", "deactivate", "sam"]) == 2
    err = capsys.readouterr().err
    assert "--reassign-to" in err and len(err.strip().splitlines()) == 1
    assert main(["users", "deactivate", "sam", "--reassign-to", "kim"]) == 0
    assert main(["case", "show", "DSR-2026-00001", "--json"]) == 0
    assert '"assignee": "kim"' in capsys.readouterr().out
