"""identity verification, the evidence locker's documents, legal holds

Revision ID: 20261125_0007
Revises: 20261124_0006
Create Date: 2026-11-25 01:40:00

Documents: the content lives encrypted in the locker, addressed by a keyed
hash (`address`), never by its plain SHA-256 (which would let anyone
holding a copy of a file confirm it is stored). A purged document keeps its
row as a tombstone (address, kind, size, when and why). No store before this
revision holds documents (nothing could attach one), so the table is
rebuilt without the old `sha256` column.

Verifications: each identity decision with its methods, the data points
matched and, under the CCPA, the level reached (11 CCR §7060-7062).

Cases: a legal hold blocks every purge of the case; `purged_at` marks a
closed case whose personal data was removed at the end of its retention.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261125_0007"
down_revision: str | None = "20261124_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("sha256")
        batch.add_column(sa.Column("address", sa.String(64), nullable=False))
        batch.add_column(sa.Column("purge_after", sa.Date(), nullable=True))
        batch.add_column(sa.Column("purged_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("purge_reason", sa.String(32), nullable=True))
        batch.create_index("ix_documents_address", ["address"])
        batch.create_index("ix_documents_purge_after", ["purge_after"])
    op.create_table(
        "verifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("methods", sa.Text(), nullable=False),
        sa.Column("data_points", sa.Text(), nullable=False),
        sa.Column("level", sa.String(16), nullable=True),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
    )
    op.create_index("ix_verifications_case_id", "verifications", ["case_id"])
    # add_column without a batch rebuild: the full-text triggers on cases stay.
    op.add_column(
        "cases", sa.Column("legal_hold", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("cases", sa.Column("purged_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("purged_at")
        batch.drop_column("legal_hold")
    op.drop_index("ix_verifications_case_id", "verifications")
    op.drop_table("verifications")
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_purge_after")
        batch.drop_index("ix_documents_address")
        batch.drop_column("purge_reason")
        batch.drop_column("purged_at")
        batch.drop_column("purge_after")
        batch.drop_column("address")
        batch.add_column(sa.Column("sha256", sa.String(64), nullable=False))
