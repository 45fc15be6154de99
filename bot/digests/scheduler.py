"""APScheduler (AsyncIOScheduler, Europe/London) driving the digest runner inside the bot's event loop.

There is no job store to go stale: jobs are worked out from the meetings on start and whenever the
calendar changes, one timer per upcoming slot, plus a regular tick that posts anything due (catch-up
after downtime, retries of failed runs, meetings added by another process) and re-reads the calendar.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.calendar import meetings
from bot.calendar.clock import LONDON
from bot.digests.runner import DigestRunner

log = logging.getLogger("tmag-bot.digests")
JOB_PREFIX = "digest:"


class DigestScheduler:
    def __init__(self, runner: DigestRunner, *, tick_seconds: float = 60.0) -> None:
        self.runner = runner
        self.tick_seconds = tick_seconds
        self.scheduler = AsyncIOScheduler(timezone=LONDON)
        self._lock = asyncio.Lock()
        self._ticking: set[asyncio.Task] = set()

    def start(self) -> None:
        """Start inside the running loop: a first tick at once (posting whatever is due already) and then
        every `tick_seconds`; it does not wait for the first tick, so the bot starts (and stops) at once."""
        self.scheduler.start()
        self.scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=self.tick_seconds),
            id="digest-tick",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            next_run_time=datetime.now(LONDON),
        )
        meetings.calendar_listeners.append(self.reschedule)

    async def stop(self, timeout: float = 3.0) -> None:
        """Stop scheduling, and cancel a tick in progress (a part being posted is looked up, not posted
        twice, when the next process picks the run up)."""
        if self.reschedule in meetings.calendar_listeners:
            meetings.calendar_listeners.remove(self.reschedule)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for task in list(self._ticking):
            task.cancel()
        if self._ticking:
            await asyncio.wait(list(self._ticking), timeout=timeout)

    async def reschedule(self) -> None:
        """One timer per upcoming slot, from the calendar as it is now."""
        clock = self.runner.clock
        now = clock.now()
        wanted = {JOB_PREFIX + slot.key: slot for slot in await self.runner.slots(now) if slot.at > now}
        for job in self.scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
                job.remove()
        for job_id, slot in wanted.items():
            self.scheduler.add_job(
                self.tick,
                DateTrigger(run_date=clock.to_real(slot.at)),
                kwargs={"timer": slot.key},
                id=job_id,
                replace_existing=True,
                coalesce=True,
                misfire_grace_time=None,
            )
        log.info("%d digest slots scheduled", len(wanted))

    async def tick(self, timer: str | None = None) -> None:
        """Post what is due. `timer`: the slot whose timer fired, said in the log with what became of it
        here (posted, or found sent or being sent by another process)."""
        task = asyncio.current_task()
        self._ticking.add(task)
        try:
            async with self._lock:
                try:
                    results = await self.runner.run_due()
                    for result in results:
                        if result.status == "failed":
                            log.warning("digest %s failed: %s", result.key, result.detail)
                    if timer is not None:
                        mine = next((r for r in results if r.key == timer), None)
                        said = f"{mine.status} {mine.detail}".strip() if mine else "already done"
                        log.info("digest timer %s fired: %s", timer, said)
                    await self.reschedule()
                except Exception:  # the scheduler must outlive any one bad tick
                    log.exception("digest tick failed")
        except asyncio.CancelledError:
            # The bot is stopping (stop() cancels a tick in progress). The scheduler's executor would log
            # a cancellation as a failed job, traceback and all; for us it is an orderly end.
            return
        finally:
            self._ticking.discard(task)
