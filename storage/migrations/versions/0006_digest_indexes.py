"""digests read a group's open actions and their owners from indexes alone

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

A digest lists every open action of a group (ten thousand, at worst) by due date and groups them by
owner. Owner rows now carry their action's group too (set by the same trigger that copies status and
due date), and two covering indexes let both reads walk an index in order without touching the tables.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_DUE = "9999-12-31"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
    with op.batch_alter_table("action_owner") as batch:
        batch.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE action_owner SET group_id = "
        "(SELECT group_id FROM action WHERE action.id = action_owner.action_id)"
    )
    op.execute("DROP TRIGGER IF EXISTS action_owner_copy_state")
    op.execute(
        "CREATE TRIGGER action_owner_copy_state AFTER INSERT ON action_owner BEGIN "
        "UPDATE action_owner SET status = (SELECT status FROM action WHERE id = new.action_id), "
        f"due_sort = (SELECT coalesce(due, '{NO_DUE}') FROM action WHERE id = new.action_id), "
        "group_id = (SELECT group_id FROM action WHERE id = new.action_id) "
        "WHERE id = new.id; END"
    )
    op.create_index("ix_action_group_open", "action", ["group_id", "status", "due_sort", "ref", "due"])
    op.create_index(
        "ix_action_owner_digest",
        "action_owner",
        [
            "group_id",
            "status",
            "due_sort",
            "action_id",
            "kind",
            "name",
            "key",
            "role_key",
            "org_key",
            "owner_name_id",
        ],
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
    op.drop_index("ix_action_owner_digest", "action_owner")
    op.drop_index("ix_action_group_open", "action")
    op.execute("DROP TRIGGER IF EXISTS action_owner_copy_state")
    op.execute(
        "CREATE TRIGGER action_owner_copy_state AFTER INSERT ON action_owner BEGIN "
        "UPDATE action_owner SET status = (SELECT status FROM action WHERE id = new.action_id), "
        f"due_sort = (SELECT coalesce(due, '{NO_DUE}') FROM action WHERE id = new.action_id) "
        "WHERE id = new.id; END"
    )
    with op.batch_alter_table("action_owner") as batch:
        batch.drop_column("group_id")
