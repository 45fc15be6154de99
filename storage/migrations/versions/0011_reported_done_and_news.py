"""actions reported done and their latest news

reported_done: the latest update of an open action reports delivery ("Issued alongside meeting
Headline Report"); it stays open until confirmed but is not overdue. news_on: the last day anything was
heard of the action (a report listing it, a change in chat), so an action past due with no news since
can be told from one with news.

Existing actions are filled in from their history: reported_done from the newest update with the
vocabulary of this version (frozen below), news_on from reported_on and the last change
made outside reports.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 14:00:00
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What an update reporting delivery said, frozen as at this revision (the live vocabulary,
# bot/record/updates.py, may grow; an old migration must not change with it).
DELIVERY_PHRASES = (
    "issued",
    "uploaded",
    "attached",
    "shared",
    "circulated",
    "published",
    "provided",
    "sent",
    "distributed",
    "e-?mailed",
    "presented",
    "delivered",
    "submitted",
    "posted",
    "actioned",
    "(?:has|have) been (?:done|updated|added|amended|raised|answered|responded to|arranged|scheduled)",
    "(?:was|were) (?:done|updated|added|amended|raised|answered|arranged|scheduled)",
    "made available",
    "now available",
    "added to the (?:collaboration base|raid log|agenda|website|dpmo)",
    "(?:responded|replied) to",
    "meeting (?:was )?held",
    "(?:met|held a meeting|took place) on",
    "(?:see|in|with|within|alongside|included in|included with|attached to|part of) "
    "(?:the |this |meeting |tmag |our )*(?:full )?"
    "(?:headline report|minutes|meeting papers|slide pack|slides)",
    "^done\\b",
)
NOT_YET = re.compile(
    r"\b(not|no|isn't|wasn't|hasn't|haven't|aren't|weren't|never|yet to be|to be|pending|once|when|"
    r"until|awaiting|await|partially|partly|almost|nearly|proposed|propose|recommended|recommend|"
    r"requested|request|due to be|will|shall|can be|could be|should be|must be|would be|before|if|"
    r"unless|plan to|planning to|intend to|expected to|expect to|going to|ahead of)\b[^.;]{0,30}$",
    re.IGNORECASE,
)
WINDOW = 40  # characters before a phrase in which a negation counts
DELIVERED = re.compile(
    "|".join(f"(?:{a})" if a.startswith("^") else rf"(?:\b(?:{a})\b)" for a in DELIVERY_PHRASES),
    re.IGNORECASE | re.MULTILINE,
)


def reports_delivery(text: str | None) -> bool:
    """Whether an update says the action was delivered, with nothing just before negating it."""
    for found in DELIVERED.finditer(text or ""):
        if not NOT_YET.search((text or "")[max(0, found.start() - WINDOW) : found.start()]):
            return True
    return False


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
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
    done = [{"id": i} for i, text in latest.items() if text and reports_delivery(text)]
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
