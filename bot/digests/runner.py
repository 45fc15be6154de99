"""Posting each digest exactly once, whatever restarts, second processes or retried jobs there are.

The database is the source of truth. Each tick works out which slots are due from the meetings; a slot
is claimed in the database (unique on meeting and slot) before anything is posted, and marked sent once
Slack has confirmed every part of it. The channel message's ts is stored the moment Slack returns it, so
a run picked up again after a crash goes on where it stopped instead of posting twice. A slot whose time
passed while the bot was down is posted on start if its meeting has not begun, and skipped (with a log
line) if it has; a meeting called at short notice gets its digest at once. A run that fails (Slack still
refusing after the client's own retries) is recorded and tried again at the next tick.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.calendar import CalendarMeeting
from bot.clock import Clock
from bot.digests.compose import SHOWN, Digest, DigestAction, compose_digest, fill_details
from bot.digests.timing import DIGEST, REMINDER, DigestSlot, slots_for
from bot.identity import member_role_keys
from bot.schedule import upcoming_meetings
from storage.db import Database
from storage.queries import digests as digest_queries
from storage.queries import groups as group_queries

log = logging.getLogger("tmag-bot.digests")
LOOK_BACK = timedelta(days=7)  # slots older than this are history, not catch-up
STALE_CLAIM = timedelta(minutes=10)  # a claim this old belongs to a process that died


class Poster(Protocol):
    """Where digests go (Slack, in practice): each call returns once the message is confirmed."""

    async def post_channel(self, channel: str, digest: Digest, slot: str) -> str: ...

    async def post_thread(self, channel: str, thread_ts: str, digest: Digest) -> None: ...

    async def post_direct(self, slack_user_id: str, digest: Digest, items: list[DigestAction]) -> str: ...


@dataclass
class RunResult:
    key: str
    status: str  # sent | failed | skipped | busy
    detail: str = ""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class DigestRunner:
    db: Database
    poster: Poster
    clock: Clock
    worker: str = field(default_factory=worker_name)
    dm_interval: float = 1.1  # seconds between direct messages: Slack allows about one a second
    sleep: object = asyncio.sleep

    async def slots(self, now: datetime, horizon: timedelta = timedelta(days=120)) -> list[DigestSlot]:
        """Every digest slot of every meeting from a week ago to `horizon` ahead."""
        async with self.db.read() as session:
            groups = {g.code: g for g in await group_queries.all_groups(session)}
            meetings = await upcoming_meetings(session, now - LOOK_BACK, horizon=horizon + LOOK_BACK)
        return sorted(
            (slot for m in meetings if m.group in groups for slot in slots_for(groups[m.group], m)),
            key=lambda s: s.at,
        )

    async def run_due(self) -> list[RunResult]:
        """Post every slot that is due and not yet posted; note the ones missed for good."""
        now = self.clock.now()
        results = []
        due = [s for s in await self.slots(now) if s.at <= now]
        if not due:
            return results
        async with self.db.read() as session:
            runs = await digest_queries.runs_between(
                session, min(s.meeting.date for s in due), max(s.meeting.date for s in due)
            )
        done = {
            (r.group_id, r.meeting_date, r.extraordinary, r.slot)
            for r in runs
            if r.status in ("sent", "skipped")
        }
        due = [s for s in due if (s.group_id, s.meeting.date, s.meeting.extraordinary, s.slot) not in done]
        # A reminder falling due together with its meeting's full digest (the bot was down) gives way to it.
        digests_now = {
            (s.group, s.meeting.date, s.meeting.extraordinary)
            for s in due
            if s.slot == DIGEST and now < s.meeting.starts_at
        }
        for slot in due:
            if now >= slot.meeting.starts_at:
                results.append(await self._skip(slot, "its meeting had begun when the bot could post it"))
            elif (
                slot.slot == REMINDER
                and (slot.group, slot.meeting.date, slot.meeting.extraordinary) in digests_now
            ):
                results.append(await self._skip(slot, "the full digest is going out now instead"))
            else:
                results.append(await self.run(slot))
        return results

    async def _skip(self, slot: DigestSlot, reason: str) -> RunResult:
        async with self.db.write() as session:
            first = await digest_queries.record_skip(
                session,
                group_id=slot.group_id,
                meeting_date=slot.meeting.date,
                extraordinary=slot.meeting.extraordinary,
                slot=slot.slot,
                due_at=slot.at,
                reason=reason,
                now=self.clock.utcnow(),
            )
        if first:
            log.warning("skipped the %s for %s: %s", slot.slot, slot.key, reason)
        return RunResult(slot.key, "skipped", reason)

    async def run(self, slot: DigestSlot) -> RunResult:
        """Claim one slot and post it (or carry on posting it); idempotent across processes."""
        async with self.db.write() as session:
            run = await digest_queries.claim_run(
                session,
                group_id=slot.group_id,
                meeting_date=slot.meeting.date,
                extraordinary=slot.meeting.extraordinary,
                slot=slot.slot,
                due_at=slot.at,
                worker=self.worker,
                now=self.clock.utcnow(),
                stale_after=STALE_CLAIM,
            )
            run_id = run.id if run else None
        if run_id is None:
            return RunResult(slot.key, "busy", "sent, skipped or being sent elsewhere")
        try:
            await self._deliver(run_id, slot)
        except Exception as exc:  # Slack still failing after retries, or anything else: try next tick
            log.exception("the %s for %s failed; it will be tried again", slot.slot, slot.key)
            async with self.db.write() as session:
                failed = await digest_queries.run_by_id(session, run_id)
                failed.status, failed.error, failed.updated_at = "failed", str(exc)[:500], self.clock.utcnow()
            return RunResult(slot.key, "failed", str(exc))
        log.info("posted the %s for %s", slot.slot, slot.key)
        return RunResult(slot.key, "sent")

    async def compose(self, slot: DigestSlot) -> tuple[Digest, str | None]:
        async with self.db.read() as session:
            group = await group_queries.group_by_code(session, slot.group)
            digest = await compose_digest(session, group, slot.meeting, self.clock.today())
        return digest, group.channel_id

    async def _deliver(self, run_id: int, slot: DigestSlot) -> None:
        digest, channel = await self.compose(slot)
        async with self.db.read() as session:
            run = await digest_queries.run_by_id(session, run_id)
        if channel and run.ts is None:
            ts = await self.poster.post_channel(channel, digest, slot.slot)
            await self._update(run_id, channel=channel, ts=ts)
            run.ts = ts
        if channel and slot.slot == DIGEST and not run.thread_done:
            await self.poster.post_thread(channel, run.ts, digest)
            await self._update(run_id, thread_done=True)
        if slot.slot == DIGEST:
            await self._direct_messages(run_id, digest)
        await self._update(
            run_id,
            status="sent",
            sent_at=self.clock.utcnow(),
            error=None
            if channel
            else f"no channel set for {slot.group} (/tmag digest here); owners were sent theirs",
        )

    async def _direct_messages(self, run_id: int, digest: Digest) -> None:
        """Each linked owner's own items, by DM, paced for Slack's rate limits; each DM once."""
        async with self.db.read() as session:
            members = await digest_queries.linked_members(session)
        first = True
        for member in members:
            roles = member_role_keys(member)
            items = [
                a
                for a in digest.open
                if (a.members and member.id in a.members) or (a.roles and a.roles & roles)
            ]
            if not items:
                continue
            async with self.db.write() as session:
                delivery = await digest_queries.delivery(session, run_id, member.id, self.clock.utcnow())
                if delivery.status == "sent":
                    continue
            if not first:
                await self.sleep(self.dm_interval)
            first = False
            async with self.db.read() as session:
                await fill_details(session, items[:SHOWN])
            ts = await self.poster.post_direct(member.slack_user_id, digest, items)
            async with self.db.write() as session:
                sent = await digest_queries.delivery(session, run_id, member.id, self.clock.utcnow())
                sent.status, sent.ts, sent.updated_at = "sent", ts, self.clock.utcnow()

    async def _update(self, run_id: int, **values) -> None:
        async with self.db.write() as session:
            run = await digest_queries.run_by_id(session, run_id)
            for name, value in values.items():
                setattr(run, name, value)
            run.updated_at = self.clock.utcnow()


def digest_times(slots: list[DigestSlot], meeting: CalendarMeeting) -> list[datetime]:
    return [s.at for s in slots if s.meeting == meeting]


__all__ = ["DigestRunner", "Poster", "RunResult", "digest_times"]
