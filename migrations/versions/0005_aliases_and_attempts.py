"""customer aliases, attempts, one log per customer of a message

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 07:40:00

- customer_alias: names reps taught (learned from a correction, imported, typed on the card),
  unique per customer and normalised text;
- interaction.attempt: a call or message that did not connect is logged but is not a contact
  (it joins the covering activity index, which the cadence pass reads);
- uq_interaction_source becomes (chat, message, customer): one message may log several customers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.db_types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("customer_id", "key", name="uq_customer_alias"),
    )
    with op.batch_alter_table("customer_alias", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_alias_customer_id"), ["customer_id"], unique=False)

    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempt", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.drop_constraint("uq_interaction_source", type_="unique")
        batch_op.create_unique_constraint(
            "uq_interaction_source", ["source_chat_id", "source_message_id", "customer_id"]
        )
        batch_op.drop_index("ix_interaction_activity")
        batch_op.create_index(
            "ix_interaction_activity", ["customer_id", "occurred_at", "kind", "channel", "attempt"], unique=False
        )


def downgrade() -> None:
    # a message that logged several customers keeps its first log's source; the others lose it
    op.execute(
        "UPDATE interaction SET source_chat_id = NULL, source_message_id = NULL "
        "WHERE source_message_id IS NOT NULL AND id NOT IN (SELECT min(id) FROM interaction "
        "WHERE source_message_id IS NOT NULL GROUP BY source_chat_id, source_message_id)"
    )
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.drop_index("ix_interaction_activity")
        batch_op.create_index(
            "ix_interaction_activity", ["customer_id", "occurred_at", "kind", "channel"], unique=False
        )
        batch_op.drop_constraint("uq_interaction_source", type_="unique")
        batch_op.create_unique_constraint("uq_interaction_source", ["source_chat_id", "source_message_id"])
        batch_op.drop_column("attempt")

    with op.batch_alter_table("customer_alias", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_alias_customer_id"))

    op.drop_table("customer_alias")
