"""The meeting calendar: meetings known from reports and people, and those each group's cadence implies.

TMAG meets on the third Wednesday of the month at 10:00 Europe/London unless a report or a person says
otherwise; PSG the first Wednesday, DAG the second and CCAG the fourth are the same kind of rule. A known
ordinary meeting in a month (held, scheduled, moved or cancelled) always beats the cadence for that month.
"""

from __future__ import annotations

import calendar as stdlib_calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.calendar.clock import LONDON, london_datetime
from storage.models import Group, Meeting

# The usual cadence of MHHS groups: (week of the month, weekday with Monday=0, start time).
DEFAULT_CADENCES: dict[str, tuple[int, int, str]] = {
    "TMAG": (3, 2, "10:00"),
    "PSG": (1, 2, "10:00"),
    "DAG": (2, 2, "10:00"),
    "CCAG": (4, 2, "10:00"),
}
DEFAULT_START = "10:00"
DEFAULT_LENGTH = timedelta(hours=2)
WEEKDAYS = {name.lower(): index for index, name in enumerate(stdlib_calendar.day_name)}
ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "last": -1,
    "1st": 1,
    "2nd": 2,
    "3rd": 3,
    "4th": 4,
}


@dataclass(frozen=True)
class CalendarMeeting:
    group: str
    date: date
    start: str | None
    end: str | None
    extraordinary: bool
    number: str | None
    source: str  # report | next-line | manual | cadence
    status: str  # held | scheduled
    meeting_id: int | None = None

    @property
    def starts_at(self) -> datetime:
        return london_datetime(self.date, self.start or DEFAULT_START)

    @property
    def ends_at(self) -> datetime:
        if self.end:
            return london_datetime(self.date, self.end)
        return self.starts_at + DEFAULT_LENGTH


def nth_weekday(year: int, month: int, week: int, weekday: int) -> date:
    """The `week`-th `weekday` of a month (week -1 is the last): third Wednesday of August 2023 -> 16th."""
    days = [d for d in stdlib_calendar.Calendar().itermonthdates(year, month) if d.month == month]
    matching = [d for d in days if d.weekday() == weekday]
    return matching[week - 1] if week > 0 else matching[week]


def cadence_of(group: Group) -> tuple[int, int, str] | None:
    if group.cadence_week is None or group.cadence_weekday is None:
        return None
    return group.cadence_week, group.cadence_weekday, group.cadence_time or DEFAULT_START


def describe_cadence(group: Group) -> str | None:
    cadence = cadence_of(group)
    if cadence is None:
        return None
    week, weekday, time = cadence
    ordinal = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}[week]
    return f"the {ordinal} {stdlib_calendar.day_name[weekday]} of the month at {time}"


def parse_cadence(text: str) -> tuple[int, int, str] | None:
    """ "third Wednesday 10:00" -> (3, 2, "10:00")."""
    words = text.lower().replace(",", " ").split()
    week = next((ORDINALS[w] for w in words if w in ORDINALS), None)
    weekday = next((WEEKDAYS[w.rstrip("s")] for w in words if w.rstrip("s") in WEEKDAYS), None)
    time = next(
        (w for w in words if len(w) == 5 and w[2] == ":" and w.replace(":", "").isdigit()), DEFAULT_START
    )
    if week is None or weekday is None:
        return None
    return week, weekday, time


def _months(start: date, count: int):
    year, month = start.year, start.month
    for _ in range(count):
        yield year, month
        month += 1
        if month > 12:
            year, month = year + 1, 1


def build_calendar(
    group: Group, known: list[Meeting], start: date, end: date, *, include_cadence: bool = True
) -> list[CalendarMeeting]:
    """Meetings of one group between two dates inclusive: the known ones, plus the cadence's dates in
    months with no known ordinary meeting. Cancelled meetings are left out but still beat the cadence."""
    out: list[CalendarMeeting] = []
    ordinary_months = {(m.date.year, m.date.month) for m in known if not m.extraordinary}
    cadence = cadence_of(group)
    usual_start = cadence[2] if cadence else None  # a known meeting with no time stated keeps the usual one
    for meeting in known:
        if meeting.status == "cancelled" or not (start <= meeting.date <= end):
            continue
        out.append(
            CalendarMeeting(
                group.code,
                meeting.date,
                meeting.start or usual_start,
                meeting.end,
                meeting.extraordinary,
                meeting.number,
                meeting.source,
                meeting.status,
                meeting.id,
            )
        )
    if include_cadence and cadence is not None:
        week, weekday, time = cadence
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        for year, month in _months(start, months):
            if (year, month) in ordinary_months:
                continue
            day = nth_weekday(year, month, week, weekday)
            if start <= day <= end:
                out.append(CalendarMeeting(group.code, day, time, None, False, None, "cadence", "scheduled"))
    return sorted(out, key=lambda m: (m.starts_at, m.group))


def upcoming(meetings: list[CalendarMeeting], now: datetime) -> list[CalendarMeeting]:
    """Meetings that have not yet ended, soonest first."""
    now = now.astimezone(LONDON)
    return [m for m in meetings if m.ends_at > now]
