"""Where answers are composed: an event loop of its own, in its own thread, with its own database engine.

The loop that serves HTTP only checks requests and acknowledges them; reading the database, ranking
matches and laying out the answer happen here, so a burst of questions never delays an acknowledgement
Slack or Teams is waiting for (Slack gives up after 3 s). A database engine's pool belongs to the loop that
made it, so this loop opens its own; HTTP clients here make their sessions per call and work from either
loop. What must run on the serving loop (the platform SDK's own reply client, the acknowledgement itself)
is handed back with `on_serving_loop`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import inspect
import logging
import sys
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from handlers.services import Services
from storage.db import open_database

log = logging.getLogger("tmag-bot")
T = TypeVar("T")
SWITCH_INTERVAL = 0.0002  # seconds: how long the serving thread may wait for the interpreter lock
# Answers composed at once on a loop, after their acknowledgements; the rest wait their turn in the order
# they came. All composed at once, a burst beyond what the process answers in a second slowed every
# answer alike (at 50 a second none arrived within 5 s) and held the database's connections until the
# pool gave up on the latest; in turn, the first to come are answered first and the pool never runs dry.
ANSWERS_AT_ONCE = 6
_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


@contextlib.asynccontextmanager
async def answer_turn() -> AsyncIterator[None]:
    """Wait for this loop's turn to compose an answer (ANSWERS_AT_ONCE at a time, first come first
    served). Taken after the acknowledgement, never around it, and never while holding one."""
    loop = asyncio.get_running_loop()
    turns = _turns.get(loop)
    if turns is None:
        turns = _turns[loop] = asyncio.Semaphore(ANSWERS_AT_ONCE)
    async with turns:
        yield


async def in_turn(work: Awaitable[T]) -> T:
    """`await work` in its turn (answer_turn); a coroutine cancelled before its turn came is closed
    unstarted, without a warning that it was never awaited."""
    try:
        async with answer_turn():
            return await work
    except asyncio.CancelledError:
        if inspect.iscoroutine(work):
            work.close()
        raise


class AnswerLoop:
    """The answering loop's thread and its services (the same settings and clock, its own Database)."""

    def __init__(self, services: Services) -> None:
        self.serving = services
        self.services: Services | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="answers", daemon=True)
        self._serving_loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> AnswerLoop:

        # Python hands the interpreter lock to a waiting thread after 5 ms by default: too long for an
        # acknowledgement waiting while an answer is laid out.
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
        self._serving_loop = asyncio.get_running_loop()
        self._thread.start()
        serving = self.serving

        async def open_services() -> Services:
            db = await open_database(serving.db.url)  # the same database, an engine of this loop's
            return Services(db, serving.clock, serving.settings, serving.tellers, serving.handled)

        self.services = await self.run(open_services())
        return self

    def run(self, work: Awaitable[T]) -> asyncio.Future[T]:
        """Run a coroutine on the answering loop; awaitable from the serving loop (cancelling the wait
        cancels the work)."""
        return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, self._loop))

    async def call(self, function: Callable[[], T]) -> T:
        """Call a plain function on the answering loop (one that needs that loop running, such as a
        scheduler's start)."""

        async def on_loop() -> T:
            return function()

        return await self.run(on_loop())

    def later(self, work: Awaitable) -> None:
        """Run a coroutine on the answering loop without waiting for it; a failure is logged."""

        def finished(future: concurrent.futures.Future) -> None:
            if not future.cancelled() and future.exception() is not None:
                log.error("an answer failed", exc_info=future.exception())

        asyncio.run_coroutine_threadsafe(work, self._loop).add_done_callback(finished)

    def on_serving_loop(self, make: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
        """`make` (a coroutine function of the serving loop's, such as an SDK's send) callable from the
        answering loop: each call runs there and is awaited here."""
        serving = self._serving_loop

        async def call(*args, **kwargs) -> T:
            if asyncio.get_running_loop() is serving:
                return await make(*args, **kwargs)
            return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(make(*args, **kwargs), serving))

        return call

    async def stop(self, timeout: float = 3.0) -> None:
        """Cancel what is still being answered (after `timeout`), close the database, end the thread."""

        async def wind_down() -> None:
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            if others:
                _done, pending = await asyncio.wait(others, timeout=timeout)
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
            if self.services is not None:
                await self.services.db.close()

        if self._thread.is_alive():
            try:
                await self.run(wind_down())
            except (concurrent.futures.CancelledError, RuntimeError) as exc:
                log.warning("answers stopped uncleanly: %s", exc)
            self._loop.call_soon_threadsafe(self._loop.stop)
            await asyncio.to_thread(self._thread.join, timeout)
        if not self._loop.is_running():
            self._loop.close()
