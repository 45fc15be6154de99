"""Linking a chat user (Slack, Teams) to the member they are: exactly by name, or asked once when close.

The same rules on every platform: a profile name that is exactly one unlinked member's links at once;
one only close to a member's is asked about once ("Are you Kate Goodman?"), never again once answered;
`iam First Last` links whenever someone says so. A member is linked to one user per platform.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.calendar.clock import Clock
from bot.people.matching import MemberIndex
from bot.record.text import fold
from storage.db import Database
from storage.models import Member
from storage.queries import members as member_queries
from storage.queries import users as user_queries

USER_COLUMNS = {"slack": "slack_user_id", "teams": "teams_user_id"}


async def link_candidates(
    db: Database, index: MemberIndex, names: list[str], *, platform: str, asked_before: bool
) -> tuple[int | None, tuple[int, str] | None]:
    """(member id to link: exactly one unlinked member has one of the names; (member id, name) to ask
    about: the closest unlinked member, unless this user was asked, or said no, before)."""
    exact = ask = None
    for name in names:
        ids = [i for i, key in index.names.items() if key == fold(name)]
        if len(ids) == 1:
            exact = ids[0]
            break
    if exact is None and not asked_before:
        ask = next(((best[0], name) for name in names if (best := index.best(fold(name)))), None)
    wanted = [i for i in (exact, ask[0] if ask else None) if i is not None]
    if wanted:
        column = USER_COLUMNS[platform]
        async with db.read() as session:
            linked = {
                i
                for i in wanted
                if (m := await member_queries.member_by_id(session, i)) and getattr(m, column)
            }
        exact = None if exact in linked else exact
        ask = None if ask and ask[0] in linked else ask
    return exact, ask


async def link_user(session: AsyncSession, clock: Clock, member: Member, platform: str, user_id: str) -> None:
    """Remember which user of a platform a member is (moving the link if another member had it)."""
    column = USER_COLUMNS[platform]
    holder = await member_queries.member_by_user(session, platform, user_id)
    if holder is not None and holder.id != member.id:
        setattr(holder, column, None)
        await session.flush()
    setattr(member, column, user_id)
    member.updated_at = clock.utcnow()


PLATFORM_NAMES = {"slack": "Slack", "teams": "Teams"}


async def answer_prompt(
    db: Database, clock: Clock, platform: str, user_id: str, member_id: int, yes: bool, *, command: str
) -> str:
    """The answer to "Are you Kate Goodman?": yes links this user to the member; no is remembered (never
    asked again). `command` is how this platform says iam ("/tmag iam", "iam")."""

    async def answer(session) -> str:
        record = await user_queries.chat_user(session, platform, user_id)
        member = await member_queries.member_by_id(session, member_id)
        if record is None or member is None or record.asked_member_id != member_id:
            return "That question has expired."
        if not yes:
            record.declined = True
            return f"Thanks. Tell me who you are with {command} FIRST LAST whenever you like."
        await link_user(session, clock, member, platform, user_id)
        record.member_id = member.id
        return f"Thanks — you are {member.name}. Ask me what is open for you."

    return await db.transaction(answer)


async def claim_identity(db: Database, clock: Clock, platform: str, user_id: str, name: str) -> str:
    """`iam NAME`: link this user to the member of that name."""
    from bot.people.members import find_member

    async def claim(session) -> str:
        member = await find_member(session, name)
        if member is None:
            return f"I don't know {name} as a member. The secretariat can add you (tmag-bot member add)."
        linked = getattr(member, USER_COLUMNS[platform])
        if linked and linked != user_id:
            return (
                f"{member.name} is linked to another {PLATFORM_NAMES[platform]} user; "
                "ask the secretariat if that is wrong."
            )
        await link_user(session, clock, member, platform, user_id)
        record = await user_queries.chat_user(session, platform, user_id)
        if record is not None:
            record.member_id = member.id
        return f"Thanks — you are {member.name}."

    return await db.transaction(claim)
