"""indexed keys for finding a person by email and for the queue's due order

Revision ID: 20261124_0003
Revises: 20261124_0002
Create Date: 2026-11-24 23:40:00

`data_subjects.email_key` is the email as compared (lower-case), so finding
a returning requester is an index lookup, not a scan of every person.
`cases.sort_due` is the date in force, or 9999-12-31 when the clock has
none (waiting, stopped), so the queue's default order walks one index.
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261124_0003"
down_revision: str | None = "20261124_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_DATE = dt.date(9999, 12, 31)


def upgrade() -> None:
    with op.batch_alter_table("data_subjects") as batch:
        batch.add_column(sa.Column("email_key", sa.String(length=320), nullable=True))
        batch.create_index("ix_data_subjects_email_key", ["email_key"])
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("sort_due", sa.Date(), nullable=True))
        batch.create_index("ix_cases_queue", ["sort_due", "received_on", "id"])
    subjects = sa.table("data_subjects", sa.column("email", sa.String), sa.column("email_key"))
    op.execute(subjects.update().values(email_key=sa.func.lower(subjects.c.email)))
    cases = sa.table("cases", sa.column("due_on", sa.Date), sa.column("sort_due", sa.Date))
    op.execute(
        cases.update().values(
            sort_due=sa.func.coalesce(cases.c.due_on, sa.literal(NO_DATE, sa.Date))
        )
    )
    with op.batch_alter_table("cases") as batch:
        batch.alter_column("sort_due", existing_type=sa.Date(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_queue")
        batch.drop_column("sort_due")
    with op.batch_alter_table("data_subjects") as batch:
        batch.drop_index("ix_data_subjects_email_key")
        batch.drop_column("email_key")
