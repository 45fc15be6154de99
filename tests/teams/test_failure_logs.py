"""A failed Teams activity is one log line saying what failed and why, whether the bot's handler says
so (a message, answered after Teams has its 200) or the SDK (an invoke, answered 500): not a hundred
lines of traceback."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import event

from bot.config import Settings
from storage.db import Database, open_database
from tests.fixtures.world import build_world
from tests.teams.conftest import running_teams
from tests.teams_fake import card_action, personal_message


def logged(caplog) -> list[str]:
    """Every line logged as an error, as the operator's log shows it (the SDK's warnings that it runs in
    development mode are no failure)."""
    lines = []
    for record in caplog.records:
        if record.levelno >= logging.ERROR:
            lines += caplog.handler.format(record).splitlines()
    return lines


@pytest.mark.sqlite_only  # PRAGMA query_only: SQLite's own way to refuse writes
async def test_failed_activities_are_one_line_each(db_url, write, caplog):
    setup = await open_database(db_url)
    await build_world(setup, write)
    await setup.close()
    refusing = Database(db_url)

    @event.listens_for(refusing.engine.sync_engine, "connect")
    def query_only(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA query_only = ON")

    caplog.set_level(logging.INFO)
    try:
        async with running_teams(refusing, lambda _fake: Settings(teams_dev=True)) as teams:
            url = teams.fake.service_url
            status, _ = await teams.send(
                personal_message(url, "aad-sam", "Sam Hatton", "what is open for me")
            )
            assert status == 200
            for _ in range(500):  # it fails after Teams has its answer
                if logged(caplog):
                    break
                await asyncio.sleep(0.02)
            lines = logged(caplog)
            assert len(lines) == 1, lines
            assert (
                "a Teams request failed: OperationalError: attempt to write a readonly database" in lines[0]
            )
            assert "from handlers/teams/messages.py" in lines[0]

            caplog.clear()
            status, _ = await teams.send(
                card_action(url, "aad-sam", "Sam Hatton", "markDone", {"ref": "WMAG31-02"})
            )
            assert status == 500
            lines = logged(caplog)
            assert len(lines) == 1, lines
            assert (
                "a Teams request failed: OperationalError: attempt to write a readonly database" in lines[0]
            )
    finally:
        await refusing.close()
