"""manager tools and production

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 06:21:36.467798
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.db_types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_run",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("last_started_at", core.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", core.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_outcome", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "policy_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("activated_at", core.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("policy_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_version_version"), ["version"], unique=False)

    op.create_table(
        "upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("created_at", core.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", core.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("upload", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_upload_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archived_at", core.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("erased_at", core.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key("fk_customer_merged_into_id_customer", "customer", ["merged_into_id"], ["id"])

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_until", core.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("parts_sent", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_column("parts_sent")
        batch_op.drop_column("claimed_until")

    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_constraint("fk_customer_merged_into_id_customer", type_="foreignkey")
        batch_op.drop_column("erased_at")
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("archived_at")

    with op.batch_alter_table("upload", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_upload_user_id"))

    op.drop_table("upload")
    with op.batch_alter_table("policy_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_version_version"))

    op.drop_table("policy_version")
    op.drop_table("job_run")
