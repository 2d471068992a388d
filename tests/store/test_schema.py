"""The migrations build exactly the tables the models describe, and the
chain of revisions is one line from the first to the head."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from conneqt_dpo.store.migrate import _config, head_revision
from conneqt_dpo.store.models import Base
from conneqt_dpo.store.store import Store


def test_migrations_match_the_models(store: Store) -> None:
    with store.engine.connect() as con:
        context = MigrationContext.configure(
            con, opts={"include_name": lambda name, kind, _parent: not _search_table(name, kind)}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def _search_table(name: str | None, kind: str) -> bool:
    """The FTS5 index (SQLite only) and its shadow tables live outside the
    models: store/search.py reads them."""
    return kind == "table" and name is not None and name.startswith("case_search")


def test_one_line_of_revisions_named_by_date() -> None:
    script = ScriptDirectory.from_config(_config())
    assert script.get_heads() == [head_revision()]
    revisions = list(script.walk_revisions())
    assert [r.down_revision for r in revisions][-1] is None
    for r in revisions:
        assert r.revision[:8].isdigit(), r.revision
        assert r.path is not None and r.path.split("/")[-1][:10].replace("_", "").isdigit()
