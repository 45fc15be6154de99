"""The command line: `tmag-bot import`, `export`, and (as the bot grows) its other commands."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from contextlib import asynccontextmanager
from pathlib import Path

from dotenv import find_dotenv, load_dotenv

from bot import __version__
from bot.calendar.clock import Clock, parse_now
from bot.runtime import quiet_start, started


class CliError(Exception):
    """A mistake in what was asked; printed as one line, exit status 1."""


def _clock(args: argparse.Namespace) -> Clock:
    try:
        return parse_now(getattr(args, "now", None))
    except ValueError:
        raise CliError(f"--now {args.now!r} is not an ISO date and time (e.g. 2023-09-01T09:00)") from None


@asynccontextmanager
async def _database(*, bulk: bool = False, needs_record: bool = False):
    """The database, migrated and open for the length of one command. `needs_record`: a command that
    reads the record says so when nothing has been imported, rather than giving empty answers."""
    from storage.db import DatabaseUnavailable, describe, open_database

    try:
        db = await open_database(bulk=bulk)
    except DatabaseUnavailable as exc:
        raise CliError(str(exc)) from None
    started()
    try:
        if needs_record and not await _has_record(db):
            raise CliError(f"no reports imported yet in {describe(db.url)} (tmag-bot import FILE...)")
        yield db
    finally:
        await db.close()


async def _has_record(db) -> bool:
    from storage.queries import documents as document_queries

    async with db.read() as session:
        return await document_queries.anything_recorded(session)


def _outcome(result) -> int:
    """A change's message: on stdout and exit 0 if it was made, on stderr and exit 1 if refused."""
    print(result.message, file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


async def cmd_import(args: argparse.Namespace) -> int:
    from bot.record.importer import BATCH_REPORTS, ReportError, import_batch

    clock = Clock()  # a report's events carry its meeting's time; the import is recorded at the real time
    by = args.as_ or _operator()
    failed = 0
    # Reports in batches, each batch one transaction (each report a savepoint in it); an action log
    # workbook goes on its own, in its place in the order given.
    runs: list[list[str]] = []
    for path in args.files:
        if _is_workbook(path):
            runs.append([path])
        elif runs and len(runs[-1]) < BATCH_REPORTS and not _is_workbook(runs[-1][0]):
            runs[-1].append(path)
        else:
            runs.append([path])
    async with _database(bulk=len(args.files) > 1) as db:
        for run in runs:
            if _is_workbook(run[0]):
                try:
                    print(await _import_workbook(db, Path(run[0]), by, clock))
                except ReportError as exc:
                    print(f"tmag-bot: {exc}", file=sys.stderr)
                    failed += 1
                continue
            batch = await import_batch(db, run, clock=clock, by=by)
            for outcome in batch.outcomes:
                if isinstance(outcome, ReportError):
                    print(f"tmag-bot: {outcome}", file=sys.stderr)
                    failed += 1
                    continue
                print(outcome.line())
                for warning in outcome.warnings:
                    print(f"  warning: {warning}", file=sys.stderr)
            if batch.failure is not None:
                reason = _first_line(batch.failure)
                raise CliError(
                    f"{batch.failed_file}: the database refused it ({reason}); nothing of it was kept, and"
                    " the files after it were not imported"
                )
    if len(args.files) > failed:
        from storage.db import refresh_statistics

        await asyncio.to_thread(refresh_statistics)
    return 1 if failed else 0


def _first_line(exc: Exception) -> str:
    return (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]


def _is_workbook(path: str) -> bool:
    return Path(path).suffix.lower() in (".xlsx", ".xlsm")


def _operator() -> str:
    """Who runs the command line, for the audit trail when --as does not say: the secretariat's login."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name (a container): the command line itself
        return "cli"


async def _import_workbook(db, path: Path, by: str, clock) -> str:
    """An action log edited by hand, read back (the command line runs with the secretariat's rights)."""
    from bot.people.identity import identify
    from bot.record.reports.loader import ReportError, check_size
    from bot.record.workbook import apply_workbook, read_workbook

    try:
        if path.is_file():
            check_size(str(path), path.stat().st_size)
        data = path.read_bytes()
    except OSError as exc:
        raise ReportError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    rows = read_workbook(path.name, data)
    async with db.read() as session:
        person = await identify(session, by, admin=True)
    summary = await apply_workbook(db, path.name, rows, person, clock)
    for warning in summary.warnings:
        print(f"  warning: {warning}", file=sys.stderr)
    return summary.line()


async def cmd_export(args: argparse.Namespace) -> int:
    from bot.record.exporter import export_data, to_csv

    if args.format == "xlsx":
        from bot.record.workbook import export_workbook

        out = args.out or "tmag-bot-actions.xlsx"
        async with _database(needs_record=True) as db:
            data = await export_workbook(db)
        try:
            Path(out).write_bytes(data)
        except OSError as exc:
            raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
        print(f"Wrote {out}.")
        return 0
    async with _database(needs_record=True) as db:
        data = await export_data(db)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n" if args.format == "json" else to_csv(data)
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
    return 0


async def _person(db, who: str | None):
    from bot.people.identity import identify

    async with db.read() as session:
        return await identify(session, who)


async def cmd_ask(args: argparse.Namespace) -> int:
    from bot.conversation.answers import ask
    from bot.conversation.questions import MAX_COMMAND

    clock = _clock(args)
    if len(args.question) > MAX_COMMAND:
        raise CliError(
            f"that question is too long ({len(args.question)} characters; the most is {MAX_COMMAND})"
        )
    async with _database(needs_record=True) as db:
        answer = await ask(db, args.question, await _person(db, args.as_), clock)
    if args.format == "json":
        print(json.dumps(answer.to_json(), indent=2, ensure_ascii=False))
    else:
        print(answer.text)
    return 0


async def cmd_change(args: argparse.Namespace) -> int:
    from bot.record.changes import change_action

    clock = _clock(args)
    async with _database() as db:
        note = getattr(args, "note", None) or getattr(args, "text", None)
        result = await change_action(
            db, args.ref, args.verb, await _person(db, args.as_), clock, note=note, source="cli"
        )
    return _outcome(result)


async def cmd_chat(args: argparse.Namespace) -> int:
    from bot.conversation.console import chat

    clock = _clock(args)
    async with _database() as db:
        await chat(db, args.as_, clock)
    return 0


async def cmd_member_add(args: argparse.Namespace) -> int:
    from bot.people.members import MemberError, add_member

    clock = _clock(args)
    try:
        async with _database() as db, db.write() as session:
            change = await add_member(
                session,
                clock,
                name=args.name,
                initials=args.initials,
                role=args.role,
                organisation=args.org,
                aliases=args.alias or [],
                slack_user_id=args.slack_id,
                teams_user_id=args.teams_id,
                groups=args.group or [],
                secretariat=args.secretariat,
                chair=args.chair,
            )
            name = change.member.name
    except MemberError as exc:
        raise CliError(str(exc)) from None
    print(f"{'Added' if change.created else 'Updated'} member {name}.")
    return 0


async def cmd_member_list(args: argparse.Namespace) -> int:
    from storage.queries import members as member_queries

    async with _database() as db, db.read() as session:
        members = await member_queries.all_members(session)
    for m in members:
        extras = ", ".join(
            x
            for x in (
                m.initials,
                m.role,
                m.organisation,
                m.slack_user_id,
                m.teams_user_id and f"Teams {m.teams_user_id}",
                "secretariat" if m.is_secretariat else None,
                "chair" if m.is_chair else None,
            )
            if x
        )
        print(f"{m.name}" + (f" ({extras})" if extras else ""))
    return 0


async def cmd_action_add(args: argparse.Namespace) -> int:
    from bot.record.changes import add_action
    from bot.record.dates import parse_date

    clock = _clock(args)
    due = parse_date(args.due) if args.due else None
    if args.due and due is None:
        raise CliError(f"--due {args.due!r} is not a date")
    async with _database() as db:
        result = await add_action(
            db,
            await _person(db, args.as_),
            clock,
            text=args.text,
            group_code=args.group,
            owner=args.owner,
            due=due,
            area=args.area,
            ref=args.ref,
        )
    return _outcome(result)


async def cmd_decision_add(args: argparse.Namespace) -> int:
    from bot.record.changes import add_decision

    clock = _clock(args)
    async with _database() as db:
        result = await add_decision(
            db,
            await _person(db, args.as_),
            clock,
            text=args.text,
            group_code=args.group,
            area=args.area,
            ref=args.ref,
        )
    return _outcome(result)


TEAMS_PORT = 3978


def _platforms(args: argparse.Namespace, settings):
    """What `serve` serves: Slack (Socket Mode, or HTTP with --http) and, with --teams, Teams; with --teams
    alone, Slack too if its settings are there (Socket Mode), else Teams only."""
    from handlers.server import Platforms

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
    if missing:
        what = " and ".join(
            x
            for x in (
                {"http": "HTTP mode", "socket": "Socket Mode"}.get(slack or ""),
                "Teams" if platforms.teams else "",
            )
            if x
        )
        raise CliError(f"missing settings for {what}: {', '.join(missing)} (see .env.example)")
    return platforms


async def cmd_serve(args: argparse.Namespace) -> int:
    import dataclasses
    import logging

    from bot.config import Settings

    settings = Settings.from_env()
    if args.dev:
        settings = dataclasses.replace(settings, teams_dev=True)
    platforms = _platforms(args, settings)
    try:
        clock = parse_now(args.now, running=True)
    except ValueError:
        raise CliError(f"--now {args.now!r} is not an ISO date and time") from None
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from handlers.server import SlackRefused, serve
    from storage.db import DatabaseUnavailable

    default_port = TEAMS_PORT if platforms.teams and platforms.slack != "http" else settings.port
    try:
        await serve(settings, platforms, port=args.port or default_port, host=args.host, clock=clock)
    except (SlackRefused, DatabaseUnavailable) as exc:
        raise CliError(str(exc)) from None
    return 0


async def cmd_meetings(args: argparse.Namespace) -> int:
    from bot.digests.timing import upcoming_with_digests

    clock = _clock(args)
    if args.format == "ics":
        from bot.calendar.ics import group_calendar

        async with _database() as db:
            data = await group_calendar(db, args.group, clock)
        if args.out:
            try:
                Path(args.out).write_bytes(data)
            except OSError as exc:
                raise CliError(f"cannot write {args.out}: {exc.strerror or exc}") from None
            print(f"Wrote {args.out}.")
        else:
            sys.stdout.buffer.write(data)
        return 0
    async with _database() as db, db.read() as session:
        found = await upcoming_with_digests(session, clock.now(), args.group.upper() if args.group else None)
    found = found[: args.limit]
    if args.format == "json":
        print(
            json.dumps(
                [
                    {
                        "group": m.group,
                        "number": m.number,
                        "date": m.date.isoformat(),
                        "start": m.start,
                        "extraordinary": m.extraordinary,
                        "source": m.source,
                        "digests": [s.at.isoformat() for s in slots],
                    }
                    for m, slots in found
                ],
                indent=2,
            )
        )
        return 0
    if not found:
        print("No upcoming meetings known.")
    for meeting, slots in found:
        number = f" {meeting.number}" if meeting.number else ""
        kind = " (extraordinary)" if meeting.extraordinary else ""
        times = ", ".join(f"{s.slot} {s.at:%a %d %b %H:%M}" for s in slots)
        print(
            f"{meeting.group}{number}{kind} {meeting.date:%a %d %b %Y} {meeting.start or ''} "
            f"[{meeting.source}] — {times}"
        )
    return 0


async def _digest_target(session, args, clock):
    """The meeting `--meeting next|NUMBER|DATE` names, with its group."""
    from bot.calendar.schedule import MeetingNotFound, find_meeting

    try:
        return await find_meeting(session, args.group, args.meeting, clock.now())
    except MeetingNotFound as exc:
        raise CliError(str(exc)) from None


async def cmd_digest(args: argparse.Namespace) -> int:
    from bot.digests.compose import compose_digest, render_digest
    from bot.digests.timing import DIGEST, slots_for

    clock = _clock(args)
    async with _database(needs_record=True) as db:
        async with db.read() as session:
            group, meeting = await _digest_target(session, args, clock)
            digest = await compose_digest(session, group, meeting, clock.today())
        if args.post:
            return await _post_digest(
                db, clock, next(s for s in slots_for(group, meeting) if s.slot == DIGEST)
            )
    print(json.dumps(digest.to_json(), indent=2) if args.format == "json" else render_digest(digest))
    return 0


async def _post_digest(db, clock, slot) -> int:
    """Post one digest on every platform whose settings are there (Slack, Teams), each part once."""
    from bot.config import Settings
    from bot.digests.runner import DigestRunner
    from handlers.services import Services

    settings = Settings.from_env()
    services = Services(db, clock, settings)
    posters = []
    if settings.slack_bot_token:
        from handlers.slack.app import web_client
        from handlers.slack.digests import SlackDigestPoster

        posters.append(SlackDigestPoster(web_client(services, posting=True), db, clock))
    if settings.teams_configured:
        if settings.missing_teams():
            raise CliError(
                f"missing settings for Teams: {', '.join(settings.missing_teams())} (see .env.example)"
            )
        from handlers.teams.bot import TeamsBot
        from handlers.teams.digests import TeamsDigestPoster

        teams = TeamsBot(services)
        await teams.start()
        posters.append(TeamsDigestPoster(teams.app.api, db, teams.bot_id, clock))
    if not posters:
        raise CliError("missing settings for posting: SLACK_BOT_TOKEN or TEAMS_CLIENT_ID (see .env.example)")
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


async def cmd_group_set(args: argparse.Namespace) -> int:
    import re

    from bot.calendar.cadence import DEFAULT_CADENCES, parse_cadence
    from storage.queries import groups as group_queries

    for name in ("digest_time", "reminder_time"):
        value = getattr(args, name)
        if value and value != "none" and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise CliError(f"--{name.replace('_', '-')} {value!r} is not a time like 09:00")
    cadence = parse_cadence(args.cadence) if args.cadence else None
    if args.cadence and cadence is None:
        raise CliError(f"--cadence {args.cadence!r}: say it like 'third Wednesday 10:00'")
    async with _database() as db, db.write() as session:
        group = await group_queries.ensure_group(
            session, args.code, None, DEFAULT_CADENCES.get(args.code.upper())
        )
        if args.channel:
            group.channel_id = args.channel
        if args.digest_days is not None:
            group.digest_days_before = args.digest_days
        if args.digest_time:
            group.digest_time = args.digest_time
        if args.reminder_time:
            group.reminder_time = None if args.reminder_time == "none" else args.reminder_time
        if cadence:
            group.cadence_week, group.cadence_weekday, group.cadence_time = cadence
        if args.calendar_token:
            import secrets

            group.calendar_token = None if args.calendar_token == "none" else secrets.token_urlsafe(24)
        token = group.calendar_token
        summary = (
            f"{group.code}: channel {group.channel_id or 'not set'}, digest {group.digest_days_before} "
            f"working days before at {group.digest_time}, reminder {group.reminder_time or 'none'}"
        )
    print(summary)
    if args.calendar_token == "new":
        print(f"Calendar: /calendar/{args.code.upper()}.ics?token={token} (on the bot's HTTP address)")
    elif args.calendar_token == "none":
        print("Calendar: no subscription address (the old one no longer works)")
    return 0


async def cmd_teams_package(args: argparse.Namespace) -> int:
    from bot.config import Settings
    from handlers.teams.manifest import ManifestError, package

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


async def cmd_report_draft(args: argparse.Namespace) -> int:
    from bot.calendar.schedule import MeetingNotFound
    from bot.record.draft import draft_for, write_docx

    clock = _clock(args)
    async with _database(needs_record=True) as db:
        try:
            draft = await draft_for(db, args.group, args.meeting, clock)
        except MeetingNotFound as exc:
            raise CliError(str(exc)) from None
    out = args.out or draft.file_name
    try:
        Path(out).write_bytes(write_docx(draft))
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"Wrote {out}: the {draft.group_code} headline report draft for {draft.meeting.date:%d %B %Y}.")
    return 0


async def cmd_db_check(args: argparse.Namespace) -> int:
    """The database's kind, its schema revision and whether it is current; exit 1 when it is not (or
    cannot be reached), so it serves as a deployment check. Changes nothing."""
    from storage.db import SQLITE, database_url, describe, dialect_of, schema_state

    url = database_url()
    try:
        kind = dialect_of(url)
    except Exception as exc:
        raise CliError(f"DATABASE_URL {url!r} is not a database URL I can use: {exc}") from None
    print(f"database: {'SQLite' if kind == SQLITE else 'PostgreSQL'} {describe(url)}")
    if kind == SQLITE:
        from sqlalchemy.engine import make_url

        path = make_url(url).database
        if path and path != ":memory:" and not Path(path).expanduser().exists():
            print("schema: none yet (the file is created, and the schema with it, on first use)")
            return 1
    try:
        current, head = await asyncio.to_thread(schema_state, url)
    except Exception as exc:
        raise CliError(f"cannot reach the database: {getattr(exc, 'orig', None) or exc}") from None
    if current == head:
        print(f"schema: {current} (current)")
        return 0
    print(f"schema: {current or 'none'}, behind {head} (any tmag-bot command upgrades it in place)")
    return 1


async def cmd_db_copy(args: argparse.Namespace) -> int:
    """Copy the whole record (DATABASE_URL) into an empty database, checked row by row before it
    commits (so a copy stopped at any point leaves the target empty, or holding a checked copy); then
    compare the two exports and row counts, and take out a copy that does not match."""
    from bot.record.exporter import export_data
    from storage.copy import CopyDiffers, TargetNotEmpty, copy_record, empty_record, row_counts
    from storage.db import DatabaseUnavailable, describe, open_database

    async with _database() as source:
        if source.url == args.to:
            raise CliError("--to names the database being copied")
        try:
            target = await open_database(args.to)
        except DatabaseUnavailable as exc:
            raise CliError(str(exc)) from None
        try:
            try:
                result = await copy_record(source, target)
            except (TargetNotEmpty, CopyDiffers) as exc:
                raise CliError(str(exc)) from None
            same = await export_data(source) == await export_data(target)
            counts = await row_counts(source) == await row_counts(target)
            if not (same and counts):
                await empty_record(target)
                raise CliError(
                    "the copy's export differs from the original's, so it was taken back out "
                    f"({describe(args.to)} is empty again)"
                )
        finally:
            await target.close()
    shown = ", ".join(f"{result.rows[name]} {name}s" for name in ("meeting", "action", "decision", "member"))
    print(f"Copied {result.total} rows ({shown}) to {describe(args.to)}; the two exports match.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tmag-bot",
        description="Keeps an advisory group's actions and decisions alive between meetings.",
    )
    parser.add_argument("--version", action="version", version=f"tmag-bot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    imp = commands.add_parser(
        "import",
        help="read reports (.txt, .md, .html, .docx, .pdf), or the action log (.xlsx), into the database",
    )
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--as", dest="as_", metavar="NAME", help="who is importing (the audit trail says so)")
    imp.set_defaults(handler=cmd_import)

    exp = commands.add_parser("export", help="write every meeting, action, decision and member")
    exp.add_argument(
        "--format",
        choices=("json", "csv", "xlsx"),
        default="json",
        help="xlsx: the action log workbook (default file tmag-bot-actions.xlsx)",
    )
    exp.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    exp.set_defaults(handler=cmd_export)

    now_help = "the current time, ISO (e.g. 2023-09-01T09:00, London time); default now"
    ask_ = commands.add_parser("ask", help="ask a question as a member would")
    ask_.add_argument("question")
    ask_.add_argument("--as", dest="as_", metavar="NAME", help="who is asking (name, alias or initials)")
    ask_.add_argument("--now", help=now_help)
    ask_.add_argument("--format", choices=("text", "json"), default="text")
    ask_.set_defaults(handler=cmd_ask)

    for verb, name, helptext in (
        ("close", "done", "mark an action done"),
        ("reopen", "reopen", "reopen an action"),
    ):
        change = commands.add_parser(name, help=helptext)
        change.add_argument("ref")
        change.add_argument("--as", dest="as_", metavar="NAME", required=True)
        change.add_argument("--now", help=now_help)
        if verb == "close":
            change.add_argument("--note", help="what was done")
        change.set_defaults(handler=cmd_change, verb=verb)
    update = commands.add_parser("update", help="add an update to an action")
    update.add_argument("ref")
    update.add_argument("text")
    update.add_argument("--as", dest="as_", metavar="NAME", required=True)
    update.add_argument("--now", help=now_help)
    update.set_defaults(handler=cmd_change, verb="update")

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

    meetings = commands.add_parser("meetings", help="upcoming meetings and when their digests go out")
    meetings.add_argument("--group", help="one group (default all)")
    meetings.add_argument("--now", help=now_help)
    meetings.add_argument(
        "--format",
        choices=("text", "json", "ics"),
        default="text",
        help="ics: an iCalendar file, for Outlook",
    )
    meetings.add_argument("--out", help="write it to this file (ics)")
    meetings.add_argument("--limit", type=int, default=12, help="how many (default 12)")
    meetings.set_defaults(handler=cmd_meetings)

    digest = commands.add_parser("digest", help="show (or --post) the digest for a meeting")
    digest.add_argument("--meeting", default="next", help="next (default), a meeting number or a date")
    digest.add_argument("--group", help="the group (default TMAG)")
    digest.add_argument("--now", help=now_help)
    digest.add_argument("--format", choices=("text", "json"), default="text")
    digest.add_argument(
        "--post",
        action="store_true",
        help="post it to the group's Slack and Teams channels and its owners (once)",
    )
    digest.set_defaults(handler=cmd_digest)

    group = commands.add_parser("group", help="group settings").add_subparsers(
        dest="group_command", required=True, metavar="ACTION"
    )
    group_set = group.add_parser("set", help="a group's Slack channel, digest times and cadence")
    group_set.add_argument("code", help="e.g. TMAG")
    group_set.add_argument("--channel", help="Slack channel id for digests, e.g. C0123ABCD")
    group_set.add_argument("--digest-days", type=int, help="UK working days before the meeting (default 2)")
    group_set.add_argument("--digest-time", help="time of the digest (default 09:00)")
    group_set.add_argument(
        "--reminder-time", help="time of the reminder on the day (default 08:30; none for none)"
    )
    group_set.add_argument("--cadence", help="e.g. 'third Wednesday 10:00'")
    group_set.add_argument(
        "--calendar-token",
        choices=("new", "none"),
        help="new: a fresh secret for the group's calendar subscription address; none: no address",
    )
    group_set.set_defaults(handler=cmd_group_set)

    chat = commands.add_parser("chat", help="talk to the bot in the console (as Slack would)")
    chat.add_argument("--as", dest="as_", metavar="NAME", help="who you are")
    chat.add_argument("--now", help=now_help)
    chat.set_defaults(handler=cmd_chat)

    member = commands.add_parser("member", help="add or list members").add_subparsers(
        dest="member_command", required=True, metavar="ACTION"
    )
    add = member.add_parser("add", help="add a member, or complete one already known")
    add.add_argument("name")
    add.add_argument("--initials")
    add.add_argument("--role", help='e.g. "Test Architect", "iDNO Representative", "PMO"')
    add.add_argument("--org", help="organisation, e.g. Programme, Elexon")
    add.add_argument(
        "--alias", action="append", help="another name they go by, e.g. kate.goodman (repeatable)"
    )
    add.add_argument("--slack-id", help="their Slack user id, e.g. U0123ABCD")
    add.add_argument("--teams-id", help="their Entra object id (Teams), e.g. 9b6c3e0c-...")
    add.add_argument("--group", action="append", help="a group they sit on, e.g. TMAG (repeatable)")
    add.add_argument(
        "--secretariat", action=argparse.BooleanOptionalAction, default=None, help="may change any action"
    )
    add.add_argument("--chair", action=argparse.BooleanOptionalAction, default=None)
    add.add_argument("--now", help=now_help)
    add.set_defaults(handler=cmd_member_add)
    listing = member.add_parser("list", help="list members")
    listing.set_defaults(handler=cmd_member_list)

    action = commands.add_parser("action", help="add an action by hand").add_subparsers(
        dest="action_command", required=True, metavar="ACTION"
    )
    action_add = action.add_parser("add", help="add an action (secretariat only)")
    action_add.add_argument("text")
    action_add.add_argument("--group", default="TMAG")
    action_add.add_argument("--owner")
    action_add.add_argument("--due")
    action_add.add_argument("--area")
    action_add.add_argument("--ref", help="default: the next number at the group's last meeting")
    action_add.add_argument("--as", dest="as_", metavar="NAME", required=True)
    action_add.add_argument("--now", help=now_help)
    action_add.set_defaults(handler=cmd_action_add)

    decision = commands.add_parser("decision", help="record a decision by hand").add_subparsers(
        dest="decision_command", required=True, metavar="ACTION"
    )
    decision_add = decision.add_parser("add", help="record a decision (secretariat only)")
    decision_add.add_argument("text")
    decision_add.add_argument("--group", default="TMAG")
    decision_add.add_argument("--area")
    decision_add.add_argument("--ref")
    decision_add.add_argument("--as", dest="as_", metavar="NAME", required=True)
    decision_add.add_argument("--now", help=now_help)
    decision_add.set_defaults(handler=cmd_decision_add)

    report = commands.add_parser("report", help="the next headline report").add_subparsers(
        dest="report_command", required=True, metavar="ACTION"
    )
    draft = report.add_parser("draft", help="draft a meeting's headline report in Word, to finish by hand")
    draft.add_argument("--group", help="the group (default TMAG)")
    draft.add_argument("--meeting", help="next (default), a meeting number or a date")
    draft.add_argument("--now", help=now_help)
    draft.add_argument("--out", help="the .docx to write (default: named after the group and meeting)")
    draft.set_defaults(handler=cmd_report_draft)

    database = commands.add_parser("db", help="the database: check its schema, copy it").add_subparsers(
        dest="db_command", required=True, metavar="ACTION"
    )
    check = database.add_parser(
        "check", help="the database's kind and schema revision, and whether it is current"
    )
    check.set_defaults(handler=cmd_db_check)
    copy = database.add_parser(
        "copy", help="copy the whole record into an empty database (SQLite or PostgreSQL)"
    )
    copy.add_argument("--to", required=True, metavar="URL", help="the empty database to copy into")
    copy.set_defaults(handler=cmd_db_copy)

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
    return parser


def run() -> int:
    """The `tmag-bot` program: `main` with a quiet start, for a process that ends with the command.
    A caller whose process goes on (the tests) calls `main`, which leaves the garbage collector alone."""
    quiet_start()
    return main()


def main(argv: list[str] | None = None) -> int:
    load_dotenv(find_dotenv(usecwd=True))
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(args.handler(args))
    except CliError as exc:
        print(f"tmag-bot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`tmag-bot export | head`): stop quietly, and keep Python's own flush of
        # standard output at exit from complaining too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
