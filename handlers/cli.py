"""The command line's commands that assemble a process on the platforms: `serve` (Slack, Teams, the
digest scheduler, the HTTP port), `digest --post` (the posters of every platform set up) and `teams
package`. They plug into `tmag-bot` (bot/cli/) through the package's entry points, so the core's
command line imports nothing of the platforms; what a process is made of is decided here, at the top.

The platforms' libraries (Bolt, the Teams SDK, aiohttp's server) are imported by the commands that use
them: every other command (an import, a question) starts without paying for them.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from pathlib import Path

from bot.calendar.clock import parse_now
from bot.cli.errors import CliError
from bot.config import Settings
from bot.people.members import MemberError, check_email
from handlers.services import Services
from storage.db import DatabaseUnavailable

TEAMS_PORT = 3978
TRY_WITHOUT = (
    "To try the bot without any: tmag-bot chat --as NAME (in this terminal), or tmag-bot serve --teams --dev "
    "(for a local Teams client such as the Microsoft 365 Agents Playground)"
)


def register(commands, hooks: dict) -> None:
    """Add the platforms' commands to the command line, and the hooks its own commands call."""
    serve = commands.add_parser(
        "serve", help="run the bot: Slack in Socket Mode (--http: over HTTP), and with --teams on Teams"
    )
    serve.add_argument(
        "--http", action="store_true", help="serve Slack on POST /slack/events (and GET /healthz)"
    )
    serve.add_argument("--teams", action="store_true", help="serve Teams on POST /api/messages")
    serve.add_argument(
        "--dev",
        action="store_true",
        help="Teams development mode (or TEAMS_DEV=1): unauthenticated activities, on 127.0.0.1 only",
    )
    serve.add_argument("--port", type=int, help="HTTP port (default PORT or 3000; 3978 for Teams alone)")
    serve.add_argument("--host", default="0.0.0.0", help="HTTP address to listen on (default all)")
    serve.add_argument("--now", help="start the clock at this time (it keeps running); for trials and tests")
    serve.set_defaults(handler=cmd_serve)

    teams = commands.add_parser("teams", help="Microsoft Teams").add_subparsers(
        dest="teams_command", required=True, metavar="ACTION"
    )
    teams_package = teams.add_parser("package", help="write the Teams app package (manifest and icons)")
    teams_package.add_argument("--app-id", help="the bot's Entra app (client) id; default TEAMS_CLIENT_ID")
    teams_package.add_argument(
        "--website",
        default="https://www.mhhsprogramme.co.uk",
        help="the publisher's https:// site, with its /privacy and /terms pages (default: the programme's)",
    )
    teams_package.add_argument("--name", default="tmag-bot", help="the app's name in Teams (30 characters)")
    teams_package.add_argument("--developer", default="MHHS PMO", help="who publishes it")
    teams_package.add_argument("--out", default="tmag-bot-teams.zip", help="the zip to write")
    teams_package.set_defaults(handler=cmd_teams_package)
    email = commands.add_parser("email", help="email (SMTP_URL and the rest in .env)").add_subparsers(
        dest="email_command", required=True, metavar="ACTION"
    )
    email_test = email.add_parser("test", help="send one message to ADDRESS, to check the email settings")
    email_test.add_argument("address")
    email_test.set_defaults(handler=cmd_email_test)
    hooks["post_digest"] = post_digest


def platforms_to_serve(args: argparse.Namespace, settings: Settings):
    """What `serve` serves: Slack (Socket Mode, or HTTP with --http) and, with --teams, Teams; with --teams
    alone, Slack too if its settings are there (Socket Mode), else Teams only."""
    from handlers.server import Platforms  # the serving process's modules, for `serve` alone

    if args.http:
        slack = "http"
    elif not args.teams or (settings.slack_bot_token and settings.slack_app_token):
        slack = "socket"
    else:
        slack = None
    platforms = Platforms(slack, bool(args.teams))
    missing = settings.missing(http=slack == "http") if slack else []
    if platforms.teams:
        missing += settings.missing_teams()
    if settings.email_configured and settings.missing_email():
        raise CliError(f"missing settings for email (SMTP_URL is set): {', '.join(settings.missing_email())}")
    if missing:
        modes = (
            {"http": "HTTP mode", "socket": "Socket Mode"}.get(slack or ""),
            "Teams" if platforms.teams else "",
        )
        what = " and ".join(x for x in modes if x)
        raise CliError(f"missing settings for {what}: {', '.join(missing)} (see .env.example). {TRY_WITHOUT}")
    return platforms


