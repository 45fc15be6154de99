"""Meetings added, moved or cancelled by the secretariat between reports.

meeting add 2023-08-30 10:00 extraordinary [group TMAG] [until 11:30]
meeting move 2023-09-20 to 2023-09-27 [14:00] [group TMAG]
meeting cancel 2023-09-20 [group TMAG]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.calendar import DEFAULT_CADENCES, build_calendar
from bot.clock import Clock
from bot.dates import find_dates, parse_time_range
from bot.identity import Person
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


def _group_of(text: str) -> tuple[str | None, str]:
    found = re.search(r"\bgroup\s+([A-Za-z]{2,10})\b", text, re.IGNORECASE)
    if found:
        return found.group(1).upper(), (text[: found.start()] + text[found.end() :]).strip()
    return None, text


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


async def meeting_command(db: Database, text: str, person: Person, clock: Clock):
    """`meeting add|move|cancel ...` from Slack or the console."""
    from bot.commands import Reply, default_group_code

    verb, _, rest = text.strip().partition(" ")
    code, rest = _group_of(rest)
    code = code or await default_group_code(db, person) or "TMAG"
    dates = find_dates(rest)
    usage = "meeting add DATE [TIME] [extraordinary] · meeting move DATE to DATE [TIME] · meeting cancel DATE"
    if verb.lower() not in ("add", "move", "cancel") or not dates:
        return Reply(f"Try: {usage}", "error")
    if verb.lower() == "add":
        start, end = parse_time_range(rest[dates[0][2] :])
        result = await add_meeting(
            db,
            person,
            clock,
            group_code=code,
            day=dates[0][0],
            start=start,
            end=end,
            extraordinary=bool(re.search(r"extra[- ]?ordinary", rest, re.IGNORECASE)),
        )
    elif verb.lower() == "move":
        if len(dates) < 2:
            return Reply("Move it to when? meeting move DATE to DATE [TIME]", "error")
        start, _ = parse_time_range(rest[dates[1][2] :])
        result = await move_meeting(
            db, person, clock, group_code=code, day=dates[0][0], to=dates[1][0], start=start
        )
    else:
        result = await cancel_meeting(db, person, clock, group_code=code, day=dates[0][0])
    return Reply(result.message, "change" if result.ok else "error")
