"""`db check` and `db copy`: the database itself."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.cli.common import database
from bot.cli.errors import CliError
from bot.record.exporter import export_data
from storage.copy import CopyDiffers, TargetNotEmpty, copy_record, empty_record, row_counts
from storage.db import (
    SQLITE,
    DatabaseUnavailable,
    database_url,
    describe,
    dialect_of,
    open_database,
    schema_state,
)


async def cmd_db_check(args: argparse.Namespace) -> int:
    """The database's kind, its schema revision and whether it is current; exit 1 when it is not (or
    cannot be reached), so it serves as a deployment check. Changes nothing."""

    url = database_url()
    try:
        kind = dialect_of(url)
    except Exception as exc:
        raise CliError(f"DATABASE_URL {url!r} is not a database URL I can use: {exc}") from None
    print(f"database: {'SQLite' if kind == SQLITE else 'PostgreSQL'} {describe(url)}")
    if kind == SQLITE:
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

    async with database() as source:
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
