"""Benchmark: import 1,000 synthetic reports into a fresh database; prints reports/s and p50/p95.

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
        db = await open_database(f"sqlite:///{root / 'bench.db'}")
        clock = Clock()
        timings = []
        started = time.perf_counter()
        for path in paths:
            tick = time.perf_counter()
            await import_report(db, path, clock=clock)
            timings.append((time.perf_counter() - tick) * 1000)
        total = time.perf_counter() - started
        await db.close()
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"imported {count} reports in {total:.2f} s: {count / total:.0f} reports/s")
    print(f"per report: p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms")
    print(f"target: {count} reports under 10 s -> {'met' if total < 10 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=1000)
    asyncio.run(run(parser.parse_args().reports))


if __name__ == "__main__":
    main()
