"""digests: group digest settings, digest runs and deliveries

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 07:32:42.240590
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
    op.create_table(
        "digest_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("meeting_date", sa.Date(), nullable=False),
        sa.Column("extraordinary", sa.Boolean(), nullable=False),
        sa.Column("slot", sa.String(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("claimed_by", sa.String(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(), nullable=True),
        sa.Column("ts", sa.String(), nullable=True),
        sa.Column("thread_done", sa.Boolean(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["working_group.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "meeting_date", "extraordinary", "slot", name="uq_digest_run_slot"),
    )
    with op.batch_alter_table("digest_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_run_group_id"), ["group_id"], unique=False)

    op.create_table(
        "digest_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("ts", sa.String(), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["digest_run.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "member_id", name="uq_digest_delivery"),
    )
    with op.batch_alter_table("digest_delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_delivery_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_digest_delivery_run_id"), ["run_id"], unique=False)

    with op.batch_alter_table("working_group", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel_id", sa.String(), nullable=True))
        # Existing groups get the usual digest: two working days before at 09:00, a reminder at 08:30.
        batch_op.add_column(sa.Column("digest_days_before", sa.Integer(), nullable=False, server_default="2"))
        batch_op.add_column(sa.Column("digest_time", sa.String(), nullable=False, server_default="09:00"))
        batch_op.add_column(sa.Column("reminder_time", sa.String(), nullable=True, server_default="08:30"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
    with op.batch_alter_table("working_group", schema=None) as batch_op:
        batch_op.drop_column("reminder_time")
        batch_op.drop_column("digest_time")
        batch_op.drop_column("digest_days_before")
        batch_op.drop_column("channel_id")

    with op.batch_alter_table("digest_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_delivery_run_id"))
        batch_op.drop_index(batch_op.f("ix_digest_delivery_member_id"))

    op.drop_table("digest_delivery")
    with op.batch_alter_table("digest_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_run_group_id"))

    op.drop_table("digest_run")
