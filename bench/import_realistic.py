"""Benchmark: 1,000 reports shaped like what the secretariat publishes, imported through the real
command line (`tmag-bot import FILE...` as its own process, start-up included), beside the same number
of the small synthetic reports in the same run.

The realistic set mixes reports like the programme's own (headline reports and minutes of 5-20 KB:
attendee lists of 10-25 with initials, roles and "on behalf of", inline ACTION and DECISION mentions,
decisions, previous-actions tables), the small synthetic ones (10 action rows, no attendees), and, with
--seeds, real published reports. Target: the realistic 1,000 in under 10 s. Beside each set it prints a
machine check (a fixed Python loop, about 0.3 s when this 2-core machine is quiet): figures from runs
whose checks differ are not comparable.

python -m bench.import_realistic [--reports 1000] [--seeds DIR] [--runs 3] [--database POSTGRES_URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import databases
from bench.machine import machine_check
from bench.synthetic import people, realistic_report, report

TARGET_S = 10
REALISTIC_SHARE = 0.7  # of the realistic set; the rest are small reports


PG_RATIO_TARGET = 1.5  # PostgreSQL's import of the realistic set against SQLite's, in the same run


def write_sets(root: Path, count: int, seeds: Path | None) -> dict[str, list[Path]]:
    rng = random.Random(13)
    pool = people(80, rng)
    small, realistic = root / "small", root / "realistic"
    small.mkdir()
    realistic.mkdir()
    sets: dict[str, list[Path]] = {"small": [], "realistic": []}
    for index in range(count):
        path = small / f"report-{index:04d}.txt"
        path.write_text(report(index, rng, pool), encoding="utf-8")
        sets["small"].append(path)
    real = sorted(p for p in seeds.iterdir() if p.is_file()) if seeds else []
    for source in real:
        shutil.copy(source, realistic / source.name)
        sets["realistic"].append(realistic / source.name)
    for index in range(count - len(real)):
        path = realistic / f"report-{index:04d}.txt"
        text = (
            realistic_report(index, rng, pool)
            if rng.random() < REALISTIC_SHARE
            else report(index + count, rng, pool)
        )
        path.write_text(text, encoding="utf-8")
        sets["realistic"].append(path)
    return sets


def import_once(paths: list[Path], url: str) -> float:
    env = dict(os.environ, DATABASE_URL=url, LOG_LEVEL="WARNING")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "import", *map(str, paths)], env=env, capture_output=True, text=True
    )
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"tmag-bot import failed: {done.stderr.strip()[-500:]}")
    return took


async def run(
    count: int, seeds: Path | None, runs: int, server: str | None, skip_sqlite: bool = False
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        sets = write_sets(root, count, seeds)
        size = {
            name: sum(p.stat().st_size for p in paths) / len(paths) / 1024 for name, paths in sets.items()
        }
        medians: dict[tuple[str, str], float] = {}
        for where in databases.kinds(server, skip_sqlite=skip_sqlite):
            for name in ("small", "realistic"):
                times, checks = [], []
                for attempt in range(runs):
                    checks.append(machine_check())
                    async with databases.fresh(where, root, f"{name}{attempt}") as url:
                        times.append(await asyncio.to_thread(import_once, sets[name], url))
                line = (
                    f"{databases.label(where)}, {name} ({count} reports, {size[name]:.1f} KB on average): "
                    f"min {min(times):.2f} s, median {statistics.median(times):.2f} s, max {max(times):.2f} s"
                    f" ({count / statistics.median(times):.0f} reports/s)"
                )
                if name == "realistic":
                    met = "met" if statistics.median(times) < TARGET_S * count / 1000 else "NOT met"
                    line += f"; target 1,000 under {TARGET_S} s: {met}"
                print(line, flush=True)
                print(f"  machine check beside these runs: {statistics.median(checks):.3f} s", flush=True)
                medians[databases.label(where), name] = statistics.median(times)
        labels = list(dict.fromkeys(label for label, _ in medians))
        if len(labels) == 2:  # SQLite first, then the PostgreSQL server
            for name in ("small", "realistic"):
                ratio = medians[labels[1], name] / medians[labels[0], name]
                line = f"{labels[1]} / {labels[0]}, {name}, medians: {ratio:.2f}"
                if name == "realistic":
                    line += (
                        f" (target <= {PG_RATIO_TARGET}: {'met' if ratio <= PG_RATIO_TARGET else 'NOT met'})"
                    )
                print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--seeds", type=Path, help="a folder of real reports to include")
    parser.add_argument("--runs", type=int, default=3)
    databases.add_argument(parser)
    args = parser.parse_args()
    asyncio.run(run(args.reports, args.seeds, args.runs, args.database, args.skip_sqlite))


if __name__ == "__main__":
    main()
