"""Who is asking or acting: a member (with their roles, organisation and groups) or just a name."""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.people.matching import MATCH_THRESHOLD, person_score
from bot.people.members import match_member
from bot.people.vocab import organisation_key, role_keys
from bot.record.text import fold
from storage.models import Member
from storage.queries import members as member_queries
from storage.queries import ownership as ownership_queries


@dataclass
class Person:
    name: str
    member: Member | None = None
    role_keys: frozenset[str] = frozenset()
    org_key: str | None = None
    group_codes: frozenset[str] = frozenset()
    owner_name_ids: list[int] = field(default_factory=list)
    is_secretariat: bool = False
    slack_user_id: str | None = None
    teams_user_id: str | None = None
    guessed_from: str | None = None  # the name as given, when it only came close to the member's

    @property
    def display(self) -> str:
        return self.member.name if self.member else self.name

    @property
    def member_id(self) -> int | None:
        return self.member.id if self.member else None


def member_role_keys(member: Member) -> frozenset[str]:
    keys = set(role_keys(member.role))
    if member.constituency:
        keys.add(f"{member.constituency} representative")
    if member.is_chair:
        keys.add("chair")
    if member.is_secretariat:
        keys.add("secretariat")
    return frozenset(keys)


async def person_for_member(session: AsyncSession, member: Member, *, admin: bool = False) -> Person:
    from storage.queries import groups as group_queries

    group_ids = await member_queries.group_ids_of(session, member.id)
    codes = {g.code for g in await group_queries.all_groups(session) if g.id in group_ids}
    return Person(
        name=member.name,
        member=member,
        role_keys=member_role_keys(member),
        org_key=organisation_key(member.organisation),
        group_codes=frozenset(codes),
        owner_name_ids=await ownership_queries.owner_name_ids_of(session, member.id),
        is_secretariat=admin or member.is_secretariat or member.is_chair,
        slack_user_id=member.slack_user_id,
        teams_user_id=member.teams_user_id,
    )


async def identify(session: AsyncSession, who: str | None, *, admin: bool = False) -> Person:
    """The person behind a name, alias, initials or Slack id. Someone who is not a member is still
    matched to owner cells that name them (and to nothing else)."""
    who = (who or "").strip()
    member, guessed = await match_member(session, who) if who else (None, False)
    if member is not None:
        person = await person_for_member(session, member, admin=admin)
        person.guessed_from = who if guessed else None
        return person
    person = Person(name=who or "someone", is_secretariat=admin)
    key = fold(who)
    if len(key.split()) >= 2:
        unresolved = {n.id: n.key for n in await ownership_queries.unresolved_owner_names(session)}
        found = process.extract(key, unresolved, scorer=fuzz.token_sort_ratio, score_cutoff=55, limit=10)
        person.owner_name_ids = [i for name, _, i in found if person_score(key, name) >= MATCH_THRESHOLD]
    return person
