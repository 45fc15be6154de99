"""`tmag-bot serve`: the bot in Socket Mode (no public URL needed) or over HTTP.

The process waits on one thing, its stop signal (SIGTERM or Ctrl-C); everything else (the token check,
the Socket Mode connection, digests, maintenance) runs beside it and is cancelled on stop, so the bot
stops within seconds whatever Slack is doing. Slack unreachable is logged one line per try, with the
tries backing off; a token Slack refuses ends the process with one clear line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import aiohttp
from aiohttp import web
from slack_sdk.errors import SlackApiError

from bot.calendar.clock import Clock
from bot.config import Settings
from bot.runtime import settle
from handlers.slack.app import EVENTS_PATH, build_app, web_app
from handlers.slack.context import Services
from storage.db import open_database, refresh_statistics
from storage.queries import slack as slack_queries

log = logging.getLogger("tmag-bot")
MAINTENANCE_EVERY = 6 * 3600  # seconds
STOP_WITHIN = 3.0  # seconds given to work in flight when stopping
REFUSED = {
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "no_permission",
}
UNREACHABLE = (aiohttp.ClientError, asyncio.TimeoutError, OSError)


class SlackRefused(Exception):
    """Slack refused a token: nothing will work until it is put right. One line for the person."""


async def maintain(services: Services) -> None:
    """Now and then: forget handled request keys Slack can no longer retry; refresh planner statistics."""
    while True:
        await asyncio.sleep(MAINTENANCE_EVERY)
        try:
            async with services.db.write() as session:
                await slack_queries.forget_requests_before(
                    session, services.clock.utcnow() - slack_queries.REQUEST_MEMORY
                )
            await asyncio.to_thread(refresh_statistics, services.db.url)
        except Exception:  # maintenance must never stop the bot
            log.exception("maintenance failed")


async def with_backoff(attempt, what: str, *, first: float = 1.0, longest: float = 60.0):
    """`await attempt()` until it works; while Slack is unreachable, one log line per try, waiting
    longer each time. A token Slack refuses raises SlackRefused at once."""
    wait = first
    while True:
        try:
            return await attempt()
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            if error in REFUSED:
                raise SlackRefused(
                    f"Slack refused {what} ({error}); check it in .env (see .env.example)"
                ) from None
            log.warning("Slack answered %s with %s; trying again in %.0f s", what, error or exc, wait)
        except UNREACHABLE as exc:
            log.warning(
                "Slack is unreachable (%s: %s); trying again in %.0f s", exc.__class__.__name__, exc, wait
            )
        await asyncio.sleep(wait)
        wait = min(wait * 2, longest)


async def serve(settings: Settings, *, http: bool, port: int, host: str, clock: Clock) -> None:
    db = await open_database(settings.database_url)
    services = Services(db, clock, settings)
    app = build_app(services, socket_mode=not http)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    refused: list[SlackRefused] = []

    def watch(task: asyncio.Task) -> None:
        """A background task that ends with a refused token stops the bot."""
        if not task.cancelled() and isinstance(task.exception(), SlackRefused):
            refused.append(task.exception())
            stop.set()

    from bot.digests.runner import DigestRunner
    from bot.digests.scheduler import DigestScheduler
    from handlers.slack.app import web_client
    from handlers.slack.digests import SlackDigestPoster

    poster = SlackDigestPoster(web_client(services, posting=True), db, clock)
    scheduler = DigestScheduler(DigestRunner(db, [poster], clock))
    background = [
        asyncio.create_task(maintain(services)),
        asyncio.create_task(with_backoff(app.client.auth_test, "the bot token (SLACK_BOT_TOKEN)")),
    ]
    runner: web.AppRunner | None = None
    handler = None
    try:
        scheduler.start()
        settle()
        if http:
            runner = web.AppRunner(web_app(app, services), access_log=None, shutdown_timeout=STOP_WITHIN)
            await runner.setup()
            await web.TCPSite(runner, host, port).start()
            log.info("tmag-bot listening on http://%s:%d%s (and /healthz)", host, port, EVENTS_PATH)
        else:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            handler = AsyncSocketModeHandler(app, settings.slack_app_token)

            async def connect() -> None:
                await with_backoff(handler.connect_async, "the app-level token (SLACK_APP_TOKEN)")
                log.info("tmag-bot connected to Slack in Socket Mode")

            background.append(asyncio.create_task(connect()))
        for task in background:
            task.add_done_callback(watch)
        await stop.wait()
    finally:
        log.info("stopping")
        await scheduler.stop(timeout=STOP_WITHIN)
        for task in background:
            task.cancel()
        await asyncio.wait(background, timeout=STOP_WITHIN)
        if handler is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(handler.close_async(), STOP_WITHIN)
        if runner is not None:
            await runner.cleanup()
        await db.close()
    if refused:
        raise refused[0]
