"""One source for the schema, the models: a database migrated from empty holds exactly what they
declare, on SQLite (the long way, and from the snapshot) and on PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Column, Integer, Table, create_engine

from storage.db import _alembic_config, migrate
from storage.schema import differences
from tests.fixtures.sql import sync_url


def _differences(url: str) -> list:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return differences(connection)
    finally:
        engine.dispose()


def test_the_migrations_build_what_the_models_declare_on_sqlite(tmp_path):
    long_way = f"sqlite:///{tmp_path / 'migrated.db'}"
    command.upgrade(_alembic_config(long_way), "head")
    assert _differences(long_way) == []
    from_snapshot = f"sqlite:///{tmp_path / 'snapshot.db'}"
    migrate(from_snapshot)
    assert _differences(from_snapshot) == []


def test_the_migrations_build_what_the_models_declare_on_postgresql(pg_url):
    migrate(pg_url)
    assert _differences(pg_url) == []


def test_a_model_the_migrations_do_not_build_is_found(tmp_path):
    """The comparison can fail: a table only the models declare is named."""
    from sqlmodel import SQLModel

    url = f"sqlite:///{tmp_path / 'drift.db'}"
    migrate(url)
    extra = Table("only_in_the_models", SQLModel.metadata, Column("id", Integer, primary_key=True))
    try:
        found = _differences(url)
    finally:
        SQLModel.metadata.remove(extra)
    assert [d[0] for d in found] == ["add_table"] and found[0][1].name == "only_in_the_models"
