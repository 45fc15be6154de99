"""each owner lookup index holds only the owner rows it can answer for

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22

The role, organisation and group lookups always ask for their own kind of owner, and the named lookup
for rows that name a person; yet every owner row sat in all four indexes, and each state change of an
action rewrote its owner rows in all four. Partial indexes keep each row in the one that serves it:
smaller indexes to walk, and about a quarter fewer pages written per imported report.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name -> (columns before, columns now, the rows the index now holds)
LOOKUPS = {
    "ix_action_owner_named_open": (
        ["owner_name_id", "status", "due_sort"],
        ["owner_name_id", "status", "due_sort"],
        "owner_name_id IS NOT NULL",
    ),
    "ix_action_owner_role_open": (
        ["kind", "role_key", "status", "due_sort"],
        ["role_key", "status", "due_sort"],
        "kind = 'role'",
    ),
    "ix_action_owner_org_open": (
        ["kind", "org_key", "status", "due_sort"],
        ["org_key", "status", "due_sort"],
        "kind = 'organisation'",
    ),
    "ix_action_owner_group_open": (
        ["kind", "group_code", "status", "due_sort"],
        ["group_code", "status", "due_sort"],
        "kind = 'group'",
    ),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
    for name, (_before, columns, rows) in LOOKUPS.items():
        op.drop_index(name, "action_owner")
        op.create_index(name, "action_owner", columns, sqlite_where=sa.text(rows))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
    for name, (columns, _now, _rows) in LOOKUPS.items():
        op.drop_index(name, "action_owner")
        op.create_index(name, "action_owner", columns)
