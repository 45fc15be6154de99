"""`tmag-bot serve`: the bot on Slack (Socket Mode, or HTTP), on Teams, or on both (one HTTP port).

The process waits on one thing, its stop signal (SIGTERM or Ctrl-C); everything else (the token check,
the Socket Mode connection, digests, maintenance) runs beside it and is cancelled on stop, so the bot
stops within seconds whatever Slack or Teams is doing. Slack unreachable is logged one line per try, the
tries backing off; a token Slack refuses ends the process with one clear line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from slack_sdk.errors import SlackApiError

from bot.calendar.clock import Clock
from bot.config import Settings
from bot.runtime import settle
from handlers.answer_loop import AnswerLoop
from handlers.email.digests import email_poster
from handlers.email.page import email_routes
from handlers.failures import one_line_failures
from handlers.services import Services
from handlers.web import application, calendar_route, health_route
from storage.db import open_database, refresh_statistics
from storage.queries import requests as request_queries

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


@dataclass(frozen=True)
class Platforms:
    """What to serve: Slack in Socket Mode or over HTTP (or not at all), and Teams (or not)."""

    slack: str | None  # socket | http | None
    teams: bool = False


async def maintain(services: Services) -> None:
    """Now and then: forget handled request keys no platform can retry; refresh planner statistics."""
    while True:
        await asyncio.sleep(MAINTENANCE_EVERY)
        try:
            async with services.db.write() as session:
                await request_queries.forget_requests_before(
                    session, services.clock.utcnow() - request_queries.REQUEST_MEMORY
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


def digest_posters(services: Services, db, *, teams=None) -> list:
    """Every platform's digest poster for this process: Slack's when its token is set, Teams' when a
    Teams app is there to post with, email's when SMTP_URL is set (to the owners those chat platforms
    do not reach). `db`: the database of the loop the digests are posted from."""
    posters = []
    if services.settings.slack_bot_token:
        # Each platform's modules only where its settings are (the Teams SDK alone takes a second).
        from handlers.slack.app import web_client
        from handlers.slack.digests import SlackDigestPoster

        posters.append(SlackDigestPoster(web_client(services, posting=True), db, services.clock))
    if teams is not None:
        from handlers.teams.digests import TeamsDigestPoster

        posters.append(TeamsDigestPoster(teams.app.api, db, teams.bot_id, services.clock))
    if services.settings.email_configured:
        posters.append(email_poster(services, db, [poster.platform for poster in posters]))
    return posters


async def serve(settings: Settings, platforms: Platforms, *, port: int, host: str, clock: Clock) -> None:
    if platforms.teams and settings.teams_dev:
        # Said first, before anything else is logged: this mode must never pass unnoticed.
        log.warning(
            "Teams development mode: activities are accepted WITHOUT authentication and outgoing "
            "calls carry no token; listening on 127.0.0.1 only"
        )
        host = "127.0.0.1"
    db = await open_database(settings.database_url)
    services = Services(db, clock, settings)
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

    # The scheduler and runner only in a serving process.
    from bot.digests.runner import DigestRunner
    from bot.digests.scheduler import DigestScheduler

    background = [asyncio.create_task(maintain(services))]
    # Always on the HTTP port: the health check and the groups' calendar subscriptions (in Socket Mode
    # too, where Slack needs no port of its own).
    routes: list[web.RouteDef] = [health_route(services), calendar_route(services)]
    slack_app = teams_bot = socket_handler = runner = None
    # Answers, Bolt over HTTP, the Teams SDK and digests run on a loop of their own (handlers/answer_loop.py);
    # this one acknowledges, checks health and serves calendars.
    answers = await AnswerLoop(services).start()
    answering_db = answers.services.db
    if platforms.slack:
        from handlers.slack.app import build_app, slack_routes, web_client

        if platforms.slack == "http":
            # Bolt itself runs on the answering loop; this one checks and acknowledges (slack_routes).
            slack_app = build_app(answers.services)
        else:
            # Socket Mode acknowledges through Bolt on this loop; the listeners answer on the other.
            slack_app = build_app(services, answers=answers)
        from handlers.slack.notices import SlackSecretariatTeller

        # One list, shared by both loops' services: claims are told on every platform served.
        services.tellers.append(SlackSecretariatTeller(web_client(services), settings.admin_user_ids))
        background.append(
            asyncio.create_task(with_backoff(slack_app.client.auth_test, "the bot token (SLACK_BOT_TOKEN)"))
        )
        if platforms.slack == "http":
            routes += slack_routes(slack_app, services, answers)
    if platforms.teams:
        from handlers.teams.app import TeamsBot

        teams_bot = TeamsBot(services, answers)
        await answers.run(teams_bot.start())
        routes += teams_bot.routes
        from handlers.teams.notices import TeamsSecretariatTeller

        services.tellers.append(
            TeamsSecretariatTeller(teams_bot.app.api, answering_db, settings.teams_admin_ids)
        )
    if settings.email_link_key:
        # The page the links in emails open (and their unsubscribe), on this port beside the rest.
        routes += email_routes(services, answers)
    posters = digest_posters(services, answering_db, teams=teams_bot)
    scheduler = DigestScheduler(DigestRunner(answering_db, posters, clock))
    try:
        await answers.call(scheduler.start)
        settle()
        runner = web.AppRunner(application(routes), access_log=None, shutdown_timeout=STOP_WITHIN)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        served = ", ".join(r.resource.canonical for r in runner.app.router.routes() if r.method == "POST")
        log.info(
            "tmag-bot listening on http://%s:%d (%s/healthz and /calendar/GROUP.ics%s)",
            host,
            port,
            f"{served}, " if served else "",
            ", /a/ and /u/ for email's links" if settings.email_link_key else "",
        )
        if platforms.slack == "socket":
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            socket_handler = AsyncSocketModeHandler(slack_app, settings.slack_app_token)
            # Its client logs a lost or refused connection with a traceback; with_backoff says it in one line.
            one_line_failures(socket_handler.client.logger.name, "the Socket Mode connection failed")

            async def connect() -> None:
                await with_backoff(socket_handler.connect_async, "the app-level token (SLACK_APP_TOKEN)")
                log.info("tmag-bot connected to Slack in Socket Mode")

            background.append(asyncio.create_task(connect()))
        for task in background:
            task.add_done_callback(watch)
        await stop.wait()
    finally:
        log.info("stopping")
        await answers.run(scheduler.stop(timeout=STOP_WITHIN))
        for task in background:
            task.cancel()
        await asyncio.wait(background, timeout=STOP_WITHIN)
        if teams_bot is not None:
            await answers.run(teams_bot.stop(timeout=STOP_WITHIN))
        if socket_handler is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(socket_handler.close_async(), STOP_WITHIN)
        if runner is not None:
            await runner.cleanup()
        await answers.stop(timeout=STOP_WITHIN)
        await db.close()
    if refused:
        raise refused[0]
