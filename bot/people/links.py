"""Who a chat user (Slack, Teams) is: the member they are linked to, and how surely.

The same rules on every platform:
- A link says how it was made (bot/people/identity.py): configured, verified, confirmed or claimed.
  Only the first three carry the rights a member's role gives.
- The email the platform vouches for, when it is a member's recorded email, links the user to that
  member as verified, taking the member from anyone who had only claimed them.
- A profile name is never an identity by itself: one that is exactly one unlinked member's name is a
  claim (as `iam` is); one only close to a member's is at most a question ("Are you Martin
  Cranfield?"), asked once; a member linked to another user is never matched by name at all.
- `iam NAME` claims the member of exactly that name; a near miss or shared initials asks "Did you mean
  Kate Goodman?", and nothing is linked before Yes. `iam nobody` unlinks.
- Every claim is told to the secretariat (bot/people/notices.py), who confirm or reject it.
- A configured admin id links as configured. Every link made or removed is an audit event.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, timedelta

from bot.calendar.clock import Clock
from bot.people.identity import (
    CLAIMED,
    CONFIGURED,
    CONFIRMED,
    TRUSTED,
    VERIFIED,
    Person,
    person_for_member,
)
from bot.people.members import load_index, match_member
from bot.people.notices import ClaimNotice
from bot.people.rights import secretariat_only
from bot.record.text import fold
from storage.db import Database, DatabaseBusy
from storage.models import Member, MemberEvent
from storage.queries import links as link_queries
from storage.queries import members as member_queries

log = logging.getLogger("tmag-bot")
PROFILE_MEMORY = timedelta(days=1)  # how long what a platform said of a user is taken as still true
PLATFORM_NAMES = {"slack": "Slack", "teams": "Teams"}
KIND_WORDS = {
    CONFIGURED: "as an admin in the bot's settings",
    VERIFIED: "by the email your account vouches for",
    CONFIRMED: "confirmed by the secretariat",
    CLAIMED: "by your own word, not yet confirmed by the secretariat",
}
NOBODY = {"nobody", "no one", "noone", "none", "-"}


@dataclass(frozen=True)
class ChatUser:
    """A user of a chat platform as it names them, and whether the settings list them as an admin."""

    platform: str  # slack | teams
    user_id: str
    admin: bool = False
    names: tuple[str, ...] = ()  # names the platform gave with the request itself (Teams does)

    @property
    def label(self) -> str:
        return f"{PLATFORM_NAMES.get(self.platform, self.platform)} user {self.user_id}"


@dataclass(frozen=True)
class Profile:
    """What a platform says of a user: their names (real, display) and the email it vouches for."""

    names: tuple[str, ...] = ()
    email: str | None = None


ProfileLookup = Callable[[], Awaitable[Profile | None]]


@dataclass(frozen=True)
class IdentityQuestion:
    """ "Are you Kate Goodman?", asked with Yes and No: from a profile name close to a member's
    (`profile`), or an `iam` that was not exactly one member's name (`iam`)."""

    member_id: int
    member_name: str
    given: str
    kind: str  # profile | iam

    def text(self, platform: str) -> str:
        if self.kind == "iam":
            return f"I don't know “{self.given}” exactly. Did you mean {self.member_name}?"
        where = PLATFORM_NAMES.get(platform, platform)
        return (
            f"Your {where} name is {self.given}. Are you {self.member_name} in the group's reports? "
            "I ask once, so your actions find you."
        )


@dataclass
class Resolution:
    """Who is asking, once per request: the person (with their rights), a question to put to them,
    claims to tell the secretariat, and what to tell the user about their link."""

    person: Person
    question: IdentityQuestion | None = None
    notices: list[ClaimNotice] = field(default_factory=list)
    told: str | None = None


@dataclass
class LinkOutcome:
    """What a link command did: the message for the person, a question to ask them, claims to tell."""

    message: str
    ok: bool = True
    question: IdentityQuestion | None = None
    notices: list[ClaimNotice] = field(default_factory=list)


