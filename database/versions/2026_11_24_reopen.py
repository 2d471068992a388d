"""a reopened case's earlier response no longer stops its clock

Revision ID: 20261124_0005
Revises: 20261124_0004
Create Date: 2026-11-24 23:40:00

Reopening a responded, refused or withdrawn case marks the clock event that
stopped it as superseded (it stays, for the record): the clock runs again
from the same dates, and the next response stops it with its own date.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261124_0005"
down_revision: str | None = "20261124_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # add_column without a batch rebuild: clock_events keeps its rows and the
    # tables that point at it are untouched.
    op.add_column(
        "clock_events",
        sa.Column("superseded", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("clock_events") as batch:
        batch.drop_column("superseded")
