"""Bring a store to the schema this version of the app expects.

New store: run every migration. Older store: copy it to `backups/` first,
then upgrade. Newer store (a revision this app does not know): refuse and
touch nothing. Alembic is imported here only, when a store is opened.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, inspect, text

from conneqt_dpo._bundled import migrations_dir
from conneqt_dpo.store.engine import backup_sqlite
from conneqt_dpo.store.errors import StoreUnavailable


@dataclass(frozen=True)
class MigrationReport:
    before: str | None
    after: str
    backup: Path | None

    @property
    def created(self) -> bool:
        return self.before is None


def _config(  # type: ignore[no-untyped-def]
    connection: Connection | None = None, scripts: Path | None = None
):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(scripts or migrations_dir()))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision(scripts: Path | None = None) -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config(scripts=scripts)).get_current_head()
    assert head is not None
    return head


def known_revisions(scripts: Path | None = None) -> set[str]:
    from alembic.script import ScriptDirectory

    script_dir = ScriptDirectory.from_config(_config(scripts=scripts))
    return {s.revision for s in script_dir.walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    with engine.execution_options(conneqt_readonly=True).connect() as con:
        if not inspect(con).has_table("alembic_version"):
            if inspect(con).get_table_names():
                raise StoreUnavailable(
                    "this database holds tables but no conneqt-dpo schema version; "
                    "it was left untouched"
                )
            return None
        rows: list[str] = list(
            con.execute(text("SELECT version_num FROM alembic_version")).scalars()
        )
    if len(rows) != 1:
        raise StoreUnavailable("the store's schema version is unreadable; it was left untouched")
    return str(rows[0])


def check_revision(has_tables: bool, revision: str | None, scripts: Path | None = None) -> None:
    """Refuse, before opening it for writing, a store this app cannot use."""
    if revision == "" or (has_tables and revision is None):
        raise StoreUnavailable(
            "this database holds tables but no readable conneqt-dpo schema version; "
            "it was left untouched"
        )
    if revision is not None and revision not in known_revisions(scripts):
        raise StoreUnavailable(
            f"this store was written by a newer version of conneqt-dpo (schema {revision}); "
            "install that version or newer. The store was left untouched"
        )


def upgrade(
    engine: Engine,
    *,
    sqlite_file: Path | None,
    backups_dir: Path | None,
    scripts: Path | None = None,
    raw_key: str | None = None,
) -> MigrationReport:
    """`scripts` is another migrations folder (tests of older/newer stores)."""
    from alembic import command

    head = head_revision(scripts)
    before = current_revision(engine)
    if before == head:
        return MigrationReport(before, head, None)
    if before is not None:
        check_revision(True, before, scripts)
    backup = None
    if before is not None and sqlite_file is not None and backups_dir is not None:
        backups_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        backup = backups_dir / f"store-{stamp}-before-{head}.db"
        backup_sqlite(sqlite_file, backup, raw_key)
    with engine.connect() as con:
        sqlite = con.dialect.name == "sqlite"
        if sqlite:
            # SQLite rebuilds a table to alter it (batch mode): dropping the old
            # copy must not trip the foreign keys of the tables pointing at it.
            # The pragma only works outside a transaction; the check after the
            # upgrade catches any real violation before the commit.
            _driver(con).execute("PRAGMA foreign_keys=OFF")
        try:
            with con.begin():
                command.upgrade(_config(con, scripts), "head")
                if sqlite:
                    broken = con.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise StoreUnavailable(
                            f"the upgrade would break {len(broken)} references between tables; "
                            "nothing was changed (the backup is in backups/)"
                        )
        finally:
            if sqlite:
                _driver(con).execute("PRAGMA foreign_keys=ON")
    return MigrationReport(before, head, backup)


def _driver(con: Connection) -> Any:
    return con.connection.driver_connection
