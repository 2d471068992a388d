"""A process killed (SIGKILL) while logging requests in a loop leaves a store
that passes its integrity check, holds every reference it printed, and whose
audit chain verifies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from conneqt_dpo.store.engine import integrity_check
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.store import open_store

LOOP = textwrap.dedent(
    """
    import sys
    from conneqt_dpo.store.services import Services
    from conneqt_dpo.store.store import open_store
    from conneqt_dpo.store.views import NewRequest

    svc = Services(open_store())
    if sys.argv[1:] == ["init"]:
        svc.init(name="Dana Officer")
    n = 0
    while True:
        n += 1
        for ref in svc.log_request(NewRequest(
            regime="uk-gdpr", rights=("access", "erasure"), channel="email",
            name=f"Person {n}", email=f"p{n}@example.org", note="x" * 2000,
        )):
            sys.stdout.write(ref + "\\n")
        sys.stdout.flush()
    """
)


def test_sigkill_while_logging_loses_nothing_that_was_printed(data_dir: Path) -> None:
    env = dict(os.environ, CONNEQT_DPO_DATA_DIR=str(data_dir))
    printed: list[str] = []
    for round_ in range(3):  # kill it at three different moments
        proc = subprocess.Popen(
            [sys.executable, "-c", LOOP, *([] if round_ else ["init"])],
            stdout=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        assert proc.stdout is not None
        want = 20 + 17 * round_
        for _ in range(want):
            line = proc.stdout.readline()
            assert line, "the logging loop stopped on its own"
            printed.append(line.strip())
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        # What it printed after we stopped reading is in the store too (or was
        # rolled back before printing); collect it.
        printed += [x.strip() for x in proc.stdout.read().splitlines() if x.strip()]
        proc.stdout.close()

        store = open_store(data_dir=data_dir)
        try:
            assert integrity_check(data_dir / "store.db", store.keys.store_pragma_key()) == "ok"
            have = {r.reference for r in Services(store).list_cases()}
            assert set(printed) <= have
            numbers = sorted(int(r[-5:]) for r in have)
            assert numbers == list(range(1, len(numbers) + 1)), "references are gap-free"
            verdict = store.verify_audit()
            assert verdict.ok, verdict.message
        finally:
            store.close()
