"""Files shipped with the app: `resources/` and the Alembic `database/`
folder. In a checkout they sit beside the package; in a wheel or a frozen
build they are inside it (see pyproject.toml, force-include)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    inside = _PACKAGE / name
    if inside.is_dir():
        return inside
    beside = _PACKAGE.parent / name
    if beside.is_dir():
        return beside
    raise FileNotFoundError(f"conneqt-dpo is installed without its {name}/ folder")


def resources_dir() -> Path:
    return _bundled("resources")


def migrations_dir() -> Path:
    return _bundled("database")
