"""Telling the secretariat of a claim in Slack: a post in the secretariat's channel, or a direct message
to each admin in SLACK_ADMIN_USER_IDS, with Confirm and Reject."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.people.notices import Notice
from handlers.slack import blocks as ui

log = logging.getLogger("tmag-bot.slack")


class SlackSecretariatTeller:
    platform = "slack"

    def __init__(self, client, admin_user_ids) -> None:
        self.client = client
        self.admins = sorted(admin_user_ids)

    async def _post(self, channel: str, notice: Notice) -> bool:
        try:
            await self.client.chat_postMessage(
                channel=channel,
                blocks=ui.to_dicts(ui.claim_blocks(notice)),
                text=ui.fallback(notice.text().split("\n", 1)[0]),
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            log.warning("could not tell the secretariat in %s: %s", channel, exc.response.get("error"))
            return False
        return True

    async def post(self, channel: str, notice: Notice) -> bool:
        return await self._post(channel, notice)

    async def tell_admins(self, notice: Notice) -> int:
        return sum([await self._post(admin, notice) for admin in self.admins])
