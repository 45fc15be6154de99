"""Members: who they are, how reports and people name them, and which owner names mean them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.calendar.clock import Clock
from bot.people.matching import MemberIndex, person_score
from bot.people.vocab import constituency_key, organisation_key, organisation_name, role_keys
from bot.record.text import fold
from storage.models import MEMBER_FIELDS, Member, MemberEvent, OwnerName
from storage.queries import actions as action_queries
from storage.queries import groups as group_queries
from storage.queries import links as link_queries
from storage.queries import members as member_queries


class MemberError(ValueError):
    """A member change that cannot be made; the message says why."""


def flags_for(role: str | None, section: str | None = None) -> tuple[bool, bool]:
    """(secretariat, chair) rights that a role gives. The PMO is the groups' secretariat."""
    keys = role_keys(role)
    secretariat = bool(keys & {"secretariat", "pmo"})
    chair = "chair" in keys or fold(section) in {"chair", "chairs", "chairperson"}
    return secretariat, chair


async def load_index(session: AsyncSession) -> MemberIndex:
    index = MemberIndex()
    aliases: dict[int, list[str]] = {}
    for alias in await member_queries.all_aliases(session):
        aliases.setdefault(alias.member_id, []).append(alias.alias)
    for member in await member_queries.all_members(session):
        index.add(member.id, member.key, member.initials, aliases.get(member.id, []))
    return index


async def find_member(session: AsyncSession, text: str, index: MemberIndex | None = None) -> Member | None:
    """The member someone means by a name, alias (kate.goodman), initials (KG) or Slack id (U123)."""
    return (await match_member(session, text, index))[0]


async def match_member(
    session: AsyncSession, text: str, index: MemberIndex | None = None
) -> tuple[Member | None, bool]:
    """(the member meant, whether that was a guess): a Slack id, alias, exact name or unique initials are
    certain; a name only close to a member's (a typo, a missing letter) is a guess, to be flagged."""
    text = (text or "").strip().lstrip("@")
    if not text:
        return None, False
    if re.fullmatch(r"[UW][A-Z0-9]{6,}", text):
        found = await member_queries.member_by_slack_id(session, text)
        if found:
            return found, False
    index = index or await load_index(session)
    key = fold(text.replace(".", " ").replace("_", " "))
    alias = index.aliases.get(fold(text)) or index.aliases.get(key)
    if alias:
        return await member_queries.member_by_id(session, alias), False
    exact = [member_id for member_id, name in index.names.items() if name == key]
    if len(exact) == 1:
        return await member_queries.member_by_id(session, exact[0]), False
    if re.fullmatch(r"[A-Za-z]{2,5}", text) and text.lower() in index.initials:
        ids = index.initials[text.lower()]
        if len(ids) == 1:
            return await member_queries.member_by_id(session, ids[0]), False
    best = index.best(key)
    if best:
        return await member_queries.member_by_id(session, best[0]), True
    return None, False


@dataclass
class MemberChange:
    member: Member
    created: bool


def new_member(
    name: str,
    *,
    initials: str | None = None,
    role: str | None = None,
    organisation: str | None = None,
    constituency: str | None = None,
    section: str | None = None,
    now: datetime,
) -> dict:
    """A member's columns as a report first names them (the constituency read from a rep's role)."""
    secretariat, chair = flags_for(role, section)
    if constituency is None and role:
        constituency = (
            constituency_key(re.sub(r"\(.*?\)", "", role))
            if re.search(r"\b(rep|representative|constituency)\b", role, re.I)
            else None
        )
    return {
        "name": name,
        "key": fold(name),
        "initials": initials,
        "role": role,
        "organisation": organisation,
        "constituency": constituency,
        "is_secretariat": secretariat,
        "is_chair": chair,
        "created_at": now,
        "updated_at": now,
    }


