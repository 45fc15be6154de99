"""Alembic environment: migrations run on a synchronous SQLite connection, one locked transaction."""

from alembic import context
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.db import sync_engine

config = context.config
target_metadata = SQLModel.metadata


def include_object(obj, name, kind, reflected, compare_to) -> bool:
    """Autogenerate compares only what the models declare: the FTS tables and the indexes that
    migrations create by hand are not the models' business."""
    if kind == "table" and reflected and compare_to is None:
        return False
    return not (kind == "index" and reflected and compare_to is None)


def run_migrations_online() -> None:
    engine = sync_engine(config.get_main_option("sqlalchemy.url"))
    # BEGIN IMMEDIATE before reading the version table, so two processes starting together
    # upgrade once: the second waits for the lock and then finds the schema at head.
    with engine.connect().execution_options(sqlite_immediate=True) as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_object=include_object,
            transactional_ddl=True,
        )
        with connection.begin():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run them against the database")
run_migrations_online()
