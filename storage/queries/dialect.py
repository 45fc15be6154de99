"""What differs between SQLite and PostgreSQL in the statements this code writes itself: the upsert
(both have INSERT ... ON CONFLICT, through different SQLAlchemy constructs) and index hints."""

from __future__ import annotations

POSTGRES = "postgresql"


def dialect_name(bind) -> str:
    """sqlite or postgresql, for an AsyncSession, a Session or a Connection."""
    if hasattr(bind, "dialect"):
        return bind.dialect.name
    return bind.bind.dialect.name  # a session: its engine's


def upsert(bind, table):
    """INSERT for `table` with on_conflict_do_nothing / on_conflict_do_update, on either database."""
    return upsert_for(dialect_name(bind), table)


def upsert_for(dialect: str, table):
    """The same, for a dialect named sqlite or postgresql (for statements built once per dialect)."""
    # Imported here: SQLAlchemy's PostgreSQL dialect takes 20-30 ms to import, which a command line
    # on SQLite need not pay.
    if dialect == POSTGRES:
        # Each dialect's insert only where the database is that dialect.
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def indexed_by(bind, index: str) -> str:
    """SQLite's INDEXED BY (its planner otherwise sometimes walks the wrong index); nothing on
    PostgreSQL, whose planner keeps statistics of its own."""
    return "" if dialect_name(bind) == POSTGRES else f"INDEXED BY {index}"
