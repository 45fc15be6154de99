"""change sets: the events one request made share an id, and an undo says which event it undid

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 21:00:00

"Confirm all as done" closes every action reported done, "done TMAG04-01 TMAG06-02 note" several, a
message action the ones chosen: each is one change for the person who made it, and Undo (a button, or
`undo` typed anywhere) takes the whole of it back. An undo's own events name the event they undid, so
`undo` finds a person's latest change not yet undone. On both databases.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("action_event", sa.Column("change_id", sa.String(), nullable=True))
    op.add_column("action_event", sa.Column("undoes", sa.Integer(), nullable=True))
    op.create_index("ix_action_event_change_id", "action_event", ["change_id"])
    op.create_index("ix_action_event_undoes", "action_event", ["undoes"])


def downgrade() -> None:
    op.drop_index("ix_action_event_undoes", "action_event")
    op.drop_index("ix_action_event_change_id", "action_event")
    op.drop_column("action_event", "undoes")
    op.drop_column("action_event", "change_id")
