"""Alembic environment for the conneqt-dpo case store.

The app runs migrations itself (conneqt_dpo.store.migrate) and hands over an
open connection in `config.attributes["connection"]`; this file never builds
its own engine from a URL in an ini file."""

from alembic import context

from conneqt_dpo.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through conneqt_dpo.store.migrate, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place: batch mode copies the table.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
