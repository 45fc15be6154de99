"""`member add|list|set|links|confirm|unlink|import`: the members and their links."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.calendar.clock import to_london
from bot.cli.common import (
    clock_of,
    database,
    login_name,
    outcome_code,
)
from bot.cli.errors import CliError
from bot.digests.reach import set_notify
from bot.people.identity import operator
from bot.people.links import PLATFORM_NAMES, confirm_link, list_links, unlink_member
from bot.people.members import MemberError, add_member, match_member
from bot.people.roster import RosterError, import_roster, read_csv
from storage.queries import members as member_queries


async def cmd_member_add(args: argparse.Namespace) -> int:

    clock = clock_of(args)
    try:
        async with database() as db, db.write() as session:
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
                by=login_name(),
            )
            name = change.member.name
    except MemberError as exc:
        raise CliError(str(exc)) from None
    print(f"{'Added' if change.created else 'Updated'} member {name}.")
    return 0


async def cmd_member_list(args: argparse.Namespace) -> int:

    async with database() as db, db.read() as session:
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

    clock = clock_of(args)
    async with database() as db:
        async with db.read() as session:
            member, guessed = await match_member(session, args.name)
            by = await operator(session, login_name())
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

    async with database() as db:
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

    platform, user_id = _platform_id(args)
    clock = clock_of(args)
    async with database() as db:
        async with db.read() as session:
            by = await operator(session, login_name())
        outcome = await confirm_link(db, clock, args.name, platform, user_id, by=by)
    return outcome_code(outcome)


async def cmd_member_unlink(args: argparse.Namespace) -> int:

    platform = "slack" if args.slack else "teams" if args.teams else None
    clock = clock_of(args)
    async with database() as db:
        async with db.read() as session:
            by = await operator(session, login_name())
        outcome = await unlink_member(db, clock, args.name, platform, by=by)
    return outcome_code(outcome)


async def cmd_member_import(args: argparse.Namespace) -> int:
    """A members list (CSV: name, email, organisation, role), all in or nothing."""

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        rows = read_csv(path.name, data)
        async with database() as db:
            result = await import_roster(db, clock_of(args), rows, by=login_name())
    except RosterError as exc:
        raise CliError(str(exc)) from None
    print(f"{path.name}: {result.line()}.")
    return 0
