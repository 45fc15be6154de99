"""The schema has one source, the models (storage/models.py): the migrations must build exactly what
they declare, on SQLite and on PostgreSQL, and a test holds them to it (`differences`). A new SQLite
database is made from a snapshot of what the migrations build (storage/snapshot.py); after adding a
migration, write the snapshot again:

    python -m storage.schema
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.db import _alembic_config, sync_engine
from storage.snapshot import SNAPSHOT, snapshot_of

# Kept by the migrations beside what the models declare: PostgreSQL's full-text search columns (SQLite
# keeps its search in FTS5 tables of its own); the search tables and the indexes made by hand.
DIALECT_OWN_COLUMNS = {("action", "search"), ("decision", "search")}


def models_only(obj, name, kind, reflected, compare_to) -> bool:
    """What comparing the models with a database looks at: what the models declare, no more."""
    if kind == "table" and reflected and compare_to is None:
        return False
    if kind == "column" and reflected and compare_to is None:
        return (obj.table.name, name) not in DIALECT_OWN_COLUMNS
    return not (kind == "index" and reflected and compare_to is None)


def differences(connection) -> list:
    """How a migrated database differs from the models (Alembic's autogenerate comparison, types
    included); empty when the migrations build what the models declare."""
    context = MigrationContext.configure(
        connection, opts={"include_object": models_only, "compare_type": True}
    )
    return compare_metadata(context, SQLModel.metadata)


def write_snapshot() -> Path:
    """Migrate a new SQLite database the long way and write its snapshot."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'snapshot.db'}"
        command.upgrade(_alembic_config(url), "head")
        engine = sync_engine(url)
        try:
            with engine.connect() as connection:
                SNAPSHOT.write_text(snapshot_of(connection), encoding="utf-8")
        finally:
            engine.dispose()
    return SNAPSHOT


if __name__ == "__main__":
    import argparse

    argparse.ArgumentParser(description="Write storage/sqlite_schema.sql from the migrations.").parse_args()
    print(f"wrote {write_snapshot()}")
