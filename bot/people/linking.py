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
