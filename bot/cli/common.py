"""What every command shares: its clock, its database, who it acts as, and how it ends."""

from __future__ import annotations

import argparse
import getpass
import sys
from contextlib import asynccontextmanager

from bot.calendar.clock import Clock, parse_now
from bot.cli.errors import CliError
from bot.conversation.groups import which_group
from bot.people.identity import identify, operator
from bot.runtime import started
from storage.db import DatabaseUnavailable, describe, open_database
from storage.queries import documents as document_queries
from storage.queries import groups as group_queries


def clock_of(args: argparse.Namespace) -> Clock:
    try:
        return parse_now(getattr(args, "now", None))
    except ValueError:
        raise CliError(f"--now {args.now!r} is not an ISO date and time (e.g. 2023-09-01T09:00)") from None


@asynccontextmanager
async def database(*, bulk: bool = False, needs_record: bool = False):
    """The database, migrated and open for the length of one command. `needs_record`: a command that
    reads the record says so when nothing has been imported, rather than giving empty answers."""

    try:
        db = await open_database(bulk=bulk)
    except DatabaseUnavailable as exc:
        raise CliError(str(exc)) from None
    started()
    try:
        if needs_record and not await has_record(db):
            raise CliError(f"no reports imported yet in {describe(db.url)} (tmag-bot import FILE...)")
        yield db
    finally:
        await db.close()


async def has_record(db) -> bool:

    async with db.read() as session:
        return await document_queries.anything_recorded(session)


def outcome_code(result) -> int:
    """A change's message: on stdout and exit 0 if it was made, on stderr and exit 1 if refused."""
    print(result.message, file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


def first_line(exc: Exception) -> str:
    return (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]


def login_name() -> str:
    """Who runs the command line, for the audit trail when --as does not say: the secretariat's login."""

    try:
        return getpass.getuser()
    except Exception:  # no login name (a container): the command line itself
        return "cli"


async def asking_as(db, who: str | None):
    """Who a question is asked as (`ask --as NAME`): a name gives no rights, and asking needs none."""

    async with db.read() as session:
        return await identify(session, who)


async def changing_as(db, who: str | None):
    """Who a change is recorded as (`--as NAME`): the command line changes with the secretariat's
    rights, whoever holds the database."""

    async with db.read() as session:
        return await operator(session, who)


async def group_named(db, named: str | None) -> str:
    """The group a command is about: as named, else by the one rule (bot/conversation/groups.py)."""

    if named:
        return named.upper()
    async with db.read() as session:
        codes = await group_queries.group_codes(session)
    found = which_group(codes)
    if found is None:
        raise CliError(f"which group? --group one of {', '.join(sorted(codes)) or 'none yet'}")
    return found
