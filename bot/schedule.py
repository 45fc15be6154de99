"""Upcoming meetings from the database and each group's cadence (the calendar's rules are in bot.calendar)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.calendar import CalendarMeeting, build_calendar, upcoming
from storage.queries import groups as group_queries
from storage.queries import meetings as meeting_queries

HORIZON = timedelta(days=400)


async def upcoming_meetings(
    session: AsyncSession, now: datetime, group_code: str | None = None, *, horizon: timedelta = HORIZON
) -> list[CalendarMeeting]:
    """Meetings not yet over, soonest first, for one group or all of them."""
    if group_code:
        group = await group_queries.group_by_code(session, group_code)
        groups = [group] if group else []
    else:
        groups = await group_queries.all_groups(session)
    today = now.date()
    first_of_month = date(today.year, today.month, 1)
    out: list[CalendarMeeting] = []
    for group in groups:
        known = await meeting_queries.meetings_between(session, group.id, first_of_month, today + horizon)
        out += build_calendar(group, known, first_of_month, today + horizon)
    return sorted(upcoming(out, now), key=lambda m: (m.starts_at, m.group))
