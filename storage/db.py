"""The database: one SQLite file (WAL, foreign keys, busy timeout), upgraded in place by Alembic."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

log = logging.getLogger("tmag-bot.db")

DEFAULT_URL = "sqlite:///tmag-bot.db"
BUSY_TIMEOUT_MS = 10_000
WRITE_ATTEMPTS = 3  # a write the database refused as busy is tried this many times in all
T = TypeVar("T")


class DatabaseBusy(Exception):
    """A write the database kept refusing (another process held it for the whole wait): nothing was
    written. The message is for the person whose request it was."""

    def __init__(self) -> None:
        super().__init__(
            "The record is busy right now (a large import is probably running), so nothing was changed. "
            "Please try again in a minute."
        )


class DatabaseUnavailable(Exception):
    """The database cannot be opened (a malformed DATABASE_URL, a path that cannot be created or
    opened): the message says which and why, in one line."""


def describe(url: str) -> str:
    """The database as people know it: the SQLite file's name, or the server and database."""
    try:
        parsed = make_url(url)
    except Exception:
        return url
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or "memory"
    return parsed.render_as_string(hide_password=True)


def is_transient(exc: BaseException) -> bool:
    """A write refused for now, not for good: SQLite's lock held past the busy timeout; (PostgreSQL)
    a serialization failure or a deadlock."""
    original = getattr(exc, "orig", exc)
    text = str(original).lower()
    if "database is locked" in text or "database table is locked" in text or "database is busy" in text:
        return True
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return code in {"40001", "40P01"}


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_URL


def _driver_url(url: str, driver: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise ValueError(f"DATABASE_URL must be a SQLite URL, got {parsed.get_backend_name()!r}")
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


# SQLite copies the WAL back into the database file (and syncs it) once the WAL reaches this many
# pages. Its default suits a serving bot; importing reports in bulk writes about 80 pages a report,
# so it would stop for a checkpoint every dozen reports.
SERVING_CHECKPOINT_PAGES = 1000
BULK_CHECKPOINT_PAGES = 10_000  # at most about 40 MB of WAL, emptied when the bulk run closes


def _tune_sqlite(
    sync_engine: Engine,
    checkpoint_pages: int = SERVING_CHECKPOINT_PAGES,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
) -> None:
    """WAL, foreign keys and a busy timeout on every connection; writers take the lock up front.

    pysqlite's own transaction handling starts transactions lazily (a read can't later be
    upgraded to a write once another process holds the lock), so SQLAlchemy issues BEGIN itself:
    IMMEDIATE for sessions opened with `writing=True`, plain BEGIN otherwise.
    """

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint = {checkpoint_pages}")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection) -> None:
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def ensure_parent_dir(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def sync_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    engine = create_engine(_driver_url(url, "sqlite+pysqlite"))
    _tune_sqlite(engine)
    return engine


def migrate(url: str | None = None) -> None:
    """Create or upgrade the schema to the newest migration (safe with several processes at once)."""
    from alembic import command
    from alembic.config import Config

    url = url or database_url()
    ensure_parent_dir(url)
    config = Config()
    config.set_main_option("script_location", "storage:migrations")
    config.set_main_option("sqlalchemy.url", _driver_url(url, "sqlite+pysqlite"))
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")
    refresh_statistics(url)


def refresh_statistics(url: str | None = None) -> None:
    """Give SQLite's query planner fresh statistics (sampled, so it takes milliseconds). Without them
    it may walk every open action by due date instead of looking up one member's few."""
    engine = sync_engine(url or database_url())
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA analysis_limit = 1000")
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    engine.dispose()


class Database:
    """The async engine and its sessions. Open one per process; `close()` at the end.

    `bulk=True` is for a run of many writes in a row (importing a folder of reports): the WAL may
    grow larger between checkpoints, and is copied back and emptied when the database is closed."""

    def __init__(
        self,
        url: str | None = None,
        *,
        bulk: bool = False,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        write_attempts: int = WRITE_ATTEMPTS,
    ) -> None:
        self.url = url or database_url()
        self.bulk = bulk
        self.write_attempts = write_attempts
        self.engine: AsyncEngine = create_async_engine(_driver_url(self.url, "sqlite+aiosqlite"))
        _tune_sqlite(
            self.engine.sync_engine,
            BULK_CHECKPOINT_PAGES if bulk else SERVING_CHECKPOINT_PAGES,
            busy_timeout_ms,
        )
        self._reader = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        # Things built from whole tables (the member index, search vocabularies), each kept with the
        # table signature it was built from so a change elsewhere rebuilds it.
        self.cache: dict[str, tuple[object, object]] = {}
        self._writer = async_sessionmaker(
            self.engine.execution_options(sqlite_immediate=True),
            class_=AsyncSession,
            expire_on_commit=False,
        )

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._reader() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed whole when the block ends, rolled back whole on any error."""
        async with self._writer() as session, session.begin():
            yield session

    async def transaction(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """`await work(session)` in one write transaction, run again (from the start, in a new
        transaction) if the database refused it as busy; DatabaseBusy if it still does. `work` must do
        nothing outside the database that cannot be done twice."""
        for attempt in range(self.write_attempts):
            try:
                async with self.write() as session:
                    return await work(session)
            except OperationalError as exc:
                if not is_transient(exc):
                    raise
                log.warning(
                    "a write was refused as busy (attempt %d of %d)", attempt + 1, self.write_attempts
                )
                if attempt + 1 == self.write_attempts:
                    raise DatabaseBusy() from exc
                await asyncio.sleep(0.05 * 2**attempt)
        raise DatabaseBusy()

    async def close(self) -> None:
        if self.bulk:
            async with self.engine.connect() as connection:
                await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        await self.engine.dispose()


async def open_database(url: str | None = None, *, bulk: bool = False) -> Database:
    """Migrate (in a worker thread, Alembic is synchronous) and open the database; DatabaseUnavailable,
    with the reason in one line, if it cannot be."""
    url = url or database_url()
    try:
        await asyncio.to_thread(migrate, url)
        return Database(url, bulk=bulk)
    except (ValueError, ArgumentError) as exc:
        raise DatabaseUnavailable(f"DATABASE_URL {url!r} is not a database URL I can use: {exc}") from None
    except (OperationalError, OSError) as exc:
        reason = getattr(exc, "orig", None) or getattr(exc, "strerror", None) or exc
        raise DatabaseUnavailable(f"cannot open the database {describe(url)}: {reason}") from None
