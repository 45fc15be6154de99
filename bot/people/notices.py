"""Telling the secretariat of every claim, with Confirm and Reject; of a report shared by someone
outside the secretariat, unread, with Preview, Import and Decline; and of an owner who says an action
is not theirs (from the page an email links to), for them to put right.

Where: the secretariat's channel of the claimed member's groups when one is set (`group set G
--secretariat-channel`, or `secretariat here` in a channel); else a direct message to each configured
admin (Slack DM, Teams personal chat); with neither, one log line, and the claim waits in `tmag-bot
member links --pending`. Each platform served brings a teller that knows how to post there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from storage.db import Database
from storage.queries import groups as group_queries
from storage.queries import members as member_queries

log = logging.getLogger("tmag-bot")
PLATFORM_NAMES = {"slack": "Slack", "teams": "Teams"}


@dataclass(frozen=True)
class ClaimNotice:
    """A chat user says they are a member: what the secretariat is shown, to confirm or reject."""

    member_id: int
    member_name: str
    about: str | None  # the member's role or organisation, to say which member
    platform: str
    user_id: str
    profile_name: str | None
    profile_is_members: bool  # the user's profile name is the member's own
    kind: str = "claim"

    @property
    def user_label(self) -> str:
        return f"{PLATFORM_NAMES.get(self.platform, self.platform)} user {self.user_id}"

    def text(self) -> str:
        """ "Slack user U0MAL (profile name not a member's) says they are Daniaal Choudhury (MHH PMO RAID
        manager)", and what it allows until confirmed."""
        if self.profile_is_members:
            profile = "profile name matches"
        elif self.profile_name:
            profile = "profile name not a member's"
        else:
            profile = "no profile name"
        about = f" ({self.about})" if self.about else ""
        text = f"{self.user_label} ({profile}) says they are {self.member_name}{about}."
        if self.profile_name and not self.profile_is_members:
            text += f"\nTheir profile name: {self.profile_name}."
        return (
            text + "\nUntil you confirm it they have no secretariat rights, and can change only the actions "
            "that name them, their constituency's and their whole group's. Confirm, or Reject to unlink them."
        )


@dataclass(frozen=True)
class UploadNotice:
    """A report shared by someone outside the secretariat, held unread: what the secretariat is shown,
    to preview, import or decline."""

    upload_id: int
    file_name: str
    size: int
    platform: str
    user_id: str
    member_id: int | None  # who the sharer is linked as, if anyone
    member_name: str | None
    in_channel: bool
    kind: str = "upload"

    @property
    def user_label(self) -> str:
        return f"{PLATFORM_NAMES.get(self.platform, self.platform)} user {self.user_id}"

    def text(self) -> str:
        """ "Sam Hatton (Slack user U0SAM) shared TMAG 22 report.docx (120 KB) in a channel." and why
        it has not been read."""
        who = f"{self.member_name} ({self.user_label})" if self.member_name else self.user_label
        where = "in a channel" if self.in_channel else "with me directly"
        if self.size < 1024:
            size = f"{self.size} bytes"
        elif self.size < 1024 * 1024:
            size = f"{self.size / 1024:.0f} KB"
        else:
            size = f"{self.size / 1048576:.1f} MB"
        return (
            f"{who} shared {self.file_name} ({size}) {where}. I have not read it: reports shared by anyone "
            "outside the secretariat are read only when you ask. Preview it, Import it, or Decline."
        )


@dataclass(frozen=True)
class NotMineNotice:
    """A member says an action named as theirs is not: what the secretariat is told (nothing to press:
    the owner is theirs to correct, in the next report or the action log)."""

    member_id: int
    member_name: str
    ref: str
    action_text: str
    note: str | None
    platform: str = "email"
    kind: str = "not_mine"

    @property
    def user_label(self) -> str:
        return self.member_name

    def text(self) -> str:
        said = f" They say: “{self.note}”" if self.note else ""
        return (
            f"{self.member_name} says {self.ref} is not theirs ({self.action_text[:200]}).{said}\n"
            "It is still open and still names them: correct its owner in the next report or the action "
            "log (tmag-bot import), or tell them who owns it."
        )


Notice = ClaimNotice | UploadNotice | NotMineNotice


class SecretariatTeller(Protocol):
    """How one platform tells the secretariat: in a channel, or each configured admin directly."""

    platform: str

    async def post(self, channel: str, notice: Notice) -> bool: ...

    async def tell_admins(self, notice: Notice) -> int: ...


async def secretariat_channels(db: Database, member_id: int | None) -> dict[str, list[str]]:
    """The secretariat's channels (by platform) for a member: those of their groups, else (or for no
    member) of every group."""
    async with db.read() as session:
        groups = await group_queries.all_groups(session)
        theirs = await member_queries.group_ids_of(session, member_id) if member_id is not None else set()
    chosen = [g for g in groups if g.id in theirs] or groups
    found: dict[str, list[str]] = {"slack": [], "teams": []}
    for group in chosen:
        if group.secretariat_channel and group.secretariat_channel not in found["slack"]:
            found["slack"].append(group.secretariat_channel)
        if group.secretariat_teams_channel and group.secretariat_teams_channel not in found["teams"]:
            found["teams"].append(group.secretariat_teams_channel)
    return found


async def tell_secretariat(db: Database, notices: list[Notice], tellers: list[SecretariatTeller]) -> int:
    """Tell the secretariat of each claim (report shared, action disowned), where they are; how many
    messages went. A teller that fails is logged and the others still tell."""
    sent = 0
    for notice in notices:
        told = 0
        channels = await secretariat_channels(db, notice.member_id)
        for teller in tellers:
            for channel in channels.get(teller.platform, []):
                told += await _safely(teller.post(channel, notice), teller)
        if not told:
            for teller in tellers:
                told += await _safely(teller.tell_admins(notice), teller)
        if not told and isinstance(notice, UploadNotice):
            log.warning(
                "no secretariat channel or admin to tell of %s shared by %s: declined",
                notice.file_name,
                notice.user_label,
            )
        elif not told and isinstance(notice, NotMineNotice):
            log.warning(
                "no secretariat channel or admin to tell: %s says %s is not theirs (recorded in its history)",
                notice.member_name,
                notice.ref,
            )
        elif not told:
            log.warning(
                "claim waiting for the secretariat (no secretariat channel or admin to tell): %s says they "
                "are %s; see tmag-bot member links --pending",
                notice.user_label,
                notice.member_name,
            )
        sent += told
    return sent


async def _safely(telling, teller) -> int:
    try:
        return int(await telling)
    except Exception as exc:  # telling is best effort: the claim waits in `member links --pending`
        log.warning("could not tell the secretariat on %s: %s", teller.platform, exc)
        return 0
