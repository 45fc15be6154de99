"""The database: one SQLite file (WAL, foreign keys, busy timeout) by default, or a PostgreSQL server
(asyncpg, a connection pool) for a programme office; either upgraded in place by Alembic on start."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import sqlite3
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.snapshot import create_from_snapshot
from storage.sqlite_driver import DRIVER as SQLITE_ASYNC_DRIVER
from storage.text import clean_parameters

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


class _Cancelled(Exception):
    """A transaction whose caller was cancelled while it ran: rolled back."""


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


def _sqlstate(exc: BaseException) -> str | None:
    original = getattr(exc, "orig", exc)
    return getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)


def is_transient(exc: BaseException) -> bool:
    """A write refused for now, not for good: SQLite's lock held past the busy timeout; (PostgreSQL)
    a serialization failure, a deadlock, or a unique key another transaction took meanwhile (two
    replicas both creating the same row: run again, the work finds the row the other committed)."""
    text = str(getattr(exc, "orig", exc)).lower()
    if "database is locked" in text or "database table is locked" in text or "database is busy" in text:
        return True
    return _sqlstate(exc) in {"40001", "40P01", UNIQUE_VIOLATION}


UNIQUE_VIOLATION = "23505"


def write_refusal(exc: BaseException) -> str:
    """Why the database refused a write, in a word or two: read-only (a read-only file or connection,
    PostgreSQL's read-only transactions), disk full, busy (for now), or unavailable."""
    text = str(getattr(exc, "orig", exc)).lower()
    state = _sqlstate(exc)
    if "readonly" in text or "read-only" in text or state == "25006":
        return "read-only"
    if "disk is full" in text or "no space left" in text or state == "53100":
        return "disk full"
    if is_transient(exc):
        return "busy"
    return "unavailable"


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_URL


SQLITE, POSTGRES = "sqlite", "postgresql"


def _parsed(url: str):
    if url.startswith("postgres://"):  # what hosting services hand out
        url = "postgresql://" + url[len("postgres://") :]
    parsed = make_url(url)
    if parsed.get_backend_name() not in (SQLITE, POSTGRES):
        raise ValueError(
            f"DATABASE_URL must be a SQLite or PostgreSQL URL, got {parsed.get_backend_name()!r}"
        )
    return parsed


def dialect_of(url: str) -> str:
    """sqlite or postgresql."""
    return _parsed(url).get_backend_name()


def _driver_url(url: str, driver: str | None = None) -> str:
    """The URL with the driver this code uses: aiosqlite (storage/sqlite_driver.py) or asyncpg, or (a
    synchronous connection of its own, for bulk work) pysqlite or psycopg."""
    parsed = _parsed(url)
    if parsed.get_backend_name() == POSTGRES and not (driver or "").startswith(POSTGRES):
        driver = "postgresql+asyncpg"
    return parsed.set(drivername=driver or SQLITE_ASYNC_DRIVER).render_as_string(hide_password=False)


def _pool_settings() -> dict:
    """PostgreSQL connection pool sizes (DB_POOL_SIZE, DB_MAX_OVERFLOW): per process."""

    def number(name: str, default: int) -> int:
        value = (os.environ.get(name) or "").strip()
        return int(value) if value.isdigit() else default

    return {"pool_size": number("DB_POOL_SIZE", 5), "max_overflow": number("DB_MAX_OVERFLOW", 10)}


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

    A bulk run (checkpoint_pages at BULK_CHECKPOINT_PAGES) also keeps its temporary files in memory:
    each INSERT into a table with triggers writes a statement journal, and a folder of reports runs
    thousands of them; a serving bot keeps SQLite's default, so that a large sort can spill to disk.
    """
    bulk = checkpoint_pages >= BULK_CHECKPOINT_PAGES

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint = {checkpoint_pages}")
        if bulk:
            cursor.execute("PRAGMA temp_store = MEMORY")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection) -> None:
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _clean_text_on(engine: Engine) -> None:
    """Every text parameter of every statement on `engine` cleaned (storage/text.py): nothing stored can
    break an export, and no NUL or lone surrogate reaches a driver that would refuse it."""

    event.listen(engine, "before_cursor_execute", clean_parameters, retval=True)


def ensure_parent_dir(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def sync_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    engine = create_engine(_driver_url(url, "sqlite+pysqlite"))
    _tune_sqlite(engine)
    return engine


def _alembic_config(url: str):
    # Alembic here, not at the top: only opening a database runs migrations.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "storage:migrations")
    config.set_main_option(
        "sqlalchemy.url",
        _driver_url(url, "sqlite+pysqlite") if dialect_of(url) == SQLITE else _driver_url(url),
    )
    config.attributes["configure_logger"] = False
    return config


def migrate(url: str | None = None) -> None:
    """Create or upgrade the schema to the newest migration (safe with several processes at once). A
    new SQLite database is made from the migrations' snapshot in one step (storage/snapshot.py)."""
    url = url or database_url()
    if dialect_of(url) == SQLITE:
        ensure_parent_dir(url)
        engine = sync_engine(url)
        try:
            created = create_from_snapshot(engine)
        finally:
            engine.dispose()
        if not created:
            from alembic import command

            command.upgrade(_alembic_config(url), "head")
        refresh_statistics(url)
        return
    from alembic import command

    asyncio.run(_on_postgres(url, lambda connection, config: command.upgrade(config, "head")))


async def _on_postgres(url: str, work):
    """`work(connection, alembic config)` on a synchronous view of an asyncpg connection, in one
    transaction (Alembic is synchronous; asyncpg is the only PostgreSQL driver this code uses)."""
    engine = create_async_engine(_driver_url(url), poolclass=NullPool)
    try:
        async with engine.connect() as connection:

            def run(sync_connection):
                config = _alembic_config(url)
                config.attributes["connection"] = sync_connection
                return work(sync_connection, config)

            found = await connection.run_sync(run)
            await connection.commit()
            return found
    finally:
        await engine.dispose()


def schema_state(url: str | None = None) -> tuple[str | None, str]:
    """(the database's schema revision, the newest this code knows)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    url = url or database_url()
    head = ScriptDirectory.from_config(_alembic_config(url)).get_current_head()

    def current(connection, _config=None) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    if dialect_of(url) == SQLITE:
        engine = sync_engine(url)
        try:
            with engine.connect() as connection:
                return current(connection), head
        finally:
            engine.dispose()
    return asyncio.run(_on_postgres(url, current)), head


def refresh_statistics(url: str | None = None) -> None:
    """Give the query planner fresh statistics. Without them SQLite may walk every open action by due
    date instead of looking up one member's few. (Sampled on SQLite, so it takes milliseconds.)"""
    url = url or database_url()
    if dialect_of(url) == POSTGRES:
        asyncio.run(_on_postgres(url, lambda connection, _config: connection.exec_driver_sql("ANALYZE")))
        return
    engine = sync_engine(url)
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
        self.dialect = dialect_of(self.url)
        self.busy_timeout_ms = busy_timeout_ms
        self._sync_engine: Engine | None = None  # bulk work's own synchronous connections
        self.bulk = bulk
        self.write_attempts = write_attempts
        if self.dialect == POSTGRES:
            # Each process keeps its own pool; a write is one transaction at read committed, its claims
            # and locks (unique keys, ON CONFLICT, row locks) making concurrent writers safe.
            # A serving process checks a pooled connection before use (a server restarted or failed over
            # meanwhile); a bulk run is short-lived and spares the round trip per transaction.
            self.engine: AsyncEngine = create_async_engine(
                _driver_url(self.url), pool_pre_ping=not bulk, **_pool_settings()
            )
        else:
            self.engine = create_async_engine(_driver_url(self.url))
            _tune_sqlite(
                self.engine.sync_engine,
                BULK_CHECKPOINT_PAGES if bulk else SERVING_CHECKPOINT_PAGES,
                busy_timeout_ms,
            )
        _clean_text_on(self.engine.sync_engine)
        self._reader = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        # Things built from whole tables (the member index, search vocabularies), each kept with the
        # table signature it was built from so a change elsewhere rebuilds it.
        self.cache: dict[str, tuple[object, object]] = {}
        self._write_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
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
        async with self._turn_to_write(), self._writer() as session, session.begin():
            yield session

    @asynccontextmanager
    async def _turn_to_write(self) -> AsyncIterator[None]:
        """SQLite: this loop's writers take turns before asking SQLite for its lock. SQLite lets one
        writer in at a time and makes the others poll, sleeping longer each time (up to 100 ms), so a
        burst of Mark done presses waited on the polls far longer than on the writes (BEGIN IMMEDIATE
        172 ms on average at 30 requests a second); queued here, each starts as the last one ends.
        Another process, or a write already holding the turn further up, is still met by SQLite's own
        wait: past the busy timeout the turn is given up and SQLite decides."""
        if self.dialect != SQLITE:
            yield
            return
        loop = asyncio.get_running_loop()
        turn = self._write_turns.get(loop)
        if turn is None:
            turn = self._write_turns[loop] = asyncio.Lock()
        try:
            async with asyncio.timeout(self.busy_timeout_ms / 1000):
                await turn.acquire()
        except TimeoutError:
            yield
            return
        try:
            yield
        finally:
            turn.release()

    async def transaction(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """`await work(session)` in one write transaction, run again (from the start, in a new
        transaction) if the database refused it as busy; DatabaseBusy if it still does. `work` must do
        nothing outside the database that cannot be done twice."""

        async def once() -> T:
            async with self.write() as session:
                return await work(session)

        return await self._retried(once)

    async def connection_transaction(self, work: Callable[[Connection], T], *, in_thread: bool = True) -> T:
        """`work(connection)` (synchronous SQLAlchemy Core) in one write transaction, retried as
        `transaction` is. It runs on a synchronous connection of its own (pysqlite or psycopg), in a
        worker thread when `in_thread`: its statements never wait on the event loop, nor it on them."""

        async def once() -> T:
            if not in_thread:
                return self._on_own_connection(work, threading.Event())
            return await self._in_thread(work)

        return await self._retried(once)

    async def _retried(self, once: Callable[[], Awaitable[T]]) -> T:
        """`once()` again, a bounded number of times with jitter, while the database refuses it for now;
        then DatabaseBusy (or, for a unique key taken every time, the real conflict)."""
        for attempt in range(self.write_attempts):
            try:
                return await once()
            except DBAPIError as exc:
                if not is_transient(exc):
                    raise
                log.warning(
                    "a write was refused for now (%s; attempt %d of %d)",
                    "busy" if self.dialect == SQLITE else "serialization failure, deadlock or taken key",
                    attempt + 1,
                    self.write_attempts,
                )
                if attempt + 1 == self.write_attempts:
                    if _sqlstate(exc) == UNIQUE_VIOLATION:
                        raise  # the same key every time: a real conflict, not a race
                    raise DatabaseBusy() from exc
                await asyncio.sleep(0.05 * 2**attempt * (0.5 + random.random()))  # jitter: not in step
        raise DatabaseBusy()

    async def connection_read(
        self, work: Callable[[Connection], T], *, in_thread: bool = True, snapshot: bool = False
    ) -> T:
        """`work(connection)` reading only (synchronous Core), as `connection_transaction` runs it.
        `snapshot`: every statement sees the same moment (SQLite's read transactions always do;
        otherwise on PostgreSQL each statement is its own, with no BEGIN and ROLLBACK around them)."""
        run = partial(self._on_own_connection, work, threading.Event(), writing=False, snapshot=snapshot)
        return await asyncio.to_thread(run) if in_thread else run()

    async def _in_thread(self, work: Callable[[Connection], T]) -> T:
        """Cancelled meanwhile (a shutdown, a client gone): the thread finishes its statements, then
        rolls back instead of committing; the cancellation is passed on once it has."""
        cancelled = threading.Event()
        running = asyncio.ensure_future(asyncio.to_thread(self._on_own_connection, work, cancelled))
        try:
            return await asyncio.shield(running)
        except asyncio.CancelledError:
            cancelled.set()
            with contextlib.suppress(BaseException):
                await running
            raise

    def _own_engine(self) -> Engine:
        if self._sync_engine is None:
            if self.dialect == SQLITE:
                self._sync_engine = create_engine(
                    _driver_url(self.url, "sqlite+pysqlite"), connect_args={"check_same_thread": False}
                )
                _tune_sqlite(
                    self._sync_engine,
                    BULK_CHECKPOINT_PAGES if self.bulk else SERVING_CHECKPOINT_PAGES,
                    self.busy_timeout_ms,
                )
            else:
                self._sync_engine = create_engine(
                    _driver_url(self.url, "postgresql+psycopg"),
                    pool_pre_ping=not self.bulk,
                    **_pool_settings(),
                )
            _clean_text_on(self._sync_engine)
        return self._sync_engine

    def _on_own_connection(
        self,
        work: Callable[[Connection], T],
        cancelled: threading.Event,
        *,
        writing: bool = True,
        snapshot: bool = True,
    ) -> T:
        with self._own_engine().connect() as connection:
            if self.dialect == SQLITE:
                connection = connection.execution_options(sqlite_immediate=writing)
            elif not writing:
                level = "REPEATABLE READ" if snapshot else "AUTOCOMMIT"
                connection = connection.execution_options(isolation_level=level)
                if not snapshot:
                    return work(connection)
            with connection.begin():
                done = work(connection)
                if cancelled.is_set():
                    raise _Cancelled()  # leaves the transaction: rolled back
                return done

    async def close(self) -> None:
        if self.bulk and self.dialect == SQLITE:
            async with self.engine.connect() as connection:
                await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        if self._sync_engine is not None:
            self._sync_engine.dispose()
        await self.engine.dispose()


async def execute_outside_transaction(url: str, *statements: str, database: str | None = None) -> None:
    """PostgreSQL statements that refuse to run in a transaction (CREATE DATABASE, VACUUM), on the
    server `url` names, in `database` if given (e.g. "postgres" to create or drop another)."""
    # Here: only PostgreSQL needs its driver.
    import asyncpg

    parsed = _parsed(url)
    connection = await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database=database or parsed.database,
        timeout=10,
    )
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def _newest_migration() -> str:
    """The newest migration's revision, read from the migrations' file names ("0017_change_sets.py"):
    a quick command checks the schema against it without loading Alembic (a test holds it to Alembic's
    own view of the head)."""
    versions = Path(__file__).with_name("migrations") / "versions"
    return max(name[:4] for name in os.listdir(versions) if name[:4].isdigit() and name.endswith(".py"))


SCHEMA_HEAD = _newest_migration()


def _sqlite_revision(url: str) -> str | None:
    """The schema revision of a SQLite file, read with plain sqlite3 (no Alembic, no engine): None when
    there is no file or no version table yet."""

    path = make_url(url).database
    if not path or path == ":memory:" or not Path(path).expanduser().exists():
        return None
    try:
        connection = sqlite3.connect(f"file:{Path(path).expanduser()}?mode=ro", uri=True, timeout=10)
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None


async def _postgres_revision(db: Database) -> str | None:

    try:
        async with db.read() as session:
            return (await session.exec(text("SELECT version_num FROM alembic_version"))).first()[0]
    except (DBAPIError, TypeError):  # no version table yet, or no row in it
        return None


async def open_database(url: str | None = None, *, bulk: bool = False) -> Database:
    """Open the database, first migrating it (in a worker thread, Alembic is synchronous) unless its
    schema is already current, which is read cheaply so a quick command never loads Alembic;
    DatabaseUnavailable, with the reason in one line, if it cannot be."""
    url = url or database_url()
    try:
        if dialect_of(url) == SQLITE:
            if _sqlite_revision(url) == SCHEMA_HEAD:
                return Database(url, bulk=bulk)
        else:
            db = Database(url, bulk=bulk)
            if await _postgres_revision(db) == SCHEMA_HEAD:
                return db
            await db.close()
        await asyncio.to_thread(migrate, url)
        return Database(url, bulk=bulk)
    except (ValueError, ArgumentError) as exc:
        raise DatabaseUnavailable(f"DATABASE_URL {url!r} is not a database URL I can use: {exc}") from None
    except (DBAPIError, OSError) as exc:
        reason = getattr(exc, "orig", None) or getattr(exc, "strerror", None) or exc
        raise DatabaseUnavailable(f"cannot open the database {describe(url)}: {reason}") from None
