"""A group's meetings as an iCalendar file, for Outlook and every other calendar.

Times are Europe/London, with the zone's VTIMEZONE in the file. Each meeting keeps its UID from one
export to the next, so subscribing again, or importing a newer file, updates events instead of adding
copies: an ordinary meeting is its group's meeting of that month (whether the cadence or a report says
so), an extraordinary one is its record. A cancelled meeting is sent as cancelled under the same UID.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.calendar.cadence import CalendarMeeting, build_calendar
from bot.calendar.clock import LONDON, Clock
from bot.calendar.schedule import groups_of
from storage.db import Database
from storage.queries import meetings as meeting_queries

PRODUCT = "-//tmag-bot//meetings//EN"
DOMAIN = "tmag-bot"
HORIZON = timedelta(days=400)
LOOK_BACK = timedelta(days=31)  # recent meetings stay in a subscribed calendar for a month


def meeting_uid(group: str, day: date, extraordinary: bool, meeting_id: int | None) -> str:
    if extraordinary and meeting_id is not None:
        return f"{group.lower()}-meeting-{meeting_id}@{DOMAIN}"
    if extraordinary:
        return f"{group.lower()}-{day:%Y-%m-%d}-extraordinary@{DOMAIN}"
    return f"{group.lower()}-{day:%Y-%m}@{DOMAIN}"


def summary_of(group: str, name: str | None, meeting: CalendarMeeting) -> str:
    """ "TMAG 23 – Testing and Migration Advisory Group", "Extraordinary TMAG – ..." """
    number = f" {meeting.number}" if meeting.number else ""
    title = f"{'Extraordinary ' if meeting.extraordinary else ''}{group}{number}"
    name = (name or "").replace(f"({group})", "").strip()
    return f"{title} – {name}" if name and name.upper() != group else title


async def group_calendar(db: Database, group_code: str | None, clock: Clock) -> bytes:
    """The upcoming (and the last month's) meetings of one group, or of every group."""

    today = clock.today()
    start, end = today - LOOK_BACK, today + HORIZON
    events: list[tuple[CalendarMeeting, str | None, bool]] = []
    async with db.read() as session:
        for group in await groups_of(session, group_code):
            known = (
                await meeting_queries.meetings_between(session, group.id, start.replace(day=1), end)
                if group.id is not None
                else []
            )
            for meeting in build_calendar(group, known, start, end):
                events.append((meeting, group.name, False))
            for cancelled in (m for m in known if m.status == "cancelled" and start <= m.date <= end):
                calendar_meeting = CalendarMeeting(
                    group.code,
                    cancelled.date,
                    cancelled.start,
                    cancelled.end,
                    cancelled.extraordinary,
                    cancelled.number,
                    cancelled.source,
                    "cancelled",
                    cancelled.id,
                )
                events.append((calendar_meeting, group.name, True))
    return to_ics(
        events, clock.utcnow(), title=f"{group_code.upper()} meetings" if group_code else "Meetings"
    )


def to_ics(events: list[tuple[CalendarMeeting, str | None, bool]], stamp: datetime, *, title: str) -> bytes:
    # Here: only the calendar feed needs icalendar.
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", title)
    calendar.add("x-wr-timezone", "Europe/London")
    seen: set[str] = set()
    for meeting, name, cancelled in sorted(events, key=lambda e: (e[0].starts_at, e[0].group, e[2])):
        uid = meeting_uid(meeting.group, meeting.date, meeting.extraordinary, meeting.meeting_id)
        if uid in seen:
            if cancelled:
                continue  # the month's meeting goes ahead on another day: that one holds the UID
            uid = meeting_uid(meeting.group, meeting.date, True, meeting.meeting_id)  # a second that month
        seen.add(uid)
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", meeting.starts_at.astimezone(LONDON))
        event.add("dtend", meeting.ends_at.astimezone(LONDON))
        event.add("summary", summary_of(meeting.group, name, meeting))
        event.add("location", "Microsoft Teams")
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("sequence", 1 if cancelled else 0)
        if meeting.status == "held":
            event.add("description", "Held; the secretariat's report is in the record.")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
