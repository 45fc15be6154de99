"""One injectable notion of "now", always in Europe/London, so time-dependent code is testable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Clock:
    """The real clock; or stopped at `fixed` (a one-off command's `--now`, a test); or running but
    shifted by `offset` (a server started with `--now`, so time still passes)."""

    fixed: datetime | None = None
    offset: timedelta = timedelta(0)

    def now(self) -> datetime:
        if self.fixed is not None:
            return self.fixed
        return (datetime.now(UTC) + self.offset).astimezone(LONDON)

    def to_real(self, moment: datetime) -> datetime:
        """The real time at which this clock will read `moment` (for timers set on a shifted clock)."""
        return moment - self.offset

    def today(self) -> date:
        return self.now().date()

    def utcnow(self) -> datetime:
        """Aware UTC, the form every timestamp is stored in."""
        return self.now().astimezone(UTC)

    @property
    def is_real(self) -> bool:
        return self.fixed is None and not self.offset


def real_utcnow() -> datetime:
    """The real time, whatever a clock has been set to: when something was recorded."""
    return datetime.now(UTC)


def parse_now(text: str | None, *, running: bool = False) -> Clock:
    """`--now 2023-09-01T09:00` means 09:00 London time; an explicit offset is honoured. A running
    clock starts there and keeps going."""
    if not text:
        return Clock()
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=LONDON)
    if running:
        return Clock(offset=value.astimezone(UTC) - datetime.now(UTC))
    return Clock(value.astimezone(LONDON))


def to_london(stored: datetime) -> datetime:
    """Stored timestamps are UTC (naive ones too); show them in London time."""
    if stored.tzinfo is None:
        stored = stored.replace(tzinfo=UTC)
    return stored.astimezone(LONDON)


def london_datetime(day: date, hhmm: str | None) -> datetime:
    hour, minute = (int(part) for part in (hhmm or "00:00").split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)
