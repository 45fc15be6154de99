"""Forged, unsigned and stale requests get 401 and change nothing; Web API calls retry 429 and 5xx."""

from __future__ import annotations

import time

import pytest

from tests.slack.conftest import SECRET
from tests.slack.test_commands import texts
from tests.slack.test_events import status_of
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
    assert status == 401
    await bot.command("help")
    await bot.replies()
    assert await status_of(bot, "WMAG31-02") == "open"
    assert bot.fake.calls_to("chat.postEphemeral") == []


async def test_a_forged_slash_command_gets_401(bot):
    body = slash_command("done WMAG31-02", "U0SAM", "C0TMAG", bot.fake.response_url())
    status, _ = await bot.send(
        body, "application/x-www-form-urlencoded", signed("wrong", body, "application/x-www-form-urlencoded")
    )
    assert status == 401
    assert await status_of(bot, "WMAG31-02") == "open"


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


async def test_healthz(bot):
    async with bot.http.get(bot.url.replace("/slack/events", "/healthz")) as response:
        assert response.status == 200
        assert (await response.json()) == {"ok": True, "database": "ok"}
