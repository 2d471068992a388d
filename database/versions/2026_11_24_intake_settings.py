"""intake details, settings, data systems, drafts and the suppression list

Revision ID: 20261124_0006
Revises: 20261124_0005
Create Date: 2026-11-24 23:59:00

- settings: one JSON value per key (domain/settings.py), and the
  organisation profile under the key `organisation`.
- data_systems: each active one becomes a task on every new case.
- drafts: unfinished forms, per user.
- suppressions: emails and phones that must get no more marketing, or whose
  data must not be sold or shared.
- data_subjects: address, account id, country, US state; phone_key and
  name_key (filled here from the existing rows) find possible duplicates.
- agents.authority, cases.ccpa_detail.

Plain add_column, no batch rebuild: `cases` and `data_subjects` keep the
case_search triggers of migration 0004.
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261124_0006"
down_revision: str | None = "20261124_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _phone_key(phone: str | None) -> str | None:
    # As domain/intake.py phone_key in this version (a migration must not
    # change when the app's code does).
    if not phone:
        return None
    main = re.split(r"(?i)\s*(?:x|ext\.?)\s*\d", phone, maxsplit=1)[0]
    digits = re.sub(r"\D", "", main)
    return digits if len(digits) >= 6 else None


def _name_key(name: str | None) -> str | None:
    if not name:
        return None
    return " ".join(unicodedata.normalize("NFC", name).casefold().split()) or None


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "data_systems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.Column("purposes", sa.Text(), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "key", name="uq_drafts_user_key"),
    )
    op.create_table(
        "suppressions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_key", sa.String(length=320), nullable=True),
        sa.Column("phone_digits", sa.String(length=64), nullable=True),
        sa.Column("source_reference", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_suppressions_email_key", "suppressions", ["email_key"])
    op.create_index("ix_suppressions_phone_digits", "suppressions", ["phone_digits"])

    for column in (
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("us_state", sa.String(length=2), nullable=True),
        sa.Column("phone_key", sa.String(length=64), nullable=True),
        sa.Column("name_key", sa.String(length=200), nullable=True),
    ):
        op.add_column("data_subjects", column)
    op.create_index("ix_data_subjects_phone_key", "data_subjects", ["phone_key"])
    op.create_index("ix_data_subjects_name_key", "data_subjects", ["name_key"])
    op.add_column("agents", sa.Column("authority", sa.String(length=32), nullable=True))
    op.add_column("cases", sa.Column("ccpa_detail", sa.String(length=16), nullable=True))

    # The keys of the people already in the store (their name and email
    # are not changed, so the case_search triggers do not fire).
    con = op.get_bind()
    people = sa.table(
        "data_subjects",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("phone", sa.String),
        sa.column("phone_key", sa.String),
        sa.column("name_key", sa.String),
    )
    rows = con.execute(sa.select(people.c.id, people.c.name, people.c.phone)).all()
    if rows:
        con.execute(
            people.update()
            .where(people.c.id == sa.bindparam("pid"))
            .values(phone_key=sa.bindparam("pk"), name_key=sa.bindparam("nk")),
            [{"pid": r.id, "pk": _phone_key(r.phone), "nk": _name_key(r.name)} for r in rows],
        )


def downgrade() -> None:
    op.drop_column("cases", "ccpa_detail")
    op.drop_column("agents", "authority")
    op.drop_index("ix_data_subjects_name_key", table_name="data_subjects")
    op.drop_index("ix_data_subjects_phone_key", table_name="data_subjects")
    for name in ("name_key", "phone_key", "us_state", "country", "account_id", "address"):
        op.drop_column("data_subjects", name)
    op.drop_index("ix_suppressions_phone_digits", table_name="suppressions")
    op.drop_index("ix_suppressions_email_key", table_name="suppressions")
    op.drop_table("suppressions")
    op.drop_table("drafts")
    op.drop_table("data_systems")
    op.drop_table("settings")
