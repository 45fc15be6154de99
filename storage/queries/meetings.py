from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlalchemy.engine import Connection
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AgendaItem, Group, Meeting


async def meeting_by_number(session: AsyncSession, group_id: int, number: str) -> Meeting | None:
    return (
        await session.exec(select(Meeting).where(Meeting.group_id == group_id, Meeting.number == number))
    ).first()


async def meetings_on(session: AsyncSession, group_id: int, day: date) -> list[Meeting]:
    query = select(Meeting).where(Meeting.group_id == group_id, Meeting.date == day).order_by(Meeting.id)
    return list((await session.exec(query)).all())


async def meeting_by_id(session: AsyncSession, meeting_id: int) -> Meeting | None:
    return await session.get(Meeting, meeting_id)


async def replace_agenda(session: AsyncSession, meeting_id: int, items: list[AgendaItem]) -> None:
    await session.exec(delete(AgendaItem).where(AgendaItem.meeting_id == meeting_id))
    for item in items:
        item.meeting_id = meeting_id
        session.add(item)


async def agenda_of(session: AsyncSession, meeting_id: int) -> list[AgendaItem]:
    query = select(AgendaItem).where(AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position)
    return list((await session.exec(query)).all())


async def all_meetings(session: AsyncSession) -> list[tuple[Meeting, Group]]:
    query = (
        select(Meeting, Group)
        .join(Group, Group.id == Meeting.group_id)
        .order_by(Group.code, Meeting.date, col(Meeting.start), Meeting.id)
    )
    return list((await session.exec(query)).all())


async def meetings_between(session: AsyncSession, group_id: int, start: date, end: date) -> list[Meeting]:
    """Every meeting of a group between two dates, cancelled ones included (they still beat the cadence)."""
    query = (
        select(Meeting)
        .where(Meeting.group_id == group_id, Meeting.date >= start, Meeting.date <= end)
        .order_by(Meeting.date, col(Meeting.start), Meeting.id)
    )
    return list((await session.exec(query)).all())


async def last_held(session: AsyncSession, group_id: int, before: date) -> Meeting | None:
    query = (
        select(Meeting)
        .where(Meeting.group_id == group_id, Meeting.status == "held", Meeting.date < before)
        .order_by(col(Meeting.date).desc(), col(Meeting.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


def latest_held_dates(connection: Connection) -> dict[str, date]:
    """Group code -> the date of its latest meeting with a report (held)."""
    query = (
        select(Group.code, func.max(Meeting.date))
        .join(Group, Group.id == Meeting.group_id)
        .where(Meeting.status == "held")
        .group_by(Group.code)
    )
    return {code: day for code, day in connection.execute(query).all()}
