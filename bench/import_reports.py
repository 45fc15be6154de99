"""Benchmark: import 1,000 synthetic reports into a fresh database; prints reports/s and p50/p95.

Two runs, each into its own fresh database: the command line's way (`tmag-bot import FILE...`, work
on the event loop's thread) and the running bot's way (an uploaded report, read and stored in a worker
thread so the bot keeps answering). The target is the command line's: that is how reports are
imported in bulk.

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
from bot.clock import Clock
from bot.importer import import_report
from storage.db import open_database

TARGET_S = 10


async def timed_import(paths: list[Path], database: Path, *, in_thread: bool) -> tuple[float, list[float]]:
    db = await open_database(f"sqlite:///{database}")
    clock = Clock()
    timings = []
    started = time.perf_counter()
    for path in paths:
        tick = time.perf_counter()
        await import_report(db, path, clock=clock, in_thread=in_thread)
        timings.append((time.perf_counter() - tick) * 1000)
    total = time.perf_counter() - started
    await db.close()
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
        for label, in_thread, database in (
            ("bot (worker thread)", True, "bot.db"),
            ("command line", False, "cli.db"),
        ):
            total, timings = await timed_import(paths, root / database, in_thread=in_thread)
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(f"{label}: imported {count} reports in {total:.2f} s, {count / total:.0f} reports/s")
            p50 = statistics.median(timings)
            print(f"  per report: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms")
            if not in_thread:
                met = "met" if total < TARGET_S * count / 1000 else "NOT met"
                print(f"  target: 1,000 reports under {TARGET_S} s -> {met}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=1000)
    asyncio.run(run(parser.parse_args().reports))


if __name__ == "__main__":
    main()
