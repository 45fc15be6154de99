"""A digest's messages shown again: a button pressed on one of them (Mark done, Confirm all) shows the
message again for the person who pressed it, the item changed and the rest as they are now."""

from __future__ import annotations

from datetime import date

from bot.calendar.clock import Clock
from bot.calendar.schedule import MeetingNotFound, find_meeting
from bot.conversation.layout import Piece, View, message_pieces
from bot.digests.compose import Digest, compose_digest, owned_by
from bot.digests.due import DueReminder, due_message
from bot.digests.layout import ASKING, Message, channel_message, direct_message, thread_messages
from bot.digests.timing import DUE
from storage.db import Database
from storage.queries import groups as group_queries
from storage.queries import members as member_queries


def digest_view(digest: Digest | DueReminder, slot: str, part: str) -> View:
    """What a digest part shows, for its buttons to carry (part: channel, thread:N, dm:MEMBER_ID); a
    due-date reminder's names its due day where a digest names its meeting."""
    if isinstance(digest, DueReminder):
        return View(group=digest.group, meeting=digest.due.isoformat(), slot=slot, part=part)
    meeting = digest.meeting
    return View(
        group=digest.group,
        meeting=meeting.date.isoformat(),
        extraordinary=meeting.extraordinary,
        slot=slot,
        part=part,
    )


def part_message(
    digest: Digest | DueReminder, slot: str, part: str, platform: str, owned=None
) -> Message | None:
    mine, overdue = ASKING.get(platform, ASKING["slack"])
    if isinstance(digest, DueReminder):
        return due_message(digest, owned, platform) if part.startswith("dm:") and owned is not None else None
    if part == "channel":
        return channel_message(digest, slot, mine)
    if part.startswith("thread:") and part[7:].isdigit():
        messages = thread_messages(digest, overdue)
        index = int(part[7:])
        return messages[index] if index < len(messages) else None
    if part.startswith("dm:") and owned is not None:
        return direct_message(digest, owned, mine)
    return None


async def digest_pieces(db: Database, view: View, clock: Clock, platform: str) -> list[Piece] | None:
    """The digest part a view names, as it stands now; None when it no longer exists."""
    try:
        day = date.fromisoformat(view.meeting or "")
    except ValueError:
        return None
    if view.slot == DUE:
        return await _due_pieces(db, view, day, clock, platform)
    async with db.read() as session:
        try:
            group, meeting = await find_meeting(session, view.group, day.isoformat(), clock.now())
        except MeetingNotFound:
            return None
        if group.id is None or meeting.extraordinary != view.extraordinary:
            return None
        digest = await compose_digest(session, group, meeting, clock.today())
        owned = None
        if view.part and view.part.startswith("dm:") and view.part[3:].isdigit():
            member = await member_queries.member_by_id(session, int(view.part[3:]))
            owned = await owned_by(session, group, member, clock.today()) if member else None
    message = part_message(digest, view.slot or "digest", view.part or "", platform, owned)
    return message_pieces(message, view) if message is not None else None


async def _due_pieces(db: Database, view: View, day: date, clock: Clock, platform: str) -> list[Piece] | None:
    """A due-date reminder as it stands now: the member's actions still open and due that day."""
    if not (view.part or "").startswith("dm:") or not view.part[3:].isdigit():
        return None
    async with db.read() as session:
        group = await group_queries.group_by_code(session, view.group)
        member = await member_queries.member_by_id(session, int(view.part[3:]))
        if group is None or member is None:
            return None
        owned = await owned_by(session, group, member, clock.today(), due_on=day)
    reminder = DueReminder(group.code, day, group.due_reminder_days or 0, clock.today())
    return message_pieces(due_message(reminder, owned, platform), view)
