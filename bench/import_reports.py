"""Benchmark: import 1,000 synthetic reports into a fresh database; prints reports/s and p50/p95.

Two runs, each into its own fresh database: the running bot's way (an uploaded report, read and stored
in a worker thread so the bot keeps answering) and the command line's (`tmag-bot import FILE...`: work
on the event loop's own thread, and a bulk run's larger WAL between checkpoints). The target is the
command line's: that is how reports are imported in bulk.

python -m bench.import_reports [--reports 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.synthetic import people, report
from bot.calendar.clock import Clock
from bot.record.importer import import_report
from storage.db import open_database

TARGET_S = 10


async def timed_import(paths: list[Path], database: Path, *, bulk: bool) -> tuple[float, list[float]]:
    """The total includes closing the database: a bulk run empties its WAL then."""
    db = await open_database(f"sqlite:///{database}", bulk=bulk)
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


async def run(count: int) -> None:
    rng = random.Random(7)
    pool = people(60, rng)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        paths = []
        for index in range(count):
            path = root / f"report-{index:04d}.txt"
            path.write_text(report(index, rng, pool), encoding="utf-8")
            paths.append(path)
        for label, bulk, database in (
            ("bot (one upload at a time, worker thread)", False, "bot.db"),
            ("command line (tmag-bot import FILE...)", True, "cli.db"),
        ):
            total, timings = await timed_import(paths, root / database, bulk=bulk)
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(f"{label}: imported {count} reports in {total:.2f} s, {count / total:.0f} reports/s")
            p50 = statistics.median(timings)
            print(f"  per report: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms")
            if bulk:
                met = "met" if total < TARGET_S * count / 1000 else "NOT met"
                print(f"  target: 1,000 reports under {TARGET_S} s -> {met}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=1000)
    asyncio.run(run(parser.parse_args().reports))


if __name__ == "__main__":
    main()
