"""letters: which template produced each, and when and how it was sent

Revision ID: 20261125_0008
Revises: 20261125_0007
Create Date: 2026-11-25 02:20:00

A recorded letter is a PDF in the evidence locker (`document_id`); these
columns say which template and version produced it, and when, how and by
whom it was sent (the date of the deadline-relevant clock event it records).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261125_0008"
down_revision: str | None = "20261125_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # add_column without a batch rebuild: nothing points at letters.
    op.add_column("letters", sa.Column("template", sa.String(200), nullable=True))
    op.add_column("letters", sa.Column("sent_on", sa.Date(), nullable=True))
    op.add_column("letters", sa.Column("sent_method", sa.String(16), nullable=True))
    op.add_column("letters", sa.Column("sent_by", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("letters") as batch:
        batch.drop_column("sent_by")
        batch.drop_column("sent_method")
        batch.drop_column("sent_on")
        batch.drop_column("template")
