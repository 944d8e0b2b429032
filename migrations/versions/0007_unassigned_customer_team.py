"""unassigned customers belong to a team

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 07:45:00

`customer.team_id`: while a customer has no owner, the team whose managers may see and assign it
(core.visibility). Before this, every manager saw every unassigned customer.

Backfill of the unassigned customers already there, from what the database knows of who created
them: a confirmed chat import (an `upload` of kind customers, done at the instant the customer
was added — the import writes both with the same `now`) gives the uploader's team. Anything else
(`tierbot import` on the server, an uploader without a team) stays without a team, which means
the admins alone see it until one of them assigns it. Customers with an owner keep NULL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_customer_team_id"), ["team_id"], unique=False)
        batch_op.create_foreign_key("fk_customer_team_id_team", "team", ["team_id"], ["id"])
    op.execute(
        "UPDATE customer SET team_id = ("
        ' SELECT u.team_id FROM upload JOIN "user" u ON u.id = upload.user_id'
        " WHERE upload.kind = 'customers' AND upload.status = 'done'"
        " AND upload.finished_at = customer.added_at"
        " ORDER BY upload.id DESC LIMIT 1)"
        " WHERE owner_id IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_constraint("fk_customer_team_id_team", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_customer_team_id"))
        batch_op.drop_column("team_id")
