"""Where the bot's time went, from a profile taken by `bench.slack_http --profile DIR` or `bench.teams_http
--profile DIR`: py-spy's samples of every thread (DIR/threads.txt, idle ones included), the CPU time each
thread used (Linux's /proc, DIR/sampled.json), and the SQL statements and garbage collections timed
inside the process (DIR/inside.json, bench/profiling.py).

A thread sampled outside its idle wait is busy: running, or waiting for the interpreter lock (py-spy
cannot tell the two apart); the CPU time is what it ran.

    python -m bench.profile_report DIR

The serving process's threads: MainThread is the loop that checks and acknowledges requests; "answers"
the loop that answers them (handlers/answer_loop.py); "asyncio_N" the worker threads a loop hands work to
(the database's reads on a connection of their own, the Teams SDK's token); each aiosqlite connection has
a worker thread of its own, where SQLite runs.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

RATE = 100  # samples a second (bench/profiling.py's Sampler)
FRAME = re.compile(r"^(?P<function>.*) \((?P<path>[^():]+\.py):(?P<line>\d+)\)$")
IDLE = (  # a thread's innermost frame while it waits for work
    ("selectors.py", "select"),
    ("aiosqlite/core.py", "_connection_worker_thread"),
    ("concurrent/futures/thread.py", "_worker"),
    ("threading.py", "wait"),
    ("threading.py", "_wait_for_tstate_lock"),
    ("queue.py", "get"),
)
LIBRARIES = (  # by where a frame's file is: the first that matches
    ("bot/", "bot (core)"),
    ("handlers/", "handlers"),
    ("storage/", "storage"),
    ("bench/", "bench's timing hook"),
    ("sqlalchemy/", "SQLAlchemy"),
    ("sqlmodel/", "SQLModel"),
    ("pydantic", "pydantic"),
    ("aiosqlite/", "aiosqlite"),
    ("sqlite3/", "sqlite3"),
    ("slack_bolt/", "Bolt"),
    ("slack_sdk/", "slack_sdk"),
    ("microsoft_teams/", "Teams SDK"),
    ("msal/", "MSAL"),
    ("jwt/", "PyJWT"),
    ("aiohttp/", "aiohttp"),
    ("yarl/", "aiohttp"),
    ("multidict/", "aiohttp"),
    ("asyncio/", "asyncio"),
    ("concurrent/", "threads"),
    ("threading.py", "threads"),
    ("queue.py", "threads"),
    ("json/", "json"),
    ("rapidfuzz/", "rapidfuzz"),
)
OURS = ("bot/", "handlers/", "storage/")


def thread_kind(name: str) -> str:
    if name == "MainThread":
        return "serving loop (MainThread: checks, acknowledges)"
    if name == "answers":
        return "answering loop (answers: Bolt/SDK, the core, replies)"
    if "_connection_worker_thread" in name:
        return "aiosqlite workers (SQLite)"
    if name.startswith("asyncio_"):
        return "loop worker threads (asyncio_N: own-connection reads, SDK token)"
    return f"other ({name})"


def library(path: str) -> str:
    for prefix, name in LIBRARIES:
        if path.startswith(prefix) or f"/{prefix}" in path:
            return name
    return "Python (stdlib, other)"


def read_samples(path: Path) -> list[tuple[str, list[tuple[str, str]], int]]:
    """(thread name, frames root first as (function, path:line), count) of each collapsed stack."""
    samples = []
    if not path.exists():
        return samples
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        parts = stack.split(";")
        thread = parts[0].split(":", 1)[1].strip() if ":" in parts[0] else parts[0]
        frames = []
        for part in parts[1:]:
            found = FRAME.match(part.strip())
            if found:
                frames.append((found["function"], f"{found['path']}:{found['line']}"))
        samples.append((thread, frames, int(count)))
    return samples


def idle(frames: list[tuple[str, str]]) -> bool:
    if not frames:
        return True
    function, where = frames[-1]
    return any(where.startswith(path) and function.endswith(name) for path, name in IDLE)


def percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    -"


def report(folder: Path, top: int = 25) -> None:
    sampled = json.loads((folder / "sampled.json").read_text()) if (folder / "sampled.json").exists() else {}
    seconds, requests = sampled.get("seconds"), sampled.get("requests")
    everything = read_samples(folder / "threads.txt")
    busy = [(thread, frames, count) for thread, frames, count in everything if not idle(frames)]
    print(f"profile in {folder}" + (f": {requests} requests in {seconds:.0f} s sampled" if seconds else ""))
    _threads(everything, sampled.get("cpu_by_thread", {}), names(folder / "threads.txt"), seconds, requests)
    if not everything:
        print("  no sampled stacks (py-spy was not run)")
    else:
        _libraries(busy)
        _functions(busy, top)
    inside = folder / "inside.json"
    if inside.exists():
        _sql(json.loads(inside.read_text()), requests, seconds)


def names(path: Path) -> dict[str, str]:
    """Thread id -> thread name, as py-spy's samples name them."""
    found = {}
    if path.exists():
        for line in path.read_text().splitlines():
            head = line.split(";", 1)[0]
            matched = re.match(r"thread \((\d+)\): (.*?)( \d+)?$", head)
            if matched:
                found[matched[1]] = matched[2]
    return found


