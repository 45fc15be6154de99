"""Copying a whole record from one database to another (SQLite to PostgreSQL, or back), so a group can
move without losing its history. Every table the models declare, in foreign-key order, with its ids;
the search indexes and counters are the target's own, kept by its triggers. The copy is read back and
compared with the original inside its own transaction, before it commits: however the copy ends, the
target holds nothing, or a copy that was checked."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.models  # noqa: F401 - registers every table on SQLModel.metadata
from storage.db import POSTGRES, Database
from storage.text import clean_strings

BATCH = 2000


class TargetNotEmpty(Exception):
    """The database copied into already holds a record: nothing was written."""


class CopyDiffers(Exception):
    """The copy, read back before it was committed, differs from the original: nothing was written."""


@dataclass
class CopyResult:
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _tables():
    return SQLModel.metadata.sorted_tables  # parents before children


def _stored_columns(table) -> list:
    return [column for column in table.columns if column.computed is None]  # computed: the target's own


def _read_all(connection: Connection) -> dict[str, list[dict]]:
    out = {}
    for table in _tables():
        query = select(*_stored_columns(table)).order_by(*table.primary_key.columns)
        out[table.name] = [dict(row._mapping) for row in connection.execute(query)]
    return out


def _row_counts(connection: Connection) -> dict[str, int]:
    return {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in _tables()}


def _write_all(connection: Connection, record: dict[str, list[dict]]) -> CopyResult:
    found = {name: count for name, count in _row_counts(connection).items() if count}
    if found:
        listed = ", ".join(f"{count} {name}" for name, count in sorted(found.items()))
        raise TargetNotEmpty(f"the target database is not empty ({listed}); nothing was copied")
    result = CopyResult()
    for table in _tables():
        rows = record[table.name]
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(table), rows[start : start + BATCH])
        result.rows[table.name] = len(rows)
        if connection.dialect.name == POSTGRES and "id" in table.c and table.c.id.autoincrement:
            # Ids were copied as they are: the next one the sequence hands out must come after them.
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                )
            )
    _check_copy(connection, record)
    return result


def _check_copy(connection: Connection, record: dict[str, list[dict]]) -> None:
    """Every row of every table read back, in the copy's own transaction, and compared with the original
    as it is stored (its text cleaned on the way in, storage/text.py): CopyDiffers, rolling it all
    back, at the first table that differs."""
    copied = _read_all(connection)
    for table in _tables():
        expected = clean_strings(record[table.name])
        if copied[table.name] != expected:
            differ = sum(1 for a, b in zip(copied[table.name], expected, strict=False) if a != b)
            differ += abs(len(copied[table.name]) - len(expected))
            raise CopyDiffers(
                f"the copy, read back, differs from the original in {differ} {table.name} rows; "
                "nothing was copied"
            )


async def copy_record(source: Database, target: Database) -> CopyResult:
    """Copy everything from `source` into the empty `target`, in one transaction on the target, checked
    before it commits; TargetNotEmpty or CopyDiffers (nothing written) if the target holds anything
    already or the copy does not read back as the original. The record is read whole first: a group's
    history is small next to memory."""
    record = await source.connection_read(_read_all, snapshot=True)  # one moment of the source
    return await target.connection_transaction(lambda connection: _write_all(connection, record))


async def row_counts(db: Database) -> dict[str, int]:
    return await db.connection_read(_row_counts)


def _empty(connection: Connection) -> None:
    for table in reversed(_tables()):
        connection.execute(table.delete())


async def empty_record(db: Database) -> None:
    """Delete every row of the record (a copy that did not check out), in one transaction."""
    await db.connection_transaction(_empty)
