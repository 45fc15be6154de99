"""Upcoming meetings from the database and each group's cadence (its rules are in bot.calendar.cadence)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.calendar.cadence import DEFAULT_CADENCES, CalendarMeeting, build_calendar, upcoming
from bot.conversation.groups import which_group
from bot.record.dates import parse_date
from storage.models import Group
from storage.queries import groups as group_queries
from storage.queries import meetings as meeting_queries

HORIZON = timedelta(days=400)


def known_group(code: str) -> Group | None:
    """A programme group with a known cadence (PSG, DAG...) that no report has named yet: its meetings
    are the cadence's, so "when is the next PSG" has an answer before the first PSG report arrives."""
    cadence = DEFAULT_CADENCES.get(code.upper())
    if cadence is None:
        return None
    week, weekday, time = cadence
    return Group(
        code=code.upper(),
        ref_prefix=code.upper(),
        cadence_week=week,
        cadence_weekday=weekday,
        cadence_time=time,
    )


async def groups_of(session: AsyncSession, group_code: str | None = None) -> list[Group]:
    """One group (from the database, else one with a known cadence) or every group in the database."""
    if not group_code:
        return await group_queries.all_groups(session)
    group = await group_queries.group_by_code(session, group_code) or known_group(group_code)
    return [group] if group else []


async def upcoming_meetings(
    session: AsyncSession, now: datetime, group_code: str | None = None, *, horizon: timedelta = HORIZON
) -> list[CalendarMeeting]:
    """Meetings not yet over, soonest first, for one group or all of them."""
    groups = await groups_of(session, group_code)
    today = now.date()
    first_of_month = date(today.year, today.month, 1)
    out: list[CalendarMeeting] = []
    for group in groups:
        known = (
            await meeting_queries.meetings_between(session, group.id, first_of_month, today + horizon)
            if group.id is not None
            else []
        )
        out += build_calendar(group, known, first_of_month, today + horizon)
    return sorted(upcoming(out, now), key=lambda m: (m.starts_at, m.group))


class MeetingNotFound(LookupError):
    """A meeting that cannot be found: the message says which, in one line."""


async def find_meeting(
    session: AsyncSession, group_code: str | None, wanted: str | None, now: datetime
) -> tuple[Group, CalendarMeeting]:
    """The meeting `wanted` names ("next", a number like 22 or #022, or a date), with its group (as
    named, else as bot/conversation/groups.py decides when none is)."""

    codes = await group_queries.group_codes(session)
    code = (group_code or which_group(codes) or "").upper()
    if not code:
        raise MeetingNotFound(f"which group's meeting? Name one of {', '.join(sorted(codes))}")
    found = await groups_of(session, code)
    if not found:
        raise MeetingNotFound(f"I don't know the group {code}")
    group = found[0]
    wanted = (wanted or "next").strip()
    if wanted.lower() == "next":
        coming = await upcoming_meetings(session, now, code)
        if not coming:
            raise MeetingNotFound(f"no upcoming {code} meeting is known")
        return group, coming[0]
    day = parse_date(wanted)
    if day is None:
        meeting = (
            await meeting_queries.meeting_by_number(session, group.id, wanted.lstrip("#").lstrip("0") or "0")
            if group.id is not None
            else None
        )
        if meeting is None:
            raise MeetingNotFound(f"no {code} meeting numbered {wanted}")
        day = meeting.date
    known = (
        await meeting_queries.meetings_between(session, group.id, day.replace(day=1), day)
        if group.id is not None
        else []
    )
    on_the_day = [m for m in build_calendar(group, known, day, day) if m.date == day]
    if not on_the_day:
        raise MeetingNotFound(f"no {code} meeting on {day:%d %B %Y}")
    return group, on_the_day[0]
