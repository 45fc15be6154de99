"""imports write less: indexes that others already cover go, owner rows arrive complete

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22

Every index is written on every insert, and owner rows are the most written rows there are. Five
indexes are the leading columns of another index (or serve no query): SQLite uses the longer one for
the same lookups and for the foreign keys. The importer now inserts owner rows with their action's
status, due date and group, so the trigger that copied them in with a second write runs only for rows
inserted without them.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_DUE = "9999-12-31"

# name -> (table, columns); the index that covers each is in the comment.
REDUNDANT = {
    "ix_action_group_id": ("action", ["group_id"]),  # uq_action_group_ref, ix_action_group_open
    "ix_action_status_due": ("action", ["status", "due"]),  # lists use ix_action_status_due_sort
    "ix_action_owner_owner_name_id": ("action_owner", ["owner_name_id"]),  # ix_action_owner_named_open
    "ix_action_owner_group_code": ("action_owner", ["group_code"]),  # ix_action_owner_group_open
    "ix_action_owner_key": ("action_owner", ["key"]),  # no query looks owner rows up by key
}

COPY_STATE = (
    "CREATE TRIGGER action_owner_copy_state AFTER INSERT ON action_owner {when}BEGIN "
    "UPDATE action_owner SET status = (SELECT status FROM action WHERE id = new.action_id), "
    f"due_sort = (SELECT coalesce(due, '{NO_DUE}') FROM action WHERE id = new.action_id), "
    "group_id = (SELECT group_id FROM action WHERE id = new.action_id) "
    "WHERE id = new.id; END"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
    for name, (table, _columns) in REDUNDANT.items():
        op.drop_index(name, table)
    op.execute("DROP TRIGGER IF EXISTS action_owner_copy_state")
    op.execute(
        COPY_STATE.format(when="WHEN new.status IS NULL OR new.due_sort IS NULL OR new.group_id IS NULL ")
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
    op.execute("DROP TRIGGER IF EXISTS action_owner_copy_state")
    op.execute(COPY_STATE.format(when=""))
    for name, (table, columns) in REDUNDANT.items():
        op.create_index(name, table, columns)
