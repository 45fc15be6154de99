"""Where a benchmark runs: a fresh SQLite file, and (with --database URL) a fresh database on that
PostgreSQL server too, so the two sets of figures come out side by side in one run."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.db import POSTGRES, dialect_of, execute_outside_transaction


def add_argument(parser) -> None:
    parser.add_argument(
        "--database",
        metavar="URL",
        help="also run on this PostgreSQL server (a fresh database is made on it and dropped after); "
        "SQLite always runs",
    )
    parser.add_argument("--skip-sqlite", action="store_true", help="with --database: run on it alone")


def kinds(url: str | None, *, skip_sqlite: bool = False) -> list[str | None]:
    """SQLite (None), then the given server's URL (`skip_sqlite`: the server's alone, for a size too
    large to build twice in one sitting)."""
    if url and dialect_of(url) != POSTGRES:
        raise SystemExit("--database must be a PostgreSQL URL (SQLite always runs)")
    if skip_sqlite and not url:
        raise SystemExit("--skip-sqlite needs --database")
    return [url] if skip_sqlite else [None, url] if url else [None]


def label(url: str | None) -> str:
    return "SQLite" if url is None else "PostgreSQL"


async def _admin(url: str, statement: str) -> None:
    await execute_outside_transaction(url, statement, database="postgres")


@asynccontextmanager
async def fresh(server: str | None, folder: Path, name: str) -> AsyncIterator[str]:
    """The URL of an empty database: a SQLite file in `folder`, or a new database on `server`."""
    if server is None:
        yield f"sqlite:///{folder / f'{name}.db'}"
        return
    database = f"tmag_bench_{name}_{os.getpid()}"
    await _admin(server, f'CREATE DATABASE "{database}"')
    try:
        yield (
            make_url(server)
            .set(drivername="postgresql+asyncpg", database=database)
            .render_as_string(hide_password=False)
        )
    finally:
        await _admin(server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


async def after_bulk_load(url: str) -> None:
    """PostgreSQL: VACUUM ANALYZE, as autovacuum does soon after a bulk load (until then index-only
    scans still visit the table). SQLite needs nothing here."""
    if dialect_of(url) == POSTGRES:
        await execute_outside_transaction(url, "VACUUM ANALYZE")