def effective_kind(stored: str | None, admin: bool) -> str | None:
    """The link's kind as it stands: an admin id is configured whatever was stored; a link stored as
    configured whose id is no longer an admin's counts as a claim."""
    if admin:
        return CONFIGURED
    return CLAIMED if stored in (CONFIGURED, None) else stored


def member_event(
    member: Member | None,
    kind: str,
    clock: Clock,
    *,
    platform: str | None = None,
    user_id: str | None = None,
    link_kind: str | None = None,
    text: str | None = None,
    by: Person | None = None,
    source: str | None = None,
) -> MemberEvent:
    """One entry of the identity audit trail: what happened to whose link or rights, and who did it."""
    return MemberEvent(
        member_id=member.id if member else None,
        kind=kind,
        platform=platform,
        user_id=user_id,
        link_kind=link_kind,
        text=text,
        by=by.display if by else None,
        by_member_id=by.member_id if by else None,
        by_user=by.chat_user if by else None,
        source=source,
        at=clock.utcnow(),
    )


def _about(member: Member) -> str | None:
    return member.role or member.organisation


def _notice(member: Member, user: ChatUser, profile: Profile | None, kind: str = "claim") -> ClaimNotice:
    names = profile.names if profile else user.names
    return ClaimNotice(
        member_id=member.id,
        member_name=member.name,
        about=_about(member),
        platform=user.platform,
        user_id=user.user_id,
        profile_name=names[0] if names else None,
        profile_is_members=any(fold(n) == member.key for n in names),
        kind=kind,
    )


def _fresh(record, clock: Clock) -> bool:
    read_at = link_queries.profile_read_at(record) if record is not None else None
    if read_at is None:
        return False
    read_at = read_at if read_at.tzinfo else read_at.replace(tzinfo=UTC)
    return clock.utcnow() - read_at < PROFILE_MEMORY


def _same_email(a: str | None, b: str | None) -> bool:
    return bool(a and b) and a.strip().lower() == b.strip().lower()


async def _profile(lookup: ProfileLookup | None, user: ChatUser) -> Profile | None:
    if lookup is None:
        return Profile(user.names) if user.names else None
    try:
        found = await lookup()
    except Exception as exc:  # the platform's directory is best effort: the request is answered anyway
        log.warning("could not look up %s: %s", user.label, exc)
        return Profile(user.names) if user.names else None
    if found is None:
        return Profile(user.names) if user.names else None
    names = tuple(dict.fromkeys(n for n in (*user.names, *found.names) if n))
    return Profile(names, found.email)


# --- who is asking --------------------------------------------------------------------------------


async def resolve(db: Database, clock: Clock, user: ChatUser, lookup: ProfileLookup | None) -> Resolution:
    """The member a chat user is, with the rights their link gives; reads first, asks the platform
    only when it must (a user not yet linked, or a claim that an email could verify), and writes only
    what changed. A write the database is too busy to take waits for another request."""
    async with db.read() as session:
        member = await link_queries.member_by_user(session, user.platform, user.user_id)
        record = await link_queries.chat_user(session, user.platform, user.user_id)
        fresh = _fresh(record, clock)
        if member is not None and not _link_to_update(member, user, fresh):
            # The common case, a link as it stands: the person read in the same session.
            _, stored = link_queries.linked_user(member, user.platform)
            kind = effective_kind(stored, user.admin)
            return Resolution(await person_for_member(session, member, link=kind, admin=user.admin))
    if member is not None:
        _, stored = link_queries.linked_user(member, user.platform)
        kind = effective_kind(stored, user.admin)
        profile = None
        if kind == CLAIMED and not fresh and member.email:
            profile = await _profile(lookup, user)
            if profile is not None and _same_email(profile.email, member.email):
                kind = VERIFIED
        if kind != stored or profile is not None:
            await _best_effort(db, user, lambda s: _relink(s, clock, user, member.id, kind, stored, profile))
        async with db.read() as session:
            person = await person_for_member(session, member, link=kind, admin=user.admin)
        return Resolution(person, told=_verified_told(member) if kind == VERIFIED != stored else None)

    if fresh:
        names, email = link_queries.stored_profile(record)
        profile = Profile(tuple(dict.fromkeys((*user.names, *names))), email)
    else:
        profile = await _profile(lookup, user)
    asked_before = record is not None and (record.declined or record.asked_member_id is not None)
    try:
        outcome = await db.transaction(
            lambda session: _link_from_profile(session, clock, user, profile, fresh, asked_before)
        )
    except DatabaseBusy:
        # Only remembering the profile (or a question) can wait; a link is who they are, so a request
        # that would have made one fails plainly and changes nothing.
        async with db.read() as session:
            if await _would_link(session, user, profile):
                raise
        log.warning("could not record %s now (database busy); answering anyway", user.label)
        outcome = None
    linked, kind, question, notices, told = outcome or (None, None, None, [], None)
    async with db.read() as session:
        if linked is not None:
            person = await person_for_member(session, linked, link=kind, admin=user.admin)
        else:
            person = _unlinked(user, profile)
    return Resolution(person, question, notices, told)


