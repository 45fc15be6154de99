"""SQLAlchemy's aiosqlite dialect with one trip to SQLite's thread per statement instead of four.

aiosqlite runs every call on a thread of its own and hands the result back to the event loop. Through
SQLAlchemy's adapter a statement is four such calls (open a cursor, execute, fetch the rows, close the
cursor), and under load each costs the loop a wake-up: profiled answering members at 30 questions a
second, those trips were most of the time an answer waited on the database. Here the four run as one
call in SQLite's thread, and a rollback or commit with no transaction open makes none. Everything else
(transactions, errors, pooling) is SQLAlchemy's own dialect.

Registered as the driver `sqlite+tmag_aiosqlite`; storage/db.py names it in the URLs it builds.
"""

from __future__ import annotations

import collections

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)

DRIVER = "sqlite+tmag_aiosqlite"


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor that keeps what a statement returned (rows, description, counts) and never holds one of
    SQLite's cursors open between calls."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection):
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None
        self._soft_closed_memoized = {}
        self._rows = collections.deque()
        self._description = None
        self._rowcount = -1
        self._lastrowid = None
        self._arraysize = 1

    @property
    def description(self):
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self):
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _execute_async(self, operation, parameters):
        connection = self._connection

        def run():
            # In SQLite's thread, on its connection (aiosqlite keeps it as _conn).
            cursor = connection._conn.cursor()
            try:
                if parameters is None:
                    cursor.execute(operation)
                else:
                    cursor.execute(operation, parameters)
                rows = cursor.fetchall() if cursor.description else []
                return cursor.description, cursor.rowcount, cursor.lastrowid, rows
            finally:
                cursor.close()

        async with self._adapt_connection._execute_mutex:
            self._description, self._rowcount, self._lastrowid, rows = await connection._execute(run)
        self._rows = collections.deque(rows)

    async def _executemany_async(self, operation, seq_of_parameters):
        connection = self._connection

        def run():
            cursor = connection._conn.cursor()
            try:
                cursor.executemany(operation, seq_of_parameters)
                return cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        async with self._adapt_connection._execute_mutex:
            self._rowcount, self._lastrowid = await connection._execute(run)
            self._description = None

    async def _async_soft_close(self) -> None:
        """Nothing to close: no cursor is held open."""

    def close(self) -> None:
        self._rows.clear()

    def nextset(self) -> None:
        self._rows.clear()
        return None

    def setinputsizes(self, *inputsizes) -> None:
        return None


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor

    # SQLAlchemy rolls back every connection it returns to the pool, after the session's own rollback
    # or commit has ended its transaction: under load those no-op trips were a quarter of all (six a
    # request). SQLite says whether a transaction is open (read without a trip; nothing of ours runs
    # on the connection meanwhile), and only then is there anything to end.
    def _in_transaction(self) -> bool:
        raw = self._connection._connection
        return raw is not None and raw.in_transaction

    def rollback(self) -> None:
        if self._in_transaction():
            super().rollback()

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *args, **kwargs) -> OneTripConnection:
        adapted = super().connect(*args, **kwargs)
        return OneTripConnection(self, adapted._connection)


class OneTripDialect(SQLiteDialect_aiosqlite):
    supports_statement_cache = True  # the SQL it compiles is the parent dialect's, unchanged

    @classmethod
    def import_dbapi(cls) -> OneTripDBAPI:
        return OneTripDBAPI(__import__("aiosqlite"), __import__("sqlite3"))


registry.register("sqlite.tmag_aiosqlite", __name__, "OneTripDialect")
