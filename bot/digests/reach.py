"""Who gets what, and how: the same rule for every digest, reminder and platform.

A member is reachable in chat on a platform through a configured, verified or confirmed link there (a
claim never is: an impostor's claim must neither receive the real member's items nor stop their email).
How a member wants to be reached (`member set NAME --notify`, or `email me` / `email off` in chat):

- auto (the default): by chat where they are reachable on a platform served, else by email;
- chat: by chat only, never email;
- email: by email only, never a chat message;
- both: by chat and by email.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.calendar.clock import Clock
from bot.people.identity import CLAIMED, CONFIGURED, CONFIRMED, VERIFIED, Person
from bot.people.links import member_event
from storage.db import Database
from storage.models import Member
from storage.queries import links as link_queries
from storage.queries import members as member_queries

AUTO, CHAT, EMAIL, BOTH = "auto", "chat", "email", "both"
CHOICES = (AUTO, CHAT, EMAIL, BOTH)
CHAT_PLATFORMS = ("slack", "teams")
REACHING = frozenset({CONFIGURED, VERIFIED, CONFIRMED})  # the stored link kinds that reach a member


def choice(member: Member) -> str:
    return member.notify if member.notify in CHOICES else AUTO


def chat_user(member: Member, platform: str) -> str | None:
    """The member's chat user on a platform, when a trusted link makes it theirs."""
    user_id, kind = link_queries.linked_user(member, platform)
    return user_id if user_id and (kind or CLAIMED) in REACHING else None


def chat_address(member: Member, platform: str) -> str | None:
    """Where a chat platform sends this member their items: their trusted chat user, unless they chose
    email only."""
    return None if choice(member) == EMAIL else chat_user(member, platform)


def reachable_in_chat(member: Member, platforms: Iterable[str]) -> bool:
    return any(chat_user(member, platform) for platform in platforms)


def email_address(member: Member, platforms: Iterable[str]) -> str | None:
    """Where this member's items go by email, if they do: their recorded email, when they chose email
    (or both), or when no platform served (`platforms`) reaches them and they did not choose chat only."""
    if not member.email:
        return None
    wanted = choice(member)
    if wanted in (EMAIL, BOTH):
        return member.email
    if wanted == CHAT:
        return None
    return None if reachable_in_chat(member, platforms) else member.email


def why_email(member: Member, group: str) -> str:
    """The footer's reason for an email: what they are sent and why by email."""
    if choice(member) in (EMAIL, BOTH):
        how = "you asked for them by email"
    else:
        how = "the bot cannot reach you in Slack or Teams"
    return (
        f"You get this because you own actions in {group} and {how}. The secretariat recorded this "
        "address for you."
    )


def choice_words(wanted: str) -> str:
    return {
        AUTO: "by chat where I can reach you there, else by email",
        CHAT: "by chat only, never by email",
        EMAIL: "by email only",
        BOTH: "by chat and by email",
    }[wanted]


def masked(email: str) -> str:
    """ "k…@example.org": enough for a member to recognise their address, little for anyone reading over
    their shoulder."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}"


async def set_notify(
    db: Database, clock: Clock, member_id: int, wanted: str, *, by: Person, source: str
) -> tuple[bool, str]:
    """How a member is reached from now on; an audit event of the identity trail. Bad input changes
    nothing."""
    if wanted not in CHOICES:
        return False, f"“{wanted}” is not one of {', '.join(CHOICES)}."

    async def apply(session) -> tuple[bool, str]:
        member = await member_queries.member_by_id(session, member_id)
        if member is None:
            return False, "That member is no longer in the record."
        if wanted in (EMAIL, BOTH) and not member.email:
            return False, (
                f"The secretariat has no email address for {member.name}; they can record one with "
                "tmag-bot member add NAME --email ADDRESS."
            )
        if choice(member) == wanted:
            return True, f"{member.name} is already reached {choice_words(wanted)}."
        member.notify = None if wanted == AUTO else wanted
        member.updated_at = clock.utcnow()
        session.add(member_event(member, "notify", clock, text=wanted, by=by, source=source))
        return True, f"{member.name} will be sent digests and reminders {choice_words(wanted)}."

    return await db.transaction(apply)


async def record_refusal(
    db: Database, clock: Clock, member_id: int, address: str, answer: str | None
) -> None:
    """The mail server refused a member's address for good (`answer`), or took a message for it at last
    (None): marked failing (shown in `member list` and the run's summary) or cleared, with an audit
    event each time it changes. An address changed meanwhile is left alone."""

    async def apply(session) -> None:
        member = await member_queries.member_by_id(session, member_id)
        if member is None or member.email != address or (member.email_failing is None and answer is None):
            return
        member.email_failing = answer[:300] if answer else None
        member.email_failing_at = clock.utcnow() if answer else None
        kind = "email_failing" if answer else "email_working"
        session.add(member_event(member, kind, clock, text=answer[:300] if answer else None, source="email"))

    await db.transaction(apply)
