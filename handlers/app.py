"""The Bolt app (async), its Web API client, and the HTTP server around it.

POST /slack/events takes commands, events and interactivity; GET /healthz says whether the database answers.
"""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text

import handlers
from handlers.context import Services, install

log = logging.getLogger("tmag-bot.slack")
EVENTS_PATH = "/slack/events"


def web_client(services: Services) -> AsyncWebClient:
    """The Web API client: SLACK_API_URL as its base when set; 429s (honouring Retry-After), 5xx and
    dropped connections retried, which slack_sdk leaves off by default."""
    settings = services.settings
    return AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=settings.api_base_url or AsyncWebClient.BASE_URL,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=5),
            AsyncServerErrorRetryHandler(max_retry_count=3),
        ],
    )


def build_app(services: Services, *, socket_mode: bool = False) -> AsyncApp:
    app = AsyncApp(
        client=web_client(services),
        signing_secret=services.settings.slack_signing_secret,
        # Socket Mode has no HTTP requests to sign; over HTTP every request is verified (401 if not).
        request_verification_enabled=not socket_mode,
        process_before_response=False,
    )
    install(app, services)
    handlers.register(app)

    @app.error
    async def on_error(error, body, logger):
        logger.exception("a Slack request failed: %s", error)

    return app


def web_app(app: AsyncApp, services: Services) -> web.Application:
    async def events(request: web.Request) -> web.Response:
        response = await app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def healthz(_request: web.Request) -> web.Response:
        try:
            async with services.db.read() as session:
                await session.exec(text("SELECT 1"))
        except Exception as exc:  # the check itself must answer, whatever broke
            log.error("health check: database unavailable: %s", exc)
            return web.json_response({"ok": False, "database": "unavailable"}, status=503)
        return web.json_response({"ok": True, "database": "ok"})

    application = web.Application(client_max_size=2 * 1024 * 1024)
    application.add_routes([web.post(EVENTS_PATH, events), web.get("/healthz", healthz)])
    return application