def _unlinked(user: ChatUser, profile: Profile | None) -> Person:
    """A chat user linked to no member: their name, no owner rights (the secretariat's if an admin)."""
    names = profile.names if profile else user.names
    person = Person(name=names[0] if names else user.label, is_secretariat=user.admin, admin=user.admin)
    if user.platform == "slack":
        person.slack_user_id = user.user_id
    elif user.platform == "teams":
        person.teams_user_id = user.user_id
    return person


def _link_to_update(member: Member, user: ChatUser, fresh: bool) -> bool:
    """Whether `resolve` has a linked user's link to bring up to date (or an email to check first)."""
    _, stored = link_queries.linked_user(member, user.platform)
    kind = effective_kind(stored, user.admin)
    return kind != stored or (kind == CLAIMED and not fresh and bool(member.email))


def _verified_told(member: Member) -> str:
    return f"You are now linked to {member.name} by the email your account vouches for."


async def _best_effort(db: Database, user: ChatUser, work) -> None:
    try:
        await db.transaction(work)
    except DatabaseBusy:
        log.warning("could not record %s now (database busy); answering anyway", user.label)


async def _relink(session, clock, user: ChatUser, member_id: int, kind: str, stored, profile) -> None:
    """A linked user's link kind brought up to date (an admin id, a claim now verified), and what the
    platform said of them."""
    member = await member_queries.member_by_id(session, member_id)
    if member is None or link_queries.linked_user(member, user.platform)[0] != user.user_id:
        return
    if kind != stored:
        link_queries.set_link(member, user.platform, user.user_id, kind)
        member.updated_at = clock.utcnow()
        session.add(
            member_event(
                member,
                kind,
                clock,
                platform=user.platform,
                user_id=user.user_id,
                link_kind=kind,
                source=user.platform,
            )
        )
    if profile is not None:
        record = await _record(session, clock, user)
        link_queries.store_profile(record, profile.names, profile.email, clock.utcnow())


async def _record(session, clock: Clock, user: ChatUser):
    record = await link_queries.chat_user(session, user.platform, user.user_id)
    if record is None:
        record = link_queries.new_chat_user(user.platform, user.user_id, clock.utcnow())
        session.add(record)
    return record


async def _would_link(session, user: ChatUser, profile: Profile | None) -> bool:
    """Whether _link_from_profile would link this user (read only)."""
    if profile is None:
        return False
    if profile.email and await link_queries.member_by_email(session, profile.email) is not None:
        return True
    keys = {fold(n) for n in profile.names}
    exact = [i for i, key in (await load_index(session)).names.items() if key in keys]
    return len(exact) == 1


