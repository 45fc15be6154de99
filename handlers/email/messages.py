"""The emails themselves: plain text and HTML alternatives of one message, rendered with Jinja2 (well
kept, and it escapes everything put into the HTML), laid out for Outlook as much as for the rest:
tables, inline styles, no scripts, no images. What each says comes from the core (bot/digests): the
same messages as in chat, where each item's ref links to its page (/a/TOKEN) instead of a button.

Every email says why it came (a footer), who to reply to (Reply-To), and is marked as sent
automatically (no out-of-office replies); a member's carries List-Unsubscribe with one-click
unsubscribe (RFC 8058); the digest carries its meeting as an .ics attachment.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.calendar.clock import Clock
from bot.calendar.ics import to_ics
from bot.config import Settings
from bot.digests import reach
from bot.digests.compose import Digest, OwnedItems
from bot.digests.due import DueReminder, due_message
from bot.digests.layout import ASKING, Message, channel_message, direct_message, thread_messages
from bot.people.email_links import EmailLinks
from storage.models import Member

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
FLAG = "⚠️ "
# Header lines up to the standard's limit (998), unfolded: Python's folding at 78 breaks a 70-odd
# character subject, or a long unsubscribe link, straight after the colon, which readers then show with a
# leading space. Bodies are still encoded (quoted-printable) where a line would be longer.
POLICY = SMTP.clone(max_line_length=998)
AUTOMATIC = "This message was sent by tmag-bot, the group's action tracker. Replies go to the secretariat."


@dataclass(frozen=True)
class Block:
    """One piece of an email: kind text | title | item | context; an item's ref, the rest of its first
    line and its details (owner, due), and the link to its page."""

    kind: str
    text: str = ""
    ref: str | None = None
    rest: str = ""
    details: str = ""
    url: str | None = None
    overdue: bool = False


def blocks_of(messages: list[Message], urls: dict[str, str]) -> list[Block]:
    """The core's messages (kind, text, ref lines) as an email's blocks, each item's ref linked."""
    blocks = []
    for message in messages:
        for kind, text, ref in message.lines:
            if kind != "item":
                blocks.append(
                    Block("title" if kind == "title" else "context" if kind == "context" else "text", text)
                )
                continue
            first, _, details = text.partition("\n")
            overdue = first.startswith(FLAG)
            first = first.removeprefix(FLAG)
            rest = first[len(ref) :] if ref and first.startswith(ref) else f" {first}"
            blocks.append(
                Block("item", ref=ref or "", rest=rest, details=details, url=urls.get(ref), overdue=overdue)
            )
    return blocks


