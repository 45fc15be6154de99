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
    from bot.people.identity import operator
    from bot.record.reports.loader import ReportError, check_size
    from bot.record.workbook import apply_workbook, read_workbook

    try:
        if path.is_file():
            check_size(str(path), path.stat().st_size)
        data = path.read_bytes()
    except OSError as exc:
        raise ReportError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    log = read_workbook(path.name, data)
    async with db.read() as session:
        person = await operator(session, by)
    summary = await apply_workbook(db, path.name, log, person, clock)
    for warning in summary.warnings:
        print(f"  warning: {warning}", file=sys.stderr)
    return summary.line()


async def cmd_export(args: argparse.Namespace) -> int:
    from bot.record.exporter import export_data, to_csv

    if args.format == "xlsx":
        from bot.record.workbook import export_workbook

        out = args.out or "tmag-bot-actions.xlsx"
        async with _database(needs_record=True) as db:
            data = await export_workbook(db, personal=args.with_personal_data)
        try:
            Path(out).write_bytes(data)
        except OSError as exc:
            raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
        print(f"Wrote {out}.")
        return 0
    async with _database(needs_record=True) as db:
        data = await export_data(db, personal=args.with_personal_data)
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
    """Who a question is asked as (`ask --as NAME`): a name gives no rights, and asking needs none."""
    from bot.people.identity import identify

    async with db.read() as session:
        return await identify(session, who)


async def _operator_as(db, who: str | None):
    """Who a change is recorded as (`--as NAME`): the command line changes with the secretariat's
    rights, whoever holds the database."""
    from bot.people.identity import operator

    async with db.read() as session:
        return await operator(session, who)


async def cmd_ask(args: argparse.Namespace) -> int:
    """A question, answered as in Slack or Teams (the same path: bot/conversation/turns.py), as text or
    JSON; read only: a change is refused."""
    from bot.config import Settings
    from bot.conversation.questions import MAX_COMMAND
    from bot.conversation.turns import Place, Turn, take_turn
    from bot.services import Services

    clock = _clock(args)
    if len(args.question) > MAX_COMMAND:
        raise CliError(
            f"that question is too long ({len(args.question)} characters; the most is {MAX_COMMAND})"
        )
    async with _database(needs_record=True) as db:
        turn = Turn(Place("cli"), person=await _person(db, args.as_), text=args.question, questions_only=True)
        outcome = await take_turn(Services(db, clock, Settings.from_env()), turn)
    answer = outcome.answer
    if answer is None:
        refused = any(s.kind == "refusal" for s in outcome.shown)
        text = "\n".join(s.text for s in outcome.shown)
        if args.format == "json":
            print(
                json.dumps({"intent": "refused" if refused else "help", "text": text, "items": []}, indent=2)
            )
        else:
            print(text, file=sys.stderr if refused else sys.stdout)
        return 1 if refused else 0
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
            db, args.ref, args.verb, await _operator_as(db, args.as_), clock, note=note, source="cli"
        )
    return _outcome(result)


async def cmd_chat(args: argparse.Namespace) -> int:
    from bot.config import Settings
    from bot.conversation.console import chat
    from bot.services import Services

    clock = _clock(args)
    async with _database() as db:
        await chat(Services(db, clock, Settings.from_env()), args.as_)
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
                email=args.email,
                aliases=args.alias or [],
                slack_user_id=args.slack_id,
                teams_user_id=args.teams_id,
                groups=args.group or [],
                secretariat=args.secretariat,
                chair=args.chair,
                by=_operator(),
            )
            name = change.member.name
    except MemberError as exc:
        raise CliError(str(exc)) from None
    print(f"{'Added' if change.created else 'Updated'} member {name}.")
    return 0


async def cmd_member_list(args: argparse.Namespace) -> int:
    from bot.calendar.clock import to_london
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
                m.email,
                m.slack_user_id and f"Slack {m.slack_user_id} ({m.slack_link or 'claimed'})",
                m.teams_user_id and f"Teams {m.teams_user_id} ({m.teams_link or 'claimed'})",
                "secretariat" if m.is_secretariat else None,
                "chair" if m.is_chair else None,
                m.notify and f"notify {m.notify}",
            )
            if x
        )
        print(f"{m.name}" + (f" ({extras})" if extras else ""))
        if m.email_failing:
            when = f" on {to_london(m.email_failing_at):%d %b %Y %H:%M}" if m.email_failing_at else ""
            print(f"  email failing: the mail server refused {m.email}{when}: {m.email_failing}")
    return 0


