"""Posting digests to Slack: the channel message, the details in its thread, each owner's items by DM.

Every message carries its part's key in Slack message metadata, so a part that may have been posted (a
crash after Slack confirmed it, or a 500 from a request Slack in fact carried out) is found in the
channel, thread or DM before it is posted again. The Web API client used here retries only rate limits
(which mean "not posted"); server errors and dropped connections come back to the runner, which looks
before it posts again.
"""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.digests import reach
from bot.digests.compose import Digest, DigestAction
from bot.digests.layout import thread_messages
from bot.digests.runner import Part, PostError
from bot.digests.timing import DUE
from bot.digests.views import digest_view, part_message
from handlers.slack import blocks as ui
from storage.db import Database
from storage.models import Group, Member
from storage.queries import slack as slack_queries

METADATA_EVENT = "tmag_digest_part"
LOOK_BACK = 100  # messages searched for a part already posted (it was posted moments ago)


class SlackDigestPoster:
    platform = "slack"

    def __init__(self, client: AsyncWebClient, db: Database, clock, *, pace: float = 1.1) -> None:
        self.client = client
        self.db = db
        self.clock = clock
        self.pace = pace  # Slack allows about one message a second

    def channel_of(self, group: Group) -> str | None:
        return group.channel_id

    def address_of(self, member: Member) -> str | None:
        return reach.chat_address(member, self.platform)  # a trusted link, unless they chose email only

    def parts(
        self,
        digest: Digest,
        slot: str,
        channel: str | None,
        direct: list[tuple[str, int, list[DigestAction]]],
    ) -> list[Part]:
        title = digest.title()
        parts: list[Part] = []
        if slot == DUE:  # a due-date reminder: each owner's actions falling due, by DM
            return [
                Part(
                    f"slack:dm:{member_id}",
                    "direct",
                    user,
                    (
                        ui.message_blocks(
                            part_message(digest, slot, f"dm:{member_id}", "slack", owned),
                            digest_view(digest, slot, f"dm:{member_id}"),
                        ),
                        f"Your {title}",
                        owned.items,
                    ),
                )
                for user, member_id, owned in direct
            ]
        if channel:
            text = f"Digest for {title}" if slot == "digest" else f"Today: {title}"
            blocks = ui.digest_blocks(digest, slot, digest_view(digest, slot, "channel"))
            parts.append(Part("slack:channel", "channel", channel, (blocks, text)))
            if slot == "digest":
                count = len(thread_messages(digest))
                views = [digest_view(digest, slot, f"thread:{i}") for i in range(count)]
                parts += [
                    Part(f"slack:thread:{i}", "thread", channel, (blocks, f"Digest details for {title}"))
                    for i, blocks in enumerate(ui.digest_thread_blocks(digest, views))
                ]
        if slot == "digest":
            parts += [
                Part(
                    f"slack:dm:{member_id}",
                    "direct",
                    user,
                    (
                        ui.digest_dm_blocks(digest, owned, digest_view(digest, slot, f"dm:{member_id}")),
                        f"Your actions before {title}",
                        owned.items,
                    ),
                )
                for user, member_id, owned in direct
            ]
        return parts

    async def send(self, part: Part, thread: str | None, tag: str) -> str:
        blocks, text, *rest = part.payload
        try:
            sent = await self.client.chat_postMessage(
                channel=part.address,
                thread_ts=thread,
                blocks=ui.to_dicts(blocks),
                text=ui.fallback(text),
                metadata={"event_type": METADATA_EVENT, "event_payload": {"part": tag}},
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            raise _post_error(exc) from None
        except (TimeoutError, aiohttp.ClientError, ConnectionError) as exc:
            raise PostError(f"no answer from Slack ({exc.__class__.__name__})", maybe_posted=True) from None
        if rest:
            await self._remember(sent["channel"], sent["ts"], rest[0])
        return sent["ts"]

    async def find(self, part: Part, thread: str | None, tag: str) -> str | None:
        try:
            if part.kind == "thread":
                found = await self.client.conversations_replies(
                    channel=part.address, ts=thread, limit=LOOK_BACK, include_all_metadata=True
                )
                channel = part.address
            else:
                channel = part.address
                if part.kind == "direct":
                    opened = await self.client.conversations_open(users=part.address)
                    channel = opened["channel"]["id"]
                found = await self.client.conversations_history(
                    channel=channel, limit=LOOK_BACK, include_all_metadata=True
                )
        except SlackApiError as exc:
            raise _post_error(exc) from None
        except (TimeoutError, aiohttp.ClientError, ConnectionError) as exc:
            raise PostError(f"no answer from Slack ({exc.__class__.__name__})", maybe_posted=True) from None
        for message in found.get("messages") or []:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and (metadata.get("event_payload") or {}).get("part") == tag
            ):
                if part.kind == "direct" and len(part.payload) > 2:
                    await self._remember(channel, message["ts"], part.payload[2])
                return message["ts"]
        return None

    async def _remember(self, channel: str, ts: str, items: list[DigestAction]) -> None:
        """A direct message about one action: a ✅ on it closes that action."""
        if len(items) == 1:
            async with self.db.write() as session:
                await slack_queries.remember_bot_message(
                    session, channel, ts, items[0].ref, self.clock.utcnow()
                )


# Errors that mean a person cannot be messaged at all: trying again will not help (a channel that
# cannot be posted to is not among them: that fails the run, for someone to fix).
UNREACHABLE = frozenset({"user_not_found", "user_disabled", "account_inactive", "cannot_dm_bot"})


def _post_error(exc: SlackApiError) -> PostError:
    status = getattr(exc.response, "status_code", 0) or 0
    error = (exc.response.get("error") if exc.response is not None else None) or str(exc)
    if status == 429:
        retry = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after") or "1"
        try:
            wait = float(retry)
        except ValueError:
            wait = 1.0
        return PostError(f"rate limited by Slack ({error})", retry_after=wait)
    return PostError(
        f"Slack said {error} (HTTP {status})", maybe_posted=status >= 500, unreachable=error in UNREACHABLE
    )
