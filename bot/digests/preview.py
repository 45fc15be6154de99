"""The next meeting's digest, as it will be posted: for `digest` in chat and on the console."""

from __future__ import annotations

from bot.calendar.clock import Clock
from bot.calendar.schedule import groups_of, upcoming_meetings
from bot.digests.compose import Digest, compose_digest
from storage.db import Database


async def next_digest(db: Database, group_code: str, clock: Clock) -> Digest | None:
    """The digest of the group's next meeting, or None if no meeting of it is known (nor its cadence)."""
    async with db.read() as session:
        found = await groups_of(session, group_code)
        upcoming = await upcoming_meetings(session, clock.now(), group_code) if found else []
        if not upcoming:
            return None
        return await compose_digest(session, found[0], upcoming[0], clock.today())
