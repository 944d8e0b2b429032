"""tiers and overrides

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 04:05:24.794937
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.db_types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_tier",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("tier", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("policy_version", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("assigned_at", core.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.PrimaryKeyConstraint("customer_id", "model"),
    )
    op.create_table(
        "tier_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("tier", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("expires_at", core.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("removed_at", core.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tier_override", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tier_override_customer_id"), ["customer_id"], unique=False)

    # the facts queries read covering indexes only; the old (customer, time) index is their prefix
    op.drop_index("ix_interaction_customer_occurred", table_name="interaction")
    op.create_index("ix_interaction_activity", "interaction", ["customer_id", "occurred_at", "kind", "channel"])
    op.create_index(
        "ix_interaction_deals",
        "interaction",
        ["customer_id", "currency", "occurred_at", "amount_minor"],
        sqlite_where=sa.text("kind = 'deal'"),
        postgresql_where=sa.text("kind = 'deal'"),
    )

    with op.batch_alter_table("customer", schema=None) as batch_op:
        # existing rows get an empty object, so the column can be NOT NULL at once
        batch_op.add_column(sa.Column("attributes", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    op.drop_index("ix_interaction_deals", table_name="interaction")
    op.drop_index("ix_interaction_activity", table_name="interaction")
    op.create_index("ix_interaction_customer_occurred", "interaction", ["customer_id", "occurred_at"])
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("attributes")

    with op.batch_alter_table("tier_override", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tier_override_customer_id"))

    op.drop_table("tier_override")
    op.drop_table("customer_tier")
