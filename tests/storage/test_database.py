"""The database itself: SQLite settings, migrations, and transactions."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import text

from storage.db import Database, migrate


@pytest.mark.sqlite_only
async def test_connections_use_wal_foreign_keys_and_a_busy_timeout(db):
    async with db.read() as session:
        journal = (await session.exec(text("PRAGMA journal_mode"))).one()[0]
        foreign_keys = (await session.exec(text("PRAGMA foreign_keys"))).one()[0]
        timeout = (await session.exec(text("PRAGMA busy_timeout"))).one()[0]
    assert (journal, foreign_keys) == ("wal", 1)
    assert timeout >= 5000


def test_migrations_create_the_schema_and_running_them_again_is_harmless(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate(url)
    migrate(url)
    with sqlite3.connect(tmp_path / "m.db") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        version = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert {
        "action",
        "action_event",
        "action_owner",
        "decision",
        "meeting",
        "member",
        "working_group",
    } <= tables
    assert len(version) == 1


async def test_a_write_block_that_fails_leaves_nothing_behind(db):
    try:
        async with db.write() as session:
            await session.exec(text("INSERT INTO working_group (code, ref_prefix) VALUES ('XAG', 'XAG')"))
            raise RuntimeError("stop")
    except RuntimeError:
        pass
    async with db.read() as session:
        assert (await session.exec(text("SELECT count(*) FROM working_group"))).one()[0] == 0


async def test_deleting_an_action_takes_its_owners_and_events_with_it(db, clock, write):
    from bot.record.importer import import_report
    from tests.core.test_importer import FIRST

    await import_report(db, write("r.txt", FIRST), clock=clock)
    async with db.write() as session:
        await session.exec(text("DELETE FROM action WHERE ref = 'TMAG40-02'"))
    async with db.read() as session:
        owners = (
            await session.exec(
                text("SELECT count(*) FROM action_owner WHERE action_id NOT IN (SELECT id FROM action)")
            )
        ).one()[0]
        events = (
            await session.exec(
                text("SELECT count(*) FROM action_event WHERE action_id NOT IN (SELECT id FROM action)")
            )
        ).one()[0]
    assert owners == events == 0


async def test_database_url_selects_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'chosen.db'}")
    migrate()
    database = Database()
    assert database.url.endswith("chosen.db")
    await database.close()
    assert (tmp_path / "chosen.db").exists()


def test_a_database_from_the_first_release_upgrades_in_place(tmp_path):
    """Data written under migration 0001 survives, and later migrations index it (search, owner lookups)."""
    from alembic import command
    from alembic.config import Config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = Config()
    config.set_main_option("script_location", "storage:migrations")
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["configure_logger"] = False
    command.upgrade(config, "0001")
    with sqlite3.connect(tmp_path / "old.db") as connection:
        connection.executescript("""
            INSERT INTO working_group (id, code, ref_prefix) VALUES (1, 'WMAG', 'WMAG');
            INSERT INTO action (id, group_id, ref, area, text, owner, due, status, created_at, updated_at)
              VALUES (1, 1, 'WMAG01-01', 'Environments', 'Book the environment slots', 'Programme', '2023-11-15',
                      'open', '2023-11-01 09:00:00', '2023-11-01 09:00:00');
            INSERT INTO action_owner (id, action_id, position, kind, name, key, org_key)
              VALUES (1, 1, 0, 'organisation', 'Programme', 'programme', 'programme');
        """)
    migrate(url)
    with sqlite3.connect(tmp_path / "old.db") as connection:
        assert connection.execute("SELECT ref FROM action").fetchall() == [("WMAG01-01",)]
        found = connection.execute(
            "SELECT rowid FROM action_fts WHERE action_fts MATCH 'environment'"
        ).fetchall()
        assert found == [(1,)]
        assert connection.execute("SELECT status, due_sort FROM action_owner").fetchall() == [
            ("open", "2023-11-15")
        ]
        connection.execute("UPDATE action SET status = 'closed' WHERE id = 1")
        assert connection.execute("SELECT status FROM action_owner").fetchall() == [("closed",)]


async def test_owner_rows_carry_their_actions_state_and_one_for_a_missing_action_fails(db, clock, write):
    from bot.record.importer import import_report
    from storage.queries.importing import ImportStore
    from tests.core.test_importer import FIRST

    await import_report(db, write("r.txt", FIRST), clock=clock)
    async with db.read() as session:
        copied = (
            await session.exec(
                text(
                    "SELECT count(*) FROM action_owner o JOIN action a ON a.id = o.action_id "
                    "WHERE o.status = a.status AND o.due_sort = a.due_sort AND o.group_id = a.group_id"
                )
            )
        ).one()[0]
        total = (await session.exec(text("SELECT count(*) FROM action_owner"))).one()[0]
    assert copied == total == 3
    row = [999_999, 0, "organisation", "Programme", "programme", None, "programme", None, None]
    with pytest.raises(Exception, match=r"name no stored action|foreign key"):  # PostgreSQL: its key
        await db.connection_transaction(lambda connection: ImportStore(connection).insert_owners([row]))
    async with db.read() as session:
        assert (await session.exec(text("SELECT count(*) FROM action_owner"))).one()[0] == 3


async def test_a_bulk_run_checkpoints_less_often_and_leaves_an_empty_wal(tmp_path):
    from storage.db import BULK_CHECKPOINT_PAGES, SERVING_CHECKPOINT_PAGES, open_database

    url = f"sqlite:///{tmp_path / 'bulk.db'}"
    wal = tmp_path / "bulk.db-wal"
    await (await open_database(url)).close()
    # Another process (the bot) keeps the database open, so closing ours is not the last close,
    # which would empty the WAL on its own.
    bot = sqlite3.connect(tmp_path / "bulk.db")
    bot.execute("SELECT count(*) FROM working_group").fetchone()  # connections open the WAL on first read
    try:
        for bulk, pages, code in (
            (False, SERVING_CHECKPOINT_PAGES, "XAG"),
            (True, BULK_CHECKPOINT_PAGES, "YAG"),
        ):
            db = await open_database(url, bulk=bulk)
            async with db.write() as session:
                assert (await session.exec(text("PRAGMA wal_autocheckpoint"))).one()[0] == pages
                await session.exec(
                    text("INSERT INTO working_group (code, ref_prefix) VALUES (:code, :code)"),
                    params={"code": code},
                )
            await db.close()
            assert (wal.stat().st_size == 0) is bulk
        assert bot.execute("SELECT count(*) FROM working_group").fetchone()[0] == 2
    finally:
        bot.close()


def _columns(url: str) -> dict[tuple[str, str], tuple[bool, bool]]:
    """(table, column) -> (not null, has a default) for every table the models declare."""
    from sqlalchemy import create_engine, inspect
    from sqlmodel import SQLModel

    from tests.fixtures.sql import sync_url

    engine = create_engine(sync_url(url))
    try:
        found = {}
        inspector = inspect(engine)
        for table in SQLModel.metadata.sorted_tables:
            for column in inspector.get_columns(table.name):
                if column["name"] == "id" or column["name"] not in table.c:
                    continue  # ids: SERIAL or rowid; columns of the search index: PostgreSQL's own
                found[table.name, column["name"]] = (not column["nullable"], column["default"] is not None)
        return found
    finally:
        engine.dispose()


def test_postgres_schema_has_the_same_columns_as_sqlite(pg_url, tmp_path):
    """The two histories (SQLite's migrations 0001-0013, PostgreSQL's 0014) must end at one schema:
    the same columns, nullable alike, with defaults alike (raw inserts rely on them)."""
    sqlite_url = f"sqlite:///{tmp_path / 'same.db'}"
    migrate(sqlite_url)
    migrate(pg_url)
    on_sqlite, on_postgres = _columns(sqlite_url), _columns(pg_url)
    computed = {("action", "due_sort")}  # SQLite computes it; PostgreSQL's trigger sets it
    assert {k: v for k, v in on_postgres.items() if k not in computed} == {
        k: v for k, v in on_sqlite.items() if k not in computed
    }
    assert len(on_sqlite) > 100


def test_the_schema_head_the_quick_start_checks_is_alembics(tmp_path):
    from alembic.script import ScriptDirectory

    from storage.db import SCHEMA_HEAD, _alembic_config, _sqlite_revision

    url = f"sqlite:///{tmp_path / 'head.db'}"
    assert _sqlite_revision(url) is None  # no file yet
    assert ScriptDirectory.from_config(_alembic_config(url)).get_current_head() == SCHEMA_HEAD
    migrate(url)
    assert _sqlite_revision(url) == SCHEMA_HEAD


def _downgrade(url: str, revision: str) -> None:
    from alembic import command

    from storage.db import _alembic_config, _on_postgres

    if "sqlite" in url:
        command.downgrade(_alembic_config(url), revision)
    else:
        asyncio.run(_on_postgres(url, lambda _connection, config: command.downgrade(config, revision)))


async def test_an_older_schema_is_upgraded_on_open_and_a_current_one_is_left_alone(db_url):
    from storage.db import SCHEMA_HEAD, open_database, schema_state

    await asyncio.to_thread(migrate, db_url)
    await asyncio.to_thread(_downgrade, db_url, "0013" if "sqlite" in db_url else "base")
    assert (await asyncio.to_thread(schema_state, db_url))[0] != SCHEMA_HEAD
    db = await open_database(db_url)
    await db.close()
    assert await asyncio.to_thread(schema_state, db_url) == (SCHEMA_HEAD, SCHEMA_HEAD)


def _everything(path) -> tuple[dict, dict]:
    """A SQLite database's whole schema and every row (full-text search's own tables included, the
    planner's statistics not). Tables are described column by column, key by key and index by index:
    the migrations' CREATE TABLE text lists foreign keys in an order that changes from run to run."""
    with sqlite3.connect(path) as connection:
        run = connection.execute
        tables = [
            name
            for (name,) in run(
                "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'shadow') "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        schema = {
            "tables": {
                name: {
                    "columns": run(f'PRAGMA table_xinfo("{name}")').fetchall(),
                    "foreign keys": sorted(row[2:] for row in run(f'PRAGMA foreign_key_list("{name}")')),
                    "indexes": sorted(
                        (
                            index[1],
                            index[2],
                            index[3],
                            index[4],
                            run(f'PRAGMA index_xinfo("{index[1]}")').fetchall(),
                        )
                        for index in run(f'PRAGMA index_list("{name}")')
                    ),
                }
                for name in tables
            },
            "the rest": sorted(
                run(
                    "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE type != 'table' OR sql LIKE "
                    "'CREATE VIRTUAL%'"
                ).fetchall(),
                key=repr,
            ),
        }
        rows = {name: sorted(run(f'SELECT * FROM "{name}"').fetchall(), key=repr) for name in tables}
    return schema, rows


def test_a_new_sqlite_database_made_from_the_snapshot_is_the_one_the_migrations_build(tmp_path):
    """If this fails after adding a migration, write the snapshot again: `python -m storage.schema`."""
    from alembic import command

    from storage.db import _alembic_config

    long_way, snapshot = tmp_path / "migrated.db", tmp_path / "snapshot.db"
    command.upgrade(_alembic_config(f"sqlite:///{long_way}"), "head")
    migrate(f"sqlite:///{snapshot}")  # an empty file: made from the snapshot
    schema, rows = _everything(snapshot)
    assert (schema, rows) == _everything(long_way)
    assert rows["alembic_version"] and rows["action_fts_config"]  # the revision, search set up
    assert len(schema["tables"]) > 20 and schema["the rest"]
