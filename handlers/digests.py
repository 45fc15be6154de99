"""Posting digests to Slack: the channel message, the details in its thread, each owner's items by DM."""

from __future__ import annotations

from bot.digests.compose import Digest, DigestAction
from handlers import blocks as ui
from storage.db import Database
from storage.queries import slack as slack_queries


class SlackDigestPoster:
    def __init__(self, client, db: Database, clock) -> None:
        self.client = client
        self.db = db
        self.clock = clock

    async def _post(self, **message) -> dict:
        return await self.client.chat_postMessage(unfurl_links=False, unfurl_media=False, **message)

    async def post_channel(self, channel: str, digest: Digest, slot: str) -> str:
        sent = await self._post(
            channel=channel,
            blocks=ui.to_dicts(ui.digest_blocks(digest, slot)),
            text=ui.fallback(f"Digest for {digest.title()}"),
        )
        return sent["ts"]

    async def post_thread(self, channel: str, thread_ts: str, digest: Digest) -> None:
        for part in ui.digest_thread_blocks(digest):
            await self._post(
                channel=channel,
                thread_ts=thread_ts,
                blocks=ui.to_dicts(part),
                text=ui.fallback(f"Digest details for {digest.title()}"),
            )

    async def post_direct(self, slack_user_id: str, digest: Digest, items: list[DigestAction]) -> str:
        sent = await self._post(
            channel=slack_user_id,
            blocks=ui.to_dicts(ui.digest_dm_blocks(digest, items)),
            text=ui.fallback(f"Your actions before {digest.title()}"),
        )
        if len(items) == 1:  # a ✅ on this DM closes that action
            async with self.db.write() as session:
                await slack_queries.remember_bot_message(
                    session, sent["channel"], sent["ts"], items[0].ref, self.clock.utcnow()
                )
        return sent["ts"]