async def _link_from_profile(session, clock, user: ChatUser, profile: Profile | None, fresh, asked_before):
    """The write behind resolve for a user not yet linked: (member linked or None, its kind, a question
    or None, claims to tell, what to tell the user)."""
    record = await _record(session, clock, user)
    if profile is not None and not fresh:
        link_queries.store_profile(record, profile.names, profile.email, clock.utcnow())
    if profile is None:
        return None, None, None, [], None
    if profile.email:
        member = await link_queries.member_by_email(session, profile.email)
        if member is not None and await _takeable(session, clock, member, user, VERIFIED):
            await _link(session, clock, member, user, VERIFIED, record)
            return member, VERIFIED, None, [], _verified_told(member)
    index = await load_index(session)
    keys = [fold(n) for n in profile.names]
    exact = [i for i, key in index.names.items() if key in keys]
    if len(exact) == 1 and not record.declined:  # a claim the secretariat rejected is not made again
        member = await member_queries.member_by_id(session, exact[0])
        if member is not None and link_queries.linked_user(member, user.platform)[0] is None:
            kind = CONFIGURED if user.admin else CLAIMED
            await _link(session, clock, member, user, kind, record)
            if kind == CONFIGURED:
                return member, kind, None, [], None
            told = (
                f"I've taken you as {member.name}, as your {PLATFORM_NAMES[user.platform]} name says: "
                + claim_terms()
            )
            return member, kind, None, [_notice(member, user, profile)], told
    if asked_before or record.declined:
        return None, None, None, [], None
    for name, key in zip(profile.names, keys, strict=True):
        best = index.best(key)
        if best is None:
            continue
        member = await member_queries.member_by_id(session, best[0])
        if member is not None and link_queries.linked_user(member, user.platform)[0] is None:
            record.asked_member_id, record.asked_at = member.id, clock.utcnow()
            return None, None, IdentityQuestion(member.id, member.name, name, "profile"), [], None
    return None, None, None, [], None


def claim_terms() -> str:
    return (
        "the secretariat is told and confirms who people are. Until then you can ask me anything and "
        "change the actions that name you."
    )


async def _takeable(session, clock, member: Member, user: ChatUser, kind: str) -> bool:
    """Whether `member` may be linked to this user with a link of `kind`: free on this platform,
    linked to this user already, or only claimed by someone else (a verified or configured link takes
    the member from a claimant, whose claim ends, recorded)."""
    holder, held_kind = link_queries.linked_user(member, user.platform)
    if holder is None or holder == user.user_id:
        return True
    if held_kind == CLAIMED and kind in (VERIFIED, CONFIGURED, CONFIRMED):
        await _unlink_user(
            session,
            clock,
            member,
            user.platform,
            holder,
            "unlinked",
            text=f"their claim gave way to a {kind} link for {user.label}",
        )
        return True
    return False


async def _link(
    session, clock, member: Member, user: ChatUser, kind: str, record=None, *, by=None, source=None
) -> None:
    """Link this user to `member` with a link of `kind`, ending any link the user had to another."""
    previous = await link_queries.member_by_user(session, user.platform, user.user_id)
    if previous is not None and previous.id != member.id:
        await _unlink_user(
            session,
            clock,
            previous,
            user.platform,
            user.user_id,
            "unlinked",
            text=f"{user.label} linked to {member.name} instead",
            by=by,
        )
    link_queries.set_link(member, user.platform, user.user_id, kind)
    member.updated_at = clock.utcnow()
    record = record or await _record(session, clock, user)
    record.member_id = member.id
    await session.flush()
    event = member_event(
        member,
        kind,
        clock,
        platform=user.platform,
        user_id=user.user_id,
        link_kind=kind,
        by=by,
        source=source or user.platform,
    )
    if by is None:  # made from what the platform says of the user (their profile's name or email)
        event.by_user = f"{user.platform}:{user.user_id}"
    session.add(event)


async def _unlink_user(
    session, clock, member: Member, platform: str, user_id: str, kind: str, *, text=None, by=None, source=None
) -> None:
    link_queries.set_link(member, platform, None, None)
    member.updated_at = clock.utcnow()
    record = await link_queries.chat_user(session, platform, user_id)
    if record is not None and record.member_id == member.id:
        record.member_id = None
    await session.flush()
    session.add(
        member_event(
            member,
            kind,
            clock,
            platform=platform,
            user_id=user_id,
            text=text,
            by=by,
            source=source or platform,
        )
    )


# --- what people say about themselves ------------------------------------------------------------


