"""change counters: one row read tells a process whether members or groups changed

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

Answers keep the member index and the list of groups in memory, rebuilt when they change (in any
process). Counting or scanning the tables to find out cost milliseconds on every question; triggers now
bump a counter instead, and one indexed row says it all.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = {"members": ("member", "member_alias"), "groups": ("working_group",)}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
    op.create_table(
        "change_counter",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False, server_default="0"),
    )
    for name, tables in WATCHED.items():
        op.execute(f"INSERT INTO change_counter (name, value) VALUES ('{name}', 1)")
        for table in tables:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_{event.lower()}_counts AFTER {event} ON {table} BEGIN "
                    f"UPDATE change_counter SET value = value + 1 WHERE name = '{name}'; END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
    for tables in WATCHED.values():
        for table in tables:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{event}_counts")
    op.drop_table("change_counter")
