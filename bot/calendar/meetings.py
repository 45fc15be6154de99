"""Meetings added, moved or cancelled by the secretariat between reports (the commands that do it, such
as `meeting move 2023-09-20 to 2023-09-27 14:00`, are read in bot.conversation.commands)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.calendar.cadence import DEFAULT_CADENCES, build_calendar
from bot.calendar.clock import Clock
from bot.people.identity import Person
from storage.db import Database
from storage.models import Meeting
from storage.queries import groups as group_queries
from storage.queries import meetings as meeting_queries

# Called after any change to the calendar (the digest scheduler listens here).
calendar_listeners: list = []


@dataclass
class MeetingChange:
    ok: bool
    message: str
    meeting_id: int | None = None


async def add_meeting(
    db: Database,
    person: Person,
    clock: Clock,
    *,
    group_code: str,
    day: date,
    start: str | None,
    end: str | None,
    extraordinary: bool,
) -> MeetingChange:
    if not person.is_secretariat:
        return MeetingChange(False, "Only the secretariat can add meetings.")
    async with db.write() as session:
        group = await group_queries.ensure_group(session, group_code, None, DEFAULT_CADENCES.get(group_code))
        for existing in await meeting_queries.meetings_on(session, group.id, day):
            if existing.status != "cancelled" and existing.extraordinary == extraordinary:
                return MeetingChange(
                    False, f"{group.code} already has a meeting on {day:%d %B %Y}.", existing.id
                )
        now = clock.utcnow()
        meeting = Meeting(
            group_id=group.id,
            date=day,
            start=start,
            end=end,
            extraordinary=extraordinary,
            status="scheduled",
            source="manual",
            created_at=now,
            updated_at=now,
        )
        session.add(meeting)
        await session.flush()
        meeting_id = meeting.id
    await notify_calendar_changed()
    kind = "an extraordinary" if extraordinary else "a"
    at = f" at {start}" if start else ""
    return MeetingChange(True, f"Added {kind} {group_code} meeting on {day:%A %d %B %Y}{at}.", meeting_id)


async def _find(session, group, day: date, clock: Clock) -> Meeting | None:
    """The meeting on that day: a known one, or the cadence's (made real so it can be moved or cancelled)."""
    known = [m for m in await meeting_queries.meetings_on(session, group.id, day) if m.status != "cancelled"]
    if known:
        return known[0]
    month = await meeting_queries.meetings_between(session, group.id, day.replace(day=1), day)
    implied = [m for m in build_calendar(group, month, day, day) if m.source == "cadence" and m.date == day]
    if not implied:
        return None
    now = clock.utcnow()
    meeting = Meeting(
        group_id=group.id,
        date=day,
        start=implied[0].start,
        status="scheduled",
        source="cadence",
        created_at=now,
        updated_at=now,
    )
    session.add(meeting)
    await session.flush()
    return meeting


async def _reschedule(
    db: Database, person: Person, clock: Clock, verb: str, group_code: str, day: date, change
) -> MeetingChange:
    """Move or cancel the meeting on `day` (a known one, or the cadence's) with `change(meeting)`."""
    if not person.is_secretariat:
        return MeetingChange(False, f"Only the secretariat can {verb} meetings.")
    async with db.write() as session:
        group = await group_queries.group_by_code(session, group_code)
        meeting = await _find(session, group, day, clock) if group else None
        if meeting is None:
            return MeetingChange(False, f"There is no {group_code} meeting on {day:%d %B %Y}.")
        if meeting.status == "held":
            return MeetingChange(False, f"The {group_code} meeting on {day:%d %B %Y} has been held.")
        change(meeting)
        meeting.updated_at = clock.utcnow()
        meeting_id = meeting.id
    await notify_calendar_changed()
    return MeetingChange(True, "", meeting_id)


async def move_meeting(
    db: Database, person: Person, clock: Clock, *, group_code: str, day: date, to: date, start: str | None
) -> MeetingChange:
    def move(meeting: Meeting) -> None:
        meeting.date, meeting.start, meeting.source = to, start or meeting.start, "manual"

    result = await _reschedule(db, person, clock, "move", group_code, day, move)
    if result.ok:
        at = f" at {start}" if start else ""
        result.message = f"Moved the {group_code} meeting from {day:%d %B} to {to:%A %d %B %Y}{at}."
    return result


async def cancel_meeting(
    db: Database, person: Person, clock: Clock, *, group_code: str, day: date
) -> MeetingChange:
    def cancel(meeting: Meeting) -> None:
        meeting.status = "cancelled"

    result = await _reschedule(db, person, clock, "cancel", group_code, day, cancel)
    if result.ok:
        result.message = f"Cancelled the {group_code} meeting on {day:%A %d %B %Y}."
    return result


async def notify_calendar_changed() -> None:
    """Tell whoever listens (the digest scheduler) that meetings changed."""
    for listener in list(calendar_listeners):
        await listener()