async def claim(
    db: Database, clock: Clock, user: ChatUser, name: str, lookup: ProfileLookup | None, *, by: Person
) -> LinkOutcome:
    """`iam NAME`: a claim to be the member of exactly that name (verified if the platform's email is
    theirs, configured for an admin id); a near miss asks "Did you mean ...?"; `iam nobody` unlinks."""
    name = " ".join(name.split())
    if not name:
        return LinkOutcome("Tell me who you are: iam FIRST LAST", ok=False)
    if fold(name) in NOBODY:
        return await unlink_self(db, clock, user, by=by)
    async with db.read() as session:
        member, guessed = await match_member(session, name)
        exactly = member is not None and not guessed and await _names_exactly(session, member, name)
    if member is None:
        return LinkOutcome(
            f"I don't know {name} as a member. The secretariat can add you (tmag-bot member add).", ok=False
        )
    if not exactly:
        question = IdentityQuestion(member.id, member.name, name, "iam")

        async def ask(session) -> None:
            record = await _record(session, clock, user)
            record.asked_member_id, record.asked_at = member.id, clock.utcnow()

        await db.transaction(ask)
        return LinkOutcome(question.text(user.platform), question=question)
    return await _claim_member(
        db, clock, user, member.id, await _known_profile(db, clock, user, lookup), by=by
    )


async def _known_profile(db: Database, clock: Clock, user: ChatUser, lookup: ProfileLookup | None):
    """What the platform said of this user lately (as stored), else asked now."""
    async with db.read() as session:
        record = await link_queries.chat_user(session, user.platform, user.user_id)
    if _fresh(record, clock):
        names, email = link_queries.stored_profile(record)
        return Profile(tuple(dict.fromkeys((*user.names, *names))), email)
    return await _profile(lookup, user)


async def _names_exactly(session, member: Member, name: str) -> bool:
    """Whether `name` is exactly this member's name or one of their aliases (not initials, not close)."""
    key = fold(name.replace(".", " ").replace("_", " "))
    if key == member.key or fold(name) == member.key:
        return True
    alias = await member_queries.alias_by_key(session, key) or await member_queries.alias_by_key(
        session, fold(name)
    )
    return alias is not None and alias.member_id == member.id


async def _claim_member(
    db: Database, clock: Clock, user: ChatUser, member_id: int, profile: Profile | None, *, by: Person
) -> LinkOutcome:
    """Link this user to the member: configured for an admin id, verified when the platform's email is
    the member's, else a claim the secretariat is told of."""

    async def apply(session) -> LinkOutcome:
        member = await member_queries.member_by_id(session, member_id)
        if member is None:
            return LinkOutcome("That member is no longer in the record.", ok=False)
        holder, held_kind = link_queries.linked_user(member, user.platform)
        if holder == user.user_id and effective_kind(held_kind, user.admin) in TRUSTED:
            return LinkOutcome(f"You are already linked to {member.name} ({KIND_WORDS[held_kind]}).")
        if user.admin:
            kind = CONFIGURED
        elif profile is not None and _same_email(profile.email, member.email):
            kind = VERIFIED
        else:
            kind = CLAIMED
        if not await _takeable(session, clock, member, user, kind):
            return LinkOutcome(
                f"{member.name} is linked to another {PLATFORM_NAMES[user.platform]} user; ask the "
                "secretariat if that is wrong.",
                ok=False,
            )
        if holder == user.user_id and held_kind == kind:
            return LinkOutcome(f"You are already linked to {member.name} ({KIND_WORDS[kind]}).")
        await _link(session, clock, member, user, kind, by=by)
        if kind == CLAIMED:
            return LinkOutcome(
                f"Thanks — I've noted that you are {member.name}; " + claim_terms(),
                notices=[_notice(member, user, profile)],
            )
        return LinkOutcome(f"Thanks — you are {member.name} ({KIND_WORDS[kind]}).")

    return await db.transaction(apply)


