"""follow-up of a complaint: followup.feedback_id; personal reminders: followup.customer_id nullable

A complaint creates a follow-up for the customer's owner; resolving the complaint closes it, so
the follow-up records which complaint it came from. Existing complaint follow-ups are linked by
what created them together: same customer, same instant, the complaint's text.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-03 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feedback_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_followup_feedback_id_feedback", "feedback", ["feedback_id"], ["id"])
        batch_op.alter_column("customer_id", existing_type=sa.Integer(), nullable=True)
    op.execute(
        "UPDATE followup SET feedback_id = (SELECT f.id FROM feedback f WHERE f.kind = 'complaint' "
        "AND f.customer_id = followup.customer_id AND f.created_at = followup.created_at "
        "AND substr(f.text, 1, 500) = followup.text ORDER BY f.id LIMIT 1) WHERE feedback_id IS NULL"
    )


def downgrade() -> None:
    op.execute("DELETE FROM followup WHERE customer_id IS NULL")  # personal reminders have no place before 0010
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.alter_column("customer_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("fk_followup_feedback_id_feedback", type_="foreignkey")
        batch_op.drop_column("feedback_id")
