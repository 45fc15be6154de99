"""digest parts claimed one by one; handled requests; mentions kept once by a key

Each part of a digest (the channel message, each thread reply, each owner's direct message) becomes its
own claimed row, marked sent before the next is posted, so a run resumes from its first unsent part.
The runs' own ts / thread_done columns and the digest_delivery table are folded into it: a sent channel
message and sent direct messages carry over; a run caught between its thread replies and its direct
messages by this upgrade has its thread marked sent (parts 0-49, more than a digest ever has).

slack_event becomes handled_request: Slack event ids, and signatures of requests already applied, so a
replayed request is applied once.

Mentions get text_key, a digest of the passage's folded words, unique with the ref: a report repeating
a passage adds nothing, and an import no longer reads every stored passage of its refs to find out.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 10:00:00
"""

import hashlib
import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

THREAD_PARTS = 50


def _text_key(text: str) -> str:
    # As bot.text.passage_key computes it (kept here so the migration never changes with the code).
    text = unicodedata.normalize("NFKD", text or "").casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    folded = " ".join(re.findall(r"[0-9a-z]+", text))
    return hashlib.blake2b(folded.encode(), digest_size=10).hexdigest()


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
    connection = op.get_bind()

    op.create_table(
        "digest_part",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("claimed_by", sa.String(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(), nullable=True),
        sa.Column("ts", sa.String(), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["digest_run.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "key", name="uq_digest_part"),
    )
    parts = sa.table(
        "digest_part",
        sa.column("run_id", sa.Integer),
        sa.column("key", sa.String),
        sa.column("status", sa.String),
        sa.column("attempts", sa.Integer),
        sa.column("channel", sa.String),
        sa.column("ts", sa.String),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    carried = []
    for run_id, channel, ts, thread_done, updated_at in connection.execute(
        sa.text("SELECT id, channel, ts, thread_done, updated_at FROM digest_run WHERE ts IS NOT NULL")
    ):
        carried.append(
            dict(
                run_id=run_id,
                key="slack:channel",
                status="sent",
                attempts=1,
                channel=channel,
                ts=ts,
                updated_at=updated_at,
            )
        )
        if thread_done:
            carried += [
                dict(
                    run_id=run_id,
                    key=f"slack:thread:{i}",
                    status="sent",
                    attempts=1,
                    channel=channel,
                    ts=None,
                    updated_at=updated_at,
                )
                for i in range(THREAD_PARTS)
            ]
    for run_id, member_id, ts, updated_at in connection.execute(
        sa.text("SELECT run_id, member_id, ts, updated_at FROM digest_delivery WHERE status = 'sent'")
    ):
        carried.append(
            dict(
                run_id=run_id,
                key=f"slack:dm:{member_id}",
                status="sent",
                attempts=1,
                channel=None,
                ts=ts,
                updated_at=updated_at,
            )
        )
    if carried:
        op.bulk_insert(parts, carried)
    op.drop_table("digest_delivery")
    with op.batch_alter_table("digest_run") as batch_op:
        batch_op.drop_column("ts")
        batch_op.drop_column("thread_done")
        batch_op.drop_column("channel")

    op.rename_table("slack_event", "handled_request")
    with op.batch_alter_table("handled_request") as batch_op:
        batch_op.alter_column("event_id", new_column_name="key")
    connection.execute(sa.text("UPDATE handled_request SET key = 'event:' || key"))

    with op.batch_alter_table("mention") as batch_op:
        batch_op.add_column(sa.Column("text_key", sa.String(), nullable=True))
    seen: set[tuple[str, str]] = set()
    duplicates: list[int] = []
    keyed: list[dict] = []
    for mention_id, ref, text in connection.execute(sa.text("SELECT id, ref, text FROM mention ORDER BY id")):
        key = _text_key(text)
        if (ref, key) in seen:
            duplicates.append(mention_id)
        else:
            seen.add((ref, key))
            keyed.append({"id": mention_id, "key": key})
    if duplicates:
        connection.execute(sa.text("DELETE FROM mention WHERE id = :id"), [{"id": i} for i in duplicates])
    if keyed:
        connection.execute(sa.text("UPDATE mention SET text_key = :key WHERE id = :id"), keyed)
    with op.batch_alter_table("mention") as batch_op:
        batch_op.alter_column("text_key", existing_type=sa.String(), nullable=False)
        batch_op.drop_index("ix_mention_ref")
        batch_op.create_index("uq_mention_ref_text", ["ref", "text_key"], unique=True)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
    with op.batch_alter_table("mention") as batch_op:
        batch_op.drop_index("uq_mention_ref_text")
        batch_op.create_index("ix_mention_ref", ["ref"], unique=False)
        batch_op.drop_column("text_key")
    op.execute("DELETE FROM handled_request WHERE key NOT LIKE 'event:%'")
    op.execute("UPDATE handled_request SET key = substr(key, 7)")
    with op.batch_alter_table("handled_request") as batch_op:
        batch_op.alter_column("key", new_column_name="event_id")
    op.rename_table("handled_request", "slack_event")
    with op.batch_alter_table("digest_run") as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("ts", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("thread_done", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "digest_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("ts", sa.String(), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["digest_run.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "member_id", name="uq_digest_delivery"),
    )
    op.drop_table("digest_part")
