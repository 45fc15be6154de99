"""`tmag-bot serve`: the bot in Socket Mode (no public URL needed) or over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from aiohttp import web

from bot.clock import Clock
from bot.config import Settings
from bot.runtime import settle
from handlers.app import EVENTS_PATH, build_app, web_app
from handlers.context import Services
from storage.db import open_database, refresh_statistics
from storage.queries import slack as slack_queries

log = logging.getLogger("tmag-bot")
MAINTENANCE_EVERY = 6 * 3600  # seconds


async def maintain(services: Services) -> None:
    """Now and then: forget handled event ids Slack can no longer retry; refresh planner statistics."""
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


async def serve(settings: Settings, *, http: bool, port: int, host: str, clock: Clock) -> None:
    db = await open_database(settings.database_url)
    services = Services(db, clock, settings)
    app = build_app(services, socket_mode=not http)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    background = [asyncio.create_task(maintain(services))]
    from bot.digests.runner import DigestRunner
    from bot.digests.scheduler import DigestScheduler
    from handlers.app import web_client
    from handlers.digests import SlackDigestPoster

    poster = SlackDigestPoster(web_client(services, posting=True), db, clock)
    scheduler = DigestScheduler(DigestRunner(db, [poster], clock))
    await scheduler.start()
    settle()
    try:
        if http:
            runner = web.AppRunner(web_app(app, services), access_log=None)
            await runner.setup()
            await web.TCPSite(runner, host, port).start()
            log.info("tmag-bot listening on http://%s:%d%s (and /healthz)", host, port, EVENTS_PATH)
            await stop.wait()
            await runner.cleanup()
        else:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            handler = AsyncSocketModeHandler(app, settings.slack_app_token)
            await handler.connect_async()
            log.info("tmag-bot connected to Slack in Socket Mode")
            await stop.wait()
            await handler.close_async()
    finally:
        await scheduler.stop()
        for task in background:
            task.cancel()
        await db.close()
