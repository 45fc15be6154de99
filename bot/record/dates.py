"""Dates and times as reports write them: 20/09/23, 22/06/2022, "16 August 2023 1000-1130", "10:00-10:45"."""

from __future__ import annotations

import re
from bisect import bisect_right, insort
from datetime import date
from functools import lru_cache

from dateutil import parser as dateparser

from bot.record.text import plain_dashes

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
DATE_PATTERNS = [
    re.compile(r"(?<!\d)\d{4}-\d{1,2}-\d{1,2}(?!\d)"),  # 2023-08-16
    re.compile(r"(?<![\d/])[0-3]?\d[/.][01]?\d[/.](?:\d{4}|\d{2})(?![\d/])"),  # 20/09/23, 22.06.2022
    re.compile(rf"\b{_DAY}[\s-]+{_MONTH}\.?,?[\s-]+\d{{4}}\b", re.IGNORECASE),  # 16 August 2023, 16-Aug-2023
    re.compile(rf"\b{_DAY}-{_MONTH}-\d{{2}}\b", re.IGNORECASE),  # 16-Aug-23
    re.compile(rf"\b{_MONTH}\.?\s+{_DAY},?\s+\d{{4}}\b", re.IGNORECASE),  # August 16, 2023
]
DAY_MONTH = re.compile(rf"\b(?P<day>{_DAY})\s+(?P<month>{_MONTH})\b(?!\s*\d)", re.IGNORECASE)
_CLOCK = r"(?P<h{n}>[0-2]?\d)(?:[:.]?(?P<m{n}>[0-5]\d))?\s*(?P<ap{n}>[ap]\.?m\.?)?"
TIME_RANGE = re.compile(
    r"(?<![\d:./])" + _CLOCK.format(n=1) + r"\s*(?:-|to|until)\s*" + _CLOCK.format(n=2) + r"(?![\d/])",
    re.IGNORECASE,
)
SINGLE_TIME = re.compile(
    r"(?<![\d:./])(?P<h1>[0-2]?\d)[:.](?P<m1>[0-5]\d)\s*(?P<ap1>[ap]\.?m\.?)?(?![\d/])", re.I
)


@lru_cache(maxsize=4096)  # a report repeats its few due dates many times
def _parse(candidate: str) -> date | None:
    try:
        return dateparser.parse(candidate, dayfirst=True, yearfirst=False).date()
    except (ValueError, OverflowError):
        return None


def _numeric(candidate: str) -> date | None:
    """20/09/23 or 22.06.2022 without the general parser, with its rules: day first unless the
    "month" is over 12, and a two-digit year within 50 years of today."""
    day, month, year = (int(part) for part in re.split(r"[/.]", candidate))
    if month > 12 >= day:
        day, month = month, day
    if year < 100:
        this_year = date.today().year
        year += this_year // 100 * 100
        if year >= this_year + 50:
            year -= 100
        elif year < this_year - 50:
            year += 100
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_dates(text: str | None) -> list[tuple[date, int, int]]:
    """Every full date in the text (with the year), in reading order, with its span.

    Patterns are tried strictest first; a later pattern's match overlapping one already taken is
    dropped. Taken spans are kept sorted, so each overlap test is a binary search, not a scan."""
    if not text:
        return []
    text = plain_dashes(text)
    starts: list[int] = []  # sorted, and the spans they begin never overlap
    spans: dict[int, tuple[date, int]] = {}
    for pattern in DATE_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            at = bisect_right(starts, start)
            if at and spans[starts[at - 1]][1] > start:
                continue  # begins inside the span before it
            if at < len(starts) and starts[at] < end:
                continue  # runs into the span after it
            candidate = match.group(0)
            if pattern is DATE_PATTERNS[0]:
                day = _iso(candidate)
            elif pattern is DATE_PATTERNS[1]:
                day = _numeric(candidate)
            else:
                day = _parse(re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", candidate, flags=re.I))
            if day is not None:
                insort(starts, start)
                spans[start] = (day, end)
    return [(spans[start][0], start, spans[start][1]) for start in starts]


def _iso(candidate: str) -> date | None:
    try:
        return date.fromisoformat("-".join(part.zfill(2) for part in candidate.split("-")))
    except ValueError:
        return None


def parse_date(text: str | None) -> date | None:
    """The first full date in a cell; "TBC", "ongoing" or empty give None."""
    found = find_dates(text)
    return found[0][0] if found else None


def _clock(hours: str, minutes: str | None, ampm: str | None) -> str | None:
    hour, minute = int(hours), int(minutes or 0)
    if ampm:
        ampm = ampm.lower().replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def parse_time_range(text: str | None) -> tuple[str | None, str | None]:
    """ "1000-1130" -> ("10:00", "11:30"); "10:00 to 12:00"; "10am-12pm"; "10:00" -> ("10:00", None)."""
    if not text:
        return None, None
    text = plain_dashes(text)
    for match in TIME_RANGE.finditer(text):
        h1, m1, ap1, h2, m2, ap2 = (match[k] for k in ("h1", "m1", "ap1", "h2", "m2", "ap2"))
        # Bare numbers ("5 - 6") are not times: each end needs minutes or am/pm.
        if not ((m1 or ap1 or ap2) and (m2 or ap2)):
            continue
        if ap2 and not ap1 and int(h1) < 12 and ap2.lower().startswith("p") and int(h1) > int(h2):
            ap1 = "am"  # "11-1pm"
        elif ap2 and not ap1:
            ap1 = ap2
        start, end = _clock(h1, m1, ap1), _clock(h2, m2, ap2)
        if start and end and start < end:
            return start, end
    single = SINGLE_TIME.search(text)
    if single:
        return _clock(single["h1"], single["m1"], single["ap1"]), None
    return None, None