async def answer_question(
    db: Database,
    clock: Clock,
    user: ChatUser,
    member_id: int,
    yes: bool,
    lookup: ProfileLookup | None,
    *,
    by: Person,
    command: str,
) -> LinkOutcome:
    """Yes or No to "Are you Kate Goodman?" / "Did you mean ...?": Yes claims the member (as `iam`
    does), No is remembered (a profile question is never asked again). `command` is how this platform
    says iam ("/tmag iam", "iam")."""
    async with db.read() as session:
        record = await link_queries.chat_user(session, user.platform, user.user_id)
    if record is None or record.asked_member_id != member_id:
        return LinkOutcome("That question has expired.", ok=False)
    if not yes:

        async def decline(session) -> None:
            found = await link_queries.chat_user(session, user.platform, user.user_id)
            if found is not None:
                found.declined = True

        await db.transaction(decline)
        return LinkOutcome(
            f"All right: nothing is linked. Tell me who you are with {command} FIRST LAST whenever you like."
        )
    return await _claim_member(
        db, clock, user, member_id, await _known_profile(db, clock, user, lookup), by=by
    )


async def unlink_self(db: Database, clock: Clock, user: ChatUser, *, by: Person) -> LinkOutcome:
    """`iam nobody`: this user is no longer linked to any member."""

    async def apply(session) -> LinkOutcome:
        member = await link_queries.member_by_user(session, user.platform, user.user_id)
        if member is None:
            return LinkOutcome("You are not linked to any member.")
        await _unlink_user(
            session,
            clock,
            member,
            user.platform,
            user.user_id,
            "unlinked",
            text="unlinked by the user",
            by=by,
        )
        return LinkOutcome(f"Done: you are no longer linked to {member.name}.")

    return await db.transaction(apply)


def whoami(person: Person, platform: str) -> str:
    """ "You are Kate Goodman (PMO), linked ... ; what that lets you do."""
    where = PLATFORM_NAMES.get(platform, platform)
    if person.member is None:
        text = "You are not linked to a member of the group's reports. Say who you are: iam FIRST LAST."
        if person.admin:
            text += " Your id is an admin's in the bot's settings: you have the secretariat's rights."
        return text
    about = _about(person.member)
    text = f"You are {person.member.name}" + (f" ({about})" if about else "")
    text += f", linked to this {where} user {KIND_WORDS.get(person.link or '', 'somehow')}."
    if person.is_secretariat:
        text += " You have the secretariat's rights: you can change any action."
    elif person.link == CLAIMED:
        text += " You can ask anything and change the actions that name you."
    else:
        text += " You can ask anything and change the actions you own."
    return text


# --- the secretariat's decisions ------------------------------------------------------------------


async def review_claim(
    db: Database,
    clock: Clock,
    reviewer: Person,
    member_id: int,
    platform: str,
    user_id: str,
    confirm: bool,
    *,
    source: str,
) -> LinkOutcome:
    """The secretariat confirms a claim (the link gains the member's rights) or rejects it (the user is
    unlinked). Both are audit events; a claim already decided, or since changed, is left as it is."""
    refused = secretariat_only(reviewer, "confirm who people are")
    if refused:
        return LinkOutcome(refused, ok=False)
    label = f"{PLATFORM_NAMES.get(platform, platform)} user {user_id}"

    async def apply(session) -> LinkOutcome:
        member = await member_queries.member_by_id(session, member_id)
        holder, kind = link_queries.linked_user(member, platform) if member else (None, None)
        if member is None or holder != user_id:
            return LinkOutcome(f"Nothing to decide: {label} is no longer linked to that member.", ok=False)
        if kind != CLAIMED:
            return LinkOutcome(f"Already decided: {label} is {member.name} ({kind}).", ok=False)
        if confirm:
            link_queries.set_link(member, platform, user_id, CONFIRMED)
            member.updated_at = clock.utcnow()
            session.add(
                member_event(
                    member,
                    "confirmed",
                    clock,
                    platform=platform,
                    user_id=user_id,
                    link_kind=CONFIRMED,
                    by=reviewer,
                    source=source,
                )
            )
            return LinkOutcome(f"Confirmed: {label} is {member.name}.")
        await _unlink_user(
            session,
            clock,
            member,
            platform,
            user_id,
            "rejected",
            by=reviewer,
            text="the secretariat rejected the claim",
            source=source,
        )
        record = await link_queries.chat_user(session, platform, user_id)
        if record is not None:
            record.declined = True  # never asked about a profile name again
        return LinkOutcome(f"Rejected: {label} is no longer linked to {member.name}.")

    return await db.transaction(apply)


