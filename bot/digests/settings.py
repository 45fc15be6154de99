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
