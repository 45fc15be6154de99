"""Posting digests to Teams: the channel message (a card), the details as replies in its thread, and each
owner's own items in their personal chat with the bot (a proactive message).

The digest runner claims each part in the database and marks it sent before the next, as for Slack.
Teams' Bot Connector offers no way to look a message up by a key of ours, so a part that was claimed
but never marked sent (a crash at the wrong moment, or a 5xx for a post Teams in fact made) is posted
again: on Teams that window can repeat one message, where on Slack it cannot. 429s (never posted) and
5xx are retried with backoff by the runner.
"""

from __future__ import annotations

import json
import logging

import httpx
from microsoft_teams.api import MessageActivityInput

from bot.digests import reach
from bot.digests.compose import Digest, DigestAction
from bot.digests.layout import thread_messages
from bot.digests.runner import Part, PostError
from bot.digests.timing import DUE
from bot.digests.views import digest_view, part_message
from handlers.teams import cards
from handlers.teams.reach import Unreachable, personal_chat
from storage.db import Database
from storage.models import Group, Member

log = logging.getLogger("tmag-bot.teams")


class TeamsDigestPoster:
    platform = "teams"
    pace = 0.2  # seconds between personal messages

    def __init__(self, api, db: Database, bot_id: str, clock) -> None:
        self.api = api  # the Teams SDK's ApiClient (app.api)
        self.db = db
        self.bot_id = bot_id
        self.clock = clock
        self._people: dict[str, dict] = {}  # member's Entra id -> their personal chat

    def channel_of(self, group: Group) -> str | None:
        return group.teams_channel  # a conversation reference, as JSON

    def address_of(self, member: Member) -> str | None:
        return reach.chat_address(member, self.platform)  # a trusted link, unless they chose email only

    def parts(
        self,
        digest: Digest,
        slot: str,
        channel: str | None,
        direct: list[tuple[str, int, list[DigestAction]]],
    ) -> list[Part]:
        parts: list[Part] = []

        def card_of(part: str, owned=None):
            message = part_message(digest, slot, part, "teams", owned)
            return cards.message_card(message, digest_view(digest, slot, part))

        if slot == DUE:  # a due-date reminder: each owner's actions falling due, in their personal chat
            return [
                Part(f"teams:dm:{member_id}", "direct", user, card_of(f"dm:{member_id}", owned))
                for user, member_id, owned in direct
            ]
        if channel:
            parts.append(Part("teams:channel", "channel", channel, card_of("channel")))
            if slot == "digest":
                parts += [
                    Part(f"teams:thread:{i}", "thread", channel, card_of(f"thread:{i}"))
                    for i in range(len(thread_messages(digest)))
                ]
        if slot == "digest":
            parts += [
                Part(f"teams:dm:{member_id}", "direct", user, card_of(f"dm:{member_id}", owned))
                for user, member_id, owned in direct
            ]
        return parts

    async def send(self, part: Part, thread: str | None, tag: str) -> str:

        activity = MessageActivityInput().add_card(part.payload)
        try:
            if part.kind == "direct":
                service_url, conversation = await self._personal_chat(part.address)
            else:
                reference = json.loads(part.address)
                service_url, conversation = reference["service_url"], reference["conversation_id"]
                if part.kind == "thread" and thread:
                    conversation = f"{conversation};messageid={thread}"
            sent = await self.api.conversations.create_activity(
                conversation, activity, service_url=service_url
            )
        except httpx.HTTPStatusError as exc:
            raise _post_error(exc, part.kind == "direct") from None
        except httpx.TransportError as exc:
            raise PostError(f"no answer from Teams ({exc.__class__.__name__})", maybe_posted=True) from None
        return sent.id

    async def find(self, part: Part, thread: str | None, tag: str) -> str | None:
        return None  # the Bot Connector cannot look a message up; see the module's note

    async def _personal_chat(self, user_id: str) -> tuple[str, str]:
        try:
            return await personal_chat(self.api, self.db, user_id)
        except Unreachable as exc:
            raise PostError(str(exc), unreachable=True) from None


def _post_error(exc: httpx.HTTPStatusError, direct: bool) -> PostError:
    status = exc.response.status_code
    if status == 429:
        try:
            wait = float(exc.response.headers.get("Retry-After") or 1)
        except ValueError:
            wait = 1.0
        return PostError("rate limited by Teams", retry_after=wait)
    # 403 to a person: they blocked the bot or it was removed for them; 404: they or the chat are gone
    return PostError(
        f"Teams answered HTTP {status}",
        maybe_posted=status >= 500,
        unreachable=direct and status in (403, 404),
    )
