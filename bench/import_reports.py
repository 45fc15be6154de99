"""Benchmark: import 1,000 synthetic reports into a fresh database; prints reports/s and p50/p95.

Two runs, each into its own fresh database: the running bot's way (an uploaded report, read and stored
in a worker thread so the bot keeps answering) and the command line's (`tmag-bot import FILE...`: work
on the event loop's own thread, and a bulk run's larger WAL between checkpoints). The target is the
command line's: that is how reports are imported in bulk.

python -m bench.import_reports [--reports 1000] [--database POSTGRES_URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench import databases
from bench.ask import percentile
from bench.synthetic import people, report
from bot.calendar.clock import Clock
from bot.record.importer import import_report
from storage.db import open_database

TARGET_S = 10
TARGET_POSTGRES_S = 15


async def timed_import(paths: list[Path], url: str, *, bulk: bool) -> tuple[float, list[float]]:
    """The total includes closing the database: a bulk run empties its WAL then."""
    db = await open_database(url, bulk=bulk)
    clock = Clock()
    timings = []
    started = time.perf_counter()
    for path in paths:
        tick = time.perf_counter()
        await import_report(db, path, clock=clock, in_thread=not bulk)
        timings.append((time.perf_counter() - tick) * 1000)
    await db.close()
    total = time.perf_counter() - started
    return total, sorted(timings)


async def run(count: int, server: str | None, skip_sqlite: bool = False) -> None:
    rng = random.Random(7)
    pool = people(60, rng)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        paths = []
        for index in range(count):
            path = root / f"report-{index:04d}.txt"
            path.write_text(report(index, rng, pool), encoding="utf-8")
            paths.append(path)
        for where in databases.kinds(server, skip_sqlite=skip_sqlite):
            target = TARGET_S if where is None else TARGET_POSTGRES_S
            for label, bulk, name in (
                ("bot (one upload at a time, worker thread)", False, "bot"),
                ("command line (tmag-bot import FILE...)", True, "cli"),
            ):
                async with databases.fresh(where, root, name) as url:
                    total, timings = await timed_import(paths, url, bulk=bulk)
                p95 = percentile(timings, 0.95)
                print(
                    f"{databases.label(where)}, {label}: imported {count} reports in {total:.2f} s, "
                    f"{count / total:.0f} reports/s"
                )
                p50 = statistics.median(timings)
                print(f"  per report: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms")
                if bulk:
                    met = "met" if total < target * count / 1000 else "NOT met"
                    print(f"  target: 1,000 reports under {target} s -> {met}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=1000)
    databases.add_argument(parser)
    args = parser.parse_args()
    asyncio.run(run(args.reports, args.database, args.skip_sqlite))


if __name__ == "__main__":
    main()
