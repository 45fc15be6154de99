"""The importer's reads and writes, as plain SQL on the transaction's own SQLite connection.

A report takes some twenty statements. Through the ORM each one costs several hops to aiosqlite's thread
plus SQLAlchemy's own work (about 0.8 ms each on a small machine); one `execute_fetchall` on the same
connection is one hop (under 0.1 ms). The importer is the one bulk writer, so it speaks SQL; everything
else uses the models. Values are written exactly as the models store them: dates as ISO text, timestamps
as UTC "YYYY-MM-DD HH:MM:SS.ffffff", booleans as 0 and 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

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
    changed: bool = False


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
    def __init__(self, connection) -> None:
        self.connection = connection  # the aiosqlite connection inside the session's transaction

    @classmethod
    async def open(cls, session: AsyncSession) -> ImportStore:
        """The raw connection of this session's transaction (begun, so everything lands or nothing does)."""
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        return cls(raw.driver_connection)

    async def rows(self, sql: str, params: Sequence = ()) -> list:
        return list(await self.connection.execute_fetchall(sql, params))

    async def run(self, sql: str, params: Sequence = ()) -> None:
        await self.connection.execute(sql, params)

    async def many(self, sql: str, rows: list[Sequence]) -> None:
        if rows:
            await self.connection.executemany(sql, rows)

    async def _in(self, sql: str, values: list, before: Sequence = ()) -> list:
        """`sql` with `{}` standing for an IN list, run in chunks."""
        out: list = []
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            out += await self.rows(sql.format(_marks(len(chunk))), (*before, *chunk))
        return out

    @staticmethod
    def _insert_sql(table: str, columns: Sequence[str]) -> str:
        quoted = ", ".join(f'"{column}"' for column in columns)  # "by" and "end" are SQL keywords
        return f"INSERT INTO {table} ({quoted}) VALUES ({_marks(len(columns))})"

    async def insert_returning(
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
            out += await self.rows(sql, [value for row in chunk for value in row])
        return out

    # --- documents and groups ---------------------------------------------------------------

    async def claim_document(
        self, file_name: str, sha256: str, fmt: str, at: datetime, by: str | None
    ) -> int | None:
        """Record a document about to be imported: its id, or None if that content was imported before."""
        found = await self.rows(
            "INSERT INTO source_document (file_name, sha256, format, imported_at, imported_by) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING RETURNING id",
            (file_name, sha256, fmt, stamp(at), by),
        )
        return found[0][0] if found else None

    async def group_codes(self) -> set[str]:
        return {row[0] for row in await self.rows("SELECT code FROM working_group")}

    async def ensure_group(self, code: str, name: str | None, cadence: tuple[int, int, str] | None) -> int:
        found = await self.rows("SELECT id, name FROM working_group WHERE code = ?", (code,))
        if found:
            group_id, known_name = found[0]
            if name and not known_name:
                await self.run("UPDATE working_group SET name = ? WHERE id = ?", (name, group_id))
            return group_id
        week, weekday, time = cadence or (None, None, None)
        created = await self.rows(
            "INSERT INTO working_group (code, name, ref_prefix, cadence_week, cadence_weekday, cadence_time) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (code, name, code, week, weekday, time),
        )
        return created[0][0]

    # --- meetings ---------------------------------------------------------------------------

    async def meetings(
        self, group_id: int, *, number: str | None = None, on: date | None = None
    ) -> list[MeetingRow]:
        where, value = ("number = ?", number) if number is not None else ("date = ?", iso(on))
        found = await self.rows(
            'SELECT id, number, date, start, "end", extraordinary, status, title, venue FROM meeting '
            f"WHERE group_id = ? AND {where} ORDER BY id",
            (group_id, value),
        )
        return [MeetingRow(r[0], r[1], _day(r[2]), r[3], r[4], bool(r[5]), r[6], r[7], r[8]) for r in found]

    async def save_meeting(
        self, group_id: int, meeting: MeetingRow | None, values: dict, now: datetime
    ) -> int:
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
                await self.rows(
                    f"INSERT INTO meeting ({quoted}) VALUES ({_marks(len(columns))}) RETURNING id", row
                )
            )[0][0]
        assignments = ", ".join(f'"{c}" = ?' for c in values)
        await self.run(
            f"UPDATE meeting SET {assignments}, updated_at = ? WHERE id = ?",
            (*values.values(), stamp(now), meeting.id),
        )
        return meeting.id

    async def replace_agenda(self, meeting_id: int, items: list[Sequence]) -> None:
        """items: (position, item, title, objective, kind, lead, start, end)."""
        await self.run("DELETE FROM agenda_item WHERE meeting_id = ?", (meeting_id,))
        await self.many(
            "INSERT INTO agenda_item "
            '(meeting_id, position, item, title, objective, kind, lead, start, "end") '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(meeting_id, *item) for item in items],
        )

    # --- actions ------------------------------------------------------------------------------

    async def actions(self, group_id: int, refs: list[str]) -> dict[str, ActionState]:
        found = await self._in(
            "SELECT id, ref, area, text, owner, due, status, reported_on FROM action "
            "WHERE group_id = ? AND ref IN ({})",
            refs,
            (group_id,),
        )
        return {r[1]: ActionState(r[0], r[1], r[2], r[3], r[4], _day(r[5]), r[6], _day(r[7])) for r in found}

    async def history_texts(self, action_ids: list[int]) -> dict[int, list[str]]:
        """What updates, closes and reopenings already said, per action."""
        out: dict[int, list[str]] = {}
        for action_id, text in await self._in(
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
        "created_at",
        "updated_at",
    )

    async def insert_actions(self, rows: list[Sequence]) -> list[tuple[int, int, str]]:
        """Rows in ACTION_COLUMNS order; returns (id, group id, ref) of each."""
        return await self.insert_returning("action", self.ACTION_COLUMNS, rows, "id, group_id, ref")

    async def update_actions(self, states: Iterable[ActionState], now: datetime) -> None:
        await self.many(
            "UPDATE action SET area = ?, text = ?, owner = ?, due = ?, status = ?, reported_on = ?, "
            "updated_at = ? WHERE id = ?",
            [
                (s.area, s.text, s.owner, iso(s.due), s.status, iso(s.reported_on), stamp(now), s.id)
                for s in states
            ],
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

    async def insert_events(self, rows: list[Sequence]) -> None:
        await self.many(self._insert_sql("action_event", self.EVENT_COLUMNS), rows)

    async def delete_owners(self, action_ids: list[int]) -> None:
        for start in range(0, len(action_ids), CHUNK):
            chunk = action_ids[start : start + CHUNK]
            await self.run(f"DELETE FROM action_owner WHERE action_id IN ({_marks(len(chunk))})", chunk)

    async def owner_name_ids(self, keys: list[str]) -> dict[str, int]:
        return dict(
            (key, name_id)
            for name_id, key in await self._in("SELECT id, key FROM owner_name WHERE key IN ({})", keys)
        )

    async def insert_owner_names(self, rows: list[tuple[str, str]]) -> dict[str, int]:
        """(key, name) rows; returns key -> id."""
        return {
            key: name_id
            for name_id, key in await self.insert_returning("owner_name", ("key", "name"), rows, "id, key")
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

    async def insert_owners(self, rows: list[Sequence]) -> None:
        """Owner rows (triggers copy each action's status, due date and group onto them)."""
        await self.many(self._insert_sql("action_owner", self.OWNER_COLUMNS), rows)

    # --- decisions and discussion -----------------------------------------------------------------

    async def decisions(self, group_id: int, refs: list[str]) -> dict[str, tuple[int, str, str | None]]:
        found = await self._in(
            "SELECT id, ref, text, area FROM decision WHERE group_id = ? AND ref IN ({})", refs, (group_id,)
        )
        return {ref: (decision_id, text, area) for decision_id, ref, text, area in found}

    async def insert_decisions(self, rows: list[Sequence]) -> None:
        """(group_id, ref, area, text, meeting_id, source_document_id, created_at) rows."""
        await self.many(
            "INSERT INTO decision (group_id, ref, area, text, meeting_id, source_document_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    async def update_decisions(self, rows: list[Sequence]) -> None:
        """(text, area, id) rows."""
        await self.many("UPDATE decision SET text = ?, area = ? WHERE id = ?", rows)

    async def mention_texts(self, refs: list[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for ref, text in await self._in("SELECT ref, text FROM mention WHERE ref IN ({})", refs):
            out.setdefault(ref, []).append(text)
        return out

    async def insert_mentions(self, rows: list[Sequence]) -> None:
        """(group_id, ref, kind, area, text, meeting_id, source_document_id) rows."""
        await self.many(
            "INSERT INTO mention (group_id, ref, kind, area, text, meeting_id, source_document_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
