"""The layers point one way (DESIGN.md): domain imports nothing of ours but
itself and no third-party framework; domain, store, outputs and intake never
load Qt."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

LOWER = ("domain", "store", "outputs", "intake")


def _modules(package: str) -> list[str]:
    pkg = __import__(f"conneqt_dpo.{package}", fromlist=["_"])
    return [f"conneqt_dpo.{package}"] + [
        m.name for m in pkgutil.walk_packages(pkg.__path__, f"conneqt_dpo.{package}.")
    ]


def _loaded_after_import(modules: list[str]) -> set[str]:
    code = "import importlib, sys\n" + "".join(
        f"importlib.import_module({m!r})\n" for m in modules
    ) + "print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)  # fmt: skip
    return set(out.stdout.split())


def test_lower_layers_never_load_qt() -> None:
    modules = [m for p in LOWER for m in _modules(p)]
    assert len(modules) > 10
    loaded = _loaded_after_import(modules)
    assert not {m for m in loaded if m.startswith(("PySide6", "shiboken6"))}
    assert "conneqt_dpo.gui" not in loaded and "conneqt_dpo.cli" not in loaded


def test_domain_is_pure() -> None:
    loaded = _loaded_after_import(_modules("domain"))
    ours = {m for m in loaded if m.startswith("conneqt_dpo.")}
    assert ours <= set(_modules("domain")) | {"conneqt_dpo"}
    assert not {m for m in loaded if m.startswith(("sqlalchemy", "alembic", "PySide6"))}


def test_the_cli_answers_help_without_loading_qt_or_the_store() -> None:
    code = ("import sys\nfrom conneqt_dpo.cli import build_parser\nbuild_parser()\n"
            "print(' '.join(m for m in sys.modules if m.startswith(('PySide6', 'sqlalchemy'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)  # fmt: skip
    assert out.stdout.strip() == ""
