"""Benchmark: compose the digest for a meeting whose group has 10k open actions (targets: p95 at most
100 ms at 10k open actions, 200 ms at 100k), beside a baseline in the same run: only reading every open
action and owner row of the group, as a digest did before it counted in SQL (its Python work not
included, so the baseline flatters the old way).

python -m bench.digest [--open 10000] [--runs 20] [--database POSTGRES_URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import text

from bench import databases
from bench.ask import big_page_cache, percentile, populate
from bot.calendar.clock import LONDON
from bot.calendar.schedule import upcoming_meetings
from bot.digests.compose import compose_digest
from bot.runtime import settle
from storage.db import open_database, refresh_statistics
from storage.queries import groups as group_queries


async def run(open_actions: int, runs: int, server: str | None, skip_sqlite: bool = False) -> None:
    for where in databases.kinds(server, skip_sqlite=skip_sqlite):
        print(f"--- {databases.label(where)}")
        with tempfile.TemporaryDirectory() as folder:
            async with databases.fresh(where, Path(folder), "digest") as url:
                await run_on(url, open_actions, runs)


async def run_on(url: str, open_actions: int, runs: int) -> None:
    db = await open_database(url)
    big_page_cache(db)
    await populate(db, int(open_actions / 0.7), 1000, random.Random(5), groups=["TMAG"])
    await db.close()
    await databases.after_bulk_load(url)
    await asyncio.to_thread(refresh_statistics, url)
    db = await open_database(url)
    now = datetime(2024, 6, 1, 9, 0, tzinfo=LONDON)
    settle()  # as `tmag-bot serve` does once started
    async with db.read() as session:
        group = await group_queries.group_by_code(session, "TMAG")
        meeting = (await upcoming_meetings(session, now, "TMAG"))[0]
    timings, digest = [], None
    for _ in range(runs + 2):
        tick = time.perf_counter()
        async with db.read() as session:
            digest = await compose_digest(session, group, meeting, now.date())
        timings.append((time.perf_counter() - tick) * 1000)
    timings = timings[2:]
    baseline = []
    for _ in range(runs + 2):
        tick = time.perf_counter()
        async with db.read() as session:
            await read_everything_open(session, group.id)
        baseline.append((time.perf_counter() - tick) * 1000)
    baseline = baseline[2:]
    await db.close()
    p95 = percentile(timings, 0.95)
    target = 100 if digest.counts["open"] <= 10_500 else 200
    print(
        f"digest for {meeting.group} {meeting.date}: {digest.counts['open']} open, "
        f"{digest.counts['overdue']} overdue, {len(digest.by_owner)} owners"
    )
    print(
        f"compose p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms "
        f"(target p95 <= {target} ms: {'met' if p95 <= target else 'NOT met'}) | "
        f"baseline (reading every open action and owner row) p50 {statistics.median(baseline):.1f} ms, "
        f"p95 {percentile(baseline, 0.95):.1f} ms"
    )


async def read_everything_open(session, group_id: int) -> None:
    """What a digest read before it counted in SQL: every open action of the group and every owner row."""
    for sql in (
        "SELECT id, ref, CAST(due AS VARCHAR), reported_done, CAST(news_on AS VARCHAR) FROM action "
        "WHERE group_id = :group AND status = 'open' ORDER BY due_sort, ref",
        "SELECT action_id, kind, name, key, role_key, org_key, owner_name_id FROM action_owner "
        "WHERE group_id = :group AND status = 'open' ORDER BY due_sort, action_id",
    ):
        (await session.exec(text(sql), params={"group": group_id})).all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    databases.add_argument(parser)
    args = parser.parse_args()
    asyncio.run(run(args.open, args.runs, args.database, args.skip_sqlite))


if __name__ == "__main__":
    main()
