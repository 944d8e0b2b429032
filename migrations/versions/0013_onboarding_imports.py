"""onboarding imports: customer.customer_since, customer.notes, customer.annual_revenue_currency,
opportunity.external_id

An imported book keeps what its file says: when the relationship began (customer since / 创建时间,
apart from the contract start, whose anniversaries are greeted), the CRM's notes (备注), the
currency of the imported annual revenue (it counts as contribution until the customer has deals
of its own), and the CRM's id of each imported deal (so a second import of a deals export
updates instead of duplicating).

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-05 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_since", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("annual_revenue_currency", sa.String(length=3), nullable=True))
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint("uq_opportunity_external_id", ["external_id"])


def downgrade() -> None:
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.drop_constraint("uq_opportunity_external_id", type_="unique")
        batch_op.drop_column("external_id")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("annual_revenue_currency")
        batch_op.drop_column("notes")
        batch_op.drop_column("customer_since")
