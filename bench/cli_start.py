"""Benchmark: the command line from a cold start. Each run is a new process with bytecode cached, on a
small database (20 seed-shaped reports, or --seeds DIR), timed from spawn to exit. Beside `tmag-bot
ask` it times what any run pays before the bot's own code: the interpreter alone, and importing the
storage libraries (SQLModel with SQLAlchemy and pydantic) without anything else. Target: `tmag-bot ask`
under 0.5 s median. A machine check (a fixed Python loop) says whether the machine was quiet.

python -m bench.cli_start [--runs 7] [--seeds DIR]
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

from bench.machine import machine_check
from bench.synthetic import people, realistic_report

TARGET_S = 0.5
ROOT = Path(__file__).resolve().parent.parent
SMALL_REPORTS = 20
BUSIEST_MEMBER = """
    SELECT member.name FROM member
    JOIN owner_name ON owner_name.member_id = member.id
    JOIN action_owner ON action_owner.owner_name_id = owner_name.id
    WHERE action_owner.status = 'open'
    GROUP BY member.id ORDER BY count(*) DESC, member.id LIMIT 1
"""


def build_database(folder: Path, seeds: Path | None) -> tuple[str, str]:
    """A database of a few reports, and the name of the member who owns most open actions in it, to
    ask as."""
    rng = random.Random(7)
    pool = people(40, rng)
    reports = folder / "reports"
    reports.mkdir()
    if seeds:
        for source in sorted(p for p in seeds.iterdir() if p.is_file()):
            shutil.copy(source, reports / source.name)
    for index in range(0 if seeds else SMALL_REPORTS):
        (reports / f"report-{index:02d}.txt").write_text(realistic_report(index, rng, pool), encoding="utf-8")
    url = f"sqlite:///{folder / 'small.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "import", *map(str, sorted(reports.iterdir()))],
        env=_env(url),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"tmag-bot import failed: {done.stderr.strip()[-500:]}")
    with closing(sqlite3.connect(folder / "small.db")) as connection:
        (name,) = connection.execute(BUSIEST_MEMBER).fetchone()
    return url, name


def _env(url: str) -> dict[str, str]:
    return dict(os.environ, DATABASE_URL=url, LOG_LEVEL="WARNING")


def commands(name: str) -> dict[str, list[str]]:
    python = [sys.executable]
    script = Path(sys.executable).with_name("tmag-bot")
    bot = [str(script)] if script.exists() else [*python, "-m", "bot"]
    return {
        "python, nothing imported": [*python, "-c", "pass"],
        "python, importing SQLModel, SQLAlchemy and pydantic": [
            *python,
            "-c",
            "import sqlmodel.ext.asyncio.session",
        ],
        "tmag-bot --version": [*bot, "--version"],
        'tmag-bot ask "what is open for me"': [*bot, "ask", "what is open for me", "--as", name],
        'tmag-bot ask "anything on the migration dashboard?"': [
            *bot,
            "ask",
            "anything on the migration dashboard?",
            "--as",
            name,
        ],
    }


def time_once(command: list[str], url: str) -> tuple[float, str]:
    """Seconds from spawn to exit, and what the command printed."""
    started = time.perf_counter()
    done = subprocess.run(command, env=_env(url), capture_output=True, text=True, cwd=ROOT)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}")
    return took, done.stdout


def run(runs: int, seeds: Path | None) -> None:
    for package in ("bot", "handlers", "storage"):
        compileall.compile_dir(ROOT / package, quiet=1)
    with tempfile.TemporaryDirectory() as folder:
        url, name = build_database(Path(folder), seeds)
        timed = commands(name)
        print(f"asking as {name}, on a database of {'the seeds' if seeds else f'{SMALL_REPORTS} reports'}:")
        for label, command in timed.items():
            _, printed = time_once(command, url)  # any bytecode still missing is written now
            if label.startswith("tmag-bot ask"):
                print(f"  {label} answers with {len(printed.splitlines())} lines: {printed.splitlines()[0]}")
        times: dict[str, list[float]] = {label: [] for label in timed}
        checks = []
        for _ in range(runs):
            checks.append(machine_check())
            for label, command in timed.items():  # interleaved, so a busy spell hits them all alike
                times[label].append(time_once(command, url)[0])
    for label, taken in times.items():
        line = (
            f"{label}: min {min(taken):.3f} s, median {statistics.median(taken):.3f} s, "
            f"max {max(taken):.3f} s"
        )
        if label.startswith("tmag-bot ask"):
            met = "met" if statistics.median(taken) < TARGET_S else "NOT met"
            line += f"; target under {TARGET_S} s median: {met}"
        print(line, flush=True)
    print(f"  machine check beside these runs: {statistics.median(checks):.3f} s ({runs} runs)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seeds", type=Path, help="a folder of real reports to build the database from")
    args = parser.parse_args()
    run(args.runs, args.seeds)


if __name__ == "__main__":
    main()