async def cmd_member_set(args: argparse.Namespace) -> int:
    """How a member is reached (--notify), as the operator sets it."""
    from bot.digests.reach import set_notify
    from bot.people.identity import operator
    from bot.people.members import match_member

    clock = _clock(args)
    async with _database() as db:
        async with db.read() as session:
            member, guessed = await match_member(session, args.name)
            by = await operator(session, _operator())
        if member is None or guessed:
            close = f" Did you mean {member.name}?" if member is not None else ""
            raise CliError(f"no member is called {args.name}.{close}")
        ok, message = await set_notify(db, clock, member.id, args.notify, by=by, source="cli")
    if not ok:
        raise CliError(message)
    print(message)
    return 0


async def cmd_member_links(args: argparse.Namespace) -> int:
    """Every link between a chat user and a member, and how it was made (--pending: the claims)."""
    from bot.people.links import PLATFORM_NAMES, list_links

    async with _database() as db:
        rows = await list_links(db, pending=args.pending)
    if not rows:
        print("No claims waiting for the secretariat." if args.pending else "No chat user is linked yet.")
        return 0
    for row in rows:
        print(f"{row.member}: {PLATFORM_NAMES[row.platform]} {row.user_id} ({row.kind}; {row.rights} rights)")
    if args.pending:
        print("Confirm: tmag-bot member confirm NAME --slack ID (or --teams ID). Reject: member unlink NAME.")
    return 0


def _platform_id(args: argparse.Namespace) -> tuple[str, str]:
    if bool(args.slack) == bool(args.teams):
        raise CliError("give one of --slack ID or --teams ID")
    return ("slack", args.slack) if args.slack else ("teams", args.teams)


async def cmd_member_confirm(args: argparse.Namespace) -> int:
    from bot.people.identity import operator
    from bot.people.links import confirm_link

    platform, user_id = _platform_id(args)
    clock = _clock(args)
    async with _database() as db:
        async with db.read() as session:
            by = await operator(session, _operator())
        outcome = await confirm_link(db, clock, args.name, platform, user_id, by=by)
    return _outcome(outcome)


async def cmd_member_unlink(args: argparse.Namespace) -> int:
    from bot.people.identity import operator
    from bot.people.links import unlink_member

    platform = "slack" if args.slack else "teams" if args.teams else None
    clock = _clock(args)
    async with _database() as db:
        async with db.read() as session:
            by = await operator(session, _operator())
        outcome = await unlink_member(db, clock, args.name, platform, by=by)
    return _outcome(outcome)


async def cmd_member_import(args: argparse.Namespace) -> int:
    """A members list (CSV: name, email, organisation, role), all in or nothing."""
    from bot.people.roster import RosterError, import_roster, read_csv

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        rows = read_csv(path.name, data)
        async with _database() as db:
            result = await import_roster(db, _clock(args), rows, by=_operator())
    except RosterError as exc:
        raise CliError(str(exc)) from None
    print(f"{path.name}: {result.line()}.")
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
            await _operator_as(db, args.as_),
            clock,
            text=args.text,
            group_code=await _group(db, args.group),
            owner=args.owner,
            due=due,
            area=args.area,
            ref=args.ref,
        )
    return _outcome(result)


async def _group(db, named: str | None) -> str:
    """The group a command is about: as named, else by the one rule (bot/conversation/groups.py)."""
    from bot.conversation.groups import which_group
    from storage.queries import groups as group_queries

    if named:
        return named.upper()
    async with db.read() as session:
        codes = await group_queries.group_codes(session)
    found = which_group(codes)
    if found is None:
        raise CliError(f"which group? --group one of {', '.join(sorted(codes)) or 'none yet'}")
    return found


