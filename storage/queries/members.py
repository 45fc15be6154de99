from __future__ import annotations

from datetime import date

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Attendance, Meeting, Member, MemberAlias, MemberGroup


async def all_members(session: AsyncSession) -> list[Member]:
    return list((await session.exec(select(Member).order_by(Member.name, Member.id))).all())


async def member_by_id(session: AsyncSession, member_id: int) -> Member | None:
    return await session.get(Member, member_id)


async def member_by_slack_id(session: AsyncSession, slack_user_id: str) -> Member | None:
    return (await session.exec(select(Member).where(Member.slack_user_id == slack_user_id))).first()


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
    from sqlalchemy import text

    return dict((await session.exec(text("SELECT name, value FROM change_counter"))).all())
