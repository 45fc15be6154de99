"""Digest runs (claimed before posting, so each is posted once) and what a digest is made of."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import and_, bindparam, func, or_, text, union, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Action,
    ActionEvent,
    ActionOwner,
    Decision,
    DigestPart,
    DigestRun,
    Meeting,
    OwnerName,
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
    if part.status not in ("sent", "unreachable", "unconfirmed"):
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
    unconfirmed: bool = False,
) -> None:
    """Sent (with the message's id), failed (with why), unreachable or unconfirmed (sent as often as it
    may be, never heard back): the last two are never tried again."""
    part = await session.get(DigestPart, part_id)
    if unconfirmed:
        part.status, error = "unconfirmed", "sent twice without confirmation"
    else:
        part.status = "unreachable" if unreachable else "failed" if error else "sent"
    part.ts, part.error, part.updated_at = ts if not error or unconfirmed else part.ts, error, now


async def count_send(session: AsyncSession, part_id: int, most: int) -> bool:
    """One more send of a part that cannot be looked up, if it has had fewer than `most`."""
    result = await session.exec(
        update(DigestPart)
        .where(DigestPart.id == part_id, DigestPart.sends < most)
        .values(sends=DigestPart.sends + 1)
    )
    return result.rowcount == 1


async def uncount_send(session: AsyncSession, part_id: int) -> None:
    """A send the server refused (it reached nobody): not counted after all."""
    await session.exec(
        update(DigestPart)
        .where(DigestPart.id == part_id, DigestPart.sends > 0)
        .values(sends=DigestPart.sends - 1)
    )


# --- what a digest is made of -------------------------------------------------------------------

ACTION_COLUMNS = (Action.id, Action.ref, Action.area, Action.text, Action.owner, Action.due, Action.status)


async def _plain(session: AsyncSession, sql: str, params: dict | None = None) -> list[tuple]:
    # A digest reads thousands of rows: plain tuples, without the ORM's per-row work. Dates are read as
    # ISO text (CAST) on both databases.
    return list((await session.exec(text(sql), params=params or {})).all())


LISTS = ("overdue", "attention", "no_news", "reported", "due_before_meeting")


def _open_where(name: str) -> str:
    """Which of a group's open actions each of a digest's lists holds, as SQL on `action`.

    overdue: past due and not reported done; no_news: overdue with nothing heard since its due date (no
    news, or news no later than it), though the group has met with a report since; attention: overdue
    with news; reported: reported done, awaiting confirmation; due_before_meeting: due from today to the
    meeting day and not reported done. Each is a range of ix_action_digest (group, status, reported
    done, sortable due date), whose due and news_on columns tell "no news" without the table."""
    overdue = "reported_done = :no AND due_sort < :today"
    quiet = "due_sort < :latest AND (news_on IS NULL OR news_on <= due)"
    return {
        "open": "",
        "overdue": f"AND {overdue}",
        "no_news": f"AND {overdue} AND {quiet}",
        "attention": f"AND {overdue} AND NOT ({quiet})",
        "reported": "AND reported_done = :yes",
        "due_before_meeting": "AND reported_done = :no AND due_sort >= :today AND due_sort <= :meeting",
    }[name]


def _open_params(group_id: int, today: date, meeting_date: date, latest_report: date) -> dict:
    # Sortable due dates are ISO text (undated: 9999-12-31), so text comparison is date order.
    return {
        "group": group_id,
        "today": today.isoformat(),
        "meeting": meeting_date.isoformat(),
        "latest": latest_report.isoformat(),
        "yes": True,
        "no": False,
    }


async def open_counts(
    session: AsyncSession, group_id: int, today: date, meeting_date: date, latest_report: date
) -> dict[str, int]:
    """How many of the group's open actions there are, and how many each list holds: each count is a
    range of one index, read without the table. Attention is overdue less no news."""
    index = indexed_by(session, "ix_action_digest")
    source = f"FROM action {index} WHERE group_id = :group AND status = 'open'"
    counted = ("open", "overdue", "no_news", "reported", "due_before_meeting")
    sql = "SELECT " + ", ".join(f"(SELECT count(*) {source} {_open_where(name)})" for name in counted)
    row = (await _plain(session, sql, _open_params(group_id, today, meeting_date, latest_report)))[0]
    counts = dict(zip(counted, (int(value) for value in row), strict=True))
    counts["attention"] = counts["overdue"] - counts["no_news"]
    return counts


async def open_listed(
    session: AsyncSession,
    group_id: int,
    name: str,
    limit: int,
    *,
    today: date,
    meeting_date: date,
    latest_report: date,
) -> list[tuple]:
    """(id, ref, due, reported done) of the first `limit` of a list's actions (see _open_where), soonest
    due first (undated last)."""
    index = "ix_action_group_open" if name == "open" else "ix_action_digest"
    sql = (
        f"SELECT id, ref, due, reported_done FROM action {indexed_by(session, index)} "
        f"WHERE group_id = :group AND status = 'open' {_open_where(name)} ORDER BY due_sort, ref LIMIT :limit"
    )
    params = _open_params(group_id, today, meeting_date, latest_report) | {"limit": limit}
    return await _plain(session, sql, params)


OWNER_KEY = ("kind", "owner_name_id", "role_key", "org_key", "key")  # one owner, as the rows name it
OWNERS_PER_STATEMENT = 100


async def open_by_owner(session: AsyncSession, group_id: int) -> list[tuple]:
    """Each owner of the group's open actions, as (kind, owner name id, role key, org key, key, a name as
    written, how many, the name of the member it resolved to): one grouped walk of
    ix_action_owner_rollup, which holds the owner rows in owner order, so nothing is sorted; the members'
    names are joined to the few grouped rows after."""
    columns = ", ".join(OWNER_KEY)
    sql = (
        "SELECT owned.*, m.name FROM ("
        f"SELECT {columns}, min(name) AS written, count(*) AS total "
        f"FROM action_owner {indexed_by(session, 'ix_action_owner_rollup')} "
        f"WHERE group_id = :group AND status = 'open' GROUP BY {columns}"
        ") AS owned LEFT JOIN owner_name n ON n.id = owned.owner_name_id "
        "LEFT JOIN member m ON m.id = n.member_id"
    )
    return await _plain(session, sql, {"group": group_id})


async def owner_refs(
    session: AsyncSession, group_id: int, owners: list[tuple], limit: int
) -> list[list[tuple]]:
    """For each owner (as open_by_owner gives it: its first five values), (sortable due date, ref) of
    their first `limit` open actions in the group, soonest due first. One statement for them all: each
    owner's part is a short walk of ix_action_owner_rollup."""
    if len(owners) > OWNERS_PER_STATEMENT:  # SQLite takes at most 500 parts in one compound SELECT
        head = await owner_refs(session, group_id, owners[:OWNERS_PER_STATEMENT], limit)
        return head + await owner_refs(session, group_id, owners[OWNERS_PER_STATEMENT:], limit)
    if not owners:
        return []
    params: dict = {"group": group_id, "limit": limit}
    parts = []
    for number, owner in enumerate(owners):
        tests = []
        for column, value in zip(OWNER_KEY, owner, strict=False):
            if value is None:
                tests.append(f"o.{column} IS NULL")  # written so, the index still serves it
            else:
                tests.append(f"o.{column} = :{column}_{number}")
                params[f"{column}_{number}"] = value
        parts.append(
            f"SELECT * FROM (SELECT {number} AS owner, o.due_sort AS due_sort, a.ref AS ref "
            f"FROM action_owner AS o {indexed_by(session, 'ix_action_owner_rollup')} "
            "JOIN action AS a ON a.id = o.action_id "
            f"WHERE o.group_id = :group AND o.status = 'open' AND {' AND '.join(tests)} "
            "ORDER BY o.due_sort, o.action_id LIMIT :limit) AS part"
        )
    found: list[list[tuple]] = [[] for _ in owners]
    for number, due_sort, ref in await _plain(session, " UNION ALL ".join(parts), params):
        found[number].append((due_sort, ref))
    return found


