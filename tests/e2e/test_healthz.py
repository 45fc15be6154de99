"""GET /healthz answers 503 when the database can be read but not written (every request begins with a
write, so such a replica can serve nothing), saying so; on databases that refuse writes to anyone,
root included: SQLite opened read-only, or with PRAGMA query_only, and PostgreSQL whose transactions
are read-only by default."""

from __future__ import annotations

import contextlib

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import event, text

from bot.config import Settings
from handlers.services import Services
from handlers.web import application, health_route
from storage.db import Database, execute_outside_transaction, open_database
from tests.fixtures.world import clock_at

NOW = clock_at("2023-11-16T09:00")


@contextlib.asynccontextmanager
async def health_of(db: Database):
    """GET /healthz of a bot on `db`, served on loopback: (status, body) of each call."""
    runner = web.AppRunner(application([health_route(Services(db, NOW, Settings()))]), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/healthz"
    async with aiohttp.ClientSession() as http:

        async def check() -> tuple[int, dict]:
            async with http.get(url) as response:
                return response.status, await response.json()

        try:
            yield check
        finally:
            await runner.cleanup()


async def health_rows(db: Database) -> list[str]:
    async with db.read() as session:
        found = await session.exec(text("SELECT key FROM handled_request WHERE key LIKE 'health:%'"))
        return [row[0] for row in found.all()]


async def test_a_writable_database_is_healthy_and_notes_its_check_once(db):
    async with health_of(db) as check:
        for _ in range(3):
            status, body = await check()
            assert status == 200 and body["ok"] is True and body["database"] == "ok"
    assert await health_rows(db) == [f"health:{body['replica']}"]  # one row per replica, kept current


@pytest.mark.parametrize("refusing", ["opened read-only (mode=ro)", "PRAGMA query_only"])
async def test_a_sqlite_database_that_refuses_writes_is_unhealthy(tmp_path, refusing):
    path = tmp_path / "tmag.db"
    await (await open_database(f"sqlite:///{path}")).close()  # the schema, written
    if refusing.startswith("opened"):
        db = Database(f"sqlite:///file:{path}?mode=ro&uri=true")
    else:
        db = Database(f"sqlite:///{path}")

        @event.listens_for(db.engine.sync_engine, "connect")
        def query_only(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA query_only = ON")

    try:
        async with health_of(db) as check:
            status, body = await check()
        assert status == 503
        assert (body["ok"], body["database"], body["why"], body["kind"]) == (
            False,
            "not writable",
            "read-only",
            "sqlite",
        )
    finally:
        await db.close()


async def test_a_postgresql_database_read_only_by_default_is_unhealthy(pg_url):
    await execute_outside_transaction(
        pg_url,
        f'ALTER DATABASE "{pg_url.rsplit("/", 1)[1]}" SET default_transaction_read_only = on',
        database="postgres",
    )
    db = Database(pg_url)
    try:
        async with health_of(db) as check:
            status, body = await check()
        assert status == 503
        assert (body["database"], body["why"], body["kind"]) == ("not writable", "read-only", "postgresql")
    finally:
        await db.close()
        await execute_outside_transaction(
            pg_url,
            f'ALTER DATABASE "{pg_url.rsplit("/", 1)[1]}" SET default_transaction_read_only = off',
            database="postgres",
        )