def member_changes(
    current: dict,
    *,
    initials: str | None = None,
    role: str | None = None,
    organisation: str | None = None,
    constituency: str | None = None,
    section: str | None = None,
    overwrite: bool = False,
) -> dict:
    """What a report says of a known member that their record lacks (or, with `overwrite`, a newer
    report's role and organisation): the changed columns only."""
    changes: dict = {}
    for field_name, value in (
        ("initials", initials),
        ("role", role),
        ("organisation", organisation),
        ("constituency", constituency),
    ):
        replaceable = current.get(field_name) is None or (overwrite and field_name != "initials")
        if value and replaceable and current.get(field_name) != value:
            changes[field_name] = value
    secretariat, chair = flags_for(role, section)
    if secretariat and not current.get("is_secretariat"):
        changes["is_secretariat"] = True
    if chair and not current.get("is_chair"):
        changes["is_chair"] = True
    return changes


async def upsert_member(
    session: AsyncSession,
    index: MemberIndex,
    clock: Clock,
    *,
    name: str,
    initials: str | None = None,
    role: str | None = None,
    organisation: str | None = None,
    constituency: str | None = None,
    section: str | None = None,
    overwrite: bool = False,
) -> MemberChange:
    """The member with this name (typos forgiven), created or filled in; `overwrite` lets a newer
    report replace their role and organisation rather than only fill blanks."""
    key = fold(name)
    found = index.best(key)
    now = clock.utcnow()
    details = {
        "initials": initials,
        "role": role,
        "organisation": organisation,
        "constituency": constituency,
        "section": section,
    }
    if found is None:
        member = Member(**new_member(name, **details, now=now))
        session.add(member)
        await session.flush()
        index.add(member.id, key, initials)
        return MemberChange(member, created=True)
    member = await member_queries.member_by_id(session, found[0])
    current = {name_: getattr(member, name_) for name_ in MEMBER_FIELDS}
    changes = member_changes(current, **details, overwrite=overwrite)
    if initials and initials.lower() not in index.initials:
        index.initials.setdefault(initials.lower(), []).append(member.id)
    for field_name, value in changes.items():
        setattr(member, field_name, value)
    if changes:
        member.updated_at = now
    return MemberChange(member, created=False)


def owner_name_matches(
    index: MemberIndex, names: dict[int, tuple[str, int | None, float | None]], changed_member_keys=()
) -> list[int]:
    """Which owner names (id -> (key, member id, score)) to look at again: every one given, when no
    member changed; else those that might mean a member just added or renamed, and all initials."""
    if not changed_member_keys:
        return list(names)
    keys = {name_id: key for name_id, (key, _, _) in names.items() if not key.startswith("initials:")}
    todo = {name_id for name_id, (key, _, _) in names.items() if key.startswith("initials:")}
    for member_key in changed_member_keys:
        todo.update(index.similar_names(member_key, keys))
    return list(todo)


def resolved(index: MemberIndex, key: str, member_id: int | None, score: float | None):
    """(member id, score) an owner name now resolves to, or None if that is what it already says."""
    best = index.best(key)
    found = best if best else (None, None)
    return None if (member_id, score) == found else found


async def resolve_owner_names(
    session: AsyncSession,
    index: MemberIndex,
    *,
    names: list[OwnerName] = (),
    changed_member_keys: list[str] = (),
) -> int:
    """Point owner names at the member they mean: the given names, and every name that might mean a
    member who was just added or renamed. Returns how many changed."""
    todo: dict[int, OwnerName] = {name.id: name for name in names}
    if changed_member_keys:
        every = {name.id: name for name in await action_queries.all_owner_names(session)}
        found = {i: (n.key, n.member_id, n.match_score) for i, n in every.items()}
        for name_id in owner_name_matches(index, found, changed_member_keys):
            todo.setdefault(name_id, every[name_id])
    changed = 0
    for name in todo.values():
        now = resolved(index, name.key, name.member_id, name.match_score)
        if now is not None:
            name.member_id, name.match_score = now
            changed += 1
    return changed


