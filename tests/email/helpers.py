"""What the email tests share: the settings, a runner with Slack (faked) and email (a real SMTP server)
as its posters, and reading what a message says."""

from __future__ import annotations

import re
from email.message import EmailMessage

from bot.config import Settings
from bot.digests.runner import DigestRunner
from handlers.email.digests import email_poster
from handlers.services import Services
from handlers.slack.app import web_client
from handlers.slack.digests import SlackDigestPoster

KEY = "test-link-key-0123456789abcdef"
PUBLIC = "https://tmag-bot.example.org"


def email_settings(smtp_url: str, **more) -> Settings:
    values = dict(
        smtp_url=smtp_url,
        email_from="WMAG secretariat <tmag-bot@example.org>",
        email_reply_to="wmag-secretariat@example.org",
        public_url=PUBLIC,
        email_link_key=KEY,
    )
    return Settings(**(values | more))


async def no_wait(_seconds: float) -> None:
    return None


def runner(db, clock, smtp_url: str, *, slack=None, worker: str | None = None, **settings) -> DigestRunner:
    """The runner as `serve` assembles it: Slack's poster (when a fake Slack is given), then email's."""
    extra = {"slack_bot_token": "xoxb-test", "slack_api_url": slack.api_url} if slack is not None else {}
    services = Services(db, clock, email_settings(smtp_url, **extra, **settings))
    posters = []
    if slack is not None:
        posters.append(SlackDigestPoster(web_client(services, posting=True), db, clock, pace=0))
    posters.append(email_poster(services, db, [p.platform for p in posters]))
    named = {"worker": worker} if worker else {}  # else this process's host and id, as `serve` names it
    return DigestRunner(db, posters, clock, sleep=no_wait, **named)


def body(message: EmailMessage, kind: str) -> str:
    return message.get_body(preferencelist=(kind,)).get_content()


def links(message: EmailMessage) -> list[str]:
    """The page links a message's HTML holds, in order, each once."""
    return list(dict.fromkeys(re.findall(r'href="(https?://[^"]+/a/[^"]+)"', body(message, "html"))))


def link_for(message: EmailMessage, ref: str) -> str:
    """The page link a message gives for one action (its ref is the link's text)."""
    found = re.search(rf'href="(https?://[^"]+/a/[^"]+)"[^>]*>{re.escape(ref)}</a>', body(message, "html"))
    assert found, f"no link for {ref}"
    return found[1]
