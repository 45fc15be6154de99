"""Digests: what they say, and that each goes out exactly once (restarts, two processes, retries).

Clocks are injected; nothing waits for real time. Slack is the fake Web API on loopback, reached through
the real poster and the real Web API client with its retry handlers.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from bot.calendar.meetings import add_meeting
from bot.config import Settings
from bot.digests.compose import compose_digest
from bot.digests.runner import DigestRunner
from bot.people.identity import CONFIRMED, identify
from bot.people.members import add_member
from handlers.slack.app import web_client
from handlers.slack.context import Services
from handlers.slack.digests import SlackDigestPoster
from storage.db import Database
from storage.queries import groups as group_queries
from tests.fixtures.world import build_world, clock_at
from tests.slack_fake import FakeSlack

CHANNEL = "C0DIGEST"
SLOT = "2023-11-27T09:00"  # two working days before the extraordinary WMAG on Wednesday 29 November


@pytest.fixture
async def fake():
    slack = await FakeSlack().start()
    yield slack
    await slack.stop()


@pytest.fixture
async def world(db, write):
    await build_world(db, write)
    async with db.write() as session:
        for name, user in (("Sam Hatton", "U0SAM"), ("Priya Natarajan", "U0PRIYA"), ("Ada Brooks", "U0ADA")):
            await add_member(session, clock_at(SLOT), name=name, slack_user_id=user)
        (await group_queries.group_by_code(session, "WMAG")).channel_id = CHANNEL
    return db


async def no_wait(_seconds: float) -> None:
    return None


def runner(db, fake, now: str, worker: str = "test") -> DigestRunner:
    clock = clock_at(now)
    settings = Settings(slack_bot_token="xoxb-test", slack_api_url=fake.api_url)
    client = web_client(Services(db, clock, settings), posting=True)
    poster = SlackDigestPoster(client, db, clock, pace=0)
    return DigestRunner(db, [poster], clock, worker=worker, sleep=no_wait)


def copies(fake) -> dict[str, int]:
    """How many messages Slack holds for each digest part."""
    counted: dict[str, int] = {}
    for message in fake.posted():
        part = ((message.get("metadata") or {}).get("event_payload") or {}).get("part")
        if part:
            counted[part] = counted.get(part, 0) + 1
    return counted


def channel_posts(fake) -> list[dict]:
    return [
        c for c in fake.calls_to("chat.postMessage") if c["channel"] == CHANNEL and not c.get("thread_ts")
    ]


async def runs(db) -> list[tuple]:
    async with db.read() as session:
        rows = await session.exec(
            text("SELECT CAST(meeting_date AS VARCHAR), slot, status, attempts FROM digest_run ORDER BY id")
        )
        return [tuple(r) for r in rows.all()]


async def test_what_the_digest_says(world):
    async with world.read() as session:
        group = await group_queries.group_by_code(session, "WMAG")
        from bot.calendar.schedule import upcoming_meetings

        meeting = (await upcoming_meetings(session, clock_at(SLOT).now(), "WMAG"))[0]
        digest = await compose_digest(session, group, meeting, date(2023, 11, 27))
    data = digest.to_json()
    assert data["meeting"] == {
        "group": "WMAG",
        "number": None,
        "date": "2023-11-29",
        "start": None,
        "end": None,
        "extraordinary": True,
        "source": "next-line",
        "agenda": [],
        "decisions_sought": [],
    }
    assert data["overdue"][0] == "WMAG31-04"  # the longest overdue first
    assert set(data["overdue"]) == {
        "WMAG31-01",
        "WMAG31-04",
        "WMAG31-05",
        "WMAG31-06",
        "WMAG31-07",
        "WMAG31-09",
    }
    assert data["open"][: len(data["overdue"])] == data["overdue"]
    assert "WMAG31-02" in data["open"] and "WMAG31-02" not in data["due_before_meeting"]  # due 20 December
    assert data["closed_since_last"] == ["WMAG31-03"]
    assert data["decisions_since_last"] == ["WMAG-DEC14"]
    assert data["by_owner"]["Sam Hatton"] == ["WMAG31-02"]
    assert data["by_owner"]["Priya Natarajan"] == [
        "WMAG31-05"
    ]  # the member, though the report says Natarajen
    assert "WMAG31-01" in data["by_owner"]["PMO"] and "WMAG31-01" in data["by_owner"]["Lena Ortiz"]
    assert digest.title() == "WMAG (extraordinary): Wednesday 29 November 2023"


async def test_the_digest_goes_to_the_channel_its_thread_and_each_owner(world, fake):
    results = await runner(world, fake, SLOT).run_due()
    assert [r.status for r in results] == ["sent"]
    parent = channel_posts(fake)
    assert len(parent) == 1
    assert "Digest for WMAG (extraordinary)" in parent[0]["blocks"][0]["text"]["text"]
    thread = [c for c in fake.calls_to("chat.postMessage") if c.get("thread_ts")]
    assert thread and all(c["thread_ts"] == "1700000001.000100" for c in thread)
    direct = {c["channel"]: c for c in fake.calls_to("chat.postMessage") if c["channel"].startswith("U")}
    assert set(direct) == {"U0SAM", "U0PRIYA", "U0ADA"}
    sam_refs = [
        json.loads(b["accessory"]["value"])["ref"] for b in direct["U0SAM"]["blocks"] if "accessory" in b
    ]
    assert sam_refs == ["WMAG31-02"]
    priya_refs = {
        json.loads(b["accessory"]["value"])["ref"] for b in direct["U0PRIYA"]["blocks"] if "accessory" in b
    }
    assert priya_refs == {"WMAG31-05", "WMAG31-09"}  # named, and as the iDNO representative
    assert await runs(world) == [("2023-11-29", "digest", "sent", 1)]


async def test_a_restart_and_a_second_process_post_it_once(world, fake, db_url):
    other = Database(db_url)  # a second process: its own engine on the same file
    try:
        first, second = await asyncio.gather(
            runner(world, fake, SLOT, "one").run_due(), runner(other, fake, SLOT, "two").run_due()
        )
        assert sorted(r.status for r in first + second) == ["busy", "sent"]
        restarted = await runner(other, fake, "2023-11-27T09:05", "three").run_due()
        assert restarted == []  # already sent: nothing to do
    finally:
        await other.close()
    assert len(channel_posts(fake)) == 1
    assert len([c for c in fake.calls_to("chat.postMessage") if c["channel"] == "U0SAM"]) == 1


async def test_a_slot_missed_while_down_is_posted_if_the_meeting_is_ahead(world, fake):
    results = await runner(world, fake, "2023-11-28T15:00").run_due()  # the bot was down at 09:00 yesterday
    assert [r.status for r in results] == ["sent"]
    assert len(channel_posts(fake)) == 1


async def test_a_slot_missed_past_its_meeting_is_skipped_with_a_log_line(world, fake, caplog):
    with caplog.at_level(logging.WARNING, logger="tmag-bot.digests"):
        results = await runner(world, fake, "2023-11-29T11:00").run_due()
    assert {r.status for r in results} == {"skipped"}
    assert channel_posts(fake) == []
    assert "skipped the digest for WMAG:2023-11-29" in caplog.text
    assert {(slot, status) for _, slot, status, _ in await runs(world)} == {
        ("digest", "skipped"),
        ("reminder", "skipped"),
    }


async def test_when_digest_and_reminder_are_both_due_the_digest_goes(world, fake):
    results = await runner(world, fake, "2023-11-29T09:00").run_due()
    assert sorted(r.status for r in results) == ["sent", "skipped"]
    assert len(channel_posts(fake)) == 1
    assert "Digest for" in channel_posts(fake)[0]["blocks"][0]["text"]["text"]


async def test_the_reminder_on_the_day(world, fake):
    await runner(world, fake, SLOT).run_due()
    results = await runner(world, fake, "2023-11-29T08:30").run_due()
    assert [r.status for r in results] == ["sent"]
    reminder = channel_posts(fake)[-1]
    assert "Today: WMAG (extraordinary)" in reminder["blocks"][0]["text"]["text"]


async def test_a_meeting_called_at_short_notice_gets_its_digest_at_once(world, fake):
    async with world.read() as session:
        ada = await identify(session, "Ada Brooks", link=CONFIRMED)
    clock = clock_at("2023-12-04T11:00")
    added = await add_meeting(
        world,
        ada,
        clock,
        group_code="WMAG",
        day=date(2023, 12, 5),
        start="14:00",
        end=None,
        extraordinary=True,
    )
    assert added.ok
    results = await runner(world, fake, "2023-12-04T11:00").run_due()
    sent = [r for r in results if r.status == "sent"]
    assert [r.key for r in sent] == ["WMAG:2023-12-05:x:digest"]
    assert "Tuesday 05 December 2023 at 14:00" in channel_posts(fake)[-1]["blocks"][0]["text"]["text"]


async def test_rate_limited_then_posted(world, fake):
    fake.fail_next("chat.postMessage", 429, {"Retry-After": "0"}, times=2)
    results = await runner(world, fake, SLOT).run_due()
    assert [r.status for r in results] == ["sent"]
    assert len(channel_posts(fake)) == 3  # two refused, one posted
    assert await runs(world) == [("2023-11-29", "digest", "sent", 1)]


async def test_a_digest_that_still_fails_is_recorded_and_sent_at_the_next_tick(world, fake):
    fake.fail_next("chat.postMessage", 500, times=4)  # every attempt the runner makes in one run
    first = await runner(world, fake, SLOT).run_due()
    assert [r.status for r in first] == ["failed"]
    assert (await runs(world))[0][2] == "failed"
    second = await runner(world, fake, "2023-11-27T09:01").run_due()
    assert [r.status for r in second] == ["sent"]
    assert await runs(world) == [("2023-11-29", "digest", "sent", 2)]
    assert len(channel_posts(fake)) == 5  # four refused, then one


async def test_a_crashed_run_carries_on_without_posting_the_channel_message_again(world, fake):
    worker = runner(world, fake, SLOT)
    # Fail while posting the thread: the channel message went out and its ts is kept.
    poster = worker.posters[0]
    original = poster.send

    async def broken(part, thread, tag):
        if part.kind == "thread":
            raise RuntimeError("lost the connection")
        return await original(part, thread, tag)

    poster.send = broken
    assert [r.status for r in await worker.run_due()] == ["failed"]
    poster.send = original
    assert [r.status for r in await runner(world, fake, "2023-11-27T09:01").run_due()] == ["sent"]
    assert len(channel_posts(fake)) == 1
    assert set(copies(fake).values()) == {1}


async def test_a_post_slack_made_but_answered_500_is_not_posted_again(world, fake):
    fake.fail_next("chat.postMessage", 500, carried_out=True)  # the channel message lands, Slack says 500
    assert [r.status for r in await runner(world, fake, SLOT).run_due()] == ["sent"]
    assert len([m for m in fake.posted(CHANNEL) if not m.get("thread_ts")]) == 1
    assert set(copies(fake).values()) == {1}  # looked up by its part key, not posted twice
    assert fake.calls_to("conversations.history")


async def test_a_thread_part_that_keeps_failing_fails_the_run_and_the_retry_posts_only_the_rest(world, fake):
    worker = runner(world, fake, SLOT)
    poster = worker.posters[0]
    original = poster.send
    failures = 0

    async def second_reply_fails(part, thread, tag):
        nonlocal failures
        if part.key == "slack:thread:1":
            failures += 1
            return await original(part, thread, tag) if failures > 4 else await _refused()
        return await original(part, thread, tag)

    async def _refused():
        from bot.digests.runner import PostError

        raise PostError("Slack said internal_error (HTTP 500)", maybe_posted=True)

    poster.send = second_reply_fails
    assert [r.status for r in await worker.run_due()] == ["failed"]
    sent_before = copies(fake)
    assert sent_before == {tag: 1 for tag in sent_before}
    assert any(key.endswith("slack:thread:0") for key in sent_before)
    assert not any(key.endswith("slack:thread:1") for key in sent_before)
    assert [r.status for r in await worker.run_due()] == ["sent"]
    assert set(copies(fake).values()) == {1}
    assert set(sent_before) < set(copies(fake))


@pytest.mark.e2e  # a process killed mid-run
async def test_a_run_claimed_by_a_dead_process_is_taken_over_at_once(world, fake):
    import os
    import socket
    import subprocess
    import sys

    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    dead = f"{socket.gethostname()}:{finished.stdout.strip()}"
    assert int(finished.stdout) != os.getpid()
    await _claim_as(world, dead, SLOT)
    results = await runner(world, fake, "2023-11-27T09:00:30").run_due()  # well within the lease
    assert [r.status for r in results] == ["sent"]


async def test_a_run_claimed_elsewhere_waits_for_the_lease_to_run_out(world, fake):
    await _claim_as(world, "another-host:4242", SLOT)
    assert [r.status for r in await runner(world, fake, "2023-11-27T09:00:30").run_due()] == ["busy"]
    assert channel_posts(fake) == []
    assert [r.status for r in await runner(world, fake, "2023-11-27T09:01:30").run_due()] == ["sent"]


async def _claim_as(db, worker: str, when: str) -> None:
    """A run claimed (and not renewed since) by `worker` at `when`."""
    from bot.digests.timing import slots_for
    from storage.queries import digests as digest_queries

    clock = clock_at(when)
    async with db.read() as session:
        from bot.calendar.schedule import upcoming_meetings

        group = await group_queries.group_by_code(session, "WMAG")
        meeting = (await upcoming_meetings(session, clock.now(), "WMAG"))[0]
    slot = slots_for(group, meeting)[0]
    async with db.write() as session:
        run = await digest_queries.claim_run(
            session,
            group_id=slot.group_id,
            meeting_date=slot.meeting.date,
            extraordinary=slot.meeting.extraordinary,
            slot=slot.slot,
            due_at=slot.at,
            worker=worker,
            now=clock.utcnow(),
            lease=timedelta(seconds=60),
        )
        assert run is not None


async def test_without_a_channel_owners_still_get_theirs(world, fake):
    async with world.write() as session:
        (await group_queries.group_by_code(session, "WMAG")).channel_id = None
    assert [r.status for r in await runner(world, fake, SLOT).run_due()] == ["sent"]
    assert channel_posts(fake) == []
    assert {c["channel"] for c in fake.calls_to("chat.postMessage")} == {"U0SAM", "U0PRIYA", "U0ADA"}


async def test_a_long_digest_counts_everything_and_lists_the_first(world, fake):
    """More open actions than a digest lists: each count is exact, each list holds the first SHOWN
    (soonest due first), each owner's line and direct message say how many more there are."""
    from bot.digests.compose import BY_OWNER_LISTED, SHOWN
    from bot.digests.layout import thread_messages
    from bot.record.changes import add_action

    async with world.read() as session:
        ada = await identify(session, "Ada Brooks", link=CONFIRMED)
    extra = SHOWN + 5
    for n in range(extra):
        added = await add_action(
            world,
            ada,
            clock_at(SLOT),
            text=f"Long-running item {n}",
            group_code="WMAG",
            owner="Sam Hatton",
            due=date(2023, 10, 1) + timedelta(days=n % 20),
        )
        assert added.ok, added.message
    async with world.read() as session:
        group = await group_queries.group_by_code(session, "WMAG")
        from bot.calendar.schedule import upcoming_meetings

        meeting = (await upcoming_meetings(session, clock_at(SLOT).now(), "WMAG"))[0]
        digest = await compose_digest(session, group, meeting, date(2023, 11, 27))
    data = digest.to_json()
    counts = data["counts"]
    assert counts["overdue"] >= extra and len(data["overdue"]) == SHOWN
    assert counts["open"] > SHOWN and len(data["open"]) == SHOWN
    dues = [a.due for a in digest.overdue]
    assert dues == sorted(dues)  # soonest due first
    assert data["by_owner_counts"]["Sam Hatton"] == extra + 1  # and WMAG31-02, due in December
    assert len(data["by_owner"]["Sam Hatton"]) == BY_OWNER_LISTED
    said = "\n".join(text for message in thread_messages(digest) for _, text, _ in message.lines)
    assert (
        f"Sam Hatton: {', '.join(data['by_owner']['Sam Hatton'])} … (+{extra + 1 - BY_OWNER_LISTED})" in said
    )

    await runner(world, fake, SLOT).run_due()
    direct = [c for c in fake.calls_to("chat.postMessage") if c["channel"] == "U0SAM"]
    shown = str(direct[0]["blocks"])
    assert f"these are yours ({extra + 1})" in shown and f"and {extra + 1 - SHOWN} more" in shown


