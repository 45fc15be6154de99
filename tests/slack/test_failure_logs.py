"""A failed request is one log line saying what failed and why (its traceback only at DEBUG): not
Bolt's "didn't call ack()", its "Unhandled request" with suggested code, and a hundred lines of
traceback. The person is still told."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import event

from storage.db import Database, open_database
from tests.fixtures.world import build_world
from tests.slack.conftest import _people, running_bot
from tests.slack_fake import slash_command


def logged(caplog) -> list[str]:
    """Every line logged at WARNING or above, as the operator's log shows it."""
    lines = []
    for record in caplog.records:
        if record.levelno >= logging.WARNING:
            lines += caplog.handler.format(record).splitlines()
    return lines


@pytest.mark.e2e  # Bolt, in place, waits its 3 s for an acknowledgement
async def test_a_listener_that_fails_at_once_is_one_line(bot, caplog):
    """Acknowledged, then failed before Bolt looked: Bolt took it for a listener that never acknowledged
    and a request nobody handles, and said so in a dozen lines besides the traceback."""

    @bot.app.command("/fail")
    async def fail(ack):
        await ack()
        raise RuntimeError("the listener broke")

    caplog.set_level(logging.INFO)
    body = slash_command("now", "U0SAM", "C0TMAG", bot.fake.response_url("failed")).replace(
        "%2Ftmag", "%2Ffail"
    )
    await bot.send(body, "application/x-www-form-urlencoded")  # answered once Bolt is done with it
    told = await bot.replies()
    assert "something went wrong on my side" in told[0]["text"]  # the person hears of it
    lines = logged(caplog)
    assert len(lines) == 1, lines
    assert "a Slack request failed (command /fail): RuntimeError: the listener broke" in lines[0]
    assert "test_failure_logs.py" in lines[0]  # where it was raised


@pytest.mark.e2e  # Bolt, in place, waits its 3 s for an acknowledgement
@pytest.mark.sqlite_only  # PRAGMA query_only: SQLite's own way to refuse writes
async def test_a_request_on_a_database_that_refuses_writes_is_one_line(db_url, write, caplog):
    setup = await open_database(db_url)
    await build_world(setup, write)
    await _people(setup)
    await setup.close()
    refusing = Database(db_url)

    @event.listens_for(refusing.engine.sync_engine, "connect")
    def query_only(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA query_only = ON")

    caplog.set_level(logging.INFO)
    try:
        async with running_bot(refusing) as bot:
            # In place (as here, not as serve runs it), Bolt may answer 404 when a listener fails just
            # after acknowledging: what matters is the one line logged and the reply to the person.
            assert await bot.command("mine") in (200, 404)
            assert "something went wrong on my side" in (await bot.replies())[0]["text"]
            lines = logged(caplog)
    finally:
        await refusing.close()
    assert len(lines) == 1, lines
    assert (
        "a Slack request failed (command /tmag): OperationalError: attempt to write a readonly database"
        in lines[0]
    )


async def test_an_event_no_listener_handles_is_one_line_and_no_reply(bot, caplog):
    caplog.set_level(logging.INFO)
    await bot.event({"type": "channel_created", "channel": {"id": "C0NEW", "name": "new"}})  # once handled
    lines = logged(caplog)
    assert lines == [line for line in lines if "was not answered (event channel_created)" in line]
    assert len(lines) == 1
    assert not bot.fake.calls_to("chat.postMessage") and not bot.fake.calls_to("chat.postEphemeral")
