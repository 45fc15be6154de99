"""Digests under faults: Slack refusing 30% of posts (429s, 500s before and after storing the message) and
the posting process killed with SIGKILL at random points, then started again until the digest is out.

Twenty trials, each on a fresh copy of the record: every part (channel message, thread replies, direct
messages) must be in Slack exactly once. The poster runs in a forked process so that it can really be
killed; Slack is the fake on loopback in this process.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.calendar.schedule import upcoming_meetings
from bot.config import Settings
from bot.digests.runner import DigestRunner
from bot.digests.timing import slots_for
from bot.people.members import add_member
from handlers.slack.app import web_client
from handlers.slack.context import Services
from handlers.slack.digests import SlackDigestPoster
from storage.db import Database
from storage.queries import groups as group_queries
from tests.fixtures.world import build_world, clock_at
from tests.slack_fake import FakeSlack

TRIALS = int(__import__("os").environ.get("FAULT_TRIALS", "20"))
FAULTS = (0.10, 0.10, 0.10)  # 429s, 500s, and 500s after Slack stored the message
NOW = "2023-11-27T09:00"


async def _no_wait(_seconds: float) -> None:
    return None


def _post_digest(url: str, api_url: str) -> None:
    """The child: post the digest due now, as `tmag-bot digest --post` does; exit 0 once it is out."""

    async def post() -> str:
        db = Database(url)
        clock = clock_at(NOW)
        try:
            settings = Settings(slack_bot_token="xoxb-test", slack_api_url=api_url)
            client = web_client(Services(db, clock, settings), posting=True)
            runner = DigestRunner(db, [SlackDigestPoster(client, db, clock, pace=0)], clock, sleep=_no_wait)
            async with db.read() as session:
                group = await group_queries.group_by_code(session, "WMAG")
                meeting = (await upcoming_meetings(session, clock.now(), "WMAG"))[0]
            return (await runner.run(slots_for(group, meeting)[0])).status
        finally:
            await db.close()

    raise SystemExit(0 if asyncio.run(post()) == "sent" else 1)


@pytest.fixture
async def template(db, db_url, write, tmp_path) -> Path:
    """A record with a digest due: the WMAG world, its channel set, three owners reachable in Slack."""
    await build_world(db, write)
    async with db.write() as session:
        for name, user in (("Sam Hatton", "U0SAM"), ("Priya Natarajan", "U0PRIYA"), ("Ada Brooks", "U0ADA")):
            await add_member(session, clock_at(NOW), name=name, slack_user_id=user)
        (await group_queries.group_by_code(session, "WMAG")).channel_id = "C0DIGEST"
    await db.close()
    return Path(db_url.removeprefix("sqlite:///"))


def _copies(fake: FakeSlack) -> dict[str, int]:
    counted: dict[str, int] = {}
    for message in fake.posted():
        part = ((message.get("metadata") or {}).get("event_payload") or {}).get("part")
        if part:
            counted[part] = counted.get(part, 0) + 1
    return counted


async def _wait(process) -> int:
    while process.exitcode is None:
        await asyncio.sleep(0.01)
    return process.exitcode


@pytest.mark.sqlite_only  # SQLite's single writer (PostgreSQL: tests/e2e/test_replicas.py)
async def test_twenty_killed_and_refused_runs_post_every_part_exactly_once(template, tmp_path):
    context = multiprocessing.get_context("fork")
    rng = random.Random(20231127)
    totals = {"kills": 0, "runs": 0, "parts": 0}
    for trial in range(TRIALS):
        database = tmp_path / f"trial-{trial}.db"
        shutil.copy(template, database)
        url = f"sqlite:///{database}"
        fake = await FakeSlack().start()
        fake.chaos, fake.chaos_rng = FAULTS, random.Random(rng.random())
        try:
            # First run: killed, either when Slack has just stored its k-th post (before the poster hears
            # back) or after a random moment.
            process = context.Process(target=_post_digest, args=(url, fake.api_url))
            kill_at = rng.randint(1, 8)

            def kill_after_post(method: str, process=process, kill_at=kill_at, fake=fake) -> None:
                if method == "chat.postMessage" and len(fake.calls_to(method)) == kill_at and process.pid:
                    process.kill()

            if rng.random() < 0.7:
                fake.after_call = kill_after_post
                process.start()
            else:
                process.start()
                await asyncio.sleep(rng.uniform(0.0, 0.4))
                process.kill()
            code = await _wait(process)
            fake.after_call = None
            totals["kills"] += code != 0
            totals["runs"] += 1
            # Then started again until it says the digest is out.
            for _ in range(10):
                process = context.Process(target=_post_digest, args=(url, fake.api_url))
                process.start()
                totals["runs"] += 1
                if await _wait(process) == 0:
                    break
            else:
                pytest.fail(f"trial {trial}: the digest never went out")
            copies = _copies(fake)
            duplicates = {part: n for part, n in copies.items() if n > 1}
            assert not duplicates, f"trial {trial}: posted more than once: {duplicates}"
            db = Database(url)
            try:
                async with db.read() as session:
                    found = await session.exec(
                        text("SELECT run_id || ':' || key FROM digest_part WHERE status = 'sent'")
                    )
                    sent = found.scalars().all()
            finally:
                await db.close()
            assert set(sent) == set(copies), f"trial {trial}: lost or unrecorded parts"
            kinds = {re.sub(r"^\d+:|:\d+$", "", key) for key in sent}
            assert kinds == {"slack:channel", "slack:thread", "slack:dm"}
            totals["parts"] += len(sent)
        finally:
            await fake.stop()
    assert totals["kills"] >= TRIALS // 2  # most first runs really died mid-way
