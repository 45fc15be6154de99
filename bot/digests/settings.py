"""Where and when a group's digests go: set by the secretariat."""

from __future__ import annotations

from bot.calendar.cadence import DEFAULT_CADENCES
from bot.people.identity import Person
from storage.db import Database
from storage.queries import groups as group_queries


async def set_digest_channel(
    db: Database, person: Person, group_code: str, channel_id: str
) -> tuple[bool, str]:
    if not person.is_secretariat:
        return False, "Only the secretariat can choose where digests go."
    async with db.write() as session:
        group = await group_queries.ensure_group(session, group_code, None, DEFAULT_CADENCES.get(group_code))
        group.channel_id = channel_id
        when = f"{group.digest_days_before} working days before each meeting at {group.digest_time}"
    return True, f"{group_code} digests will be posted here, {when}."
