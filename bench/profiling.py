"""Where a serving process's time goes, measured inside it (bench/bot_hooks.py starts this when
TMAG_BENCH_PROFILE=DIR is set; bench/profile_report.py reads what it writes):

- every SQL statement, by the loop (thread) that ran it: how often, the time the loop waited for it
  (SQLAlchemy's cursor events, around aiosqlite's round trip), and of that the time SQLite itself took
  in aiosqlite's worker thread (wall and CPU), the rest being the two thread hops and the wait for the
  interpreter lock; commits and rollbacks as well;
- garbage collections: how many, by generation, and how long.

Sampled stacks of every thread (py-spy, run beside the process by the benchmark) show the rest.
"""

from __future__ import annotations

import gc
import json
import re
import threading
import time
from collections import defaultdict
from pathlib import Path

_WORDS = re.compile(r"\s+")


def statement_label(statement: str) -> str:
    """A statement without its literal noise, short enough to read in a table."""
    text = _WORDS.sub(" ", statement).strip()
    text = re.sub(r"\(\?(?:, \?)+\)", "(?, ...)", text)
    text = re.sub(r"IN \(__\[POSTCOMPILE_\w+\]\)", "IN (...)", text)
    return text[:400]


class Figures:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        # (thread name, statement) -> [count, waited s, in worker wall s, in worker cpu s, max waited s]
        self.statements: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0, 0.0])
        self.gc: dict[int, list[float]] = defaultdict(lambda: [0, 0.0])  # generation -> [count, s]
        self.threads: dict[int, str] = {}

    def as_json(self) -> dict:
        return {
            "statements": [
                {
                    "thread": thread,
                    "statement": statement,
                    "count": int(values[0]),
                    "waited_s": values[1],
                    "sqlite_wall_s": values[2],
                    "sqlite_cpu_s": values[3],
                    "max_waited_s": values[4],
                }
                for (thread, statement), values in self.statements.items()
            ],
            "gc": {str(generation): {"count": int(c), "s": s} for generation, (c, s) in self.gc.items()},
        }


def start(directory: str):
    """Install the measurements; returns what writes them out (call it as the process ends)."""
    import aiosqlite.core
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    figures = Figures()
    current: dict[int, list] = {}  # id(aiosqlite connection) -> the statement's figures being run
    started: dict[int, tuple[float, list]] = {}  # id(cursor) -> (when, figures)

    def raw_connection(connection) -> object | None:
        try:
            adapted = connection.connection.dbapi_connection
            return getattr(adapted, "_connection", None)
        except Exception:
            return None

    @event.listens_for(Engine, "before_cursor_execute")
    def before(connection, cursor, statement, parameters, context, executemany):
        thread = threading.current_thread().name
        with figures.lock:
            entry = figures.statements[(thread, statement_label(statement))]
        raw = raw_connection(connection)
        if raw is not None:
            current[id(raw)] = entry
        started[id(cursor)] = (time.perf_counter(), entry)

    @event.listens_for(Engine, "after_cursor_execute")
    def after(connection, cursor, statement, parameters, context, executemany):
        found = started.pop(id(cursor), None)
        raw = raw_connection(connection)
        if raw is not None:
            current.pop(id(raw), None)
        if found is None:
            return
        tick, entry = found
        waited = time.perf_counter() - tick
        with figures.lock:
            entry[0] += 1
            entry[1] += waited
            entry[4] = max(entry[4], waited)

    original = aiosqlite.core.Connection._execute

    async def timed_execute(self, fn, *args, **kwargs):
        entry = current.get(id(self))
        if entry is None:  # a commit, a rollback, a connection's set-up: by the function's name
            name = getattr(fn, "__name__", repr(fn))
            thread = threading.current_thread().name
            with figures.lock:
                entry = figures.statements[(thread, f"[{name}]")]
            own = True
        else:
            own = False
        tick = time.perf_counter()

        def run():
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
                with figures.lock:
                    entry[2] += wall
                    entry[3] += cpu

        try:
            return await original(self, run)
        finally:
            if own:
                waited = time.perf_counter() - tick
                with figures.lock:
                    entry[0] += 1
                    entry[1] += waited
                    entry[4] = max(entry[4], waited)

    aiosqlite.core.Connection._execute = timed_execute

    collecting: dict[int, float] = {}

    def collected(phase: str, info: dict) -> None:
        ident = threading.get_ident()
        if phase == "start":
            collecting[ident] = time.perf_counter()
        elif ident in collecting:
            took = time.perf_counter() - collecting.pop(ident)
            entry = figures.gc[info.get("generation", -1)]
            entry[0] += 1
            entry[1] += took

    gc.callbacks.append(collected)

    def finish() -> None:
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        with figures.lock:
            data = figures.as_json()
        (folder / "inside.json").write_text(json.dumps(data, indent=1))

    return finish


class Sampler:
    """py-spy sampling every thread of a process (idle ones too) into a file of collapsed stacks, from
    `start` to `stop`; nothing (and says so) where py-spy is not installed or may not attach."""

    def __init__(self, pid: int, path: Path, rate: int = 100) -> None:
        self.pid, self.path, self.rate = pid, path, rate
        self.process = None

    def start(self) -> bool:
        import shutil
        import subprocess
        import sys

        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        if not Path(spy).exists():
            print("py-spy is not installed (pip install py-spy): no sampled stacks", flush=True)
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                spy,
                "record",
                "--pid",
                str(self.pid),
                "--rate",
                str(self.rate),
                "--format",
                "raw",
                "--threads",
                "--idle",
                "--nonblocking",
                "--output",
                str(self.path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        return True

    def stop(self) -> None:
        import signal

        if self.process is None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            _out, err = self.process.communicate(timeout=30)
        except Exception:
            self.process.kill()
            return
        if self.process.returncode not in (0, -signal.SIGINT) and not self.path.exists():
            print(f"py-spy failed: {err.strip()[-300:]}", flush=True)


class ThreadTimes:
    """The CPU time (user and system, from Linux's /proc) each thread of a process used between `start`
    and `stop`, polled meanwhile so that threads which end are counted too."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}

    def _read(self) -> dict[int, float]:
        import os

        tick = os.sysconf("SC_CLK_TCK")
        found = {}
        for task in Path(f"/proc/{self.pid}/task").glob("*"):
            try:
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(task.name)] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        return found

    def start(self) -> None:
        self.first = self._read()
        self.last = dict(self.first)

    def poll(self) -> None:
        self.last.update(self._read())

    def used(self) -> dict[int, float]:
        return {tid: cpu - self.first.get(tid, 0.0) for tid, cpu in self.last.items()}
