"""What every listener needs, resolved once per request: the database, the clock, the settings, who the
Slack user is as a member, and whether this event was already handled."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.config import Settings
from bot.identity import Person, identify, person_for_member
from bot.members import link_slack_user, load_index
from bot.text import fold
from storage.db import Database
from storage.models import SlackUser
from storage.queries import members as member_queries
from storage.queries import slack as slack_queries

log = logging.getLogger("tmag-bot.slack")
PROFILE_MEMORY = timedelta(days=1)


@dataclass
class Services:
    db: Database
    clock: Clock
    settings: Settings


@dataclass
class SlackIdentity:
    person: Person
    prompt: tuple[int, str, str] | None = None  # (member id, member name, Slack name) to confirm once


def services_of(context) -> Services:
    return context["services"]


def install(app, services: Services) -> None:
    """Global middleware: services on the context, and Slack's retried events dropped."""

    @app.middleware
    async def attach_services(context, next):
        context["services"] = services
        await next()

    @app.middleware
    async def handle_events_once(body, context, next):
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            async with services.db.write() as session:
                first = await slack_queries.claim_event(session, event_id, services.clock.utcnow())
            if not first:
                log.info("event %s was already handled; Slack's retry is acknowledged and dropped", event_id)
                return BoltResponse(status=200, body="")
        await next()


async def _profile(client, user_id: str) -> tuple[str | None, str | None]:
    try:
        found = await client.users_info(user=user_id)
    except SlackApiError as exc:
        log.warning("users.info for %s failed: %s", user_id, exc)
        return None, None
    profile = (found.get("user") or {}).get("profile") or {}
    real = profile.get("real_name") or (found.get("user") or {}).get("real_name")
    return real or None, profile.get("display_name") or None


async def identify_slack_user(services: Services, client, user_id: str) -> SlackIdentity:
    """The member a Slack user is: by their stored Slack id; else by their profile's name (linked at
    once when it is exactly a member's, asked about once when only close); else just their name."""
    db, clock = services.db, services.clock
    admin = user_id in services.settings.admin_user_ids
    async with db.read() as session:
        member = await member_queries.member_by_slack_id(session, user_id)
        if member is not None:
            return SlackIdentity(await person_for_member(session, member, admin=admin))
        known = await slack_queries.slack_user(session, user_id)
        fresh = known is not None and clock.utcnow() - _aware(known.updated_at) < PROFILE_MEMORY
        real, display = (known.real_name, known.display_name) if fresh else (None, None)
    if not fresh:
        real, display = await _profile(client, user_id)
    prompt = None
    async with db.write() as session:
        record = await slack_queries.slack_user(session, user_id)
        if record is None:
            record = SlackUser(user_id=user_id, updated_at=clock.utcnow())
            session.add(record)
        if not fresh:
            record.real_name, record.display_name, record.updated_at = real, display, clock.utcnow()
        index = await load_index(session)
        for name in filter(None, (real, display)):
            exact = [i for i, key in index.names.items() if key == fold(name)]
            if len(exact) == 1:
                member = await member_queries.member_by_id(session, exact[0])
                if member.slack_user_id is None:
                    await link_slack_user(session, clock, member, user_id)
                    record.member_id = member.id
                    await session.flush()
                    return SlackIdentity(await person_for_member(session, member, admin=admin))
        if not record.declined and record.asked_member_id is None:
            for name in filter(None, (real, display)):
                best = index.best(fold(name))
                if best is not None:
                    member = await member_queries.member_by_id(session, best[0])
                    if member.slack_user_id is None:
                        record.asked_member_id, record.asked_at = member.id, clock.utcnow()
                        prompt = (member.id, member.name, name)
                        break
        person = await identify(session, real or display or user_id, admin=admin)
    person.slack_user_id = user_id
    return SlackIdentity(person, prompt)


async def answer_identity_prompt(services: Services, user_id: str, member_id: int, yes: bool) -> str:
    async with services.db.write() as session:
        record = await slack_queries.slack_user(session, user_id)
        member = await member_queries.member_by_id(session, member_id)
        if record is None or member is None or record.asked_member_id != member_id:
            return "That question has expired."
        if not yes:
            record.declined = True
            return "Thanks. Tell me who you are with `/tmag iam FIRST LAST` whenever you like."
        await link_slack_user(session, services.clock, member, user_id)
        record.member_id = member.id
        return f"Thanks — you are {member.name}. `/tmag mine` shows what is open for you."


async def claim_identity(services: Services, user_id: str, name: str) -> str:
    """`/tmag iam NAME`: link this Slack user to the member of that name."""
    from bot.members import find_member

    async with services.db.write() as session:
        member = await find_member(session, name)
        if member is None:
            return f"I don't know {name} as a member. The secretariat can add you (tmag-bot member add)."
        if member.slack_user_id and member.slack_user_id != user_id:
            return f"{member.name} is linked to another Slack user; ask the secretariat if that is wrong."
        await link_slack_user(session, services.clock, member, user_id)
        record = await slack_queries.slack_user(session, user_id)
        if record is not None:
            record.member_id = member.id
        return f"Thanks — you are {member.name}."


def _aware(value):
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)
