"""Forged, unsigned and stale requests get 401 and change nothing; Web API calls retry 429 and 5xx."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time

import pytest

from tests.fixtures.slack import event_count, last_event, status_of, texts
from tests.slack.conftest import SECRET
from tests.slack_fake import event_callback, signed, slash_command


def done_event():
    return event_callback(
        {
            "type": "message",
            "channel": "C0TMAG",
            "user": "U0SAM",
            "text": "WMAG31-02 done",
            "ts": "1700001100.000100",
            "channel_type": "channel",
        }
    )


@pytest.mark.parametrize(
    "headers",
    [
        lambda body: signed("not-the-secret", body, "application/json"),  # forged
        lambda body: {"Content-Type": "application/json"},  # unsigned
        lambda body: signed(SECRET, body, "application/json", timestamp=int(time.time()) - 6 * 60),  # stale
        lambda body: signed(SECRET, body.replace("done", "done!"), "application/json"),  # tampered
    ],
    ids=["forged", "unsigned", "stale", "tampered"],
)
async def test_bad_requests_get_401_and_change_nothing(bot, headers):
    body = done_event()
    status, _ = await bot.send(body, "application/json", headers(body))
    assert status == 401  # refused before Bolt or any listener saw it
    assert bot.services.handled.count == 0
    assert await status_of(bot, "WMAG31-02") == "open"
    assert bot.fake.calls_to("chat.postEphemeral") == []


async def test_a_forged_slash_command_gets_401(bot):
    body = slash_command("done WMAG31-02", "U0SAM", "C0TMAG", bot.fake.response_url())
    status, _ = await bot.send(
        body, "application/x-www-form-urlencoded", signed("wrong", body, "application/x-www-form-urlencoded")
    )
    assert status == 401
    assert await status_of(bot, "WMAG31-02") == "open"


@pytest.mark.e2e  # waits out a Retry-After for real
async def test_a_rate_limited_call_is_retried_after_retry_after(bot):
    bot.fake.fail_next("chat.postEphemeral", 429, {"Retry-After": "1"})
    started = time.monotonic()
    await bot.event(
        {
            "type": "message",
            "channel": "C0TMAG",
            "user": "U0SAM",
            "text": "WMAG31-02 done",
            "ts": "1700001200.000100",
            "channel_type": "channel",
        }
    )
    calls = await bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral")[1:])
    assert time.monotonic() - started >= 1.0
    assert "Closed WMAG31-02." in texts(calls[0]["blocks"])


@pytest.mark.e2e  # waits out a Retry-After for real
async def test_a_server_error_is_retried(bot):
    bot.fake.fail_next("views.publish", 500)
    await bot.event({"type": "app_home_opened", "user": "U0SAM", "tab": "home"})
    assert (
        len(
            await bot.fake.wait_for(
                lambda: bot.fake.calls_to("views.publish")[1:] and bot.fake.calls_to("views.publish")
            )
        )
        == 2
    )


async def test_healthz(bot, db):
    async with bot.http.get(bot.url.replace("/slack/events", "/healthz")) as response:
        assert response.status == 200
        health = await response.json()
    assert health == {"ok": True, "database": "ok", "kind": db.dialect, "replica": health["replica"]}
    assert health["replica"].rpartition(":")[2].isdigit()  # host:pid, telling replicas apart


# --- malformed and replayed requests ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (
            done_event(),
            lambda b: {**signed(SECRET, b, "application/json"), "X-Slack-Request-Timestamp": "12ab"},
        ),
        (
            done_event(),
            lambda b: {**signed(SECRET, b, "application/json"), "X-Slack-Signature": "v0=ünïcödé"},
        ),
        ("this is { not json", lambda b: {"Content-Type": "application/json"}),
        (
            "",
            lambda b: {
                "Content-Type": "application/json",
                "X-Slack-Request-Timestamp": "",
                "X-Slack-Signature": "",
            },
        ),
    ],
    ids=["timestamp-not-a-number", "signature-not-ascii", "unsigned-not-json", "empty"],
)
async def test_malformed_headers_get_401_not_500(bot, body, headers):
    status, _ = await bot.send(body, "application/json", headers(body))
    assert status == 401
    assert await status_of(bot, "WMAG31-02") == "open"


async def test_a_signed_body_that_is_not_what_its_content_type_says_gets_400(bot):
    form = slash_command("done WMAG31-02", "U0SAM", "C0TMAG", bot.fake.response_url())
    for body, content_type in (
        (form, "text/plain"),
        ("{not json", "application/json"),
        ("payload=%7Bx", "application/x-www-form-urlencoded"),
    ):
        status, _ = await bot.send(body, content_type, signed(SECRET, body, content_type))
        assert status == 400
    assert await status_of(bot, "WMAG31-02") == "open"
    assert bot.fake.responses == []


async def test_a_replayed_signed_command_is_applied_once(bot):
    body = slash_command(
        "update WMAG31-02 windows drafted", "U0SAM", "C0TMAG", bot.fake.response_url("replay")
    )
    headers = signed(SECRET, body, "application/x-www-form-urlencoded")
    before = await event_count(bot, "WMAG31-02")
    statuses = [(await bot.send(body, "application/x-www-form-urlencoded", headers))[0] for _ in range(11)]
    assert statuses == [200] * 11  # Slack (or whoever replays) is answered; nothing more is done
    await bot.handled(11)  # every one of them dealt with: one applied, ten dropped as replays
    assert await event_count(bot, "WMAG31-02") == before + 1
    assert len([r for r in bot.fake.responses if "Updated WMAG31-02." in texts(r.get("blocks") or [])]) == 1


async def test_a_typed_name_is_echoed_escaped_in_every_reply(bot):
    await bot.command("iam <!channel> & <@U0ADA> share")
    reply = (await bot.replies())[0]
    assert "&lt;!channel&gt; &amp; &lt;@U0ADA&gt;" in texts(reply["blocks"])
    assert "<" not in reply["text"] and "&lt;!channel&gt;" in reply["text"]


async def test_a_message_event_with_no_channel_changes_nothing(bot):
    event = {"type": "message", "user": "U0SAM", "text": "WMAG31-02 done", "ts": "1700001300.000100"}
    assert await bot.event(event) == 200
    await bot.handled(1)
    assert await status_of(bot, "WMAG31-02") == "open"


async def test_an_undo_value_too_long_to_be_an_id_changes_nothing(bot):
    before = await event_count(bot, "WMAG31-02")
    assert await bot.click("undo_change", "9" * 20, user="U0SAM") == 200
    assert await bot.click("undo_change", "-1", user="U0SAM") == 200
    await bot.handled(2)
    assert await event_count(bot, "WMAG31-02") == before


# --- a database held by a long import ------------------------------------------------------------


@contextlib.contextmanager
def write_lock_held(path: str):
    """Another process's write transaction (a long import) holding the database."""
    holder = sqlite3.connect(path, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield holder
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.sqlite_only  # SQLite's single writer (PostgreSQL: tests/e2e/test_replicas.py)
async def test_an_update_waits_out_a_short_lock_and_is_made(busy_bot, db_url):
    path = db_url.removeprefix("sqlite:///")
    with write_lock_held(path):
        status = await busy_bot.command("update WMAG31-02 windows agreed", user="U0SAM")
        assert status == 200  # acknowledged at once, lock or no lock
        await asyncio.sleep(0.3)
    reply = (await busy_bot.replies())[0]
    assert texts(reply["blocks"]) == "✅ Updated WMAG31-02."
    assert (await last_event(busy_bot, "WMAG31-02"))[:2] == ("updated", "windows agreed")


@pytest.mark.sqlite_only  # SQLite's single writer
async def test_a_claim_the_database_cannot_take_fails_plainly_and_changes_nothing(busy_bot, db_url):
    # Priya is a member not yet linked to her Slack user: her profile name makes a claim, which must be
    # written before she acts as Priya; a lock held throughout refuses it, and so the whole request.
    path = db_url.removeprefix("sqlite:///")
    before = await event_count(busy_bot, "WMAG31-05")
    with write_lock_held(path):
        assert await busy_bot.command("update WMAG31-05 cost analysis drafted", user="U0PRIYA") == 200
        reply = (await busy_bot.replies())[0]
    assert "The record is busy right now" in texts(reply["blocks"])
    assert await event_count(busy_bot, "WMAG31-05") == before


@pytest.mark.sqlite_only  # SQLite's single writer (PostgreSQL: tests/e2e/test_replicas.py)
async def test_an_update_the_database_keeps_refusing_is_answered_plainly_and_changes_nothing(
    busy_bot, db_url
):
    path = db_url.removeprefix("sqlite:///")
    before = await event_count(busy_bot, "WMAG31-05")
    with write_lock_held(path):
        assert await busy_bot.command("update WMAG31-05 cost analysis drafted", user="U0PRIYA") == 200
        reply = (await busy_bot.replies())[0]
    assert "The record is busy right now" in texts(reply["blocks"]) and "nothing was changed" in texts(
        reply["blocks"]
    )
    assert await event_count(busy_bot, "WMAG31-05") == before
    # Once the import is over, the same request (typed again) goes through.
    assert await busy_bot.command("update WMAG31-05 cost analysis drafted", user="U0PRIYA") == 200
    assert "Updated WMAG31-05." in texts((await busy_bot.replies(2))[1]["blocks"])
