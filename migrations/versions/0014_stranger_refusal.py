"""stranger_refusal: a stranger gets one refusal, then an hour of silence

A Telegram user without an account was refused once per message, as often as they wrote. The
gate now records when it last refused each one (by Telegram id) and stays silent for an hour after;
a database row, so restarts and every bot process agree. The housekeeping sweep drops rows older
than that hour.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db_types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stranger_refusal",
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("refused_at", core.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("telegram_id"),
    )
    with op.batch_alter_table("stranger_refusal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stranger_refusal_refused_at"), ["refused_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stranger_refusal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stranger_refusal_refused_at"))
    op.drop_table("stranger_refusal")
