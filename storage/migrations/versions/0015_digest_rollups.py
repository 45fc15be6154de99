"""digest roll-ups: a digest counts and lists what it shows from indexes, never reading every open action

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-23 19:00:00

A digest used to read every open action of its group and every owner row (a hundred thousand of each,
at worst) to count them in Python. Now each of its counts is a range of one index, each of its lists
the first few entries of one, and "open by owner" one grouped walk of one. The same on both databases.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    # Counts and lists by state: reported done or not, then by due date (overdue, due before the
    # meeting); due and news_on are there to tell "no news since due" without reading the table.
    "ix_action_digest": "CREATE INDEX ix_action_digest ON action "
    "(group_id, status, reported_done, due_sort, ref, due, news_on)",
    # Open by owner: owner rows grouped by owner, each owner's soonest due first.
    "ix_action_owner_rollup": "CREATE INDEX ix_action_owner_rollup ON action_owner "
    '(group_id, status, kind, owner_name_id, role_key, org_key, "key", due_sort, action_id, name)',
    # One row per action that names any owner: the open actions naming none are the rest.
    "ix_action_owner_first": "CREATE INDEX ix_action_owner_first ON action_owner (group_id, status) "
    "WHERE position = 0",
}


# Made for the digest that read every owner row in due order (0006); nothing reads it now, and every
# owner row written kept it up to date.
REPLACED = (
    "ix_action_owner_digest",
    "CREATE INDEX ix_action_owner_digest ON action_owner (group_id, status, due_sort, action_id, kind, "
    'name, "key", role_key, org_key, owner_name_id)',
)


def upgrade() -> None:
    for statement in INDEXES.values():
        op.execute(statement)
    op.execute(f"DROP INDEX {REPLACED[0]}")


def downgrade() -> None:
    op.execute(REPLACED[1])
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")
