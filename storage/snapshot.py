"""A new SQLite database made in one step from the schema the migrations build.

Running the fifteen migrations one by one costs a new database 0.3-0.4 s (Alembic, its scripts, each
step's DDL): the first import into it, and every test, pays that. As Alembic's own advice for a new
database goes (create the schema, then stamp it), an empty SQLite file is instead given the schema the
migrations end with, written out once below as SQL with the revision it stands for. An existing
database is still upgraded by the migrations, and PostgreSQL always is. A test builds a database
both ways and holds them equal; after adding a migration, write the file again:

    python -m storage.schema
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import Connection, Engine

SNAPSHOT = Path(__file__).with_name("sqlite_schema.sql")
HEADER = "-- The schema the migrations build on SQLite (python -m storage.schema writes this file).\n"
_KIND_ORDER = {"table": 0, "index": 1, "trigger": 2, "view": 3}


def snapshot_of(connection: Connection) -> str:
    """The schema and rows of a migrated, otherwise empty database, as the SQL that makes it again:
    tables, indexes, triggers and views in the order SQLite created them, then the rows the migrations
    wrote. Tables SQLite makes itself (full-text search's shadow tables, statistics) are left out."""
    made_by_sqlite = {
        name
        for name, kind in connection.exec_driver_sql(
            "SELECT name, type FROM pragma_table_list WHERE schema = 'main'"
        )
        if kind == "shadow" or name.startswith("sqlite_")
    }
    rows = connection.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid"
    ).all()
    kept = [(kind, name, sql) for kind, name, sql in rows if name not in made_by_sqlite]
    kept.sort(key=lambda row: _KIND_ORDER[row[0]])  # stable: creation order within each kind
    statements = [f"{sql};" for _, _, sql in kept]
    for kind, name, sql in kept:
        if "USING fts5(" in sql:
            # The migrations rebuilt each search index, which leaves its (empty) statistics written.
            statements.append(f'INSERT INTO "{name}"("{name}") VALUES (\'rebuild\');')
        if kind != "table" or sql.startswith("CREATE VIRTUAL"):
            continue
        for row in connection.exec_driver_sql(f'SELECT * FROM "{name}" ORDER BY rowid'):
            columns = ", ".join(f'"{column}"' for column in row._fields)
            values = ", ".join(_literal(value) for value in row)
            statements.append(f'INSERT INTO "{name}" ({columns}) VALUES ({values});')
    return HEADER + "\n\n".join(statements) + "\n"


def _literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, bytes):
        return f"X'{value.hex()}'"
    return "'" + str(value).replace("'", "''") + "'"


def statements(text: str) -> list[str]:
    """The snapshot's statements, one by one (a trigger's body holds semicolons of its own)."""
    out: list[str] = []
    pending = ""
    for line in text.splitlines(keepends=True):
        if not pending and (not line.strip() or line.startswith("--")):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            out.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError("the schema snapshot ends inside a statement")
    return out


def create_from_snapshot(engine: Engine) -> bool:
    """Give an empty SQLite database the schema, in one transaction taken with the write lock (two
    processes opening the same new file: the second finds it made). False if it holds anything."""
    with engine.connect() as connection:
        connection = connection.execution_options(sqlite_immediate=True)
        with connection.begin():
            if connection.exec_driver_sql("SELECT count(*) FROM sqlite_schema").scalar():
                return False
            for statement in statements(SNAPSHOT.read_text(encoding="utf-8")):
                connection.exec_driver_sql(statement)
    return True