def _threads(everything, cpu_by_thread: dict, thread_names: dict, seconds, requests) -> None:
    busy, waiting, cpu = Counter(), Counter(), Counter()
    for thread, frames, count in everything:
        (waiting if idle(frames) else busy)[thread_kind(thread)] += count
    for tid, used in cpu_by_thread.items():
        cpu[thread_kind(thread_names.get(str(tid), f"thread {tid}"))] += used
    total_cpu = sum(cpu.values())
    print("\nthreads: CPU used (/proc) and py-spy's samples (100 a second), busy or idle")
    print(f"  {'':<70}{'CPU s':>7}{'per request ms':>16}{'busy s':>8}{'idle s':>8}")
    for kind in sorted(set(busy) | set(waiting) | set(cpu), key=lambda k: -cpu[k]):
        per = f"{1000 * cpu[kind] / requests:.1f}" if requests else "-"
        print(f"  {kind:<70}{cpu[kind]:7.1f}{per:>16}{busy[kind] / RATE:8.1f}{waiting[kind] / RATE:8.1f}")
    if seconds:
        print(
            f"  in all: {total_cpu:.1f} s of CPU in {seconds:.1f} s ({total_cpu / seconds:.2f} cores)"
            + (f", {1000 * total_cpu / requests:.1f} ms a request" if requests else "")
        )


def _libraries(busy) -> None:
    """Where each thread was busy, by the library of the innermost frame."""
    by_thread: dict[str, Counter] = defaultdict(Counter)
    for thread, frames, count in busy:
        kind = thread_kind(thread)
        by_thread[kind][library(frames[-1][1]) if frames else "?"] += count
    print("\nbusy samples by the library running (the innermost frame)")
    for kind, counts in sorted(by_thread.items(), key=lambda kv: -sum(kv[1].values())):
        total = sum(counts.values())
        shares = ", ".join(f"{name} {percent(n, total).strip()}" for name, n in counts.most_common(9))
        print(f"  {kind} ({total / RATE:.1f} s): {shares}")


def _functions(busy, top: int) -> None:
    """The bot's own functions (bot/, handlers/, storage/) by the busy time spent in them and below
    them, on the answering loop and the worker threads it hands reads to."""
    inclusive, own = Counter(), Counter()
    below: dict[str, Counter] = defaultdict(Counter)
    total = 0
    for thread, frames, count in busy:
        if thread_kind(thread).startswith(("serving", "aiosqlite", "other")):
            continue
        total += count
        seen = set()
        innermost = None
        for index, (function, where) in enumerate(frames):
            path = where.rsplit(":", 1)[0]
            if path.startswith(OURS):
                name = f"{function} ({path})"
                innermost = (name, index)
                if name not in seen:
                    seen.add(name)
                    inclusive[name] += count
        if innermost is not None:
            name, index = innermost
            own[name] += count
            beneath = frames[index + 1 :]
            below[name][library(beneath[-1][1]) if beneath else "itself"] += count
    if not total:
        return
    print(
        f"\nthe bot's functions on the answering loop and its worker threads ({total / RATE:.1f} s busy): "
        "in them and below (and, for the innermost of the bot's own frames, what ran below it)"
    )
    for name, count in inclusive.most_common(top):
        mine = own.get(name, 0)
        detail = ""
        if mine:
            parts = ", ".join(f"{lib} {n / RATE:.1f} s" for lib, n in below[name].most_common(3))
            detail = f"  [innermost {mine / RATE:.1f} s: {parts}]"
        print(f"  {percent(count, total)} {count / RATE:6.1f} s  {name}{detail}")


def _sql(inside: dict, requests: int | None, seconds: float | None) -> None:
    statements = inside.get("statements", [])
    by_thread: dict[str, list[dict]] = defaultdict(list)
    for entry in statements:
        by_thread[entry["thread"]].append(entry)
    print("\nSQL, timed inside the process (waited: the loop's wait for each round trip; SQLite: the time it")
    print("ran in the connection's worker thread; the difference is thread hops and waits for the lock)")
    for thread, entries in sorted(by_thread.items(), key=lambda kv: -sum(e["waited_s"] for e in kv[1])):
        calls = sum(e["count"] for e in entries)
        waited = sum(e["waited_s"] for e in entries)
        sqlite_wall = sum(e["sqlite_wall_s"] for e in entries)
        sqlite_cpu = sum(e["sqlite_cpu_s"] for e in entries)
        hops = [e for e in entries if e["statement"].startswith("[")]
        line = (
            f"  {thread}: {calls} round trips, waited {waited:.1f} s, SQLite {sqlite_wall:.1f} s "
            f"(CPU {sqlite_cpu:.1f} s)"
        )
        if requests:
            line += (
                f"; per request {calls / requests:.0f} round trips, waited {1000 * waited / requests:.1f} ms"
            )
        print(line)
        if hops:
            print(
                "    of which without a statement (a cursor opened or closed, commit, rollback): "
                + ", ".join(
                    f"{e['statement']} {e['count']} x {1000 * e['waited_s'] / max(1, e['count']):.2f} ms"
                    for e in sorted(hops, key=lambda e: -e["waited_s"])[:5]
                )
            )
    print("  statements by the time waited for them (all threads):")
    print(f"    {'waited s':>9}{'count':>8}{'mean ms':>9}{'max ms':>8}{'SQLite mean ms':>16}  statement")
    for entry in sorted(statements, key=lambda e: -e["waited_s"])[:20]:
        count = max(1, entry["count"])
        print(
            f"    {entry['waited_s']:9.2f}{entry['count']:8d}{1000 * entry['waited_s'] / count:9.2f}"
            f"{1000 * entry['max_waited_s']:8.1f}{1000 * entry['sqlite_wall_s'] / count:16.2f}  "
            f"[{entry['thread']}] {entry['statement'][:150]}"
        )
    collections = inside.get("gc", {})
    if collections:
        print(
            "  garbage collections: "
            + ", ".join(
                f"generation {g}: {v['count']} taking {1000 * v['s']:.0f} ms"
                for g, v in sorted(collections.items())
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument("--top", type=int, default=25, help="how many of the bot's functions to list")
    args = parser.parse_args()
    report(args.folder, args.top)


if __name__ == "__main__":
    main()
