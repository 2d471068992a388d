"""A built wheel carries resources/ and database/ and works installed outside
the checkout: built here, installed into a fresh virtual environment, run
from an unrelated folder."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(dist), str(ROOT)],
        check=True, timeout=300,
    )  # fmt: skip
    (wheel,) = dist.glob("conneqt_dpo-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "conneqt_dpo/resources/organisation.json" in names
    assert "conneqt_dpo/database/env.py" in names
    assert any(n.startswith("conneqt_dpo/database/versions/") for n in names)
    assert not any(n.startswith(("tests/", "bench/")) for n in names)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = Path(
        subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                       capture_output=True, text=True, check=True).stdout.strip()
    )  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(site),
         str(wheel)],
        check=True, timeout=300,
    )  # fmt: skip
    # Its dependencies come from this environment's site-packages, appended
    # after the fresh one, so `conneqt_dpo` itself resolves to the wheel.
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONNEQT_DPO_")}
    env.update(CONNEQT_DPO_DATA_DIR=str(tmp_path / "data"), PYTHONNOUSERSITE="1",
               CONNEQT_DPO_PASSPHRASE="a wheel-test passphrase")  # fmt: skip
    env.pop("PYTHONPATH", None)

    def cdpo(*args: str) -> str:
        p = subprocess.run([py, "-m", "conneqt_dpo", *args], cwd=work, env=env,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
        assert p.returncode == 0, p.stderr
        return p.stdout

    where = subprocess.run([py, "-c", "import conneqt_dpo; print(conneqt_dpo.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True,
                           check=True).stdout  # fmt: skip
    assert where.startswith(str(site))
    cdpo("init")  # needs database/ (migrations)
    ref = cdpo("log", "--regime", "uk-gdpr", "--right", "access", "--channel", "email",
               "--name", "Wheel Test", "--email", "wheel@example.org").strip()  # fmt: skip
    assert "Respond by" in cdpo("case", "show", ref)  # needs resources/ (organisation)
    assert cdpo("audit", "verify").startswith("OK")
