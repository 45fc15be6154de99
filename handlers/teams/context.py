"""Who a Teams user is as a member, and whether an activity was already handled: resolved once per
activity, as the Slack glue does for Slack. Reads first; writes only what changed, best effort."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.people.identity import Person, identify, person_for_member
from bot.people.linking import link_candidates, link_user
from bot.people.members import load_index
from handlers.services import Services
from storage.db import DatabaseBusy
from storage.models import TeamsUser
from storage.queries import members as member_queries
from storage.queries import requests as request_queries
from storage.queries import users as user_queries

log = logging.getLogger("tmag-bot.teams")


@dataclass
class TeamsIdentity:
    person: Person
    prompt: tuple[int, str, str] | None = None  # (member id, member name, Teams name) to confirm once


@dataclass(frozen=True)
class Caller:
    """The person behind an activity, as Teams says: their Entra object id, display name, and (in a
    personal chat) the conversation to reach them in later."""

    user_id: str
    name: str | None
    service_url: str | None = None
    tenant_id: str | None = None
    personal_conversation: str | None = None


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


async def identify_teams_user(services: Services, caller: Caller) -> TeamsIdentity:
    """The member a Teams user is: by their stored Entra id; else by their Teams name (linked at once
    when it is exactly a member's, asked about once when only close); else just their name."""
    db = services.db
    admin = caller.user_id in services.settings.teams_admin_ids
    async with db.read() as session:
        member = await member_queries.member_by_user(session, "teams", caller.user_id)
        known = await user_queries.chat_user(session, "teams", caller.user_id)
        index = await load_index(session) if member is None else None
    changed = (
        known is None
        or known.name != caller.name
        or (caller.personal_conversation and known.conversation_id != caller.personal_conversation)
        or (caller.tenant_id and known.tenant_id != caller.tenant_id)
    )
    exact = ask = None
    if member is None:
        asked_before = known is not None and (known.declined or known.asked_member_id is not None)
        names = [caller.name] if caller.name else []
        exact, ask = await link_candidates(db, index, names, platform="teams", asked_before=asked_before)
    prompt = None
    if changed or exact is not None or ask is not None:
        try:
            linked, prompt = await db.transaction(
                lambda session: _remember(session, services, caller, exact, ask)
            )
        except DatabaseBusy:
            log.warning(
                "could not record Teams user %s now (database busy); answering anyway", caller.user_id
            )
            linked, prompt = None, None
        member = member or linked
    async with db.read() as session:
        if member is not None:
            person = await person_for_member(session, member, admin=admin)
        else:
            person = await identify(session, caller.name or caller.user_id, admin=admin)
    person.teams_user_id = caller.user_id
    return TeamsIdentity(person, prompt)


async def _remember(session, services: Services, caller: Caller, exact, ask):
    """The write behind identify_teams_user: (the member now linked, or None; a prompt, or None)."""
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
    if exact is not None:
        member = await member_queries.member_by_id(session, exact)
        if member is not None and member.teams_user_id is None:
            await link_user(session, clock, member, "teams", caller.user_id)
            record.member_id = member.id
            await session.flush()
            return member, None
    if ask is not None and not record.declined and record.asked_member_id is None:
        member_id, name = ask
        member = await member_queries.member_by_id(session, member_id)
        if member is not None and member.teams_user_id is None:
            record.asked_member_id, record.asked_at = member.id, clock.utcnow()
            return None, (member.id, member.name, name)
    return None, None
