"""Digest runs (claimed before posting, so each is posted once) and what a digest is made of."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import and_, bindparam, or_, text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Action,
    ActionEvent,
    Decision,
    DigestPart,
    DigestRun,
    Meeting,
)
from storage.queries.dialect import indexed_by, upsert


async def claim_run(
    session: AsyncSession,
    *,
    group_id: int,
    meeting_date: date,
    extraordinary: bool,
    slot: str,
    due_at: datetime,
    worker: str,
    now: datetime,
    lease: timedelta,
    dead_workers: Sequence[str] = (),
) -> DigestRun | None:
    """Take the run for this meeting and slot, or None if it is sent, skipped or being sent elsewhere.

    A new run is inserted as claimed (the unique slot decides between processes); a failed run, one whose
    claim has not been renewed within the lease (its process went quiet), or one claimed by a process
    known to be dead, is taken over by a conditional update."""
    inserted = await session.exec(
        upsert(session, DigestRun)
        .values(
            group_id=group_id,
            meeting_date=meeting_date,
            extraordinary=extraordinary,
            slot=slot,
            due_at=due_at,
            status="claimed",
            claimed_by=worker,
            claimed_at=now,
            attempts=1,
            updated_at=now,
        )
        .on_conflict_do_nothing()
    )
    run = (
        await session.exec(
            select(DigestRun).where(
                DigestRun.group_id == group_id,
                DigestRun.meeting_date == meeting_date,
                DigestRun.extraordinary == extraordinary,
                DigestRun.slot == slot,
            )
        )
    ).one()
    if inserted.rowcount == 1:
        return run
    takeover = await session.exec(
        update(DigestRun)
        .where(
            DigestRun.id == run.id,
            or_(
                DigestRun.status == "failed",
                and_(DigestRun.status == "claimed", DigestRun.claimed_at < now - lease),
                and_(DigestRun.status == "claimed", col(DigestRun.claimed_by).in_(list(dead_workers))),
            ),
        )
        .values(
            status="claimed",
            claimed_by=worker,
            claimed_at=now,
            attempts=DigestRun.attempts + 1,
            updated_at=now,
        )
    )
    if takeover.rowcount != 1:
        return None
    await session.refresh(run)
    return run


async def record_skip(
    session: AsyncSession,
    *,
    group_id: int,
    meeting_date: date,
    extraordinary: bool,
    slot: str,
    due_at: datetime,
    reason: str,
    now: datetime,
) -> bool:
    """Note a slot that will not be posted (its meeting has begun); False if it was already decided."""
    result = await session.exec(
        upsert(session, DigestRun)
        .values(
            group_id=group_id,
            meeting_date=meeting_date,
            extraordinary=extraordinary,
            slot=slot,
            due_at=due_at,
            status="skipped",
            attempts=0,
            error=reason,
            updated_at=now,
        )
        .on_conflict_do_nothing()
    )
    return result.rowcount == 1


async def run_for_slot(
    session: AsyncSession, group_id: int, meeting_date: date, extraordinary: bool, slot: str
) -> DigestRun | None:
    query = select(DigestRun).where(
        DigestRun.group_id == group_id,
        DigestRun.meeting_date == meeting_date,
        DigestRun.extraordinary == extraordinary,
        DigestRun.slot == slot,
    )
    return (await session.exec(query)).first()


async def run_by_id(session: AsyncSession, run_id: int) -> DigestRun | None:
    return await session.get(DigestRun, run_id)


async def runs_between(session: AsyncSession, start: date, end: date) -> list[DigestRun]:
    query = select(DigestRun).where(DigestRun.meeting_date >= start, DigestRun.meeting_date <= end)
    return list((await session.exec(query)).all())


async def renew_claim(session: AsyncSession, run_id: int, worker: str, now: datetime) -> bool:
    """The heartbeat of a run being posted: False if the claim is no longer this worker's."""
    result = await session.exec(
        update(DigestRun)
        .where(DigestRun.id == run_id, DigestRun.claimed_by == worker, DigestRun.status == "claimed")
        .values(claimed_at=now)
    )
    return result.rowcount == 1


async def claimed_workers(session: AsyncSession) -> list[str]:
    """Who holds the runs claimed now (to release those of processes that died)."""
    query = select(DigestRun.claimed_by).where(DigestRun.status == "claimed").distinct()
    return [w for w in (await session.exec(query)).all() if w]


async def parts_of(session: AsyncSession, run_id: int) -> dict[str, DigestPart]:
    query = select(DigestPart).where(DigestPart.run_id == run_id)
    return {part.key: part for part in (await session.exec(query)).all()}