async def cmd_serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.dev:
        settings = dataclasses.replace(settings, teams_dev=True)
    platforms = platforms_to_serve(args, settings)
    try:
        clock = parse_now(args.now, running=True)
    except ValueError:
        raise CliError(f"--now {args.now!r} is not an ISO date and time") from None
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from handlers.server import SlackRefused, serve  # Bolt, the Teams SDK, aiohttp's server: `serve` alone

    default_port = TEAMS_PORT if platforms.teams and platforms.slack != "http" else settings.port
    try:
        await serve(settings, platforms, port=args.port or default_port, host=args.host, clock=clock)
    except (SlackRefused, DatabaseUnavailable) as exc:
        raise CliError(str(exc)) from None
    return 0


async def post_digest(db, clock, slot) -> int:
    """`digest --post`: one digest on every platform whose settings are there, each part once."""
    from bot.digests.runner import DigestRunner  # the posting modules, for `digest --post` alone
    from handlers.server import digest_posters

    settings = Settings.from_env()
    services = Services(db, clock, settings)
    teams = None
    if settings.teams_configured:
        if settings.missing_teams():
            raise CliError(
                f"missing settings for Teams: {', '.join(settings.missing_teams())} (see .env.example)"
            )
        from handlers.teams.app import TeamsBot  # the Teams SDK (a second to import): only to post there

        teams = TeamsBot(services)
        await teams.start()
    if settings.email_configured and settings.missing_email():
        raise CliError(f"missing settings for email (SMTP_URL is set): {', '.join(settings.missing_email())}")
    posters = digest_posters(services, db, teams=teams)
    if not posters:
        raise CliError(
            "missing settings for posting: SLACK_BOT_TOKEN, TEAMS_CLIENT_ID or SMTP_URL (see .env.example)"
        )
    result = await DigestRunner(db, posters, clock).run(slot)
    if result.status == "sent" and not result.detail:
        print(f"Posted the digest for {slot.key}.")
        return 0
    if result.detail.startswith("already"):
        print(f"Not posted: the digest for {slot.key} was {result.detail}.", file=sys.stderr)
        return 1
    if result.status == "sent":
        print(f"Posted the digest for {slot.key} ({result.detail}).")
        return 0
    print(f"Not posted ({result.status}): {result.detail}", file=sys.stderr)
    return 1


async def cmd_email_test(args: argparse.Namespace) -> int:
    """One message to ADDRESS with the email settings, and what the mail server said."""
    from handlers.email import smtp  # the sending modules, for `email test` alone
    from handlers.email.digests import email_poster

    settings = Settings.from_env()
    if not settings.email_configured:
        raise CliError("SMTP_URL is not set (see .env.example)")
    missing = [name for name in settings.missing_email() if name == "EMAIL_FROM"]
    if missing:
        raise CliError(f"missing settings for email: {', '.join(missing)}")
    try:
        address = check_email(args.address)
    except MemberError as exc:
        raise CliError(str(exc)) from None
    if address is None:
        raise CliError("give the address to send the test to")
    still_missing = settings.missing_email()
    if not settings.email_link_key:  # the test links nowhere: any key will do to build its poster
        settings = dataclasses.replace(settings, email_link_key="unused")
    try:
        poster = email_poster(Services(None, parse_now(None), settings), None, [])
        message = poster.composer.test_message(address)
        message["Message-ID"] = poster.stamp_for("test")
        reply = await smtp.send(poster.server, message)
    except smtp.SmtpSettingsError as exc:
        raise CliError(str(exc)) from None
    except smtp.SendError as exc:
        raise CliError(f"not sent via {poster.server.describe()}: {exc}") from None
    print(f"Sent a test message to {address} via {poster.server.describe()} (the server said {reply}).")
    if still_missing:
        print(f"Still to set before digests go by email: {', '.join(still_missing)}.")
    return 0


async def cmd_teams_package(args: argparse.Namespace) -> int:
    from handlers.teams.manifest import ManifestError, package  # icons and zip: `teams package` alone

    app_id = args.app_id or Settings.from_env().teams_client_id
    if not app_id:
        raise CliError("give --app-id (the bot's Entra app id), or set TEAMS_CLIENT_ID")
    try:
        zipped = package(app_id, args.website, name=args.name, developer=args.developer)
    except ManifestError as exc:
        raise CliError(str(exc)) from None
    Path(args.out).write_bytes(zipped)
    print(f"Wrote {args.out}: upload it in Teams (Apps, Manage your apps, Upload an app).")
    return 0