async def cmd_decision_add(args: argparse.Namespace) -> int:
    from bot.record.changes import add_decision

    clock = _clock(args)
    async with _database() as db:
        result = await add_decision(
            db,
            await _operator_as(db, args.as_),
            clock,
            text=args.text,
            group_code=await _group(db, args.group),
            area=args.area,
            ref=args.ref,
        )
    return _outcome(result)


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
            post = platform_hook("post_digest")
            if post is None:
                raise CliError("posting needs the platforms (Slack, Teams) installed: pip install -e .")
            return await post(db, clock, next(s for s in slots_for(group, meeting) if s.slot == DIGEST))
    print(json.dumps(digest.to_json(), indent=2) if args.format == "json" else render_digest(digest))
    return 0


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
    digest_email = due_days = None
    if args.digest_email and args.digest_email.lower() != "none":
        from bot.people.members import MemberError, check_email

        try:
            digest_email = check_email(args.digest_email)
        except MemberError as exc:
            raise CliError(f"--digest-email: {exc}") from None
    if args.due_reminders and args.due_reminders.lower() != "none":
        if not args.due_reminders.isdigit() or not 0 < int(args.due_reminders) <= 20:
            raise CliError(f"--due-reminders {args.due_reminders!r}: working days (1 to 20), or none")
        due_days = int(args.due_reminders)
    async with _database() as db, db.write() as session:
        group = await group_queries.ensure_group(
            session, args.code, None, DEFAULT_CADENCES.get(args.code.upper())
        )
        if args.channel:
            group.channel_id = args.channel
        if args.secretariat_channel:
            group.secretariat_channel = (
                None if args.secretariat_channel == "none" else args.secretariat_channel
            )
        if args.digest_days is not None:
            group.digest_days_before = args.digest_days
        if args.digest_time:
            group.digest_time = args.digest_time
        if args.reminder_time:
            group.reminder_time = None if args.reminder_time == "none" else args.reminder_time
        if cadence:
            group.cadence_week, group.cadence_weekday, group.cadence_time = cadence
        if args.digest_email:
            group.digest_email = digest_email
        if args.due_reminders:
            group.due_reminder_days = due_days
        if args.calendar_token:
            import secrets

            group.calendar_token = None if args.calendar_token == "none" else secrets.token_urlsafe(24)
        token = group.calendar_token
        summary = (
            f"{group.code}: channel {group.channel_id or 'not set'}, digest {group.digest_days_before} "
            f"working days before at {group.digest_time}, reminder {group.reminder_time or 'none'}, "
            f"claims told in {group.secretariat_channel or 'the admins’ direct messages'}, "
            f"digest by email to {group.digest_email or 'no list'}, due-date reminders "
            + (f"{group.due_reminder_days} working days before" if group.due_reminder_days else "none")
        )
    print(summary)
    if args.calendar_token == "new":
        print(f"Calendar: /calendar/{args.code.upper()}.ics?token={token} (on the bot's HTTP address)")
    elif args.calendar_token == "none":
        print("Calendar: no subscription address (the old one no longer works)")
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
            same = await export_data(source, personal=True) == await export_data(target, personal=True)
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


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The command line. The platforms' commands are plugged in unless `argv` names one of the core's
    own (finding them costs a scan of the installed packages, which a quick question need not pay)."""
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
    exp.add_argument(
        "--with-personal-data",
        action="store_true",
        help="json: members' emails, chat links and the identity audit trail; xlsx: members' emails "
        "(left out by default)",
    )
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
    digest.add_argument("--group", help="the group (default: DEFAULT_GROUP, or the only one)")
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
    group_set.add_argument(
        "--secretariat-channel",
        metavar="C",
        help="Slack channel id where the secretariat is told of identity claims (none: by DM to the admins)",
    )
    group_set.add_argument("--digest-days", type=int, help="UK working days before the meeting (default 2)")
    group_set.add_argument("--digest-time", help="time of the digest (default 09:00)")
    group_set.add_argument(
        "--reminder-time", help="time of the reminder on the day (default 08:30; none for none)"
    )
    group_set.add_argument("--cadence", help="e.g. 'third Wednesday 10:00'")
    group_set.add_argument(
        "--digest-email", metavar="ADDRESS", help="also email the whole digest to this (list) address; none"
    )
    group_set.add_argument(
        "--due-reminders",
        metavar="N",
        help="remind owners N UK working days before an action falls due (default 3; none for none)",
    )
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

    member = commands.add_parser("member", help="members and their chat links").add_subparsers(
        dest="member_command", required=True, metavar="ACTION"
    )
    add = member.add_parser("add", help="add a member, or complete one already known")
    add.add_argument("name")
    add.add_argument("--initials")
    add.add_argument("--role", help='e.g. "Test Architect", "iDNO Representative", "PMO"')
    add.add_argument("--org", help="organisation, e.g. Programme, Elexon")
    add.add_argument(
        "--email", help="their email (verifies their chat link; never shown to other members); none clears it"
    )
    add.add_argument(
        "--alias", action="append", help="another name they go by, e.g. kate.goodman (repeatable)"
    )
    add.add_argument("--slack-id", help="their Slack user id, e.g. U0123ABCD (a confirmed link)")
    add.add_argument("--teams-id", help="their Entra object id (Teams), e.g. 9b6c3e0c-... (a confirmed link)")
    add.add_argument("--group", action="append", help="a group they sit on, e.g. TMAG (repeatable)")
    add.add_argument(
        "--secretariat", action=argparse.BooleanOptionalAction, default=None, help="may change any action"
    )
    add.add_argument("--chair", action=argparse.BooleanOptionalAction, default=None)
    add.add_argument("--now", help=now_help)
    add.set_defaults(handler=cmd_member_add)
    listing = member.add_parser("list", help="list members (with email addresses the mail server refused)")
    listing.set_defaults(handler=cmd_member_list)
    setting = member.add_parser("set", help="how a member is sent digests and reminders")
    setting.add_argument("name")
    setting.add_argument(
        "--notify",
        required=True,
        choices=("auto", "chat", "email", "both"),
        help="auto (default): by chat where they can be reached there, else by email; chat: never email; "
        "email: email only; both",
    )
    setting.add_argument("--now", help=now_help)
    setting.set_defaults(handler=cmd_member_set)
    links_ = member.add_parser("links", help="chat users linked to members, and how each link was made")
    links_.add_argument("--pending", action="store_true", help="only claims waiting for the secretariat")
    links_.set_defaults(handler=cmd_member_links)
    confirm = member.add_parser("confirm", help="confirm that a chat user is a member (their rights follow)")
    confirm.add_argument("name")
    confirm.add_argument("--slack", metavar="ID", help="the Slack user id")
    confirm.add_argument("--teams", metavar="ID", help="the Teams user's Entra object id")
    confirm.add_argument("--now", help=now_help)
    confirm.set_defaults(handler=cmd_member_confirm)
    unlink = member.add_parser("unlink", help="unlink a member from their chat users (or reject a claim)")
    unlink.add_argument("name")
    unlink.add_argument("--slack", action="store_true", help="only their Slack user")
    unlink.add_argument("--teams", action="store_true", help="only their Teams user")
    unlink.add_argument("--now", help=now_help)
    unlink.set_defaults(handler=cmd_member_unlink)
    roster = member.add_parser("import", help="add members from a CSV (name, email, organisation, role)")
    roster.add_argument("file", metavar="FILE.csv")
    roster.add_argument("--now", help=now_help)
    roster.set_defaults(handler=cmd_member_import)

    action = commands.add_parser("action", help="add an action by hand").add_subparsers(
        dest="action_command", required=True, metavar="ACTION"
    )
    action_add = action.add_parser("add", help="add an action (secretariat only)")
    action_add.add_argument("text")
    action_add.add_argument("--group", help="the group (default: DEFAULT_GROUP, or the only one)")
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
    decision_add.add_argument("--group", help="the group (default: DEFAULT_GROUP, or the only one)")
    decision_add.add_argument("--area")
    decision_add.add_argument("--ref")
    decision_add.add_argument("--as", dest="as_", metavar="NAME", required=True)
    decision_add.add_argument("--now", help=now_help)
    decision_add.set_defaults(handler=cmd_decision_add)

    report = commands.add_parser("report", help="the next headline report").add_subparsers(
        dest="report_command", required=True, metavar="ACTION"
    )
    draft = report.add_parser("draft", help="draft a meeting's headline report in Word, to finish by hand")
    draft.add_argument("--group", help="the group (default: DEFAULT_GROUP, or the only one)")
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
    named = next(
        (word for word in (sys.argv[1:] if argv is None else argv) if not word.startswith("-")), None
    )
    if named not in commands.choices:
        platform_commands(commands)
    return parser


# What the platforms plug into the command line (handlers/cli.py, found through the package's entry
# points, so the core's command line imports nothing of the platforms): their commands (serve, teams
# package) and hooks the core's commands call (post_digest).
PLATFORM_HOOKS: dict = {}
ENTRY_POINTS = "tmag_bot.commands"


def platform_commands(commands) -> None:
    from importlib.metadata import entry_points

    for found in entry_points(group=ENTRY_POINTS):
        found.load()(commands, PLATFORM_HOOKS)


def platform_hook(name: str):
    """A hook the platforms give the core's commands (None without them), looked for when first needed."""
    if name not in PLATFORM_HOOKS:
        platform_commands(argparse.ArgumentParser().add_subparsers())
    return PLATFORM_HOOKS.get(name)


def run() -> int:
    """The `tmag-bot` program: `main` with a quiet start, for a process that ends with the command.
    A caller whose process goes on (the tests) calls `main`, which leaves the garbage collector alone."""
    quiet_start()
    return main()


def main(argv: list[str] | None = None) -> int:
    load_dotenv(find_dotenv(usecwd=True))
    args = build_parser(argv).parse_args(argv)
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
