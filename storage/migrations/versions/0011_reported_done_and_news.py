"""actions reported done and their latest news

reported_done: the latest update of an open action reports delivery ("Issued alongside meeting
Headline Report"); it stays open until confirmed but is not overdue. news_on: the last day anything was
heard of the action (a report listing it, a change in chat), so an action past due with no news since
can be told from one with news.

Existing actions are filled in from their history: reported_done from the newest update with the
vocabulary of this version (bot/data/reported_done.txt), news_on from reported_on and the last change
made outside reports.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
    from bot.record.updates import update_reports_delivery

    # Plain ADD COLUMN: a rebuilt table would lose the triggers and the computed due_sort column.
    op.add_column(
        "action", sa.Column("reported_done", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("action", sa.Column("news_on", sa.Date(), nullable=True))
    connection = op.get_bind()
    latest: dict[int, str | None] = {}
    chat: dict[int, str] = {}
    rows = connection.execute(
        sa.text(
            "SELECT action_id, kind, text, at, source_document_id FROM action_event "
            "ORDER BY action_id, at, id"
        )
    )
    for action_id, kind, text, at, document_id in rows:
        if kind in ("updated", "closed", "reopened"):
            latest[action_id] = text if kind == "updated" else None
        if document_id is None and at is not None:
            chat[action_id] = str(at)[:10]
    done = [{"id": i} for i, text in latest.items() if text and update_reports_delivery(text)]
    if done:
        connection.execute(
            sa.text("UPDATE action SET reported_done = 1 WHERE id = :id AND status = 'open'"), done
        )
    connection.execute(sa.text("UPDATE action SET news_on = reported_on"))
    later = [{"id": i, "day": day} for i, day in chat.items()]
    if later:
        connection.execute(
            sa.text(
                "UPDATE action SET news_on = :day WHERE id = :id AND (news_on IS NULL OR news_on < :day)"
            ),
            later,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
    op.drop_column("action", "news_on")
    op.drop_column("action", "reported_done")