async def confirm_link(
    db: Database, clock: Clock, name: str, platform: str, user_id: str, *, by: Person, source: str = "cli"
) -> LinkOutcome:
    """The operator links a chat user to the member of that name, confirmed (`member confirm`, `member
    add --slack-id`): any other member the user was linked to, or claimant of this member, is unlinked."""
    user_id = user_id.strip().lower() if platform == "teams" else user_id.strip()
    if not re.fullmatch(r"[A-Za-z0-9:._@-]{2,128}", user_id):
        return LinkOutcome(f"“{user_id}” is not a {PLATFORM_NAMES[platform]} user id.", ok=False)

    async def apply(session) -> LinkOutcome:
        member, guessed = await match_member(session, name)
        if member is None or guessed:
            close = f" Did you mean {member.name}?" if member is not None else ""
            return LinkOutcome(f"No member is called {name}.{close}", ok=False)
        user = ChatUser(platform, user_id)
        holder, kind = link_queries.linked_user(member, platform)
        if holder is not None and holder != user_id:
            await _unlink_user(
                session,
                clock,
                member,
                platform,
                holder,
                "unlinked",
                by=by,
                source=source,
                text=f"replaced by {user.label}, confirmed",
            )
        if holder == user_id and kind == CONFIRMED:
            return LinkOutcome(f"{member.name} is already linked to {user.label} (confirmed).")
        if holder == user_id:
            link_queries.set_link(member, platform, user_id, CONFIRMED)
            member.updated_at = clock.utcnow()
            session.add(
                member_event(
                    member,
                    "confirmed",
                    clock,
                    platform=platform,
                    user_id=user_id,
                    link_kind=CONFIRMED,
                    by=by,
                    source=source,
                )
            )
        else:
            await _link(session, clock, member, user, CONFIRMED, by=by, source=source)
        return LinkOutcome(f"{member.name} is linked to {user.label}, confirmed.")

    return await db.transaction(apply)


async def unlink_member(
    db: Database, clock: Clock, name: str, platform: str | None, *, by: Person, source: str = "cli"
) -> LinkOutcome:
    """The operator removes a member's links (on one platform, or all)."""

    async def apply(session) -> LinkOutcome:
        member, guessed = await match_member(session, name)
        if member is None or guessed:
            close = f" Did you mean {member.name}?" if member is not None else ""
            return LinkOutcome(f"No member is called {name}.{close}", ok=False)
        removed = []
        for each in [platform] if platform else list(PLATFORM_NAMES):
            holder, _ = link_queries.linked_user(member, each)
            if holder is not None:
                await _unlink_user(
                    session,
                    clock,
                    member,
                    each,
                    holder,
                    "unlinked",
                    by=by,
                    source=source,
                    text="unlinked by the operator",
                )
                removed.append(f"{PLATFORM_NAMES[each]} user {holder}")
        if not removed:
            return LinkOutcome(f"{member.name} is not linked to any chat user.")
        return LinkOutcome(f"{member.name} is no longer linked to {' and '.join(removed)}.")

    return await db.transaction(apply)


@dataclass(frozen=True)
class LinkRow:
    member: str
    platform: str
    user_id: str
    kind: str
    rights: str  # secretariat | member


async def list_links(db: Database, *, pending: bool = False) -> list[LinkRow]:
    """Every link (or the claims waiting for the secretariat), by member."""
    async with db.read() as session:
        members = await link_queries.linked_members(session, pending=pending)
    rows = []
    for member in members:
        for platform in PLATFORM_NAMES:
            user_id, kind = link_queries.linked_user(member, platform)
            if user_id is None or (pending and kind != CLAIMED):
                continue
            kind = kind or CLAIMED
            secretariat = (member.is_secretariat or member.is_chair) and kind in TRUSTED
            rows.append(
                LinkRow(member.name, platform, user_id, kind, "secretariat" if secretariat else "member")
            )
    return rows