async def add_member(
    session: AsyncSession,
    clock: Clock,
    *,
    name: str,
    initials: str | None = None,
    role: str | None = None,
    organisation: str | None = None,
    email: str | None = None,
    aliases: list[str] = (),
    slack_user_id: str | None = None,
    teams_user_id: str | None = None,
    groups: list[str] = (),
    secretariat: bool | None = None,
    chair: bool | None = None,
    by: str = "cli",
) -> MemberChange:
    """Add a member (or complete one already known by that name), then point owner names at them. Run
    by the operator: a Slack or Teams id given is a confirmed link; rights granted or revoked and links
    made are audit events recorded as `by`."""
    name = " ".join(name.split())
    if len(fold(name).split()) < 2:
        raise MemberError(f"“{name}” needs a first name and a surname")
    email_given = email is not None
    email = check_email(email) if email_given else None
    index = await load_index(session)
    teams_user_id = teams_user_id.strip().lower() if teams_user_id else None
    for platform, user_id in (("slack", slack_user_id), ("teams", teams_user_id)):
        if user_id:
            holder = await member_queries.member_by_user(session, platform, user_id)
            if (
                holder is not None
                and holder.key != fold(name)
                and index.best(fold(name)) != (holder.id, 100.0)
            ):
                raise MemberError(f"the {platform.title()} user {user_id} is already linked to {holder.name}")
    if email:
        holder = await link_queries.member_by_email(session, email)
        if holder is not None and holder.key != fold(name) and index.best(fold(name)) != (holder.id, 100.0):
            raise MemberError(f"{email} is already the email of {holder.name}")
    change = await upsert_member(
        session,
        index,
        clock,
        name=name,
        initials=initials,
        role=role,
        organisation=display_org(organisation),
        overwrite=True,
    )
    member = change.member
    events: list[MemberEvent] = []

    def event(kind: str, **fields) -> None:
        events.append(MemberEvent(kind=kind, by=by, source="cli", at=clock.utcnow(), **fields))

    for platform, user_id in (("slack", slack_user_id), ("teams", teams_user_id)):
        if user_id and link_queries.linked_user(member, platform) != (user_id, "confirmed"):
            link_queries.set_link(member, platform, user_id, "confirmed")
            event("confirmed", platform=platform, user_id=user_id, link_kind="confirmed")
    if email_given:
        # Given again (a new address, or the old one put right): tried afresh at the next message.
        member.email_failing, member.email_failing_at = None, None
        member.email = email
    was = (bool(member.is_secretariat), bool(member.is_chair))
    if secretariat is not None:
        member.is_secretariat = secretariat
    if chair is not None:
        member.is_chair = chair
    if change.created:
        was = (False, False)
    now = (bool(member.is_secretariat), bool(member.is_chair))
    for before, after, what in zip(was, now, RIGHTS, strict=True):
        if before != after:
            event("granted" if after else "revoked", text=what)
    alias_keys = []
    for alias in aliases:
        key = fold(alias.replace(".", " ").replace("_", " "))
        if key:
            try:
                await member_queries.add_alias(session, member.id, alias, key)
            except ValueError as exc:
                raise MemberError(str(exc)) from None
            index.aliases[key] = member.id
            alias_keys.append(key)
    for code in groups:
        group = await group_queries.ensure_group(session, code)
        await member_queries.add_to_group(session, member.id, group.id)
    member.updated_at = clock.utcnow()
    await session.flush()
    for found in events:
        found.member_id = member.id
        session.add(found)
    await resolve_owner_names(session, index, changed_member_keys=[member.key, *alias_keys])
    return change


RIGHTS = ("secretariat", "chair")
EMAIL = re.compile(r"[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"'.]+")


def check_email(text: str) -> str | None:
    """An email address as stored: trimmed and lower-case; '' or none clears it; anything else that is
    not an address is refused."""
    value = (text or "").strip().lower()
    if value in ("", "none", "-"):
        return None
    if len(value) > 254 or not EMAIL.fullmatch(value):
        raise MemberError(f"“{text}” is not an email address")
    return value


def display_org(text: str | None) -> str | None:
    key = organisation_key(text)
    return organisation_name(key) if key else text


__all__ = [
    "MemberChange",
    "MemberError",
    "display_org",
    "find_member",
    "flags_for",
    "load_index",
    "match_member",
    "person_score",
    "resolve_owner_names",
    "upsert_member",
]
