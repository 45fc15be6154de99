"""Alembic environment: migrations run in one locked transaction, on SQLite (a synchronous connection,
BEGIN IMMEDIATE) or PostgreSQL (the connection the caller hands over, under an advisory lock)."""

from alembic import context
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.db import sync_engine
from storage.schema import models_only as include_object

config = context.config
target_metadata = SQLModel.metadata
MIGRATION_LOCK = 72_617_301  # any number, the same in every process: one of them migrates at a time


def run_on_postgres(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        # Two replicas starting together: the second waits here, then finds the schema at head.
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        context.run_migrations()


def run_on_sqlite() -> None:
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
given = config.attributes.get("connection")
if given is not None:
    run_on_postgres(given)
else:
    run_on_sqlite()
