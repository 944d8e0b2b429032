"""away and delegate

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 04:55:20.164346
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("away_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("delegate_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_user_delegate_id_user", "user", ["delegate_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_constraint("fk_user_delegate_id_user", type_="foreignkey")
        batch_op.drop_column("delegate_id")
        batch_op.drop_column("away_until")