async def open_without_owner(session: AsyncSession, group_id: int, listed: int) -> tuple[int, list[str]]:
    """How many of the group's open actions name no owner, and the first `listed` refs. Counted as the
    open actions less those with a first owner row (one index range each); listed only if there are any."""
    sql = (
        f"SELECT (SELECT count(*) FROM action {indexed_by(session, 'ix_action_digest')} "
        "WHERE group_id = :group AND status = 'open') - "
        f"(SELECT count(*) FROM action_owner {indexed_by(session, 'ix_action_owner_first')} "
        "WHERE group_id = :group AND status = 'open' AND position = 0)"
    )
    count = int((await _plain(session, sql, {"group": group_id}))[0][0])
    if count <= 0:
        return 0, []
    rows = await _plain(
        session,
        "SELECT a.ref FROM action a WHERE a.group_id = :group AND a.status = 'open' "
        "AND NOT EXISTS (SELECT 1 FROM action_owner o WHERE o.action_id = a.id) "
        "ORDER BY a.due_sort, a.ref LIMIT :listed",
        {"group": group_id, "listed": listed},
    )
    return count, [ref for (ref,) in rows]


async def open_owned_by(
    session: AsyncSession,
    group_id: int,
    member_id: int,
    role_keys: Sequence[str],
    limit: int,
    *,
    due_on: date | None = None,
) -> tuple[int, list[tuple]]:
    """A member's open actions in the group: those naming them as an owner and those owned by a role they
    hold (`due_on`: only those due that day, not reported done). Their number, and (id, ref, due,
    reported done) of the first `limit`, soonest due first."""
    in_group = and_(ActionOwner.group_id == group_id, ActionOwner.status == "open")
    if due_on is not None:
        in_group = and_(in_group, ActionOwner.due_sort == due_on.isoformat())
    named = (
        select(ActionOwner.action_id)
        .join(OwnerName, OwnerName.id == ActionOwner.owner_name_id)
        .where(in_group, ActionOwner.kind == "person", OwnerName.member_id == member_id)
    )
    ids = named
    if role_keys:
        by_role = select(ActionOwner.action_id).where(
            in_group, ActionOwner.kind == "role", col(ActionOwner.role_key).in_(list(role_keys))
        )
        ids = union(named, by_role)
    owned = ids.subquery()
    chosen = col(Action.id).in_(select(owned.c.action_id))
    if due_on is not None:
        chosen = and_(chosen, Action.reported_done == False)  # noqa: E712  (SQL, not Python)
        count = select(func.count()).select_from(Action).where(chosen)
    else:
        count = select(func.count()).select_from(owned)
    total = (await session.exec(count)).one()
    if not total:
        return 0, []
    rows = await session.exec(
        select(Action.id, Action.ref, Action.due, Action.reported_done)
        .where(chosen)
        .order_by(Action.due_sort, Action.ref)
        .limit(limit)
    )
    return int(total), list(rows.all())


async def due_days(session: AsyncSession, group_id: int, start: date, end: date) -> list[date]:
    """The days from `start` to `end` on which some open action of the group falls due (not reported done:
    its owner has said it is delivered), each once."""
    query = (
        select(Action.due)
        .where(
            Action.group_id == group_id,
            Action.status == "open",
            Action.reported_done == False,  # noqa: E712  (SQL, not Python)
            Action.due >= start,
            Action.due <= end,
        )
        .distinct()
        .order_by(Action.due)
    )
    return [d if isinstance(d, date) else date.fromisoformat(d) for d in (await session.exec(query)).all()]


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
