"""Where and when a group's digests go: set by the secretariat, in a Slack or a Teams channel."""

from __future__ import annotations

from bot.calendar.cadence import DEFAULT_CADENCES
from bot.people.identity import Person
from bot.people.rights import secretariat_only
from storage.db import Database
from storage.queries import groups as group_queries


async def _set_channel(
    db: Database, person: Person, group_code: str, column: str, value: str
) -> tuple[bool, str]:
    refused = secretariat_only(person, "choose where digests go")
    if refused:
        return False, refused

    async def apply(session) -> str:
        group = await group_queries.ensure_group(session, group_code, None, DEFAULT_CADENCES.get(group_code))
        setattr(group, column, value)
        return f"{group.digest_days_before} working days before each meeting at {group.digest_time}"

    when = await db.transaction(apply)
    return True, f"{group_code} digests will be posted here, {when}."


async def set_channel(db: Database, person: Person, group_code: str, platform: str, address: str):
    """A group's digests go to this channel: a Slack channel id, or a Teams conversation reference."""
    column = {"slack": "channel_id", "teams": "teams_channel"}[platform]
    return await _set_channel(db, person, group_code, column, address)


async def set_secretariat_channel(db: Database, person: Person, group_code: str, platform: str, address: str):
    """Identity claims about a group's members are told to the secretariat in this channel."""
    refused = secretariat_only(person, "choose where the secretariat is told of claims")
    if refused:
        return False, refused
    column = {"slack": "secretariat_channel", "teams": "secretariat_teams_channel"}[platform]

    async def apply(session) -> None:
        group = await group_queries.ensure_group(session, group_code, None, DEFAULT_CADENCES.get(group_code))
        setattr(group, column, address)

    await db.transaction(apply)
    return True, f"Claims about {group_code} members will be told to the secretariat here."


async def set_digest_channel(
    db: Database, person: Person, group_code: str, channel_id: str
) -> tuple[bool, str]:
    """The Slack channel (its id) a group's digests go to."""
    return await _set_channel(db, person, group_code, "channel_id", channel_id)


async def set_teams_channel(
    db: Database, person: Person, group_code: str, reference: str
) -> tuple[bool, str]:
    """The Teams channel (its conversation reference, as JSON) a group's digests go to."""
    return await _set_channel(db, person, group_code, "teams_channel", reference)