async def claim_part(
    session: AsyncSession, run_id: int, key: str, channel: str | None, worker: str, now: datetime
) -> DigestPart:
    """The part, created if new, claimed for one more attempt (its attempts before this one say whether
    it may already have been posted)."""
    await session.exec(
        upsert(session, DigestPart)
        .values(run_id=run_id, key=key, status="pending", attempts=0, channel=channel, updated_at=now)
        .on_conflict_do_nothing()
    )
    part = (
        await session.exec(select(DigestPart).where(DigestPart.run_id == run_id, DigestPart.key == key))
    ).one()
    if part.status not in ("sent", "unreachable"):
        part.status, part.claimed_by, part.claimed_at = "claimed", worker, now
        part.attempts, part.channel, part.updated_at = part.attempts + 1, channel, now
    return part


async def finish_part(
    session: AsyncSession,
    part_id: int,
    now: datetime,
    *,
    ts: str | None = None,
    error: str | None = None,
    unreachable: bool = False,
) -> None:
    """Sent (with the message's id), failed (with why), or unreachable (never to be tried again)."""
    part = await session.get(DigestPart, part_id)
    part.status = "unreachable" if unreachable else "failed" if error else "sent"
    part.ts, part.error, part.updated_at = ts if not error else part.ts, error, now


# --- what a digest is made of -------------------------------------------------------------------

ACTION_COLUMNS = (Action.id, Action.ref, Action.area, Action.text, Action.owner, Action.due, Action.status)


async def _plain(session: AsyncSession, sql: str, params: dict | None = None) -> list[tuple]:
    # A digest reads thousands of rows: plain tuples, without the ORM's per-row work. Dates are read as
    # ISO text (CAST) on both databases.
    return list((await session.exec(text(sql), params=params or {})).all())


async def open_action_rows(session: AsyncSession, group_id: int) -> list[tuple]:
    """(id, ref, due ISO date, reported done, news ISO date) of a group's open actions, soonest due first
    (undated last)."""
    return await _plain(
        session,
        "SELECT id, ref, CAST(due AS VARCHAR), reported_done, CAST(news_on AS VARCHAR) "
        f"FROM action {indexed_by(session, 'ix_action_group_open')} "
        "WHERE group_id = :group AND status = 'open' ORDER BY due_sort, ref",
        {"group": group_id},
    )


async def open_owner_rows(session: AsyncSession, group_id: int) -> list[tuple]:
    """(action id, kind, name, key, role key, org key, owner name id) of the owners of a group's open
    actions, soonest due first. Owner rows carry their action's group, status and due date, and one
    covering index holds all of this, so it is read in order without touching the table."""
    return await _plain(
        session,
        "SELECT action_id, kind, name, key, role_key, org_key, owner_name_id "
        f"FROM action_owner {indexed_by(session, 'ix_action_owner_digest')} "
        "WHERE group_id = :group AND status = 'open' ORDER BY due_sort, action_id",
        {"group": group_id},
    )


async def resolved_owner_names(session: AsyncSession) -> dict[int, tuple[int, str]]:
    """Owner name id -> (member id, member name), for names that resolved to a member."""
    rows = await _plain(
        session, "SELECT n.id, n.member_id, m.name FROM owner_name n JOIN member m ON m.id = n.member_id"
    )
    return {name_id: (member_id, name) for name_id, member_id, name in rows}


async def action_details(session: AsyncSession, action_ids: list[int]) -> dict[int, tuple]:
    """id -> (text, area, owner cell) for the actions a digest shows in full."""
    out: dict[int, tuple] = {}
    query = text("SELECT id, text, area, owner FROM action WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    for start in range(0, len(action_ids), 900):
        rows = (await session.exec(query, params={"ids": action_ids[start : start + 900]})).all()
        for row in rows:
            out[row[0]] = tuple(row[1:])
    return out


async def closed_since(session: AsyncSession, group_id: int, since: datetime, until: datetime) -> list[tuple]:
    """Actions of the group closed (or confirmed) between two moments, and still closed, newest first."""
    closed_ids = select(ActionEvent.action_id).where(
        col(ActionEvent.kind).in_(("closed", "confirmed")), ActionEvent.at >= since, ActionEvent.at < until
    )
    query = (
        select(*ACTION_COLUMNS)
        .where(Action.group_id == group_id, Action.status == "closed", col(Action.id).in_(closed_ids))
        .order_by(col(Action.updated_at).desc())
    )
    return list((await session.exec(query)).all())


async def decisions_since(
    session: AsyncSession, group_id: int, since: date, until: date
) -> list[tuple[Decision, Meeting | None]]:
    """Decisions of the group made at meetings from `since` up to (not including) `until`, and those
    recorded with no meeting."""
    query = (
        select(Decision, Meeting)
        .join(Meeting, Meeting.id == Decision.meeting_id, isouter=True)
        .where(
            Decision.group_id == group_id,
            or_(and_(Meeting.date >= since, Meeting.date < until), col(Decision.meeting_id).is_(None)),
        )
        .order_by(Decision.id)
    )
    return list((await session.exec(query)).all())
