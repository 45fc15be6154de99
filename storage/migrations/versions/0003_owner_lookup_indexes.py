"""owner rows carry their action's status and due date, so "what is open for me" is an index walk

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

"What is open for me" asks for one member's (or role's, organisation's, group's) open actions, soonest
due first. With status and due only on `action`, SQLite must gather every action of the Programme (say)
and sort them all to show the first ten. Copying status and a sortable due date onto each owner row
(kept in step by triggers) lets one index answer in order.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_DUE = "9999-12-31"  # undated actions sort last
LOOKUPS = {
    "ix_action_owner_named_open": ["owner_name_id", "status", "due_sort"],
    "ix_action_owner_role_open": ["kind", "role_key", "status", "due_sort"],
    "ix_action_owner_org_open": ["kind", "org_key", "status", "due_sort"],
    "ix_action_owner_group_open": ["kind", "group_code", "status", "due_sort"],
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
    with op.batch_alter_table("action_owner") as batch:
        batch.add_column(sa.Column("status", sa.String(), nullable=True))
        batch.add_column(sa.Column("due_sort", sa.String(), nullable=True))
    op.execute(
        "UPDATE action_owner SET "
        "status = (SELECT status FROM action WHERE action.id = action_owner.action_id), "
        f"due_sort = (SELECT coalesce(due, '{NO_DUE}') FROM action WHERE action.id = action_owner.action_id)"
    )
    op.execute(
        "CREATE TRIGGER action_owner_copy_state AFTER INSERT ON action_owner BEGIN "
        "UPDATE action_owner SET status = (SELECT status FROM action WHERE id = new.action_id), "
        f"due_sort = (SELECT coalesce(due, '{NO_DUE}') FROM action WHERE id = new.action_id) "
        "WHERE id = new.id; END"
    )
    op.execute(
        "CREATE TRIGGER action_state_to_owners AFTER UPDATE OF status, due ON action BEGIN "
        f"UPDATE action_owner SET status = new.status, due_sort = coalesce(new.due, '{NO_DUE}') "
        "WHERE action_id = new.id; END"
    )
    for name, columns in LOOKUPS.items():
        op.create_index(name, "action_owner", columns)
    # Every open action by due date, undated last, for the group-wide lists.
    with op.batch_alter_table("action") as batch:
        batch.add_column(
            sa.Column("due_sort", sa.String(), sa.Computed(f"coalesce(due, '{NO_DUE}')", persisted=False))
        )
    op.create_index("ix_action_status_due_sort", "action", ["status", "due_sort"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
    op.drop_index("ix_action_status_due_sort", "action")
    with op.batch_alter_table("action") as batch:
        batch.drop_column("due_sort")
    for name in LOOKUPS:
        op.drop_index(name, "action_owner")
    op.execute("DROP TRIGGER IF EXISTS action_state_to_owners")
    op.execute("DROP TRIGGER IF EXISTS action_owner_copy_state")
    with op.batch_alter_table("action_owner") as batch:
        batch.drop_column("due_sort")
        batch.drop_column("status")
