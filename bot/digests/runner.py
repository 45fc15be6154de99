"""Posting each digest exactly once, whatever restarts, crashes, second processes or retries there are.

The database is the source of truth. Each tick works out which slots are due from the meetings; a slot's
run is claimed in the database (unique on meeting and slot) before anything is posted, and the claim is
a lease kept alive by a heartbeat, so a process that dies loses it within a minute (at once, if it ran on
this host and its process is gone).

A run is a list of parts: on each platform the group is linked to, the channel message, each reply in
its thread, and each owner's direct message. Each part is claimed, posted and marked sent (with the id
the platform gave it) before the next, so a run picked up again goes on from its first unsent part. A
part that was claimed but never marked sent may have been posted just before a crash, or by a request
the platform made but answered with an error: it is looked up on the platform (each message carries its
part's key) before it is posted again. Rate limits are waited out; a part that keeps failing fails the
run, which is tried again at the next tick.

A slot whose time passed while the bot was down is posted on start if its meeting has not begun, and
skipped (with a log line) if it has; a meeting called at short notice gets its digest at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from bot.calendar.cadence import CalendarMeeting
from bot.calendar.clock import Clock
from bot.calendar.schedule import upcoming_meetings
from bot.digests.compose import Digest, OwnedItems, compose_digest, fill_details, owned_by
from bot.digests.due import DueReminder
from bot.digests.timing import DIGEST, DUE, REMINDER, DigestSlot, due_slot, slots_for
from storage.db import Database
from storage.models import Group, Member
from storage.queries import digests as digest_queries
from storage.queries import groups as group_queries
from storage.queries import members as member_queries

log = logging.getLogger("tmag-bot.digests")
LOOK_BACK = timedelta(days=7)  # slots older than this are history, not catch-up
LEASE = timedelta(seconds=60)  # a claim not renewed for this long belongs to a process that died
ATTEMPTS = 4  # posts of one part within one run before the run is left for the next tick
LONGEST_WAIT = 60.0  # seconds: a longer Retry-After fails the run, to be tried at the next tick
BLIND_SENDS = 2  # sends of a part that cannot be looked up (email): the first, and once more after a crash
DONE = ("sent", "unreachable", "unconfirmed")  # a part in one of these is never sent again


class PostError(Exception):
    """A post the platform did not confirm. `maybe_posted`: it may have been made all the same (a server
    error, a dropped connection), so look for it before posting again. `retry_after`: rate limited,
    wait this long (it was not posted). `unreachable`: the person cannot be messaged at all (no chat with
    the bot, account gone); retrying will not help, so their part is skipped and the run goes on."""

    def __init__(
        self,
        message: str,
        *,
        maybe_posted: bool = False,
        retry_after: float | None = None,
        unreachable: bool = False,
    ):
        super().__init__(message)
        self.maybe_posted = maybe_posted
        self.retry_after = retry_after
        self.unreachable = unreachable


@dataclass(frozen=True)
class Part:
    """One message of a digest on one platform."""

    key: str  # "slack:channel", "slack:thread:0", "slack:dm:12": unique within the run
    kind: str  # channel | thread | direct
    address: str  # where it goes: a channel, a user, a conversation, an email address
    payload: object  # the platform's message
    stamp: str | None = None  # the id a stamping poster gave it when first claimed (an email's Message-ID)


class Poster(Protocol):
    """Where digests go on one platform (Slack, Teams)."""

    platform: str
    pace: float  # seconds between direct messages (platform rate limits)

    def channel_of(self, group: Group) -> str | None: ...

    def address_of(self, member: Member) -> str | None: ...

    def parts(
        self,
        digest: Digest,
        slot: str,
        channel: str | None,
        direct: list[tuple[str, int, OwnedItems]],
    ) -> list[Part]:
        """The run's parts in posting order; `direct` holds (address, member id, their items)."""
        ...

    async def send(self, part: Part, thread: str | None, tag: str) -> str:
        """Post it (a thread reply under `thread`); the platform's id for it. Raises PostError."""
        ...

    async def find(self, part: Part, thread: str | None, tag: str) -> str | None:
        """The id of the message already posted for this part (it carries `tag`), if there is one."""
        ...

    # A poster whose messages cannot be looked up once sent (email) has, besides, `stamp(part) -> str`:
    # the id its message will carry (a Message-ID), chosen once when the part is first claimed and given
    # back on every send as `part.stamp`; its parts are sent at most BLIND_SENDS times.


