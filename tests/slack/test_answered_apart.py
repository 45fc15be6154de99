"""Slack requests as `serve` runs the app: this loop checks each request and acknowledges it, and Bolt, its
listeners and their answers run on the answering loop. One request of each kind (a command, a channel
message, a mention, a reaction, a button, the shortcut and its modal, whose errors are its
acknowledgement so it waits for Bolt) behaves as it does in place, and a forged or replayed request is
refused the same way. The rest of the Slack tests run the app in place."""

from __future__ import annotations

import pytest

from tests.fixtures.slack import (
    buttons,
    data_of,
    last_event,
    message,
    shortcut_and_submit,
    status_of,
    texts,
)
from tests.fixtures.world import build_world
from tests.slack.conftest import SECRET, _people, running_bot
from tests.slack_fake import signed, slash_command


@pytest.fixture
async def bot(db, write):
    await build_world(db, write)
    await _people(db)
    async with running_bot(db, answered_apart=True) as running:
        yield running


async def test_a_command_is_answered_and_a_change_made(bot):
    assert await bot.command("mine", user="U0SAM") == 200
    reply = (await bot.replies())[0]
    assert reply["response_type"] == "ephemeral" and "Open for Sam Hatton" in texts(reply["blocks"])
    await bot.command("done WMAG31-02 windows agreed", user="U0SAM")
    assert "Closed WMAG31-02." in texts((await bot.replies(2))[1]["blocks"])
    assert await status_of(bot, "WMAG31-02") == "closed"


async def test_a_channel_message_a_mention_and_a_reaction(bot):
    assert await bot.event(message("U0SAM", "WMAG31-02 done - windows confirmed")) == 200
    await bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert (await last_event(bot, "WMAG31-02"))[:3] == ("closed", "windows confirmed", "U0SAM")
    mention = message("U0SAM", "<@U0BOT> what is overdue", ts="1700000200.000100", type="app_mention")
    assert await bot.event(mention) == 200
    await bot.fake.wait_for(lambda: len(bot.fake.calls_to("chat.postEphemeral")) >= 2)
    bot.fake.messages[("C0TMAG", "1700000300.000100")] = {"ts": "1700000300.000100", "text": "WMAG31-06"}
    reaction = {
        "type": "reaction_added",
        "user": "U0SAM",
        "reaction": "white_check_mark",
        "item": {"type": "message", "channel": "C0TMAG", "ts": "1700000300.000100"},
    }
    assert await bot.event(reaction) == 200
    await bot.fake.wait_for(lambda: len(bot.fake.calls_to("chat.postEphemeral")) >= 3)
    assert await status_of(bot, "WMAG31-06") == "closed"


async def test_a_button_shows_its_answer_again_in_place(bot):
    await bot.command("mine", user="U0SAM")
    values = buttons((await bot.replies())[0]["blocks"], "mark_done")
    await bot.click("mark_done", values[0], user="U0SAM")
    shown = (await bot.replies(2))[1]
    assert shown["replace_original"] is True and f"✅ {data_of(values[0])['ref']} (closed)" in texts(
        shown["blocks"]
    )


async def test_the_shortcut_opens_its_modal_and_the_submission_closes(bot):
    await shortcut_and_submit(bot)


async def test_a_forged_request_gets_401_and_a_replayed_one_is_applied_once(bot):
    body = slash_command("done WMAG31-02", "U0SAM", "C0TMAG", bot.fake.response_url("once"))
    status, _ = await bot.send(
        body,
        "application/x-www-form-urlencoded",
        signed("not the secret", body, "application/x-www-form-urlencoded"),
    )
    assert status == 401
    headers = signed(SECRET, body, "application/x-www-form-urlencoded")
    assert [(await bot.send(body, "application/x-www-form-urlencoded", headers))[0] for _ in range(2)] == [
        200,
        200,
    ]
    await bot.replies()
    assert await status_of(bot, "WMAG31-02") == "closed"
    events = [e for e in [await last_event(bot, "WMAG31-02")] if e[0] == "closed"]
    assert len(events) == 1
