"""teams: members' Teams users, who Teams users are, groups' Teams channels, who changed an action in Teams

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
    op.create_table(
        "teams_user",
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("asked_member_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declined", sa.Boolean(), nullable=False),
        sa.Column("service_url", sa.String(), nullable=True),
        sa.Column("tenant_id", sa.String(), nullable=True),
        sa.Column("conversation_id", sa.String(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["asked_member_id"], ["member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_index("ix_teams_user_member_id", "teams_user", ["member_id"])
    # Plain ADD COLUMN throughout: a rebuilt table would lose its triggers.
    op.add_column("member", sa.Column("teams_user_id", sa.String(), nullable=True))
    op.create_index("ix_member_teams_user_id", "member", ["teams_user_id"], unique=True)
    op.add_column("working_group", sa.Column("teams_channel", sa.Text(), nullable=True))
    op.add_column("action_event", sa.Column("teams_user_id", sa.String(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
    op.drop_column("action_event", "teams_user_id")
    op.drop_column("working_group", "teams_channel")
    op.drop_index("ix_member_teams_user_id", "member")
    op.drop_column("member", "teams_user_id")
    op.drop_index("ix_teams_user_member_id", "teams_user")
    op.drop_table("teams_user")
