"""Reaching a Teams user in their personal chat with the bot (a proactive message), for digests and for
telling the secretariat of claims."""

from __future__ import annotations

from microsoft_teams.api import Account, CreateConversationParams

from storage.db import Database
from storage.queries import users as user_queries


class Unreachable(Exception):
    """No personal chat with this user can be opened: Teams has never told the bot where they are."""


async def personal_chat(
    api, db: Database, user_id: str, *, via: tuple[str, str] | None = None
) -> tuple[str, str]:
    """(service URL, conversation id) of the bot's personal chat with a user, opened if need be. `via`
    is a (service URL, tenant id) to open it through when Teams has never told the bot of the user (a
    colleague's, in the same tenant)."""

    async with db.read() as session:
        record = await user_queries.chat_user(session, "teams", user_id)
    if record is not None and record.conversation_id and record.service_url:
        return record.service_url, record.conversation_id
    if record is not None and record.service_url and record.tenant_id:
        service_url, tenant_id = record.service_url, record.tenant_id
    elif via is not None:
        service_url, tenant_id = via
    else:
        raise Unreachable(f"Teams user {user_id} has never talked to the bot, so there is no chat to open")
    params = CreateConversationParams(members=[Account(id=user_id)], tenant_id=tenant_id)
    created = await api.clone(service_url=service_url).conversations.create(params)

    async def remember(session) -> None:
        found = await user_queries.chat_user(session, "teams", user_id)
        if found is not None:
            found.conversation_id = created.id

    await db.transaction(remember)
    return service_url, created.id
