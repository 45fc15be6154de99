from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Group


async def group_codes(session: AsyncSession) -> set[str]:
    return set((await session.exec(select(Group.code))).all())


async def group_by_code(session: AsyncSession, code: str) -> Group | None:
    return (await session.exec(select(Group).where(Group.code == code.upper()))).first()


async def all_groups(session: AsyncSession) -> list[Group]:
    return list((await session.exec(select(Group).order_by(Group.code))).all())


async def ensure_group(
    session: AsyncSession,
    code: str,
    name: str | None = None,
    cadence: tuple[int, int, str] | None = None,
) -> Group:
    """The group with this code, created (with its usual cadence, if known) the first time it is seen."""
    group = await group_by_code(session, code)
    if group is None:
        week, weekday, time = cadence or (None, None, None)
        group = Group(
            code=code.upper(),
            name=name,
            ref_prefix=code.upper(),
            cadence_week=week,
            cadence_weekday=weekday,
            cadence_time=time,
        )
        session.add(group)
        await session.flush()
    elif name and not group.name:
        group.name = name
    return group
