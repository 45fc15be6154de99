"""The links in emails: signed, so that only the bot can make them, and naming who they were sent to.

An action link (/a/TOKEN) names the member it was sent to and one action, and works for
EMAIL_LINK_DAYS (30 unless set): whoever opens it acts as that member on that action, with their own
actions' rights (bot/people/identity.py, EMAILED). An unsubscribe link (/u/TOKEN) names the member and
does not expire: stopping email must always work. Both carry a fingerprint of the address they were
sent to, so a link sent to an address the secretariat has since replaced no longer works. A form's
token (each form the page shows) names the link it belongs to, the browser it was shown in (a cookie's
value: a form posted from another site carries none) and a one-time nonce, and lasts a day.

Signed with itsdangerous (a well-kept library, Pallets', for exactly this): URL-safe, compact, salted
per purpose so a token of one kind is never taken for another, timestamped for expiry. Its clock is the
bot's (an injected clock, so `--now` and tests decide when a link expires).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from bot.calendar.clock import Clock

FORM_SECONDS = 24 * 3600
ACTION, UNSUBSCRIBE, FORM = "tmag-bot/action-link", "tmag-bot/unsubscribe", "tmag-bot/form"


class LinkRefused(Exception):
    """A token that is not ours, has expired, or was sent to an address no longer on record. `why`:
    forged | expired | stale."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class ActionLink:
    member_id: int
    action_id: int
    address: str  # the fingerprint of the email it was sent to


def fingerprint(email: str | None) -> str:
    """A short digest of an address (the token carries this, never the address)."""
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:12]


def same_address(link_fingerprint: str, email: str | None) -> bool:
    return bool(email) and secrets.compare_digest(link_fingerprint, fingerprint(email))


class EmailLinks:
    """Makes and reads the tokens in emails, with the key from the settings (EMAIL_LINK_KEY)."""

    def __init__(self, key: str, clock: Clock, days: int = 30) -> None:
        if not key:
            raise ValueError("EMAIL_LINK_KEY is not set")
        clocked = type(
            "ClockedSigner", (TimestampSigner,), {"get_timestamp": lambda _self: int(clock.now().timestamp())}
        )
        self.max_age = days * 24 * 3600
        self._action = URLSafeTimedSerializer(key, salt=ACTION, signer=clocked)
        self._unsubscribe = URLSafeTimedSerializer(key, salt=UNSUBSCRIBE, signer=clocked)
        self._form = URLSafeTimedSerializer(key, salt=FORM, signer=clocked)

    def action_token(self, member_id: int, email: str, action_id: int) -> str:
        return self._action.dumps([member_id, action_id, fingerprint(email)])

    def read_action(self, token: str) -> ActionLink:
        found = _read(self._action, token, self.max_age)
        if not (
            isinstance(found, list) and len(found) == 3 and _ids(found[:2]) and isinstance(found[2], str)
        ):
            raise LinkRefused("forged")
        return ActionLink(found[0], found[1], found[2])

    def unsubscribe_token(self, member_id: int, email: str) -> str:
        return self._unsubscribe.dumps([member_id, fingerprint(email)])

    def read_unsubscribe(self, token: str) -> tuple[int, str]:
        found = _read(self._unsubscribe, token, None)
        if not (
            isinstance(found, list) and len(found) == 2 and _ids(found[:1]) and isinstance(found[1], str)
        ):
            raise LinkRefused("forged")
        return found[0], found[1]

    def form_token(self, link_token: str, browser: str) -> str:
        """A form's token: bound to the link it is shown on and to the browser it is shown in (a value
        the page also sets as a cookie), used once (its nonce), for a day."""
        return self._form.dumps([_digest(link_token), _digest(browser), secrets.token_urlsafe(12)])

    def read_form(self, token: str, link_token: str, browser: str) -> str:
        """The form's nonce, if the form was made for this link, in this browser, today; else
        LinkRefused."""
        found = _read(self._form, token, FORM_SECONDS)
        if not (isinstance(found, list) and len(found) == 3 and all(isinstance(f, str) for f in found)):
            raise LinkRefused("forged")
        if not browser or not (
            secrets.compare_digest(found[0], _digest(link_token))
            and secrets.compare_digest(found[1], _digest(browser))
        ):
            raise LinkRefused("forged")
        return found[2]


def _read(serializer: URLSafeTimedSerializer, token: str, max_age: int | None):
    if not isinstance(token, str) or not 0 < len(token) <= 400:
        raise LinkRefused("forged")
    try:
        return serializer.loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkRefused("expired") from None
    except BadData:
        raise LinkRefused("forged") from None


def _ids(values) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 10**12 for v in values)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
