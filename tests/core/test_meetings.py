"""The secretariat adds, moves and cancels meetings; the calendar (and the digests) follow."""

from __future__ import annotations

import pytest

from bot.calendar import meetings
from bot.calendar.schedule import upcoming_meetings
from bot.people.identity import CONFIRMED, identify
from tests.fixtures.talk import say
from tests.fixtures.world import build_world, clock_at

NOW = clock_at("2023-11-30T09:00")


@pytest.fixture
async def world(db, write):
    await build_world(db, write)
    return db


async def dates(db, group="WMAG"):
    async with db.read() as session:
        return [
            (m.date.isoformat(), m.start, m.extraordinary)
            for m in await upcoming_meetings(session, NOW.now(), group)
        ]


async def test_add_move_cancel_and_who_may(world):
    async with world.read() as session:
        ada, sam = (
            await identify(session, "Ada Brooks", link=CONFIRMED),
            await identify(session, "Sam Hall", link=CONFIRMED),
        )
    heard = []

    async def listener():
        heard.append(True)

    meetings.calendar_listeners.append(listener)
    try:
        refused = await say(world, "meeting move 2023-12-20 to 2023-12-13", sam, NOW)
        assert refused.kind == "refusal" and refused.text == "Only the secretariat can move meetings."
        moved = await say(world, "meeting move 2023-12-20 to 2023-12-13 14:00", ada, NOW)
        assert moved.text == "Moved the WMAG meeting from 20 December to Wednesday 13 December 2023 at 14:00."
        assert await dates(world) == [("2023-12-13", "14:00", False)]
        added = await say(world, "meeting add 2024-01-10 10:00 extraordinary", ada, NOW)
        assert added.text == "Added an extraordinary WMAG meeting on Wednesday 10 January 2024 at 10:00."
        again = await say(world, "meeting add 2024-01-10 extraordinary", ada, NOW)
        assert "already has a meeting" in again.text
        cancelled = await say(world, "meeting cancel 13 December 2023", ada, NOW)
        assert cancelled.text == "Cancelled the WMAG meeting on Wednesday 13 December 2023."
        assert await dates(world) == [("2024-01-10", "10:00", True)]
        missing = await say(world, "meeting cancel 2023-12-27", ada, NOW)
        assert missing.text == "There is no WMAG meeting on 27 December 2023."
        assert len(heard) == 3  # the digest scheduler would have rescheduled three times
    finally:
        meetings.calendar_listeners.remove(listener)


async def test_a_cadence_meeting_can_be_moved_and_its_month_keeps_just_the_new_date(world):
    from storage.queries.groups import ensure_group

    async with world.write() as session:
        await ensure_group(session, "TMAG", None, (3, 2, "10:00"))
    async with world.read() as session:
        ada = await identify(session, "Ada Brooks", link=CONFIRMED)
    moved = await say(world, "meeting move 2024-01-17 to 2024-01-24 group TMAG", ada, NOW)
    assert moved.kind == "change"
    jan = [d for d in await dates(world, "TMAG") if d[0].startswith("2024-01")]
    assert jan == [("2024-01-24", "10:00", False)]
