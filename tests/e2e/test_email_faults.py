"""Digests by email under faults: the posting process killed with SIGKILL at random points (often in the
window between the mail server taking a message and the sender hearing so), the server answering 451 to
a share of recipients and dropping the connection after taking a share of messages; then started again
until the digest is out.

SMTP cannot be asked afterwards what it was given, so exactly once is not to be had: every owner's email
must arrive at least once and at most twice, and twice only as one message (the same Message-ID, which
mail clients show once). The poster runs in a forked process so that it can really be killed; the SMTP
server is aiosmtpd on loopback in this process.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.calendar.schedule import upcoming_meetings
from bot.digests.timing import slots_for
from bot.people.members import add_member
from storage.db import Database
from storage.queries import groups as group_queries
from tests.email.helpers import runner
from tests.fixtures.world import build_world, clock_at
from tests.smtp_server import smtp_server

TRIALS = int(os.environ.get("FAULT_TRIALS", "20"))
NOW = "2023-11-27T09:00"
OWNERS = {
    "Sam Hatton": "sam@example.org",
    "Priya Natarajan": "priya@example.org",
    "Ada Brooks": "ada@example.org",
    "Lena Ortiz": "lena@example.org",
    "Lena Ortega": "lena.ortega@example.org",
    "Sam Hall": "sam.hall@example.org",
}


def _post_digest(url: str, smtp_url: str) -> None:
    """The child: post the digest due now by email, as `tmag-bot digest --post` does; exit 0 once out."""

    async def post() -> str:
        db = Database(url)
        clock = clock_at(NOW)
        try:
            async with db.read() as session:
                group = await group_queries.group_by_code(session, "WMAG")
                meeting = (await upcoming_meetings(session, clock.now(), "WMAG"))[0]
            return (await runner(db, clock, smtp_url).run(slots_for(group, meeting)[0])).status
        finally:
            await db.close()

    raise SystemExit(0 if asyncio.run(post()) == "sent" else 1)


@pytest.fixture
async def template(db, db_url, write) -> Path:
    """The WMAG world with a digest due, its list address set, six owners with emails and no chat."""
    await build_world(db, write)
    async with db.write() as session:
        for name, email in OWNERS.items():
            await add_member(session, clock_at(NOW), name=name, email=email)
        (await group_queries.group_by_code(session, "WMAG")).digest_email = "wmag-list@example.org"
    await db.close()
    return Path(db_url.removeprefix("sqlite:///"))


async def _wait(process) -> int:
    while process.exitcode is None:
        await asyncio.sleep(0.01)
    return process.exitcode


@pytest.mark.e2e
@pytest.mark.sqlite_only  # SQLite's single writer (PostgreSQL: tests/e2e/test_replicas.py)
async def test_killed_runs_send_each_email_at_least_once_and_at_most_twice_as_one_message(template, tmp_path):
    context = multiprocessing.get_context("fork")
    rng = random.Random(20231127)
    totals = Counter()
    copies_seen = Counter()  # how many copies each owner got, over all trials
    for trial in range(TRIALS):
        database = tmp_path / f"trial-{trial}.db"
        shutil.copy(template, database)
        url = f"sqlite:///{database}"
        with smtp_server() as (inbox, smtp_url):
            inbox.rng = random.Random(rng.random())
            inbox.busy_share, inbox.drop_share = 0.15, 0.10
            process = context.Process(target=_post_digest, args=(url, smtp_url))
            kill_at = rng.randint(1, 6)
            if rng.random() < 0.6:
                # Killed once the server has taken its k-th message, before the sender hears so.
                def kill_after_data(_message, process=process, kill_at=kill_at, inbox=inbox) -> None:
                    if len(inbox.messages) == kill_at and process.pid:
                        process.kill()

                inbox.after_data = kill_after_data
                process.start()
            else:
                process.start()
                await asyncio.sleep(rng.uniform(0.0, 0.5))
                process.kill()
            totals["killed"] += await _wait(process) != 0
            inbox.after_data = None
            for _ in range(10):
                process = context.Process(target=_post_digest, args=(url, smtp_url))
                process.start()
                totals["runs"] += 1
                if await _wait(process) == 0:
                    break
            else:
                pytest.fail(f"trial {trial}: the digest never went out")
            received = defaultdict(list)
            for message in inbox.messages:
                received[message["To"]].append(message["Message-ID"])
            totals["drops"] += inbox.drops
            totals["451s, tried again"] += inbox.deferred
        expected = {*OWNERS.values(), "wmag-list@example.org"}
        db = Database(url)
        try:
            async with db.read() as session:
                rows = (
                    await session.exec(text("SELECT channel, status, message_id, sends FROM digest_part"))
                ).all()
        finally:
            await db.close()
        owners_with_items = {channel for channel, *_ in rows}
        assert owners_with_items <= expected and "wmag-list@example.org" in owners_with_items
        for channel, status, message_id, sends in rows:
            got = received.get(channel, [])
            copies_seen[len(got)] += 1
            assert status in ("sent", "unconfirmed"), f"trial {trial}: {channel} is {status}"
            assert 1 <= len(got) <= 2, f"trial {trial}: {channel} got {len(got)} copies"
            assert set(got) == {message_id}, f"trial {trial}: {channel} got {got}, recorded {message_id}"
            assert sends <= 2
            totals["unconfirmed"] += status == "unconfirmed"
        assert set(received) == owners_with_items, f"trial {trial}: mail to someone with no part"
    print(
        f"\nemail faults over {TRIALS} trials: {dict(totals)}; recipients by copies received: "
        f"{dict(sorted(copies_seen.items()))}"
    )
    assert totals["killed"] >= TRIALS // 2  # most first runs really died mid-way
    assert copies_seen[2] > 0  # the crash window was really hit, and answered with one resend
