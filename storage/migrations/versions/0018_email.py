"""email: members reached by email, due-date reminders, and email parts of digests

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 10:00:00

Members who cannot be reached in chat, or who chose email, get their digest items and due-date
reminders by email: how each member wants to be reached (notify), and whether the mail server refused
their address (email_failing, with when). A group's digest can go to a list address too
(digest_email), and its owners are reminded a number of UK working days before an action falls due
(due_reminder_days, 3 unless set otherwise; empty for none). Email cannot be looked up once sent, so a
digest part keeps the Message-ID chosen when it was first claimed and how many sends may have reached
the server (never more than two). On both databases.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("member", sa.Column("notify", sa.String(), nullable=True))
    op.add_column("member", sa.Column("email_failing", sa.String(), nullable=True))
    op.add_column("member", sa.Column("email_failing_at", sa.DateTime(), nullable=True))
    op.add_column("working_group", sa.Column("digest_email", sa.String(), nullable=True))
    op.add_column(
        "working_group", sa.Column("due_reminder_days", sa.Integer(), nullable=True, server_default="3")
    )
    op.add_column("digest_part", sa.Column("message_id", sa.String(), nullable=True))
    op.add_column("digest_part", sa.Column("sends", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    for table, column in (
        ("digest_part", "sends"),
        ("digest_part", "message_id"),
        ("working_group", "due_reminder_days"),
        ("working_group", "digest_email"),
        ("member", "email_failing_at"),
        ("member", "email_failing"),
        ("member", "notify"),
    ):
        op.drop_column(table, column)
