"""Fuzzing the report reader: mutated reports must be read, or refused with a ReportError, promptly.

Each mutation is one of the ways real files go wrong, pushed to the extreme: a cell repeated until it is
huge, a line duplicated thousands of times, tags left open, dates and refs by the thousand in one cell,
look-alike and zero-width characters, truncation, binary garbage. Every file is read in a worker process
with a deadline, so a hang is counted (and the worker replaced) rather than stalling the run.

python -m bench.fuzz_reports [--reports 2000] [--seed 1] [--deadline 5] [--import]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import statistics
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.synthetic import people, realistic_report, report

HANG_SECONDS = 5.0
MAX_FUZZ_CHARS = 4_000_000  # mutations compound; past this a file only tests the size limits


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _pick_line(lines: list[str], rng: random.Random) -> int:
    return rng.randrange(len(lines)) if lines else 0


def huge_cell(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    at = _pick_line(lines, rng)
    cells = lines[at].split("\t")
    which = rng.randrange(len(cells))
    cell = cells[which] or "Large Supplier Representative"
    times = min(rng.randint(500, 6000), 1 + MAX_FUZZ_CHARS // (len(cell) + 1))
    cells[which] = " ".join([cell] * times)
    lines[at] = "\t".join(cells)
    return "\n".join(lines)


def long_role(text: str, rng: random.Random) -> str:
    role = " ".join(
        ["Large Supplier Constituency (LSC) Representative and iDNO rep"] * rng.randint(500, 3000)
    )
    return (
        text.replace("Attendees\n", f"Attendees\n\nKate Goodman (KG)\t{role}\n", 1)
        if "Attendees" in text
        else (text + f"\nAttendees\n\nKate Goodman (KG)\t{role}\n")
    )


def repeated_line(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    at = _pick_line(lines, rng)
    times = min(rng.randint(200, 5000), 1 + MAX_FUZZ_CHARS // (len(lines[at]) + 1))
    lines[at:at] = [lines[at]] * times
    return "\n".join(lines)


def many_dates(text: str, rng: random.Random) -> str:
    dates = " ".join(
        rng.choice(
            ["20/09/23", "16 August 2023 1000-1130", "2023-08-30", "TBC", "22.06.2022", "Aug 16, 2023"]
        )
        for _ in range(rng.randint(1000, 8000))
    )
    return text.replace("\t20", f"\t{dates} 20", 1) if "\t20" in text else text + "\n" + dates


def many_refs(text: str, rng: random.Random) -> str:
    refs = " ".join(
        f"(ACTION TMAG{rng.randint(1, 99):02d}-{rng.randint(1, 40):02d})"
        for _ in range(rng.randint(500, 4000))
    )
    return text + f"\nArea\tDiscussion\nMinutes\t<p>{refs}</p>\n"


def open_tags(text: str, rng: random.Random) -> str:
    tags = "".join(
        rng.choice(["<b>", "<p>", "<i>", "<ul><li>", "<td>", "**", "__", "<"])
        for _ in range(rng.randint(500, 5000))
    )
    lines = _lines(text)
    at = _pick_line(lines, rng)
    lines[at] = tags + lines[at]
    return "\n".join(lines)


def no_spaces(text: str, rng: random.Random) -> str:
    blob = "".join(rng.choice("TMAG0123456789-/.:") for _ in range(rng.randint(10_000, 80_000)))
    lines = _lines(text)
    lines.insert(_pick_line(lines, rng), blob)
    return "\n".join(lines)


def lookalikes(text: str, rng: random.Random) -> str:
    swaps = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "T": "Т", "M": "М", "A": "А"}
    out = []
    for ch in text:
        if ch in swaps and rng.random() < 0.3:
            out.append(swaps[ch])
        elif rng.random() < 0.01:
            out.append(rng.choice(["\u200b", "\u00a0", "\u202e", "\ufeff", "–", "—"]))
        out.append(ch)
    return "".join(out)


def many_tabs(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    for _ in range(rng.randint(5, 50)):
        at = _pick_line(lines, rng)
        lines[at] = lines[at].replace(" ", "\t" * rng.randint(1, 30), rng.randint(1, 5))
    return "\n".join(lines)


def shuffled(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    rng.shuffle(lines)
    return "\n".join(lines)


def truncated(text: str, rng: random.Random) -> str:
    return text[: rng.randrange(1, max(2, len(text)))]


def deleted_lines(text: str, rng: random.Random) -> str:
    return "\n".join(line for line in _lines(text) if rng.random() > 0.3)


def pipes(text: str, rng: random.Random) -> str:
    return "\n".join(
        "| " + line.replace("\t", " | ") + " |" if "\t" in line else line for line in _lines(text)
    )


def html_table(text: str, rng: random.Random) -> str:
    rows = []
    for line in _lines(text):
        cells = "".join(f"<td>{cell}</td>" for cell in line.split("\t"))
        rows.append(f"<tr>{cells}</tr>")
    depth = rng.randint(1, 200)
    return (
        "<html><body>"
        + "<div>" * depth
        + "<table>"
        + "".join(rows)
        + "</table>"
        + "</div>" * depth
        + "</body></html>"
    )


MUTATIONS = [
    huge_cell,
    long_role,
    repeated_line,
    many_dates,
    many_refs,
    open_tags,
    no_spaces,
    lookalikes,
    many_tabs,
    shuffled,
    truncated,
    deleted_lines,
    pipes,
    html_table,
]


def mutated(count: int, seed: int = 1) -> Iterator[tuple[str, bytes, str]]:
    """`count` mutated reports as (file name, bytes, mutations applied); one to three mutations each."""
    rng = random.Random(seed)
    pool = people(60, rng)
    for index in range(count):
        base = realistic_report(index, rng, pool) if index % 3 else report(index, rng, pool)
        applied = rng.sample(MUTATIONS, rng.randint(1, 3))
        text = base
        for mutation in applied:
            text = mutation(text, rng)[:MAX_FUZZ_CHARS]
        names = "+".join(m.__name__ for m in applied)
        if rng.random() < 0.03:
            data = bytes(rng.randrange(256) for _ in range(rng.randint(1, 20_000)))
            names += "+binary"
        else:
            data = text.encode("utf-8")
        suffix = ".html" if "html_table" in names else ".txt"
        yield f"fuzz-{index:05d}{suffix}", data, names


# --- reading them, each against a deadline ----------------------------------------------------------


def _read_one(name: str, data: bytes, database: str | None) -> tuple[str, str]:
    """(outcome, detail): read | refused | error."""
    from bot.record.reports.loader import ReportError, load_bytes
    from bot.record.reports.parser import parse_report

    try:
        if database is None:
            parse_report(load_bytes(name, data), set())
        else:
            from bot.calendar.clock import Clock
            from bot.record.importer import import_report
            from storage.db import Database

            async def imported():
                db = Database(database)
                try:
                    await import_report(db, name=name, data=data, clock=Clock(), in_thread=False)
                finally:
                    await db.close()

            asyncio.run(imported())
        return "read", ""
    except ReportError as exc:
        return "refused", str(exc)
    except Exception:  # what the fuzz run looks for: anything but a clear refusal
        return "error", traceback.format_exc(limit=4)


def _worker(connection, database: str | None) -> None:
    while True:
        task = connection.recv()
        if task is None:
            return
        started = time.perf_counter()
        outcome, detail = _read_one(*task, database)
        connection.send((outcome, detail, time.perf_counter() - started))


@dataclass
class FuzzResult:
    outcomes: Counter = field(default_factory=Counter)
    hangs: list[str] = field(default_factory=list)
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)


class DeadlineReader:
    """Reads reports in a worker process; one that takes longer than the deadline is a hang, and the
    worker is killed and replaced."""

    def __init__(self, deadline: float, database: str | None = None) -> None:
        self.deadline = deadline
        self.database = database
        self.context = multiprocessing.get_context("fork")
        self._start()

    def _start(self) -> None:
        self.connection, child = self.context.Pipe()
        self.process = self.context.Process(target=_worker, args=(child, self.database), daemon=True)
        self.process.start()

    def read(self, name: str, data: bytes) -> tuple[str, str, float]:
        self.connection.send((name, data))
        if self.connection.poll(self.deadline):
            return self.connection.recv()
        self.process.kill()
        self.process.join()
        self._start()
        return "hang", f"more than {self.deadline:g} s", self.deadline

    def close(self) -> None:
        self.connection.send(None)
        self.process.join(5)


def fuzz(
    count: int, *, seed: int = 1, deadline: float = HANG_SECONDS, database: str | None = None
) -> FuzzResult:
    result = FuzzResult()
    reader = DeadlineReader(deadline, database)
    try:
        for name, data, applied in mutated(count, seed):
            outcome, detail, seconds = reader.read(name, data)
            result.outcomes[outcome] += 1
            result.seconds.append(seconds)
            result.slowest = sorted([*result.slowest, (seconds, f"{name} ({applied}, {len(data):,} bytes)")])[
                -5:
            ]
            if outcome == "hang":
                result.hangs.append(f"{name} ({applied})")
            elif outcome == "error":
                result.errors.append((name, applied, detail))
    finally:
        reader.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--deadline", type=float, default=HANG_SECONDS)
    parser.add_argument(
        "--import", dest="do_import", action="store_true", help="import each into a database too"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        database = None
        if args.do_import:
            from storage.db import migrate

            database = f"sqlite:///{Path(folder) / 'fuzz.db'}"
            migrate(database)
        result = fuzz(args.reports, seed=args.seed, deadline=args.deadline, database=database)
    elapsed = time.perf_counter() - started
    seconds = sorted(result.seconds)
    print(f"fuzzed {args.reports} mutated reports in {elapsed:.1f} s (seed {args.seed})")
    print("  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(result.outcomes.items())))
    print(
        f"  per report: median {statistics.median(seconds) * 1000:.0f} ms, "
        f"p99 {seconds[int(len(seconds) * 0.99) - 1] * 1000:.0f} ms, max {seconds[-1] * 1000:.0f} ms"
    )
    print("  slowest: " + "; ".join(f"{name} {seconds:.2f} s" for seconds, name in reversed(result.slowest)))
    print(f"  hangs over {args.deadline:g} s: {len(result.hangs)}")
    for hang in result.hangs[:10]:
        print(f"    {hang}")
    print(f"  unexpected errors (tracebacks): {len(result.errors)}")
    for name, applied, detail in result.errors[:5]:
        print(f"    {name} ({applied}):\n{detail}")


if __name__ == "__main__":
    main()
