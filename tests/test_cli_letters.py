"""The letters from the command line: kinds, a draft as PDF (nothing
recorded), --record (DPO only), the recorded letters, and sending one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from conneqt_dpo.cli import main
from conneqt_dpo.domain.organisation import Organisation
from conneqt_dpo.store.profile import export_org_profile
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.store import open_store
from tests.outputs.test_letter_content import complete

LOG = ["log", "--regime", "uk-gdpr", "--right", "access", "--channel", "email",
       "--name", "Zoë <b>Ångström</b> & Co", "--email", "zoe@example.org"]  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def ref(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    assert run(capsys, "init", "--dpo-name", "Dana Officer")[0] == 0
    assert run(capsys, "users", "add", "sam", "--name", "Sam Support", "--role", "support")[0] == 0
    code, out, _ = run(capsys, *LOG)
    assert code == 0
    return out.strip()


def _complete_profile(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    store = open_store()
    try:
        org: Organisation = Services(store).org_profile()
    finally:
        store.close()
    profile = tmp_path / "profile.json"
    export_org_profile(complete(org), profile)
    assert run(capsys, "org-profile", "import", str(profile))[0] == 0


def test_kinds_are_listed_with_their_regimes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "letter", "kinds", "--json")
    kinds = {k["kind"]: k for k in json.loads(out)}
    assert code == 0 and {"acknowledgement", "access-response", "refusal", "closing"} <= set(kinds)
    assert "uk-gdpr" in kinds["clarification-request"]["regimes"]
    assert "ccpa" not in kinds["clarification-request"]["regimes"]


def test_a_draft_is_written_and_nothing_recorded(
    capsys: pytest.CaptureFixture[str], ref: str, tmp_path: Path
) -> None:
    out_file = tmp_path / "ack.pdf"
    code, _, err = run(capsys, "letter", ref, "--kind", "acknowledgement", "-o", str(out_file))
    assert code == 0, err
    text = "".join(p.extract_text() for p in PdfReader(out_file).pages)
    assert ref in text and "Zoë <b>Ångström</b> & Co" in text  # literally, no markup
    assert run(capsys, "letters", ref, "--json")[1].strip() == "[]"


def test_a_placeholder_in_the_profile_refuses_the_letter_naming_the_field(
    capsys: pytest.CaptureFixture[str], ref: str, tmp_path: Path
) -> None:
    out_file = tmp_path / "access.pdf"
    code, _, err = run(capsys, "letter", ref, "--kind", "access-response", "-o", str(out_file))
    assert code == 2 and "transfer_safeguards" in err and len(err.strip().splitlines()) == 1
    assert not out_file.exists()


def test_record_then_send_the_response(
    capsys: pytest.CaptureFixture[str], ref: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _complete_profile(capsys, tmp_path)
    for action in ("start", "submit", "approve"):
        assert run(capsys, "act", ref, action)[0] == 0
    monkeypatch.setenv("CONNEQT_DPO_USER", "sam")
    code, _, err = run(capsys, "letter", ref, "--kind", "access-response", "-o",
                       str(tmp_path / "a.pdf"), "--record")  # fmt: skip
    assert code == 2 and "only dpo" in err
    monkeypatch.delenv("CONNEQT_DPO_USER")
    code, out, err = run(capsys, "letter", ref, "--kind", "access-response", "-o",
                         str(tmp_path / "b.pdf"), "--record", "--json")  # fmt: skip
    assert code == 0, err
    letter_id = json.loads(out)["letter_id"]
    (listed,) = json.loads(run(capsys, "letters", ref, "--json")[1])
    assert (listed["id"], listed["kind"], listed["sent_on"]) == (letter_id, "access-response", None)
    code, _, err = run(capsys, "letter", "sent", str(letter_id), "--method", "post")
    assert code == 0, err
    shown = json.loads(run(capsys, "case", "show", ref, "--json")[1])
    assert shown["state"] == "responded"


def test_bad_letter_input_is_one_line(
    capsys: pytest.CaptureFixture[str], ref: str, tmp_path: Path
) -> None:
    for args in (
        ("letter", ref, "--kind", "love-letter", "-o", str(tmp_path / "x.pdf")),
        ("letter", ref, "--kind", "acknowledgement"),
        ("letter", ref, "--kind", "acknowledgement", "-o", str(tmp_path / "x.pdf"), "--set", "x"),
        ("letter", "sent", "99", "--method", "post"),
    ):
        code, _, err = run(capsys, *args)
        assert code == 2 and len(err.strip().splitlines()) == 1, (args, err)
    assert not (tmp_path / "x.pdf").exists()
