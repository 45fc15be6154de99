"""The Bolt app (async), its Web API client, and the HTTP server around it.

POST /slack/events takes commands, events and interactivity; GET /healthz says whether the database can be
read and written.
"""

from __future__ import annotations

import json
import logging
import urllib.parse

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

import handlers.slack
from handlers.answer_loop import AnswerLoop
from handlers.failures import cause
from handlers.services import Services
from handlers.slack.context import install
from handlers.slack.replies import tell_failure
from handlers.web import application, health_route
from storage.db import DatabaseBusy

log = logging.getLogger("tmag-bot.slack")
EVENTS_PATH = "/slack/events"


def web_client(services: Services, *, posting: bool = False) -> AsyncWebClient:
    """The Web API client: SLACK_API_URL as its base when set; 429s retried (honouring Retry-After), and
    5xx and dropped connections too, which slack_sdk leaves off by default. `posting` is the client for
    digests, which must never post twice: it retries 429s only (a 429 means nothing was posted), and
    leaves a 5xx, which Slack may have carried out, to the digest runner, which looks before it posts."""
    settings = services.settings
    handlers = [AsyncRateLimitErrorRetryHandler(max_retry_count=5)]
    if not posting:
        handlers += [
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=3),
        ]
    return AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=settings.api_base_url or AsyncWebClient.BASE_URL,
        retry_handlers=handlers,
    )


class _BoltNotices(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN from the environment goes unused when it is given a client (ours,
    built from that same token with its retry handlers): true, and no news to the operator. It also
    warns that a listener "didn't call ack()" when one failed (a listener that acknowledged and then
    failed at once reads so to it) or took too long: the request's own line, from on_error, says which."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return "`token` will be unused" not in message and not message.endswith("didn't call ack()")


FAILURE_LOGGED = "tmag_failure_logged"  # on a request's context, once its failure has its line


def request_summary(body: dict) -> str:
    """What a request was, in a few words, for its log line: the command, event, button or view."""

    def text(value) -> str:
        return " ".join(str(value).split())[:60] if value else "?"

    if not isinstance(body, dict):
        return "a request"
    if body.get("command"):
        return f"command {text(body['command'])}"
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event") if isinstance(body.get("event"), dict) else {}
        subtype = f"/{text(event['subtype'])}" if event.get("subtype") else ""
        return f"event {text(event.get('type'))}{subtype}"
    if kind == "block_actions":
        actions = body.get("actions") if isinstance(body.get("actions"), list) else []
        first = actions[0] if actions and isinstance(actions[0], dict) else {}
        return f"button {text(first.get('action_id'))}"
    if kind in ("view_submission", "view_closed"):
        view = body.get("view") if isinstance(body.get("view"), dict) else {}
        return f"{kind.replace('_', ' ')} {text(view.get('callback_id'))}"
    if kind in ("message_action", "shortcut"):
        return f"shortcut {text(body.get('callback_id'))}"
    return f"request {text(kind)}"


def build_app(services: Services, *, answers: AnswerLoop | None = None) -> AsyncApp:
    """The Bolt app. With `answers`, listeners acknowledge on this loop and answer on that one."""
    bolt_log = logging.getLogger("slack_bolt.AsyncApp")
    if not any(isinstance(f, _BoltNotices) for f in bolt_log.filters):
        bolt_log.addFilter(_BoltNotices())
    app = AsyncApp(
        # Named, or Bolt names it after its caller's file by inspecting the whole stack (tens of ms).
        name="tmag-bot",
        client=web_client(services),
        signing_secret=services.settings.slack_signing_secret,
        # Over HTTP every request is verified once, by slack_routes, before Bolt sees it (401 if not);
        # Socket Mode has no HTTP requests to sign.
        request_verification_enabled=False,
        process_before_response=False,
        # A request no listener answered comes to on_error (one line), not Bolt's warning with its
        # suggested code.
        raise_error_for_unhandled_request=True,
    )
    install(app, services, answers)
    handlers.slack.register(app)

    @app.error
    async def on_error(error, body, client, context, logger):
        """No request ends without a reply: tell the person plainly that it failed. One log line a
        request, with its cause (the traceback at DEBUG)."""
        what = request_summary(body)
        if isinstance(error, BoltUnhandledRequestError):
            # Also what Bolt makes of a listener that acknowledged, then failed at once: that failure
            # has had its line and its reply already.
            if not context.get(FAILURE_LOGGED):
                logger.warning("a Slack request was not answered (%s): no listener acknowledged it", what)
            return
        context[FAILURE_LOGGED] = True
        if isinstance(error, DatabaseBusy):
            logger.warning("a Slack request found the database busy (%s): %s", what, error)
        else:
            logger.error("a Slack request failed (%s): %s", what, cause(error))
            logger.debug("the failure of that Slack request, in full", exc_info=error)
        await tell_failure(client, body, context, error)

    return app


def request_kind(content_type: str, text: str) -> str | None:
    """What a request is ("command", "ssl_check", an event's or a payload's type, or "" if it says
    nothing), if its body is what its content type says (JSON, or a form whose payload field, if any, is a
    JSON object); None otherwise."""
    try:
        if content_type == "application/json":
            data = json.loads(text)
            return str(data.get("type") or "") if isinstance(data, dict) else None
        if content_type == "application/x-www-form-urlencoded":
            form = dict(urllib.parse.parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text)))
            if "payload" in form:
                payload = json.loads(form["payload"])
                return str(payload.get("type") or "") if isinstance(payload, dict) else None
            if form.get("ssl_check"):
                return "ssl_check"
            return "command" if "command" in form else ""
    except ValueError:
        return None
    return None


