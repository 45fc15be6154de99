"""The importer's reads and writes, as plain SQL on the stdlib connection under the session's transaction.

A report takes some twenty statements. Through the ORM each costs several hops to aiosqlite's thread plus
SQLAlchemy's own work (about 0.8 ms each on a small machine); even bare aiosqlite costs a thread hop
(about 0.13 ms) per statement. Here they run as plain synchronous calls (a few microseconds each), and the
importer runs a whole report in one worker-thread call. The importer is the one bulk writer, so it speaks
SQL; everything else uses the models. Values are written exactly as the models store them: dates as ISO
text, timestamps as UTC "YYYY-MM-DD HH:MM:SS.ffffff", booleans as 0 and 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

T = TypeVar("T")
CHUNK = 500  # rows per multi-row statement (SQLite caps bound values per statement)


def stamp(moment: datetime) -> str:
    """A timestamp as SQLAlchemy stores one in SQLite (UTC, no offset)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _marks(count: int) -> str:
    return ", ".join("?" * count)


@dataclass
class ActionState:
    """A known action as the importer merges a later report into it."""

    id: int
    ref: str
    area: str | None
    text: str
    owner: str | None
    due: date | None
    status: str
    reported_on: date | None
    reported_done: bool = False
    news_on: date | None = None
    # What a later report changed, besides the report date: the wording (area, text, owner; the search
    # index follows it) and the state (due date, status; the owner rows carry copies of it).
    wording_changed: bool = False
    state_changed: bool = False


@dataclass
class MeetingRow:
    id: int
    number: str | None
    date: date
    start: str | None
    end: str | None
    extraordinary: bool
    status: str
    title: str | None
    venue: str | None