async def test_every_owner_is_counted_and_the_most_loaded_have_their_refs_named(world, monkeypatch):
    """A group with hundreds of owners: each is counted in "Open by owner", and the refs are named for
    the most loaded (the rest would be a wall of refs nobody reads, and cost a query each)."""
    import bot.digests.compose as compose
    from bot.calendar.schedule import upcoming_meetings
    from bot.digests.layout import thread_messages

    async def digest_now():
        async with world.read() as session:
            group = await group_queries.group_by_code(session, "WMAG")
            meeting = (await upcoming_meetings(session, clock_at(SLOT).now(), "WMAG"))[0]
            return await compose_digest(session, group, meeting, date(2023, 11, 27))

    full = await digest_now()
    assert all(
        load.refs and len(load.refs) == min(load.count, compose.BY_OWNER_LISTED)
        for load in full.by_owner.values()
    )
    monkeypatch.setattr(compose, "BY_OWNER_NAMED", 2)
    cut = await digest_now()
    assert {owner: load.count for owner, load in cut.by_owner.items()} == {
        owner: load.count for owner, load in full.by_owner.items()
    }
    named = [owner for owner, load in cut.by_owner.items() if load.refs]
    most = sorted(full.by_owner, key=lambda owner: (-full.by_owner[owner].count, owner))[:2]
    assert sorted(named) == sorted(most)
    assert all(cut.by_owner[owner].refs == full.by_owner[owner].refs for owner in named)
    said = "\n".join(text for message in thread_messages(cut) for _, text, _ in message.lines)
    quiet = next(owner for owner in cut.by_owner if owner not in named)
    assert f"{quiet}: {cut.by_owner[quiet].count} open" in said


async def test_owners_refs_read_in_several_statements_are_the_same(world, monkeypatch):
    """However many owners' refs are read at once, each gets their own, soonest due first."""
    import storage.queries.digests as digest_queries

    async with world.read() as session:
        group = await group_queries.group_by_code(session, "WMAG")
        owners = [row[:5] for row in await digest_queries.open_by_owner(session, group.id)]
        whole = await digest_queries.owner_refs(session, group.id, owners, 15)
        monkeypatch.setattr(digest_queries, "OWNERS_PER_STATEMENT", 2)
        split = await digest_queries.owner_refs(session, group.id, owners, 15)
    assert len(owners) > 2 and split == whole
    dues = [[due for due, _ in rows] for rows in whole]
    assert all(due == sorted(due) for due in dues) and all(whole)  # soonest due first, none empty
