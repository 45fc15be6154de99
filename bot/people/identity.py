"""Who is asking or acting: a member (with their roles, organisation and groups) or just a name, and
how surely: the link that made them that member decides what they may change (bot/people/rights.py)."""

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

# How a chat user came to be linked to a member. Only the trusted kinds carry the rights a member's
# role gives (the secretariat's, the chair's); a claim carries the member's own actions only.
CONFIGURED = "configured"  # an admin id in the settings (SLACK_ADMIN_USER_IDS, TEAMS_ADMIN_IDS)
VERIFIED = "verified"  # the email the platform vouches for is the member's, as the secretariat recorded it
CONFIRMED = "confirmed"  # the secretariat confirmed it, or the operator made it on the command line
CLAIMED = "claimed"  # the user said so (iam), or their profile name is exactly a member's
OPERATOR = "operator"  # not a link: whoever holds the database, on the command line
# Not a chat link: a member who opened a signed link sent to the email the secretariat recorded for
# them. Their own actions' rights (as a verified link's), never the secretariat's: a link can be
# forwarded, and it names one action.
EMAILED = "email"
TRUSTED = frozenset({CONFIGURED, VERIFIED, CONFIRMED, OPERATOR})
LINK_KINDS = (CONFIGURED, VERIFIED, CONFIRMED, CLAIMED)


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
    link: str | None = None  # how this chat user is linked to `member` (None: not linked, or no chat)
    admin: bool = False  # a configured admin id: the secretariat's rights, whoever they are linked to

    @property
    def display(self) -> str:
        return self.member.name if self.member else self.name

    @property
    def member_id(self) -> int | None:
        return self.member.id if self.member else None

    @property
    def chat_user(self) -> str | None:
        """Who acted, as the audit trail names a chat user ("slack:U123", "teams:<object id>")."""
        if self.slack_user_id:
            return f"slack:{self.slack_user_id}"
        if self.teams_user_id:
            return f"teams:{self.teams_user_id}"
        return None


def member_role_keys(member: Member) -> frozenset[str]:
    keys = set(role_keys(member.role))
    if member.constituency:
        keys.add(f"{member.constituency} representative")
    if member.is_chair:
        keys.add("chair")
    if member.is_secretariat:
        keys.add("secretariat")
    return frozenset(keys)


def has_secretariat_rights(member: Member | None, link: str | None, *, admin: bool = False) -> bool:
    """The secretariat's rights: a configured admin id; or a secretariat or chair member reached
    through a trusted link (a claim never carries them)."""
    if admin:
        return True
    return member is not None and link in TRUSTED and (member.is_secretariat or member.is_chair)


async def person_for_member(
    session: AsyncSession, member: Member, *, link: str | None = None, admin: bool = False
) -> Person:
    """The member as a person, with the rights `link` gives them (None: a member named, not a chat user
    linked to them: no rights of their own)."""
    codes, owner_name_ids = await member_queries.belongings_of(session, member.id)
    return Person(
        name=member.name,
        member=member,
        role_keys=member_role_keys(member),
        org_key=organisation_key(member.organisation),
        group_codes=codes,
        owner_name_ids=owner_name_ids,
        is_secretariat=has_secretariat_rights(member, link, admin=admin),
        # Who acted, for the audit trail: their chat user when a chat link is how they came (not by email).
        slack_user_id=member.slack_user_id if link and link != EMAILED else None,
        teams_user_id=member.teams_user_id if link and link != EMAILED else None,
        link=link,
        admin=admin,
    )


async def identify(session: AsyncSession, who: str | None, *, link: str | None = None) -> Person:
    """The person behind a name, alias, initials or Slack id, for answering as them (`ask --as`, "what
    is open for Kate"). Someone who is not a member is still matched to owner cells that name them. A
    name gives no rights: `link` says how surely this is them (the console's `--as` is CONFIRMED)."""
    who = (who or "").strip()
    member, guessed = await match_member(session, who) if who else (None, False)
    if member is not None:
        person = await person_for_member(session, member, link=link)
        person.guessed_from = who if guessed else None
        return person
    person = Person(name=who or "someone")
    key = fold(who)
    if len(key.split()) >= 2:
        unresolved = {n.id: n.key for n in await ownership_queries.unresolved_owner_names(session)}
        found = process.extract(key, unresolved, scorer=fuzz.token_sort_ratio, score_cutoff=55, limit=10)
        person.owner_name_ids = [i for name, _, i in found if person_score(key, name) >= MATCH_THRESHOLD]
    return person


async def operator(session: AsyncSession, who: str | None) -> Person:
    """Whoever runs the command line: the secretariat's rights (they hold the database), recorded as
    `who` (a member's name when it is one, else as given)."""
    person = await identify(session, who) if who else Person(name="cli")
    person.is_secretariat, person.link = True, OPERATOR
    return person
