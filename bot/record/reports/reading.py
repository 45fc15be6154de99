"""Reading reports within a budget: in worker processes, each read with a memory cap and a time limit.

A report file is hostile until read: a few kilobytes can inflate to gigabytes (a PDF stream deflated
twice, a Word document of a million empty paragraphs) or take minutes of work (pages sharing one huge
stream of drawing operators). Every file is therefore read, and parsed, in a pool of worker processes
(pebble's: it kills a worker whose task runs past its time and starts another), each worker's memory
capped. A file over the budget ends as one line, "too large to read: NAME (...)", and the bot, whose
event loop only waits on the worker, keeps answering meanwhile. Workers are reused from report to
report, so a folder of reports pays for starting them once.

READ_MEMORY_MB (default 256) caps the memory a worker may take beyond what it holds when idle;
READ_SECONDS (default 20) limits one report's reading and parsing.
"""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
import os
import resource
import threading
from collections.abc import Callable
from concurrent.futures import Future, TimeoutError
from contextlib import contextmanager
from multiprocessing import forkserver

from bot.record.reports import worker
from bot.record.reports.blocks import ReportError

DEFAULT_MEMORY_MB = 256
DEFAULT_SECONDS = 20.0
MAX_WORKERS = 4


def _setting(name: str, default: float) -> float:
    value = (os.environ.get(name) or "").strip()
    try:
        return float(value) if value and float(value) > 0 else default
    except ValueError:
        return default


# Settings the readers themselves take from the environment: the workers are started with the host's
# values of the moment (a worker's own environment is the one its process server started with).
PASSED_ON = ("MAX_REPORT_MB",)


def _passed_on() -> tuple[tuple[str, str | None], ...]:
    return tuple((name, os.environ.get(name)) for name in PASSED_ON)


def budget() -> tuple[int, float]:
    """(memory in MB, seconds) from READ_MEMORY_MB and READ_SECONDS."""
    return int(_setting("READ_MEMORY_MB", DEFAULT_MEMORY_MB)), _setting("READ_SECONDS", DEFAULT_SECONDS)


# --- in the worker ---------------------------------------------------------------------------------


def _start_worker(memory_mb: int, settings: tuple[tuple[str, str | None], ...]) -> None:
    """Cap the worker's address space at what it holds now (the readers loaded and warmed) plus the
    budget: an allocation past it fails in the worker (MemoryError, or the worker ends), not the host."""

    for name, value in settings:
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value

    worker.warm()
    try:
        with open("/proc/self/statm") as statm:
            held = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # no /proc (not Linux): the time limit still holds
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = held + memory_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


# --- the pool --------------------------------------------------------------------------------------


@contextmanager
def _quiet_stderr():
    """Standard error pointed at nothing while a process that inherits it is started."""
    saved = os.dup(2)
    nothing = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(nothing, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(nothing)


class ReadingPool:
    """Worker processes that read reports, each task within the budget."""

    def __init__(self, memory_mb: int, seconds: float, workers: int | None = None) -> None:

        # Here: only a process that reads reports starts the pool.
        from pebble import ProcessPool

        self.memory_mb, self.seconds = memory_mb, seconds
        self.settings = _passed_on()
        context = multiprocessing.get_context("forkserver")
        # Workers are forked from a server that has the readers imported already: starting one costs
        # milliseconds, and nothing of the host (its threads, its database connections) is copied.
        context.set_forkserver_preload(["bot.record.reports.worker"])
        # The process server and its workers write nothing the person should see (a worker's outcome comes
        # back as a result or an error); pebble's replacing of a worker that ended can race with itself
        # and say so in a traceback.
        with _quiet_stderr():
            forkserver.ensure_running()
        # one core is the host's (it stores what the workers read): a worker more would only take turns
        count = workers or max(1, min(MAX_WORKERS, (os.cpu_count() or 2) - 1))
        self._pool = ProcessPool(
            max_workers=count, initializer=_start_worker, initargs=(memory_mb, self.settings), context=context
        )

    def submit(self, name: str, function: Callable, *args) -> Future:
        future = self._pool.schedule(function, args=args, timeout=self.seconds)
        future.report_name = name  # type: ignore[attr-defined]
        return future

    def outcome(self, future: Future):
        """The task's result, or ReportError: its own, or "too large to read" for one over the budget."""
        name = future.report_name  # type: ignore[attr-defined]
        try:
            return future.result()
        except ReportError:
            raise
        except TimeoutError:
            raise ReportError(
                f"too large to read: {name} (reading it took more than {self.seconds:g} s)"
            ) from None
        except MemoryError:
            raise ReportError(
                f"too large to read: {name} (reading it needed more than {self.memory_mb} MB)"
            ) from None
        except Exception as exc:
            # Here, as above: the pool's module, only once a pool ran.
            from pebble import ProcessExpired

            if isinstance(exc, ProcessExpired):
                # the reader itself failed for want of memory (a library that cannot report it)
                raise ReportError(
                    f"too large to read: {name} (reading it needed more than {self.memory_mb} MB)"
                ) from None
            raise

    def run(self, name: str, function: Callable, *args):
        return self.outcome(self.submit(name, function, *args))

    async def run_async(self, name: str, function: Callable, *args):
        """As run, awaited: the event loop goes on serving while the worker reads."""
        return await self.awaited(self.submit(name, function, *args))

    async def awaited(self, future: Future):
        waiting = asyncio.wrap_future(future)
        try:
            await asyncio.wait([waiting])
        except asyncio.CancelledError:
            future.cancel()
            raise
        if not waiting.cancelled():
            waiting.exception()  # seen here; outcome() says what it was
        return self.outcome(future)

    def close(self) -> None:
        self._pool.stop()  # the workers hold nothing to finish: they are stopped at once
        self._pool.join(timeout=5)


class InProcess(ReadingPool):
    """Reading in this very process: for a process that may not start workers of its own (a daemonic
    worker, itself run within a budget by whoever started it)."""

    def __init__(self, memory_mb: int, seconds: float) -> None:
        self.memory_mb, self.seconds = memory_mb, seconds
        self.settings = _passed_on()

    def submit(self, name: str, function: Callable, *args) -> Future:
        future: Future = Future()
        future.report_name = name  # type: ignore[attr-defined]
        try:
            future.set_result(function(*args))
        except Exception as exc:
            future.set_exception(exc)
        return future

    def close(self) -> None:
        pass


_pool: ReadingPool | None = None
_lock = threading.Lock()


def reading_pool() -> ReadingPool:
    """The process's pool, made on first use with the budget the environment gives then (a changed
    budget makes a new one)."""
    global _pool

    memory_mb, seconds = budget()
    if multiprocessing.current_process().daemon:
        return InProcess(memory_mb, seconds)
    with _lock:
        if _pool is None or (_pool.memory_mb, _pool.seconds, _pool.settings) != (
            memory_mb,
            seconds,
            _passed_on(),
        ):
            if _pool is not None:
                _pool.close()
            _pool = ReadingPool(memory_mb, seconds)
        return _pool


@atexit.register
def _close_pool() -> None:
    global _pool
    if _pool is not None:
        _pool.close()
        _pool = None
