from __future__ import annotations

import re
from datetime import date

from sqlalchemy import Integer, String, bindparam, null, text, union_all
from sqlalchemy import select as core_select
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Attendance, Group, Meeting, Member, MemberAlias, MemberGroup, OwnerName


async def all_members(session: AsyncSession) -> list[Member]:
    return list((await session.exec(select(Member).order_by(Member.name, Member.id))).all())


async def member_by_id(session: AsyncSession, member_id: int) -> Member | None:
    return await session.get(Member, member_id)


async def member_by_slack_id(session: AsyncSession, slack_user_id: str) -> Member | None:
    return (await session.exec(select(Member).where(Member.slack_user_id == slack_user_id))).first()


async def member_by_user(session: AsyncSession, platform: str, user_id: str) -> Member | None:
    """The member linked to a user of a chat platform (slack or teams)."""
    column = Member.slack_user_id if platform == "slack" else Member.teams_user_id
    return (await session.exec(select(Member).where(column == user_id))).first()


async def all_aliases(session: AsyncSession) -> list[MemberAlias]:
    return list((await session.exec(select(MemberAlias))).all())


async def alias_by_key(session: AsyncSession, key: str) -> MemberAlias | None:
    return (await session.exec(select(MemberAlias).where(MemberAlias.key == key))).first()


async def add_alias(session: AsyncSession, member_id: int, alias: str, key: str) -> None:
    existing = await alias_by_key(session, key)
    if existing is None:
        session.add(MemberAlias(member_id=member_id, alias=alias, key=key))
    elif existing.member_id != member_id:
        raise ValueError(f"the alias {alias!r} already belongs to another member")


async def add_to_group(session: AsyncSession, member_id: int, group_id: int) -> None:
    found = await session.get(MemberGroup, (member_id, group_id))
    if found is None:
        session.add(MemberGroup(member_id=member_id, group_id=group_id))


async def group_ids_of(session: AsyncSession, member_id: int) -> set[int]:
    query = select(MemberGroup.group_id).where(MemberGroup.member_id == member_id)
    return set((await session.exec(query)).all())


# A member's groups (their codes) and the owner names that are theirs, in one statement: asked at every
# request, for whoever asks, as three (with every group read whole) they were a fifth of its round trips.
_BELONGINGS = union_all(
    core_select(Group.code, null().cast(Integer))
    .join(MemberGroup, MemberGroup.group_id == Group.id)
    .where(MemberGroup.member_id == bindparam("member_id")),
    core_select(null().cast(String), OwnerName.id).where(OwnerName.member_id == bindparam("member_id")),
)


async def belongings_of(session: AsyncSession, member_id: int) -> tuple[frozenset[str], list[int]]:
    """The codes of the member's groups, and the ids of the owner names that are theirs (in id order)."""
    connection = await session.connection()
    codes, owner_name_ids = set(), []
    for code, owner_name_id in await connection.execute(_BELONGINGS, {"member_id": member_id}):
        if code is not None:
            codes.add(code)
        else:
            owner_name_ids.append(owner_name_id)
    owner_name_ids.sort()
    return frozenset(codes), owner_name_ids


async def attendance(session: AsyncSession, meeting_id: int, member_id: int) -> Attendance | None:
    query = select(Attendance).where(Attendance.meeting_id == meeting_id, Attendance.member_id == member_id)
    return (await session.exec(query)).first()


async def last_attended(session: AsyncSession, member_id: int) -> date | None:
    query = (
        select(func.max(Meeting.date))
        .join(Attendance, Attendance.meeting_id == Meeting.id)
        .where(Attendance.member_id == member_id)
    )
    return (await session.exec(query)).first()


async def change_counters(session: AsyncSession) -> dict[str, int]:
    """How many times members (with their aliases) and groups have changed: kept by triggers, so a
    process can tell in one read whether what it holds in memory is still right."""

    return dict((await session.exec(text("SELECT name, value FROM change_counter"))).all())


