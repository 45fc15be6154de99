"""Who a Teams user is as a member, and whether an activity was already handled: resolved once per
activity, as the Slack glue does for Slack. Reads first; writes only what changed, best effort."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from bot.conversation.turns import Place, Turn
from bot.people.links import ChatUser, Profile
from handlers.services import Services
from storage.db import DatabaseBusy
from storage.models import TeamsUser
from storage.queries import requests as request_queries
from storage.queries import users as user_queries

log = logging.getLogger("tmag-bot.teams")


@dataclass(frozen=True)
class Caller:
    """The person behind an activity, as Teams says: their Entra object id, display name, and (in a
    personal chat) the conversation to reach them in later."""

    user_id: str
    name: str | None
    service_url: str | None = None
    tenant_id: str | None = None
    personal_conversation: str | None = None
    conversation_id: str | None = None  # the conversation the activity came in (for member lookups)
    account_id: str | None = None  # their id in the Bot Framework ("29:..."), for member lookups


def caller_of(activity) -> Caller | None:
    sender = getattr(activity, "from_", None)
    if sender is None:
        return None
    user_id = (getattr(sender, "aad_object_id", None) or sender.id or "").strip().lower()
    if not user_id:
        return None
    conversation = getattr(activity, "conversation", None)
    personal = conversation is not None and getattr(conversation, "conversation_type", None) == "personal"
    return Caller(
        user_id,
        getattr(sender, "name", None),
        getattr(activity, "service_url", None),
        getattr(conversation, "tenant_id", None) if conversation is not None else None,
        conversation.id if personal else None,
        getattr(conversation, "id", None) if conversation is not None else None,
        getattr(sender, "id", None),
    )


async def first_time(services: Services, activity) -> bool:
    """Whether this activity is handled for the first time (in any process): Teams resends an activity
    it thinks was lost, with the same id."""
    activity_id = getattr(activity, "id", None)
    if not activity_id:
        return True

    async def claim(session) -> bool:
        return await request_queries.claim_request(session, f"teams:{activity_id}", services.clock.utcnow())

    return await services.db.transaction(claim)


def teams_user(services: Services, caller: Caller) -> ChatUser:
    admin = caller.user_id in services.settings.teams_admin_ids
    return ChatUser("teams", caller.user_id, admin=admin, names=(caller.name,) if caller.name else ())


def profile_lookup(api, caller: Caller):
    """Teams' member lookup, when the core needs it: the user's email (or their UPN) as their tenant
    knows it. Without an API client (a channel the bot cannot look in), none, and no link is verified."""

    async def lookup() -> Profile | None:
        if api is None or not caller.service_url or not caller.conversation_id or not caller.account_id:
            return None
        scoped = api.clone(service_url=caller.service_url)
        found = await scoped.conversations.get_member_by_id(caller.conversation_id, caller.account_id)
        email = getattr(found, "email", None) or getattr(found, "user_principal_name", None)
        name = getattr(found, "name", None)
        return Profile((name,) if name else (), email if isinstance(email, str) and "@" in email else None)

    return lookup


def channel_id(conversation_id: str) -> str:
    """A channel's conversation id without the thread part (";messageid=...")."""
    return conversation_id.split(";", 1)[0]


def place_of(activity) -> Place:
    """Where in Teams: a personal chat, or a channel or group chat (its conversation reference, as JSON,
    is where `digest here` points)."""
    conversation = getattr(activity, "conversation", None)
    kind = getattr(conversation, "conversation_type", None)
    if conversation is None or kind == "personal":
        return Place("teams", "personal")
    channel_data = getattr(activity, "channel_data", None)
    reference = {
        "service_url": activity.service_url,
        "conversation_id": channel_id(conversation.id),
        "tenant_id": getattr(conversation, "tenant_id", None)
        or getattr(getattr(channel_data, "tenant", None), "id", None),
        "team_id": getattr(getattr(channel_data, "team", None), "id", None),
        "channel_name": getattr(getattr(channel_data, "channel", None), "name", None),
    }
    return Place("teams", "channel" if kind == "channel" else "group", json.dumps(reference))


async def turn(bot, activity, caller: Caller, **what) -> Turn | None:
    """The activity as the core's turn, or None if it was handled before (Teams resends what it thinks
    was lost). Where the user can be reached is remembered on the way (best effort)."""
    services = bot.services
    if not await first_time(services, activity):
        return None
    await remember_where(services, caller)
    return Turn(place_of(activity), teams_user(services, caller), profile_lookup(bot.app.api, caller), **what)


async def remember_where(services: Services, caller: Caller) -> None:
    """A Teams user's name and how to reach them (their personal chat, their tenant's service URL), as
    the activity says: written only when changed, and skipped if the database is busy."""
    async with services.db.read() as session:
        known = await user_queries.chat_user(session, "teams", caller.user_id)
    changed = (
        known is None
        or known.name != caller.name
        or (caller.personal_conversation and known.conversation_id != caller.personal_conversation)
        or (caller.tenant_id and known.tenant_id != caller.tenant_id)
    )
    if not changed:
        return

    async def remember(session) -> None:
        clock = services.clock
        record = await user_queries.chat_user(session, "teams", caller.user_id)
        if record is None:
            record = TeamsUser(user_id=caller.user_id, updated_at=clock.utcnow())
            session.add(record)
        record.name, record.updated_at = caller.name, clock.utcnow()
        if caller.personal_conversation:
            record.conversation_id = caller.personal_conversation
        if caller.service_url and caller.tenant_id:  # where a personal chat with them can be opened
            record.service_url, record.tenant_id = caller.service_url, caller.tenant_id

    try:
        await services.db.transaction(remember)
    except DatabaseBusy:
        log.warning("could not record Teams user %s now (database busy); answering anyway", caller.user_id)