class Composer:
    """Makes each email the bot sends, with the settings' From, Reply-To and links."""

    def __init__(self, settings: Settings, links: EmailLinks, clock: Clock) -> None:
        self.settings = settings
        self.links = links
        self.clock = clock

    def _url(self, path: str) -> str:
        return f"{self.settings.public_url}{path}"

    def action_urls(self, member: Member, owned: OwnedItems) -> dict[str, str]:
        return {
            a.ref: self._url(f"/a/{self.links.action_token(member.id, member.email, a.id)}")
            for a in owned.items
        }

    def owner_digest(self, digest: Digest, member: Member, owned: OwnedItems) -> EmailMessage:
        """A member's own items before a meeting, each linked to its page, the meeting attached."""
        subject = f"Your {digest.group} actions before {digest.title()}"
        message = direct_message(digest, owned, ASKING["email"][0])
        message.add("context", "Open an action to mark it done, add an update, or say it is not yours.")
        email = self._message(
            member.email,
            subject,
            digest.group,
            "Your actions before the meeting",
            blocks_of([message], self.action_urls(member, owned)),
            [reach.why_email(member, digest.group)],
            unsubscribe=self._url(f"/u/{self.links.unsubscribe_token(member.id, member.email)}"),
        )
        self._attach_meeting(email, digest)
        return email

    def due_reminder(self, reminder: DueReminder, member: Member, owned: OwnedItems) -> EmailMessage:
        """A member's actions falling due on one day, each linked to its page."""
        count = owned.total
        first = owned.items[0].ref if owned.items else reminder.group
        subject = (
            f"Due {reminder.when()}: {first}"
            if count == 1
            else f"Due {reminder.when()}: {count} of your {reminder.group} actions"
        )
        return self._message(
            member.email,
            subject,
            reminder.group,
            f"Due {reminder.when()}",
            blocks_of([due_message(reminder, owned, "email")], self.action_urls(member, owned)),
            [reach.why_email(member, reminder.group)],
            unsubscribe=self._url(f"/u/{self.links.unsubscribe_token(member.id, member.email)}"),
        )

    def group_digest(self, digest: Digest, address: str) -> EmailMessage:
        """The whole digest for the group's list address: what the channel and its thread say."""
        mine, overdue = ASKING["email"]
        channel = channel_message(digest, "digest", mine)
        # Its last line points to the channel's thread; here the details simply follow.
        channel.lines[-1] = ("context", "The details follow; each owner is sent their own items.", None)
        messages = [channel, *thread_messages(digest, overdue)]
        email = self._message(
            address,
            f"Digest for {digest.title()}",
            digest.group,
            f"Digest for {digest.title()}",
            blocks_of(messages, {}),
            [
                f"You get this because the secretariat sends the {digest.group} digest to this address. "
                "Each owner is sent their own actions, with links to update them.",
                "To stop these, reply and ask the secretariat.",
            ],
            unsubscribe=None,
        )
        self._attach_meeting(email, digest)
        return email

    def test_message(self, address: str) -> EmailMessage:
        """`tmag-bot email test ADDRESS`: one message to check the settings."""
        links = self.settings.public_url or "(PUBLIC_URL is not set)"
        said = (
            f"This is a test from tmag-bot. The links in its emails point to {links}.\n"
            "Members who cannot be reached in Slack or Teams get their digests and reminders like this."
        )
        return self._message(
            address,
            "tmag-bot: a test message",
            "tmag-bot",
            "Email works",
            [Block("text", said)],
            ["You get this because someone ran tmag-bot email test with this address."],
            unsubscribe=None,
        )

    def _message(
        self,
        to: str,
        subject: str,
        group: str,
        heading: str,
        blocks: list[Block],
        footer: list[str],
        *,
        unsubscribe: str | None,
    ) -> EmailMessage:
        values = {
            "subject": subject,
            "group": group,
            "heading": heading,
            "blocks": blocks,
            "footer": [*footer, AUTOMATIC],
            "unsubscribe": unsubscribe,
        }
        email = EmailMessage(policy=POLICY)
        email["From"] = self.settings.email_from
        email["To"] = to
        if self.settings.email_reply_to:
            email["Reply-To"] = self.settings.email_reply_to
        email["Subject"] = subject
        email["Date"] = format_datetime(self.clock.now())
        email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no automatic replies to it
        email["X-Auto-Response-Suppress"] = "All"  # Exchange and Outlook's way of saying the same
        if unsubscribe:
            email["List-Unsubscribe"] = f"<{unsubscribe}>"
            email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        else:
            _, reply = parseaddr(self.settings.email_reply_to or self.settings.email_from or "")
            if reply:
                email["List-Unsubscribe"] = f"<mailto:{reply}?subject=unsubscribe>"
        email.set_content(TEMPLATES.get_template("message.txt").render(values))
        email.add_alternative(TEMPLATES.get_template("message.html").render(values), subtype="html")
        return email

    def _attach_meeting(self, email: EmailMessage, digest: Digest) -> None:
        meeting = digest.meeting
        data = to_ics([(meeting, None, False)], self.clock.utcnow(), title=f"{digest.group} meeting")
        email.add_attachment(
            data,
            maintype="text",
            subtype="calendar",
            filename=f"{digest.group.lower()}-{meeting.date.isoformat()}.ics",
        )
