"""opportunities: expected money per customer (pipeline)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 07:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.db_types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "opportunity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
        sa.Column("expected_signing_date", sa.Date(), nullable=True),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("intention", sa.Integer(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("lost_reason", sa.Text(), nullable=True),
        sa.Column("source_interaction_id", sa.Integer(), nullable=True),
        sa.Column("deal_interaction_id", sa.Integer(), nullable=True),
        sa.Column("rep_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", core.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["deal_interaction_id"],
            ["interaction.id"],
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["source_interaction_id"],
            ["interaction.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.create_index("ix_opportunity_customer_status", ["customer_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunity_customer_status")
    op.drop_table("opportunity")
