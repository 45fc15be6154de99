"""links and rights: how each chat user came to be linked to a member, members' emails, identity audit

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 18:00:00

A link between a chat user and a member now says how it was made: configured (an admin id from the
settings), verified (the email the platform vouches for is the member's), confirmed (by the
secretariat, or by the operator on the command line) or claimed (the user said so, or their profile
name is a member's). Only the first three carry the rights a member's role gives (the secretariat's,
the chair's). Links made before this revision carry no record of how, so they become claims, except
those of the admin ids set in the environment at upgrade time (SLACK_ADMIN_USER_IDS, TEAMS_ADMIN_IDS);
the upgrade logs how many links to the secretariat or the chair lost those rights, to be confirmed
with `tmag-bot member confirm`.

Also: members' emails (for verifying links and for email digests), the email a chat platform gives
for a user, the link kind of whoever made each action change, a channel where claims are told to the
secretariat, and member_event, the audit trail of links and rights.
"""

import logging
import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("tmag-bot")
# Frozen here: the kinds as this revision knows them, and the settings it reads.
ADMIN_SETTINGS = {"slack": "SLACK_ADMIN_USER_IDS", "teams": "TEAMS_ADMIN_IDS"}


def _admin_ids(platform: str) -> list[str]:
    text = os.environ.get(ADMIN_SETTINGS[platform]) or ""
    ids = (part.strip() for part in text.replace(";", ",").split(","))
    return [i.lower() if platform == "teams" else i for i in ids if i]


def upgrade() -> None:
    op.add_column("member", sa.Column("email", sa.String(), nullable=True))
    op.create_index("ix_member_email", "member", ["email"], unique=True)
    op.add_column("member", sa.Column("slack_link", sa.String(), nullable=True))
    op.add_column("member", sa.Column("teams_link", sa.String(), nullable=True))
    op.add_column("slack_user", sa.Column("email", sa.String(), nullable=True))
    op.add_column("teams_user", sa.Column("email", sa.String(), nullable=True))
    op.add_column("teams_user", sa.Column("looked_up_at", sa.DateTime(), nullable=True))
    op.add_column("action_event", sa.Column("link_kind", sa.String(), nullable=True))
    op.add_column("working_group", sa.Column("secretariat_channel", sa.String(), nullable=True))
    op.add_column("working_group", sa.Column("secretariat_teams_channel", sa.Text(), nullable=True))
    op.create_table(
        "member_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("platform", sa.String(), nullable=True),
        sa.Column("user_id", sa.String(), nullable=True),
        sa.Column("link_kind", sa.String(), nullable=True),
        sa.Column("text", sa.String(), nullable=True),
        sa.Column("by", sa.String(), nullable=True),
        sa.Column("by_member_id", sa.Integer(), nullable=True),
        sa.Column("by_user", sa.String(), nullable=True),
        sa.Column("source", sa.String(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["by_member_id"], ["member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_member_event_member_id", "member_event", ["member_id", "id"])
    op.create_index("ix_member_event_by_member_id", "member_event", ["by_member_id"])

    bind = op.get_bind()
    lost = 0
    for platform in ("slack", "teams"):
        user_column, kind_column = f"{platform}_user_id", f"{platform}_link"
        bind.execute(sa.text(f"UPDATE member SET {kind_column} = 'claimed' WHERE {user_column} IS NOT NULL"))
        admins = _admin_ids(platform)
        if admins:
            bind.execute(
                sa.text(
                    f"UPDATE member SET {kind_column} = 'configured' WHERE {user_column} IN :ids"
                ).bindparams(sa.bindparam("ids", expanding=True)),
                {"ids": admins},
            )
        lost += bind.execute(
            sa.text(
                f"SELECT count(*) FROM member WHERE {kind_column} = 'claimed' "
                "AND (is_secretariat OR is_chair)"
            )
        ).scalar_one()
    if lost:
        log.warning(
            "links now record how they were made: %d link(s) to the secretariat or the chair are claims "
            "until confirmed, and carry no secretariat rights meanwhile (tmag-bot member links; "
            "tmag-bot member confirm NAME --slack ID | --teams ID)",
            lost,
        )


def downgrade() -> None:
    op.drop_index("ix_member_event_by_member_id", "member_event")
    op.drop_index("ix_member_event_member_id", "member_event")
    op.drop_table("member_event")
    for table, column in (
        ("working_group", "secretariat_teams_channel"),
        ("working_group", "secretariat_channel"),
        ("action_event", "link_kind"),
        ("teams_user", "looked_up_at"),
        ("teams_user", "email"),
        ("slack_user", "email"),
        ("member", "teams_link"),
        ("member", "slack_link"),
    ):
        op.drop_column(table, column)
    op.drop_index("ix_member_email", "member")
    op.drop_column("member", "email")