@dataclass
class RunResult:
    key: str
    status: str  # sent | failed | skipped | busy
    detail: str = ""


class ClaimLost(Exception):
    """Another process took the run over (this one stalled past its lease)."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def dead_workers(workers: list[str]) -> list[str]:
    """Of the workers holding claims, those that were processes on this host and are gone."""
    host = socket.gethostname()
    dead = []
    for worker in workers:
        name, _, pid = worker.rpartition(":")
        if name != host or not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            dead.append(worker)
        except PermissionError:
            pass  # alive, another user's
    return dead


@dataclass
class DigestRunner:
    db: Database
    posters: list[Poster]
    clock: Clock
    worker: str = field(default_factory=worker_name)
    lease: timedelta = LEASE
    sleep: object = asyncio.sleep

    async def slots(self, now: datetime, horizon: timedelta = timedelta(days=120)) -> list[DigestSlot]:
        """Every digest slot of every meeting from a week ago to `horizon` ahead, and every due-date
        reminder of the actions falling due then."""
        async with self.db.read() as session:
            groups = {g.code: g for g in await group_queries.all_groups(session)}
            meetings = await upcoming_meetings(session, now - LOOK_BACK, horizon=horizon + LOOK_BACK)
            due = []
            for group in groups.values():
                if group.due_reminder_days:
                    days = await digest_queries.due_days(
                        session, group.id, (now - LOOK_BACK).date(), (now + horizon).date()
                    )
                    due += [due_slot(group, day) for day in days]
        found = [slot for m in meetings if m.group in groups for slot in slots_for(groups[m.group], m)]
        return sorted(found + due, key=lambda s: s.at)

    async def run_due(self) -> list[RunResult]:
        """Post every slot that is due and not yet posted; note the ones missed for good."""
        now = self.clock.now()
        results = []
        due = [s for s in await self.slots(now) if s.at <= now]
        if not due:
            return results
        async with self.db.read() as session:
            runs = await digest_queries.runs_between(
                session, min(s.day for s in due), max(s.day for s in due)
            )
        done = {
            (r.group_id, r.meeting_date, r.extraordinary, r.slot)
            for r in runs
            if r.status in ("sent", "skipped")
        }
        due = [s for s in due if (s.group_id, s.day, s.extraordinary, s.slot) not in done]
        # A reminder falling due together with its meeting's full digest (the bot was down) gives way to it.
        digests_now = {
            (s.group, s.day, s.extraordinary) for s in due if s.slot == DIGEST and now < s.deadline
        }
        for slot in due:
            if now >= slot.deadline:
                why = "its actions fell due" if slot.slot == DUE else "its meeting had begun"
                results.append(await self._skip(slot, f"{why} before the bot could post it"))
            elif slot.slot == REMINDER and (slot.group, slot.day, slot.extraordinary) in digests_now:
                results.append(await self._skip(slot, "the full digest is going out now instead"))
            else:
                results.append(await self.run(slot))
        return results

    async def _skip(self, slot: DigestSlot, reason: str) -> RunResult:
        async with self.db.write() as session:
            first = await digest_queries.record_skip(
                session,
                group_id=slot.group_id,
                meeting_date=slot.day,
                extraordinary=slot.extraordinary,
                slot=slot.slot,
                due_at=slot.at,
                reason=reason,
                now=self.clock.utcnow(),
            )
        if first:
            log.warning("skipped the %s for %s: %s", _named(slot), slot.key, reason)
        return RunResult(slot.key, "skipped", reason)

    async def run(self, slot: DigestSlot) -> RunResult:
        """Claim one slot and post it (or carry on posting it); idempotent across processes."""
        async with self.db.write() as session:
            holders = await digest_queries.claimed_workers(session)
            run = await digest_queries.claim_run(
                session,
                group_id=slot.group_id,
                meeting_date=slot.day,
                extraordinary=slot.extraordinary,
                slot=slot.slot,
                due_at=slot.at,
                worker=self.worker,
                now=self.clock.utcnow(),
                lease=self.lease,
                dead_workers=dead_workers(holders),
            )
            run_id = run.id if run else None
        if run_id is None:
            async with self.db.read() as session:
                found = await digest_queries.run_for_slot(
                    session, slot.group_id, slot.day, slot.extraordinary, slot.slot
                )
            if found is not None and found.status in ("sent", "skipped"):
                return RunResult(slot.key, found.status, f"already {found.status}")
            return RunResult(slot.key, "busy", "being sent by another process")
        heartbeat = asyncio.create_task(self._heartbeat(run_id))
        try:
            unreachable = await self._deliver(run_id, slot, heartbeat)
        except Exception as exc:  # a part still failing, or anything else: the next tick carries on
            if isinstance(exc, ClaimLost):
                log.warning("the %s for %s was taken over by another process", _named(slot), slot.key)
                return RunResult(slot.key, "busy", "taken over by another process")
            log.warning("the %s for %s failed; it will be tried again: %s", _named(slot), slot.key, exc)
            await self._finish(run_id, status="failed", error=str(exc)[:500] or exc.__class__.__name__)
            return RunResult(slot.key, "failed", str(exc))
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        await self._finish(run_id, status="sent", sent_at=self.clock.utcnow(), error=unreachable)
        log.info("posted the %s for %s", _named(slot), slot.key)
        return RunResult(slot.key, "sent", unreachable or "")

    async def _heartbeat(self, run_id: int) -> None:
        """Renew the claim while the run lasts; stops (and the run notices) if another process took it."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            async with self.db.write() as session:
                if not await digest_queries.renew_claim(session, run_id, self.worker, self.clock.utcnow()):
                    return

    async def compose(self, slot: DigestSlot) -> tuple[Digest | DueReminder, Group]:
        """What the slot posts: its meeting's digest, or the due-date reminder of its day."""
        async with self.db.read() as session:
            group = await group_queries.group_by_code(session, slot.group)
            if slot.slot == DUE:
                days = group.due_reminder_days or 0
                return DueReminder(group.code, slot.due, days, self.clock.today()), group
            digest = await compose_digest(session, group, slot.meeting, self.clock.today())
        return digest, group

    async def _owners(self, group: Group, due_on=None) -> list[tuple[Member, OwnedItems]]:
        """Each member some platform can reach, with their open items in the group: those naming them as
        an owner, and those owned by a role they hold (soonest due first, each once); `due_on`: only those
        falling due that day. Read per member, the first LISTED in full and the rest counted: a message
        costs what it shows."""
        today = self.clock.today()
        out = []
        async with self.db.read() as session:
            members = [
                m
                for m in await member_queries.all_members(session)
                if any(poster.address_of(m) for poster in self.posters)
            ]
            for member in members:
                owned = await owned_by(session, group, member, today, fill=False, due_on=due_on)
                if owned.total:
                    out.append((member, owned))
            await fill_details(session, [a for _, owned in out for a in owned.items])
        return out

    async def _deliver(self, run_id: int, slot: DigestSlot, heartbeat: asyncio.Task) -> str | None:
        """Post every part not yet sent, in order; what could not be reached, if anything."""
        digest, group = await self.compose(slot)
        if slot.slot == DIGEST:
            owners = await self._owners(group)
        elif slot.slot == DUE:
            owners = await self._owners(group, due_on=slot.due)
        else:
            owners = []
        async with self.db.read() as session:
            done = {key: part for key, part in (await digest_queries.parts_of(session, run_id)).items()}
        channels = 0
        unreached: Counter[str] = Counter()  # by platform
        unconfirmed = 0
        for poster in self.posters:
            channel = poster.channel_of(group) if slot.slot != DUE else None
            channels += bool(channel)
            direct = [
                (address, member.id, owned)
                for member, owned in owners
                if (address := poster.address_of(member)) is not None
            ]
            thread: str | None = None
            paced = False
            for part in poster.parts(digest, slot.slot, channel, direct):
                if heartbeat.done():
                    raise ClaimLost()
                known = done.get(part.key)
                if known is not None and known.status in DONE:
                    if part.kind == "channel":
                        thread = known.ts
                    unreached[poster.platform] += known.status == "unreachable"
                    unconfirmed += known.status == "unconfirmed"
                    continue
                if part.kind == "direct" and paced:
                    await self.sleep(poster.pace)
                status, posted = await self._post_part(
                    run_id, poster, part, thread if part.kind == "thread" else None
                )
                paced = paced or part.kind == "direct"
                unreached[poster.platform] += status == "unreachable"
                unconfirmed += status == "unconfirmed"
                if part.kind == "channel":
                    thread = posted
        said = []
        if not channels and slot.slot != DUE:
            said.append(f"no channel set for {slot.group} (digest here); owners were sent theirs")
        chat = sum(n for platform, n in unreached.items() if platform != "email")
        if chat:
            said.append(f"{chat} owner{'s' if chat > 1 else ''} could not be messaged")
        if unreached["email"]:
            said.append(
                f"{unreached['email']} email address{'es' if unreached['email'] > 1 else ''} refused by the "
                "mail server (tmag-bot member list)"
            )
        if unconfirmed:
            said.append(
                f"{unconfirmed} email{'s' if unconfirmed > 1 else ''} sent twice without the mail server's "
                "confirmation, not sent again"
            )
        return "; ".join(said) or None

    async def _post_part(
        self, run_id: int, poster: Poster, part: Part, thread: str | None
    ) -> tuple[str, str | None]:
        """Claim, post (or find already posted) and mark sent one part: ("sent", the platform's id);
        ("unreachable", None) for a person who cannot be messaged at all, and ("unconfirmed", its stamp)
        for a blind part sent as often as it may be: neither is tried again."""
        stamping = getattr(poster, "stamp", None)
        async with self.db.write() as session:
            row = await digest_queries.claim_part(
                session, run_id, part.key, part.address, self.worker, self.clock.utcnow()
            )
            if stamping is not None and row.message_id is None:
                row.message_id = stamping(part)  # chosen once, before the first send, kept for a second
            part_id, maybe_posted, stamp = row.id, row.attempts > 1, row.message_id
        if stamp is not None:
            part = replace(part, stamp=stamp)
        tag = f"{run_id}:{part.key}"
        error: PostError | None = None
        for attempt in range(ATTEMPTS):
            try:
                posted = await poster.find(part, thread, tag) if maybe_posted else None
                if posted is None:
                    if stamping is not None and not await self._count_send(part_id):
                        log.warning("%s was sent twice without confirmation; not sending it again", tag)
                        async with self.db.write() as session:
                            await digest_queries.finish_part(
                                session, part_id, self.clock.utcnow(), ts=stamp, unconfirmed=True
                            )
                        return "unconfirmed", stamp
                    posted = await poster.send(part, thread, tag)
            except PostError as exc:
                if stamping is not None and not exc.maybe_posted:
                    await self._uncount_send(part_id)  # the server said no: that send reached nobody
                if exc.unreachable and part.kind == "direct":
                    log.warning("could not message %s: %s", part.address, exc)
                    async with self.db.write() as session:
                        await digest_queries.finish_part(
                            session, part_id, self.clock.utcnow(), error=str(exc)[:500], unreachable=True
                        )
                    return "unreachable", None
                error = exc
                maybe_posted = maybe_posted or exc.maybe_posted
                if exc.retry_after is not None and exc.retry_after > LONGEST_WAIT:
                    break
                if attempt + 1 < ATTEMPTS:
                    await self.sleep(exc.retry_after if exc.retry_after is not None else 0.5 * 2**attempt)
                continue
            async with self.db.write() as session:
                await digest_queries.finish_part(session, part_id, self.clock.utcnow(), ts=posted)
            return "sent", posted
        async with self.db.write() as session:
            await digest_queries.finish_part(session, part_id, self.clock.utcnow(), error=str(error)[:500])
        raise PostError(f"{part.key}: {error}")

    async def _count_send(self, part_id: int) -> bool:
        """Count a send of a blind part before it is made (committed, so a crash cannot forget it);
        False when it has been sent as often as it may be."""
        async with self.db.write() as session:
            return await digest_queries.count_send(session, part_id, BLIND_SENDS)

    async def _uncount_send(self, part_id: int) -> None:
        async with self.db.write() as session:
            await digest_queries.uncount_send(session, part_id)

    async def _finish(self, run_id: int, **values) -> None:
        async with self.db.write() as session:
            run = await digest_queries.run_by_id(session, run_id)
            for name, value in values.items():
                setattr(run, name, value)
            run.updated_at = self.clock.utcnow()


def _named(slot: DigestSlot) -> str:
    return "due-date reminder" if slot.slot == DUE else slot.slot


def digest_times(slots: list[DigestSlot], meeting: CalendarMeeting) -> list[datetime]:
    return [s.at for s in slots if s.meeting == meeting]


__all__ = ["DigestRunner", "Part", "PostError", "Poster", "RunResult", "digest_times"]
