"""The command line as scripts call it: exit codes, one-line errors, JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conneqt_dpo.cli import main

LOG = ["log", "--regime", "uk-gdpr", "--right", "access", "--channel", "email",
       "--name", "Ada Check", "--email", "ada@example.org"]  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def initialised(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "init", "--dpo-name", "Dana Officer")[0] == 0


def test_init_log_list_show(capsys: pytest.CaptureFixture[str], initialised: None) -> None:
    code, out, _ = run(capsys, *LOG, "--right", "erasure", "--note", "by email")
    refs = out.split()
    assert code == 0 and len(refs) == 2 and all(r.startswith("DSR-") for r in refs)
    code, out, err = run(capsys, "cases", "list", "--json")
    rows = json.loads(out)
    assert code == 0 and err == ""
    assert [r["reference"] for r in rows] == refs
    assert {"reference", "regime", "right", "state", "received", "due", "requester_name",
            "requester_email"} <= set(rows[0])  # fmt: skip
    code, out, _ = run(capsys, "case", "show", refs[0])
    assert code == 0 and "Ada Check" in out and "Respond by" in out and refs[1] in out
    shown = json.loads(run(capsys, "case", "show", refs[0], "--json")[1])
    assert shown["linked"] == [refs[1]] and shown["notes"][0]["text"] == "by email"
    assert shown["events"][0]["kind"] == "received" and shown["explanation"]


def test_the_workflow_from_the_command_line(
    capsys: pytest.CaptureFixture[str], initialised: None
) -> None:
    ref = run(capsys, *LOG)[1].strip()
    assert run(capsys, "users", "add", "sam", "--name", "Sam Support", "--role", "support")[0] == 0
    assert run(capsys, "assign", ref, "sam")[0] == 0
    assert run(capsys, "act", ref, "start", "--user", "sam")[0] == 0
    assert run(capsys, "note", ref, "Called the requester")[0] == 0
    code, out, _ = run(capsys, "event", ref, "clarification-requested", "--reason",
                       "clarify-scope")  # fmt: skip
    assert code == 0 and "paused" in out
    assert run(capsys, "event", ref, "clarification-received")[0] == 0
    assert run(capsys, "act", ref, "submit")[0] == 0
    code, _, err = run(capsys, "act", ref, "approve", "--user", "sam")
    assert code == 2 and "only dpo" in err
    assert run(capsys, "act", ref, "approve")[0] == 0
    assert run(capsys, "act", ref, "respond")[0] == 0
    rows = json.loads(run(capsys, "cases", "list", "--state", "responded", "--json")[1])
    assert [r["reference"] for r in rows] == [ref] and rows[0]["assignee"] == "sam"
    assert json.loads(run(capsys, "cases", "list", "--assignee", "nobody", "--json")[1]) == []
    code, out, _ = run(capsys, "audit", "verify")
    assert code == 0 and out.startswith("OK")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "not-an-email"], "not an email address"),
        (["--regime", "mars-law"], "unknown regime"),
        (["--right", "teleport"], "teleport"),
        (["--channel", "pigeon"], "unknown channel"),
        (["--received", "2099-01-01T10:00"], "in the future"),
        (["--received", "9999-12-31T23:59"], "outside 1970-2199"),
        (["--received", "2026-11-01T10:00\nX"], "not a date"),
        (["--received", "2026-01-05T10:00"], "needs a reason"),
        (["--received", "yesterday"], "not a date"),
    ],
)
def test_bad_log_input_is_exit_2_with_one_line_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], initialised: None, args: list[str], message: str
) -> None:
    base = dict(zip(LOG[1::2], LOG[2::2], strict=True))
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    argv = ["log"] + [x for kv in base.items() for x in kv]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err
    assert json.loads(run(capsys, "cases", "list", "--json")[1]) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["case", "show", "DSR-1999-99999"], "no case DSR-1999-99999"),
        (["act", "DSR-2026-00001", "teleport"], "unknown action"),
        (["act", "DSR-2026-00001", "approve"], "cannot approve a case that is new"),
        (["event", "DSR-2026-00001", "extended"], "needs --reason"),
        (["event", "DSR-2026-00001", "extended", "--reason", "lazy"], "unknown reason"),
        (["assign", "DSR-2026-00001", "ghost"], "no user 'ghost'"),
        (["note", "DSR-2026-00001", "   "], "empty"),
        (["cases", "list", "--state", "sleeping"], "unknown state"),
        (["cases", "list", "--today", "31/12/2026"], "not a date"),
        (["--user", "ghost", "cases", "list"], "no user 'ghost'"),
        (["backup", "/nonexistent-folder/x.db"], "does not exist"),
        (["act", "DSR-2026-00001", "start", "--date", "2026-01-02"], "takes no --date"),
        (["cases", "list", "--limit", "99999999999999999999"], "out of range"),
        (["calendar", "show", "GB-ENG", "--year", "10000"], "outside"),
        (["demo", "--cases", "3"], "only into an empty store"),
        (["--database", "bogus", "cases", "list"], "bogus"),
    ],
)
def test_user_errors(
    capsys: pytest.CaptureFixture[str], initialised: None, argv: list[str], message: str
) -> None:
    assert run(capsys, *LOG)[0] == 0  # DSR-2026-00001 exists
    code, out, err = run(capsys, *argv)
    assert code == 2, err
    assert out == "" and len(err.strip().splitlines()) == 1 and message in err


def test_commands_before_init_say_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, *LOG)
    assert code == 2 and "conneqt-dpo init" in err


def test_acting_user_from_the_environment(
    capsys: pytest.CaptureFixture[str], initialised: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "users", "add", "sam", "--name", "Sam Support", "--role", "support")
    ref = run(capsys, *LOG)[1].strip()
    monkeypatch.setenv("CONNEQT_DPO_USER", "sam")
    code, _, err = run(capsys, "act", ref, "refuse", "--reason", "other")
    assert code == 2 and "you are support" in err


def test_backup_and_restore_into_an_empty_folder(
    capsys: pytest.CaptureFixture[str], initialised: None, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    refs = run(capsys, *LOG, "--right", "erasure")[1].split()
    target = tmp_path / "backup.db"
    code, out, _ = run(capsys, "backup", str(target))
    assert code == 0 and "verified" in out and target.stat().st_size > 0
    code, _, err = run(capsys, "backup", str(target))
    assert code == 2 and "exists" in err
    # Not over an existing store...
    code, _, err = run(capsys, "restore", str(target))
    assert code == 2 and "already holds a store" in err
    # ...but into an empty data folder.
    monkeypatch.setenv("CONNEQT_DPO_DATA_DIR", str(tmp_path / "restored"))
    assert run(capsys, "restore", str(target))[0] == 0
    rows = json.loads(run(capsys, "cases", "list", "--json")[1])
    assert sorted(r["reference"] for r in rows) == sorted(refs)
    assert run(capsys, "audit", "verify")[0] == 0
    # The restored store goes on numbering where the backup stopped.
    assert run(capsys, *LOG)[1].strip() == "DSR-2026-00003"


def test_restore_refuses_a_file_that_is_not_a_store(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"PK\x03\x04 definitely a zip, not a store")
    code, _, err = run(capsys, "restore", str(junk))
    assert code == 2 and "not a conneqt-dpo backup" in err
    assert junk.read_bytes().startswith(b"PK")


def test_demo_fills_reproducibly(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    listings = []
    for name in ("one", "two"):
        monkeypatch.setenv("CONNEQT_DPO_DATA_DIR", str(tmp_path / name))
        assert run(capsys, "demo", "--cases", "25", "--seed", "7", "--today", "2026-11-24")[0] == 0
        rows = json.loads(run(capsys, "cases", "list", "--json", "--today", "2026-11-24")[1])
        listings.append([(r["reference"], r["requester_name"], r["state"], r["due"])
                         for r in rows])  # fmt: skip
    assert len(listings[0]) == 25 and listings[0] == listings[1]
    assert len({state for _, _, state, _ in listings[0]}) >= 3
    assert all("example." in r["requester_email"] for r in rows)


def test_the_module_runs_and_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, "-m", "conneqt_dpo", "case", "show", "nonsense"],
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert p.returncode == 2 and p.stdout == ""
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
    p = subprocess.run([sys.executable, "-m", "conneqt_dpo", "frobnicate"],
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
