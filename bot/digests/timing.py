"""When a digest is due: N UK working days before the meeting at the group's digest time (09:00 by
default), and a short reminder on the day (08:30); and when owners are reminded of actions falling
due: the group's `due_reminder_days` UK working days before the due date (3 by default), at its digest
time. Weekends and England and Wales bank holidays are not working days (the `holidays` package keeps
the list); nothing is scheduled between 01:00 and 03:00, where the clocks change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

from bot.calendar.cadence import CalendarMeeting
from bot.calendar.clock import london_datetime
from bot.calendar.schedule import groups_of, upcoming_meetings
from storage.models import Group

DIGEST = "digest"
REMINDER = "reminder"
DUE = "due"  # a due-date reminder: each owner's actions falling due on one day
CLOCK_CHANGE_START, CLOCK_CHANGE_END = "01:00", "03:00"


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=[year])


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def working_days_before(day: date, count: int) -> date:
    """The day `count` UK working days before `day` (Wednesday 3 January 2024, 2 -> Friday 29 December)."""
    current, found = day, 0
    while found < count:
        current -= timedelta(days=1)
        if is_working_day(current):
            found += 1
    return current


def safe_time(hhmm: str) -> str:
    """A time of day clear of the hours the clocks change in (01:00-03:00 becomes 03:00)."""
    return CLOCK_CHANGE_END if CLOCK_CHANGE_START <= hhmm < CLOCK_CHANGE_END else hhmm


@dataclass(frozen=True)
class DigestSlot:
    """A moment something is posted: a meeting's digest or its reminder on the day, or the reminder of
    the actions falling due on one day (`due`, with no meeting)."""

    group_id: int
    group: str
    meeting: CalendarMeeting | None
    slot: str  # digest | reminder | due
    at: datetime  # London time
    due: date | None = None  # a due-date reminder's day

    @property
    def day(self) -> date:
        """The day it is about: its meeting's, or the day its actions fall due."""
        return self.meeting.date if self.meeting is not None else self.due

    @property
    def extraordinary(self) -> bool:
        return self.meeting is not None and self.meeting.extraordinary

    @property
    def deadline(self) -> datetime:
        """When it is too late to post it: its meeting's start, or the start of the due day."""
        if self.meeting is not None:
            return self.meeting.starts_at
        return london_datetime(self.due, "00:00")

    @property
    def key(self) -> str:
        if self.meeting is None:
            return f"{self.group}:{self.due.isoformat()}:{self.slot}"
        kind = "x" if self.meeting.extraordinary else "o"
        return f"{self.group}:{self.meeting.date.isoformat()}:{kind}:{self.slot}"


def slots_for(group: Group, meeting: CalendarMeeting) -> list[DigestSlot]:
    day = working_days_before(meeting.date, max(0, group.digest_days_before))
    slots = [
        DigestSlot(group.id, group.code, meeting, DIGEST, london_datetime(day, safe_time(group.digest_time)))
    ]
    if group.reminder_time:
        at = london_datetime(meeting.date, safe_time(group.reminder_time))
        if at < meeting.starts_at and at > slots[0].at:
            slots.append(DigestSlot(group.id, group.code, meeting, REMINDER, at))
    return slots


def due_slot(group: Group, due: date) -> DigestSlot | None:
    """When owners are reminded of the group's actions due on `due` (None: the group sends none)."""
    if not group.due_reminder_days:
        return None
    day = working_days_before(due, group.due_reminder_days)
    return DigestSlot(
        group.id, group.code, None, DUE, london_datetime(day, safe_time(group.digest_time)), due
    )


async def upcoming_with_digests(session, now: datetime, group_code: str | None = None) -> list[tuple]:
    """Upcoming meetings, each with its digest slots: (meeting, [slot, ...])."""

    groups = {g.code: g for g in await groups_of(session, group_code)}
    out = []
    for meeting in await upcoming_meetings(session, now, group_code):
        group = groups.get(meeting.group)
        out.append((meeting, slots_for(group, meeting) if group else []))
    return out
