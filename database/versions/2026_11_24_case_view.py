"""what the case view needs: how the clock stopped, task work, text search

Revision ID: 20261124_0004
Revises: 20261124_0003
Create Date: 2026-11-24 23:20:00

- cases.stopped_by / stopped_on: what stopped the clock (responded or
  withdrawn) and when, so the queue shows met / met-late without
  recomputing every case.
- tasks: who created and who completed a task, and its note.
- case_search (SQLite): an FTS5 index over reference, name and email, kept
  by triggers, so "type part of a name" answers from an index; other
  databases search with their own operators (store/search.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261124_0004"
down_revision: str | None = "20261124_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# unicode61 folds case and strips diacritics ("José" is found by "jose").
_SQLITE_SEARCH = [
    """CREATE VIRTUAL TABLE case_search USING fts5(
         reference, name, email, tokenize = 'unicode61 remove_diacritics 2')""",
    """INSERT INTO case_search (rowid, reference, name, email)
       SELECT c.id, c.reference, s.name, coalesce(s.email, '')
       FROM cases c JOIN data_subjects s ON s.id = c.subject_id""",
    """CREATE TRIGGER case_search_insert AFTER INSERT ON cases BEGIN
         INSERT INTO case_search (rowid, reference, name, email)
         SELECT new.id, new.reference, s.name, coalesce(s.email, '')
         FROM data_subjects s WHERE s.id = new.subject_id;
       END""",
    """CREATE TRIGGER case_search_subject AFTER UPDATE OF subject_id ON cases BEGIN
         UPDATE case_search SET
           name = (SELECT name FROM data_subjects WHERE id = new.subject_id),
           email = (SELECT coalesce(email, '') FROM data_subjects WHERE id = new.subject_id)
         WHERE rowid = new.id;
       END""",
    """CREATE TRIGGER case_search_person AFTER UPDATE OF name, email ON data_subjects BEGIN
         UPDATE case_search SET name = new.name, email = coalesce(new.email, '')
         WHERE rowid IN (SELECT id FROM cases WHERE subject_id = new.id);
       END""",
    """CREATE TRIGGER case_search_delete AFTER DELETE ON cases BEGIN
         DELETE FROM case_search WHERE rowid = old.id;
       END""",
]


# Note for later migrations: SQLite batch mode rebuilds a table, which drops
# its triggers; a migration that batch-alters `cases` or `data_subjects` must
# create the case_search triggers again.


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("stopped_by", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("stopped_on", sa.Date(), nullable=True))
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("created_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("done_by", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_tasks_created_by_users", "users", ["created_by"], ["id"])
        batch.create_foreign_key("fk_tasks_done_by_users", "users", ["done_by"], ["id"])
    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE_SEARCH:
            op.execute(statement)
    # The first response or withdrawal stops the clock (spec/deadlines.md).
    first_stop = (
        "SELECT {col} FROM clock_events e WHERE e.case_id = cases.id "
        "AND e.kind IN ('responded', 'withdrawn') ORDER BY e.on_date, e.id LIMIT 1"
    )
    op.execute(
        f"UPDATE cases SET stopped_by = ({first_stop.format(col='e.kind')}), "
        f"stopped_on = ({first_stop.format(col='e.on_date')})"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("case_search_insert", "case_search_subject", "case_search_person",
                     "case_search_delete"):  # fmt: skip
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS case_search")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_constraint("fk_tasks_done_by_users", type_="foreignkey")
        batch.drop_constraint("fk_tasks_created_by_users", type_="foreignkey")
        batch.drop_column("done_by")
        batch.drop_column("created_by")
        batch.drop_column("note")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("stopped_on")
        batch.drop_column("stopped_by")