class ImportStore:
    """Synchronous statements inside a session's transaction. Use it only while that session awaits
    nothing else, from one thread at a time: the session's own calls share the connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    @classmethod
    async def open(cls, session: AsyncSession) -> ImportStore:
        """The stdlib connection under this session's transaction (begun, so everything lands or nothing
        does). SQLAlchemy opens aiosqlite's connections with check_same_thread=False, so any one thread
        may use it; aiosqlite offers no public accessor for it, hence `_conn` (every import test goes
        through here, so a change in aiosqlite fails loudly)."""
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        store = cls(raw.driver_connection._conn)
        if not store.connection.in_transaction:  # plain statements would each commit on their own
            raise RuntimeError("the import store needs a session inside a transaction")
        return store

    async def call_in_thread(self, work: Callable[..., T], *args) -> T:
        """`work(*args)` in a worker thread, so a report's parsing and statements don't hold up the
        event loop. If the caller is cancelled meanwhile, wait for the thread before passing the
        cancellation on: the session then rolls back on this connection, which must be idle."""
        running = asyncio.ensure_future(asyncio.to_thread(work, *args))
        try:
            return await asyncio.shield(running)
        except asyncio.CancelledError:
            with contextlib.suppress(BaseException):
                await running
            raise

    def rows(self, sql: str, params: Sequence = ()) -> list:
        return self.connection.execute(sql, params).fetchall()

    def run(self, sql: str, params: Sequence = ()) -> None:
        self.connection.execute(sql, params)

    def many(self, sql: str, rows: list[Sequence]) -> None:
        if rows:
            self.connection.executemany(sql, rows)

    def _in(self, sql: str, values: list, before: Sequence = ()) -> list:
        """`sql` with `{}` standing for an IN list, run in chunks."""
        out: list = []
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            out += self.rows(sql.format(_marks(len(chunk))), (*before, *chunk))
        return out

    @staticmethod
    def _insert_sql(table: str, columns: Sequence[str]) -> str:
        quoted = ", ".join(f'"{column}"' for column in columns)  # "by" and "end" are SQL keywords
        return f"INSERT INTO {table} ({quoted}) VALUES ({_marks(len(columns))})"

    def insert_returning(
        self, table: str, columns: Sequence[str], rows: list[Sequence], returning: str
    ) -> list:
        out: list = []
        row_marks = "(" + _marks(len(columns)) + ")"
        quoted = ", ".join(f'"{column}"' for column in columns)
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            sql = (
                f"INSERT INTO {table} ({quoted}) VALUES "
                + ", ".join([row_marks] * len(chunk))
                + f" RETURNING {returning}"
            )
            out += self.rows(sql, [value for row in chunk for value in row])
        return out

    # --- documents and groups ---------------------------------------------------------------

    def claim_document(
        self, file_name: str, sha256: str, fmt: str, at: datetime, by: str | None
    ) -> int | None:
        """Record a document about to be imported: its id, or None if that content was imported before."""
        found = self.rows(
            "INSERT INTO source_document (file_name, sha256, format, imported_at, imported_by) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING RETURNING id",
            (file_name, sha256, fmt, stamp(at), by),
        )
        return found[0][0] if found else None

    def group_codes(self) -> set[str]:
        return {row[0] for row in self.rows("SELECT code FROM working_group")}

    def ensure_group(self, code: str, name: str | None, cadence: tuple[int, int, str] | None) -> int:
        found = self.rows("SELECT id, name FROM working_group WHERE code = ?", (code,))
        if found:
            group_id, known_name = found[0]
            if name and not known_name:
                self.run("UPDATE working_group SET name = ? WHERE id = ?", (name, group_id))
            return group_id
        week, weekday, time = cadence or (None, None, None)
        created = self.rows(
            "INSERT INTO working_group (code, name, ref_prefix, cadence_week, cadence_weekday, cadence_time) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (code, name, code, week, weekday, time),
        )
        return created[0][0]

    # --- meetings ---------------------------------------------------------------------------

    def meetings(
        self, group_id: int, *, number: str | None = None, on: date | None = None
    ) -> list[MeetingRow]:
        where, value = ("number = ?", number) if number is not None else ("date = ?", iso(on))
        found = self.rows(
            'SELECT id, number, date, start, "end", extraordinary, status, title, venue FROM meeting '
            f"WHERE group_id = ? AND {where} ORDER BY id",
            (group_id, value),
        )
        return [MeetingRow(r[0], r[1], _day(r[2]), r[3], r[4], bool(r[5]), r[6], r[7], r[8]) for r in found]

    def save_meeting(self, group_id: int, meeting: MeetingRow | None, values: dict, now: datetime) -> int:
        """Insert a meeting, or update the given one with `values`; its id."""
        values = {
            k: (iso(v) if isinstance(v, date) else int(v) if isinstance(v, bool) else v)
            for k, v in values.items()
        }
        if meeting is None:
            columns = ["group_id", *values, "created_at", "updated_at"]
            row = [group_id, *values.values(), stamp(now), stamp(now)]
            quoted = ", ".join(f'"{c}"' for c in columns)
            return (
                self.rows(f"INSERT INTO meeting ({quoted}) VALUES ({_marks(len(columns))}) RETURNING id", row)
            )[0][0]
        assignments = ", ".join(f'"{c}" = ?' for c in values)
        self.run(
            f"UPDATE meeting SET {assignments}, updated_at = ? WHERE id = ?",
            (*values.values(), stamp(now), meeting.id),
        )
        return meeting.id

    def replace_agenda(self, meeting_id: int, items: list[Sequence]) -> None:
        """items: (position, item, title, objective, kind, lead, start, end)."""
        self.run("DELETE FROM agenda_item WHERE meeting_id = ?", (meeting_id,))
        self.many(
            "INSERT INTO agenda_item "
            '(meeting_id, position, item, title, objective, kind, lead, start, "end") '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(meeting_id, *item) for item in items],
        )

    # --- actions ------------------------------------------------------------------------------

    def actions(self, group_id: int, refs: list[str]) -> dict[str, ActionState]:
        found = self._in(
            "SELECT id, ref, area, text, owner, due, status, reported_on, reported_done, news_on FROM action "
            "WHERE group_id = ? AND ref IN ({})",
            refs,
            (group_id,),
        )
        return {
            r[1]: ActionState(
                r[0], r[1], r[2], r[3], r[4], _day(r[5]), r[6], _day(r[7]), bool(r[8]), _day(r[9])
            )
            for r in found
        }

    def history_texts(self, action_ids: list[int]) -> dict[int, list[str]]:
        """What updates, closes and reopenings already said, per action."""
        out: dict[int, list[str]] = {}
        for action_id, text in self._in(
            "SELECT action_id, text FROM action_event WHERE kind IN ('updated', 'closed', 'reopened') "
            "AND text IS NOT NULL AND action_id IN ({})",
            action_ids,
        ):
            out.setdefault(action_id, []).append(text)
        return out

    ACTION_COLUMNS = (
        "group_id",
        "ref",
        "area",
        "text",
        "owner",
        "due",
        "status",
        "meeting_id",
        "reported_on",
        "reported_done",
        "news_on",
        "created_at",
        "updated_at",
    )

    def insert_actions(self, rows: list[Sequence]) -> list[tuple[int, int, str]]:
        """Rows in ACTION_COLUMNS order; returns (id, group id, ref) of each."""
        return self.insert_returning("action", self.ACTION_COLUMNS, rows, "id, group_id, ref")

    def update_actions(self, states: Iterable[ActionState], now: datetime) -> None:
        """Write back the actions a report touched, each column group only where it changed: triggers
        rewrite the search index on any write to the wording and the owner rows on any write to the
        state, and most actions in a later report are only listed again, or only moved or closed."""
        states, at = list(states), stamp(now)
        self.many(
            "UPDATE action SET area = ?, text = ?, owner = ? WHERE id = ?",
            [(s.area, s.text, s.owner, s.id) for s in states if s.wording_changed],
        )
        self.many(
            "UPDATE action SET due = ?, status = ? WHERE id = ?",
            [(iso(s.due), s.status, s.id) for s in states if s.state_changed],
        )
        self.many(
            "UPDATE action SET reported_on = ?, reported_done = ?, news_on = ?, updated_at = ? WHERE id = ?",
            [(iso(s.reported_on), int(s.reported_done), iso(s.news_on), at, s.id) for s in states],
        )

    EVENT_COLUMNS = (
        "action_id",
        "kind",
        "text",
        "at",
        "recorded_at",
        "by",
        "source",
        "source_document_id",
        "status_before",
        "status_after",
        "due_before",
        "due_after",
    )

    def insert_events(self, rows: list[Sequence]) -> None:
        self.many(self._insert_sql("action_event", self.EVENT_COLUMNS), rows)

    def delete_owners(self, action_ids: list[int]) -> None:
        for start in range(0, len(action_ids), CHUNK):
            chunk = action_ids[start : start + CHUNK]
            self.run(f"DELETE FROM action_owner WHERE action_id IN ({_marks(len(chunk))})", chunk)

    def owner_name_ids(self, keys: list[str]) -> dict[str, int]:
        return dict(
            (key, name_id)
            for name_id, key in self._in("SELECT id, key FROM owner_name WHERE key IN ({})", keys)
        )

    def insert_owner_names(self, rows: list[tuple[str, str]]) -> dict[str, int]:
        """(key, name) rows; returns key -> id."""
        return {
            key: name_id
            for name_id, key in self.insert_returning("owner_name", ("key", "name"), rows, "id, key")
        }

    OWNER_COLUMNS = (
        "action_id",
        "position",
        "kind",
        "name",
        "key",
        "role_key",
        "org_key",
        "group_code",
        "owner_name_id",
    )

    def insert_owners(self, rows: list[Sequence]) -> None:
        """Owner rows, each with a copy of its action's status, due date and group read in the same
        statement (the owner lookups and digests index them)."""
        if not rows:
            return
        columns = ", ".join(f'"{column}"' for column in self.OWNER_COLUMNS[1:])
        cursor = self.connection.executemany(
            f"INSERT INTO action_owner (action_id, {columns}, status, due_sort, group_id) "
            f"SELECT id, {_marks(len(self.OWNER_COLUMNS) - 1)}, status, due_sort, group_id "
            "FROM action WHERE id = ?",
            [(*row[1:], row[0]) for row in rows],
        )
        if cursor.rowcount != len(rows):  # a row whose action is missing would vanish silently
            raise RuntimeError(f"{len(rows) - cursor.rowcount} owner rows name no stored action")

    # --- decisions and discussion -----------------------------------------------------------------

    def decisions(self, group_id: int, refs: list[str]) -> dict[str, tuple[int, str, str | None]]:
        found = self._in(
            "SELECT id, ref, text, area FROM decision WHERE group_id = ? AND ref IN ({})", refs, (group_id,)
        )
        return {ref: (decision_id, text, area) for decision_id, ref, text, area in found}

    def insert_decisions(self, rows: list[Sequence]) -> None:
        """(group_id, ref, area, text, meeting_id, source_document_id, created_at) rows."""
        self.many(
            "INSERT INTO decision (group_id, ref, area, text, meeting_id, source_document_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def update_decisions(self, rows: list[Sequence]) -> None:
        """(text, area, id) rows."""
        self.many("UPDATE decision SET text = ?, area = ? WHERE id = ?", rows)

    def insert_mentions(self, rows: list[Sequence]) -> None:
        """(group_id, ref, kind, area, text, text_key, meeting_id, source_document_id) rows; a passage
        already kept for its ref is skipped."""
        self.many(
            "INSERT INTO mention (group_id, ref, kind, area, text, text_key, meeting_id, source_document_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ref, text_key) DO NOTHING",
            rows,
        )
