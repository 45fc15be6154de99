"""Telling the secretariat of a claim in Teams: a card in the secretariat's channel, or in each
TEAMS_ADMIN_IDS admin's personal chat with the bot, with Confirm and Reject."""

from __future__ import annotations

import json
import logging

import httpx

from bot.people.notices import Notice
from handlers.teams import cards
from handlers.teams.reach import Unreachable, personal_chat
from storage.db import Database
from storage.queries import users as user_queries

log = logging.getLogger("tmag-bot.teams")


class TeamsSecretariatTeller:
    platform = "teams"

    def __init__(self, api, db: Database, admin_ids) -> None:
        self.api = api
        self.db = db
        self.admins = sorted(admin_ids)

    async def _send(self, service_url: str, conversation: str, notice: Notice) -> bool:
        from microsoft_teams.api import MessageActivityInput

        activity = MessageActivityInput().add_card(cards.claim_card(notice))
        try:
            await self.api.conversations.create_activity(conversation, activity, service_url=service_url)
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("could not tell the secretariat in Teams: %s", exc)
            return False
        return True

    async def post(self, channel: str, notice: Notice) -> bool:
        reference = json.loads(channel)
        return await self._send(reference["service_url"], reference["conversation_id"], notice)

    async def tell_admins(self, notice: Notice) -> int:
        via = None
        if notice.platform == "teams":  # an admin Teams never told the bot of is reached via the claimant's
            async with self.db.read() as session:
                claimant = await user_queries.chat_user(session, "teams", notice.user_id)
            if claimant is not None and claimant.service_url and claimant.tenant_id:
                via = (claimant.service_url, claimant.tenant_id)
        told = 0
        for admin in self.admins:
            try:
                service_url, conversation = await personal_chat(self.api, self.db, admin, via=via)
            except (Unreachable, httpx.HTTPError) as exc:
                log.warning("could not reach Teams admin %s: %s", admin, exc)
                continue
            told += await self._send(service_url, conversation, notice)
        return told
