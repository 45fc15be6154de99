"""Sending one message over SMTP (SMTP_URL): aiosmtplib (asyncio-native and well kept, so a send never
blocks the loop that answers Slack and Teams), STARTTLS on smtp:// (required when a password is given,
used when offered otherwise) and TLS from the start on smtps://.

Each step is taken by hand (MAIL, RCPT, DATA) so that a failure says how far the message got: refused
before the server had it (not sent: a 4xx is worth trying again, a 5xx on the recipient means that
address is failing), or lost while the server may have been taking it (maybe sent: the runner sends it
at most once more, with the same Message-ID).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from urllib.parse import unquote, urlsplit

import aiosmtplib

TIMEOUT = 30.0  # seconds for each step


class SmtpSettingsError(ValueError):
    """SMTP_URL (or EMAIL_FROM) is not something mail can be sent with: one line for the operator."""


class SendError(Exception):
    """A message the server did not take. `maybe_sent`: it may have all the same (the connection went
    while the message was being handed over); `recipient_refused`: the server refused the recipient for
    good (5xx); `temporary`: a 4xx, worth trying again; `code`: the server's reply code, if it gave one."""

    def __init__(
        self,
        message: str,
        *,
        maybe_sent: bool = False,
        recipient_refused: bool = False,
        temporary: bool = False,
        code: int | None = None,
    ):
        super().__init__(message)
        self.maybe_sent = maybe_sent
        self.recipient_refused = recipient_refused
        self.temporary = temporary
        self.code = code


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool  # smtps://: TLS from the start
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """smtp://USER:PASSWORD@HOST:587 or smtps://USER:PASSWORD@HOST:465 (user and password
        percent-encoded, as in any URL)."""
        parts = urlsplit(url or "")
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise SmtpSettingsError(
                "SMTP_URL must look like smtp://USER:PASSWORD@HOST:587 or smtps://USER:PASSWORD@HOST:465"
            )
        try:
            port = parts.port
        except ValueError:
            raise SmtpSettingsError("SMTP_URL has a port that is not a number") from None
        tls = parts.scheme == "smtps"
        return cls(
            parts.hostname,
            port or (465 if tls else 587),
            tls,
            unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None,
        )

    def describe(self) -> str:
        """Where mail goes, without the password."""
        who = f"{self.username}@" if self.username else ""
        return f"{'smtps' if self.tls else 'smtp'}://{who}{self.host}:{self.port}"


def sender_address(email_from: str | None) -> str:
    """The bare address of EMAIL_FROM ("TMAG secretariat <bot@example.org>" -> bot@example.org)."""
    _, address = parseaddr(email_from or "")
    if "@" not in address:
        raise SmtpSettingsError(f"EMAIL_FROM {email_from!r} is not an email address")
    return address


async def send(
    server: SmtpServer, message: EmailMessage, *, tls_context: ssl.SSLContext | None = None
) -> str:
    """Hand one message to the server for its recipients (its To and Cc); the server's reply. Raises
    SendError, saying how far the message got."""
    sender = sender_address(message["From"])
    recipients = [
        address for _, address in getaddresses(message.get_all("To", []) + message.get_all("Cc", []))
    ]
    client = aiosmtplib.SMTP(
        hostname=server.host,
        port=server.port,
        username=server.username,
        password=server.password,
        use_tls=server.tls,
        # A password never goes over a connection in clear: STARTTLS is required then; else used if offered.
        start_tls=None if server.tls or not server.username else True,
        timeout=TIMEOUT,
        tls_context=tls_context,
    )
    stage = "connect"
    try:
        await client.connect()
        stage = "mail"
        await client.mail(sender)
        for recipient in recipients:
            stage = f"rcpt {recipient}"
            await client.rcpt(recipient)
        stage = "data"
        reply = await client.data(message.as_bytes())
    except aiosmtplib.SMTPResponseException as exc:
        # The server answered with a refusal: it did not take the message.
        refused = stage.startswith("rcpt") or isinstance(exc, aiosmtplib.SMTPRecipientRefused)
        raise SendError(
            f"the mail server refused it at {stage.split(' ')[0].upper()}: {exc.code} {exc.message}",
            recipient_refused=refused and exc.code >= 500,
            temporary=400 <= exc.code < 500,
            code=exc.code,
        ) from None
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        what = f"{exc.__class__.__name__}: {exc}".strip(": ")
        if stage == "data":
            raise SendError(
                f"the connection to the mail server was lost while sending ({what})", maybe_sent=True
            ) from None
        raise SendError(
            f"could not reach the mail server at {stage.split(' ')[0]} ({what})", temporary=True
        ) from None
    finally:
        if client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                client.close()  # the message is handed over (or not) already; the goodbye does not matter
    return f"{reply.code} {reply.message}"