# Requests every listener of ours acknowledges with an empty 200 (their answers go to the response URL,
# the channel or a DM): acknowledged before Bolt sees them when answers are composed apart. Others (a
# modal's submission, whose errors are its acknowledgement; Slack's URL check) wait for Bolt's answer.
ACKNOWLEDGED_EMPTY = frozenset(
    {"command", "event_callback", "block_actions", "message_action", "shortcut", "view_closed"}
)


def signature_valid(verifier: SignatureVerifier, body: bytes, headers) -> bool:
    """Slack's signature check, with malformed headers (a timestamp that is no number, a signature that
    is not ASCII) counted as a bad signature rather than an error."""
    try:
        return verifier.is_valid(
            body=body.decode("utf-8"),
            timestamp=headers.get("X-Slack-Request-Timestamp") or "",
            signature=headers.get("X-Slack-Signature") or "",
        )
    except (ValueError, TypeError, UnicodeError):
        return False


async def _dispatched(app: AsyncApp, body: bytes, query: str, headers) -> None:
    """Bolt's handling of a request already acknowledged, from its parts (parsed on the loop it runs on)."""
    await app.async_dispatch(AsyncBoltRequest(body=body.decode("utf-8"), query=query, headers=headers))


def slack_routes(app: AsyncApp, services: Services, answers: AnswerLoop | None = None) -> list[web.RouteDef]:
    """POST /slack/events: commands, events and interactivity. With `answers` (whose loop `app` serves),
    this loop only checks a request and acknowledges it: Bolt, its listeners and their answers run there,
    so answers being composed never delay the acknowledgement of the next request."""
    verifier = SignatureVerifier(services.settings.slack_signing_secret or "")

    async def events(request: web.Request) -> web.Response:
        """Verified before anything is parsed (401), then checked to be what it says it is (400)."""
        body = await request.read()
        if not services.settings.slack_signing_secret or not signature_valid(verifier, body, request.headers):
            return web.Response(status=401, text="invalid request signature")
        kind = request_kind(request.content_type, body.decode("utf-8"))
        if kind is None:
            return web.Response(status=400, text="the body is not what its content type says")
        if answers is None:
            return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))
        if kind in ACKNOWLEDGED_EMPTY:
            # The acknowledgement is on its way before the answering loop is woken: woken first, it
            # competed with this loop for the interpreter while the acknowledgement was still unsent.
            acknowledged = web.Response(status=200)
            await acknowledged.prepare(request)
            await acknowledged.write_eof()
            answers.later(_dispatched(app, body, request.query_string, request.headers))
            return acknowledged
        answered = answers.run(app.async_dispatch(await to_bolt_request(request)))
        return await to_aiohttp_response(await answered)

    return [web.post(EVENTS_PATH, events)]


def web_app(app: AsyncApp, services: Services, answers: AnswerLoop | None = None) -> web.Application:
    """Slack's routes and the health check, as an application of their own."""
    return application([*slack_routes(app, services, answers), health_route(services)])