async def attendance_at(session: AsyncSession, meeting_id: int) -> list[tuple[Member, Attendance]]:
    """Who a meeting's report lists, in the order it lists them."""
    query = (
        select(Member, Attendance)
        .join(Attendance, Attendance.member_id == Member.id)
        .where(Attendance.meeting_id == meeting_id)
        .order_by(Attendance.id)
    )
    return list((await session.exec(query)).all())


async def last_seen(session: AsyncSession, member_id: int) -> tuple[Attendance, Meeting] | None:
    """A member's latest attendance record and its meeting."""
    query = (
        select(Attendance, Meeting)
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .where(Attendance.member_id == member_id)
        .order_by(Meeting.date.desc(), Meeting.id.desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def last_seen_of(session: AsyncSession, member_ids: list[int]) -> dict[int, tuple[Attendance, Meeting]]:
    """Each member's latest attendance record and its meeting, in one statement (a role's holders
    number hundreds in a large programme: a statement each was most of the answer's time)."""
    if not member_ids:
        return {}
    rank = (
        func.row_number()
        .over(partition_by=Attendance.member_id, order_by=(Meeting.date.desc(), Meeting.id.desc()))
        .label("rank")
    )
    ranked = (
        select(Attendance.id.label("attendance_id"), rank)
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .where(col(Attendance.member_id).in_(member_ids))
        .subquery()
    )
    query = (
        select(Attendance, Meeting)
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .join(ranked, ranked.c.attendance_id == Attendance.id)
        .where(ranked.c.rank == 1)
    )
    return {
        attendance.member_id: (attendance, meeting)
        for attendance, meeting in (await session.exec(query)).all()
    }


async def members_seen(
    session: AsyncSession, member_ids: list[int], limit: int
) -> tuple[list[tuple[Member, tuple | None]], int]:
    """The `limit` most recently seen of the members (then by name), each with their latest attendance
    and its meeting (None if no report lists them), and how many members there are in all. Ordered
    from plain columns first: a role in a large programme has hundreds of holders, and loading each as
    a member with their attendance was most of the answer's time."""
    if not member_ids:
        return [], 0
    latest = (
        select(Member.id, Member.name, func.max(Meeting.date))
        .join(Attendance, Attendance.member_id == Member.id, isouter=True)
        .join(Meeting, Meeting.id == Attendance.meeting_id, isouter=True)
        .where(col(Member.id).in_(member_ids))
        .group_by(Member.id, Member.name)
    )
    rows = (await session.exec(latest)).all()
    ordered = sorted(rows, key=lambda row: (row[2] is None, -(row[2].toordinal() if row[2] else 0), row[1]))
    chosen = [row[0] for row in ordered[:limit]]
    members = {m.id: m for m in (await session.exec(select(Member).where(col(Member.id).in_(chosen)))).all()}
    seen = await last_seen_of(session, chosen)
    return [(members[i], seen.get(i)) for i in chosen if i in members], len(rows)


async def chairs(session: AsyncSession, group_id: int | None) -> list[tuple[Member, tuple]]:
    """Who chaired the group's meetings, latest first (each member once): those listed under "Chair" or
    with a chair's role in a report's attendance."""
    if group_id is None:
        return []
    query = (
        select(Member, Attendance, Meeting)
        .join(Attendance, Attendance.member_id == Member.id)
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .where(Meeting.group_id == group_id, Attendance.status == "attended")
        .order_by(Meeting.date.desc(), Attendance.id)
    )
    out: dict[int, tuple[Member, tuple]] = {}
    for member, attendance, meeting in (await session.exec(query)).all():
        section = (attendance.section or "").lower()
        role = (attendance.role or member.role or "").lower()
        if ("chair" in section or re.search(r"\bchair", role) or member.is_chair) and member.id not in out:
            out[member.id] = (member, (attendance, meeting))
    return list(out.values())
