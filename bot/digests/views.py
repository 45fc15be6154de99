"""A digest's messages shown again: a button pressed on one of them (Mark done, Confirm all) shows the
message again for the person who pressed it, the item changed and the rest as they are now."""

from __future__ import annotations

from datetime import date

from bot.calendar.clock import Clock
from bot.calendar.schedule import MeetingNotFound, find_meeting
from bot.conversation.layout import Piece, View, message_pieces
from bot.digests.compose import Digest, compose_digest, owned_by
from bot.digests.layout import Message, channel_message, direct_message, thread_messages
from storage.db import Database
from storage.queries import members as member_queries

# How a member asks for their own items and the overdue ones, on each platform (said in digests).
ASKING = {
    "slack": ("/tmag mine", "/tmag overdue"),
    "teams": ("ask me: what is open for me", "ask me: what is overdue"),
    "email": ("the links below", "the links below"),
}


def digest_view(digest: Digest, slot: str, part: str) -> View:
    """What a digest part shows, for its buttons to carry (part: channel, thread:N, dm:MEMBER_ID)."""
    meeting = digest.meeting
    return View(
        group=digest.group,
        meeting=meeting.date.isoformat(),
        extraordinary=meeting.extraordinary,
        slot=slot,
        part=part,
    )


def part_message(digest: Digest, slot: str, part: str, platform: str, owned=None) -> Message | None:
    mine, overdue = ASKING.get(platform, ASKING["slack"])
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
