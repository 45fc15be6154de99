"""`meetings`, `digest` and `group set`: the calendar, digests and each group's settings."""

from __future__ import annotations

import argparse
import json
import re
import secrets
import sys
from pathlib import Path

from bot.calendar.cadence import DEFAULT_CADENCES, parse_cadence
from bot.calendar.ics import group_calendar
from bot.calendar.schedule import MeetingNotFound, find_meeting
from bot.cli.common import (
    clock_of,
    database,
)
from bot.cli.errors import CliError
from bot.cli.platforms import platform_hook
from bot.digests.compose import compose_digest, render_digest
from bot.digests.timing import DIGEST, slots_for, upcoming_with_digests
from bot.people.members import MemberError, check_email
from storage.queries import groups as group_queries


async def cmd_meetings(args: argparse.Namespace) -> int:

    clock = clock_of(args)
    if args.format == "ics":
        async with database() as db:
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
    async with database() as db, db.read() as session:
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

    try:
        return await find_meeting(session, args.group, args.meeting, clock.now())
    except MeetingNotFound as exc:
        raise CliError(str(exc)) from None


async def cmd_digest(args: argparse.Namespace) -> int:

    clock = clock_of(args)
    async with database(needs_record=True) as db:
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

    for name in ("digest_time", "reminder_time"):
        value = getattr(args, name)
        if value and value != "none" and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise CliError(f"--{name.replace('_', '-')} {value!r} is not a time like 09:00")
    cadence = parse_cadence(args.cadence) if args.cadence else None
    if args.cadence and cadence is None:
        raise CliError(f"--cadence {args.cadence!r}: say it like 'third Wednesday 10:00'")
    digest_email = due_days = None
    if args.digest_email and args.digest_email.lower() != "none":
        try:
            digest_email = check_email(args.digest_email)
        except MemberError as exc:
            raise CliError(f"--digest-email: {exc}") from None
    if args.due_reminders and args.due_reminders.lower() != "none":
        if not args.due_reminders.isdigit() or not 0 < int(args.due_reminders) <= 20:
            raise CliError(f"--due-reminders {args.due_reminders!r}: working days (1 to 20), or none")
        due_days = int(args.due_reminders)
    async with database() as db, db.write() as session:
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
