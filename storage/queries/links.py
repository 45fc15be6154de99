"""Links between chat users and members, how each was made, and the audit trail of who is who."""

from __future__ import annotations

from sqlmodel import or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Member, MemberEvent, SlackUser, TeamsUser

USER_COLUMNS = {"slack": "slack_user_id", "teams": "teams_user_id"}
LINK_COLUMNS = {"slack": "slack_link", "teams": "teams_link"}
CHAT_USERS = {"slack": SlackUser, "teams": TeamsUser}


def linked_user(member: Member, platform: str) -> tuple[str | None, str | None]:
    """(the chat user id, the link's kind) of a member on a platform."""
    return getattr(member, USER_COLUMNS[platform]), getattr(member, LINK_COLUMNS[platform])


def set_link(member: Member, platform: str, user_id: str | None, kind: str | None) -> None:
    setattr(member, USER_COLUMNS[platform], user_id)
    setattr(member, LINK_COLUMNS[platform], kind if user_id else None)


async def member_by_user(session: AsyncSession, platform: str, user_id: str) -> Member | None:
    column = getattr(Member, USER_COLUMNS[platform])
    return (await session.exec(select(Member).where(column == user_id))).first()


async def member_by_email(session: AsyncSession, email: str) -> Member | None:
    return (await session.exec(select(Member).where(Member.email == email.strip().lower()))).first()


async def chat_user(session: AsyncSession, platform: str, user_id: str) -> SlackUser | TeamsUser | None:
    return await session.get(CHAT_USERS[platform], user_id)


async def linked_members(session: AsyncSession, *, pending: bool = False) -> list[Member]:
    """Members linked to a chat user on any platform (only those with a claim waiting, if `pending`),
    in name order."""
    if pending:
        wanted = or_(Member.slack_link == "claimed", Member.teams_link == "claimed")
    else:
        wanted = or_(Member.slack_user_id.is_not(None), Member.teams_user_id.is_not(None))
    query = select(Member).where(wanted).order_by(Member.name, Member.id)
    return list((await session.exec(query)).all())


async def events_of(session: AsyncSession, member_id: int) -> list[MemberEvent]:
    query = select(MemberEvent).where(MemberEvent.member_id == member_id).order_by(MemberEvent.id)
    return list((await session.exec(query)).all())


async def all_events(session: AsyncSession) -> list[MemberEvent]:
    return list((await session.exec(select(MemberEvent).order_by(MemberEvent.id))).all())


def stored_profile(record: SlackUser | TeamsUser) -> tuple[tuple[str, ...], str | None]:
    """(names, email) a chat user's record holds: Slack's real and display names, Teams' name."""
    slack = isinstance(record, SlackUser)
    names = (record.real_name, record.display_name) if slack else (record.name,)
    return tuple(n for n in names if n), record.email


def profile_read_at(record: SlackUser | TeamsUser):
    """When the platform was last asked about this user (None: never)."""
    return record.updated_at if isinstance(record, SlackUser) else record.looked_up_at


def store_profile(record: SlackUser | TeamsUser, names: tuple[str, ...], email: str | None, now) -> None:
    """What the platform says of a user, and when it said so."""
    if isinstance(record, SlackUser):
        record.real_name = names[0] if names else None
        record.display_name = names[1] if len(names) > 1 else None
        record.updated_at = now
    else:
        record.name = names[0] if names else record.name
        record.looked_up_at = record.updated_at = now
    record.email = email


def new_chat_user(platform: str, user_id: str, now) -> SlackUser | TeamsUser:
    return CHAT_USERS[platform](user_id=user_id, updated_at=now)
