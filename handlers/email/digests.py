"""Digests and due-date reminders by email: the group's list address gets the whole digest (as the
channel and its thread say it), and each owner who is not reached in chat, or who chose email, their
own items (bot/digests/reach.py), each linked to its page.

An email cannot be looked up once the server has taken it, so the runner (bot/digests/runner.py) has
this poster choose each message's Message-ID when its part is first claimed (`stamp`) and sends a part
at most twice, the second time only after a crash that may have come between the server's acceptance
and the record, with the same Message-ID. A 4xx is tried again with backoff; a 5xx for an owner's
address marks it failing and the run goes on without them.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import make_msgid

from bot.digests import reach
from bot.digests.compose import Digest
from bot.digests.due import DueReminder
from bot.digests.runner import Part, PostError
from bot.digests.timing import DIGEST, DUE
from bot.people.email_links import EmailLinks
from handlers.email import smtp
from handlers.email.messages import Composer
from storage.db import Database
from storage.models import Group, Member
from storage.queries import members as member_queries

log = logging.getLogger("tmag-bot.email")


class EmailDigestPoster:
    platform = "email"
    pace = 0.0  # the mail server queues; no rate to keep to here

    def __init__(
        self,
        server: smtp.SmtpServer,
        composer: Composer,
        db: Database,
        clock,
        chat_platforms: list[str],
        *,
        send=smtp.send,
    ) -> None:
        self.server = server
        self.composer = composer
        self.db = db
        self.clock = clock
        self.chat_platforms = list(chat_platforms)  # served beside email: owners reached there get none
        self._send = send
        self.domain = smtp.sender_address(composer.settings.email_from).rpartition("@")[2]

    def channel_of(self, group: Group) -> str | None:
        return group.digest_email

    def address_of(self, member: Member) -> str | None:
        return reach.email_address(member, self.chat_platforms)

    def stamp(self, part: Part) -> str:
        """The Message-ID this part's email carries, however many times it is sent."""
        return self.stamp_for(part.key)

    def stamp_for(self, what: str) -> str:
        return make_msgid(idstring=what.replace(":", "."), domain=self.domain)

    def parts(self, digest: Digest | DueReminder, slot: str, channel: str | None, direct: list) -> list[Part]:
        if slot == DUE:
            return [
                Part(f"email:dm:{member_id}", "direct", address, (DUE, digest, member_id, owned))
                for address, member_id, owned in direct
            ]
        if slot != DIGEST:
            return []  # the short reminder on the day is for chat
        parts = [Part("email:group", "channel", channel, (DIGEST, digest, None, None))] if channel else []
        parts += [
            Part(f"email:dm:{member_id}", "direct", address, (DIGEST, digest, member_id, owned))
            for address, member_id, owned in direct
        ]
        return parts

    async def _message(self, part: Part) -> EmailMessage:
        """The part's email, made when it is sent (so its links are fresh), as the member is now."""
        slot, content, member_id, owned = part.payload
        if member_id is None:
            return self.composer.group_digest(content, part.address)
        async with self.db.read() as session:
            member = await member_queries.member_by_id(session, member_id)
        if member is None or member.email != part.address:
            raise PostError(f"member {member_id} no longer has the address {part.address}", unreachable=True)
        if slot == DUE:
            return self.composer.due_reminder(content, member, owned)
        return self.composer.owner_digest(content, member, owned)

    async def send(self, part: Part, thread: str | None, tag: str) -> str:
        message = await self._message(part)
        message["Message-ID"] = part.stamp or self.stamp(part)
        member_id = part.payload[2]
        try:
            await self._send(self.server, message)
        except smtp.SendError as exc:
            if exc.recipient_refused and member_id is not None:
                await reach.record_refusal(self.db, self.clock, member_id, part.address, str(exc))
            raise PostError(
                str(exc),
                maybe_posted=exc.maybe_sent,
                unreachable=exc.recipient_refused and part.kind == "direct",
            ) from None
        if member_id is not None:
            await reach.record_refusal(self.db, self.clock, member_id, part.address, None)
        return message["Message-ID"]

    async def find(self, part: Part, thread: str | None, tag: str) -> str | None:
        return None  # SMTP cannot be asked what it was given; see the module's note


def email_poster(services, db: Database, chat_platforms: list[str]) -> EmailDigestPoster:
    """The email poster of this process, from the settings (SMTP_URL and the rest set)."""
    settings = services.settings
    links = EmailLinks(settings.email_link_key, services.clock, settings.email_link_days)
    server = smtp.SmtpServer.from_url(settings.smtp_url)
    return EmailDigestPoster(
        server, Composer(settings, links, services.clock), db, services.clock, chat_platforms
    )
