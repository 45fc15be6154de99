"""Every change offers Undo, and `undo` typed afterwards works too, whichever way the change was made in
Slack: a command, a button, a ✅ reaction, the message shortcut, "Confirm all as done", a "REF done"
message in a channel, an update, a reopen. Each puts the action back as it was."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.record.importer import import_report
from tests.core.test_trust import HEADLINE_033
from tests.fixtures.slack import buttons, data_of, message, status_of, texts
from tests.fixtures.world import build_world
from tests.slack.conftest import NOW, _people, running_bot

ADMIN = "U0ADMIN"


@pytest.fixture
async def bot(db, write):
    await build_world(db, write)
    await import_report(db, write("wmag-033.txt", HEADLINE_033), clock=NOW)  # two reported done
    await _people(db)
    async with running_bot(
        db, admins=frozenset({ADMIN}), users={ADMIN: {"real_name": "Pat Admin"}}
    ) as running:
        yield running


async def said(bot, words: str, user: str = "U0SAM") -> dict:
    before = len(bot.fake.responses)
    await bot.command(words, user=user)
    return (await bot.replies(before + 1))[before]


async def typed_undo(bot, user: str = "U0SAM") -> str:
    return texts((await said(bot, "undo", user))["blocks"])


async def latest_update(bot, ref: str) -> str:
    async with bot.db.read() as session:
        return (
            await session.exec(
                text(
                    "SELECT e.text FROM action_event e JOIN action a ON a.id = e.action_id "
                    "WHERE a.ref = :r AND e.kind = 'updated' ORDER BY e.id DESC LIMIT 1"
                ),
                params={"r": ref},
            )
        ).one()[0]


async def test_a_command_then_undo_typed(bot):
    assert "Closed WMAG31-02" in texts((await said(bot, "done WMAG31-02 agreed"))["blocks"])
    assert await status_of(bot, "WMAG31-02") == "closed"
    assert "Undone: WMAG31-02 is open again." in await typed_undo(bot)
    assert await status_of(bot, "WMAG31-02") == "open"
    assert "nothing of yours to undo" in await typed_undo(bot)


async def test_an_update_and_a_reopen_then_undo(bot):
    await said(bot, "update WMAG31-02 windows drafted")
    assert "the update to WMAG31-02 is retracted" in await typed_undo(bot)
    assert await latest_update(bot, "WMAG31-02") == "Retracted: windows drafted"
    await said(bot, "done WMAG31-02")
    await said(bot, "reopen WMAG31-02")
    assert "Undone: WMAG31-02 is closed again." in await typed_undo(bot)
    assert await status_of(bot, "WMAG31-02") == "closed"


async def test_a_button_on_a_list_then_its_undo_and_the_rest_stay(bot):
    reply = await said(bot, "mine")
    done = buttons(reply["blocks"], "mark_done")
    assert len(done) >= 2
    await bot.click("mark_done", done[0], user="U0SAM")
    shown = (await bot.replies(2))[1]
    assert shown["replace_original"] is True and len(buttons(shown["blocks"], "mark_done")) == len(done) - 1
    await bot.click("undo_change", buttons(shown["blocks"], "undo_change")[0], user="U0SAM")
    await bot.replies(3)
    assert await status_of(bot, data_of(done[0])["ref"]) == "open"


async def test_a_reaction_then_undo_typed(bot):
    bot.fake.messages[("C0TMAG", "1700000900.000100")] = {
        "ts": "1700000900.000100",
        "text": "WMAG31-02 is agreed",
    }
    reaction = {
        "type": "reaction_added",
        "user": "U0SAM",
        "reaction": "white_check_mark",
        "item": {"type": "message", "channel": "C0TMAG", "ts": "1700000900.000100"},
    }
    assert await bot.event(reaction) == 200
    told = (await bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral")))[0]
    assert "Closed WMAG31-02" in texts(told["blocks"]) and buttons(told["blocks"], "undo_change")
    assert "Undone: WMAG31-02 is open again." in await typed_undo(bot)


async def test_a_channel_message_then_undo_typed(bot):
    assert await bot.event(message("U0SAM", "WMAG31-02 done - agreed with the DNOs")) == 200
    await bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert await status_of(bot, "WMAG31-02") == "closed"
    assert "Undone: WMAG31-02 is open again." in await typed_undo(bot)


async def test_confirm_all_then_one_undo_for_all(bot):
    await bot.click("confirm_reported", '{"group":"WMAG"}', user=ADMIN)
    confirmed = (await bot.replies())[0]
    assert "Confirmed and closed 2 reported done" in texts(confirmed["blocks"])
    assert [await status_of(bot, r) for r in ("WMAG31-01", "WMAG32-01")] == ["closed", "closed"]
    await bot.click("undo_change", buttons(confirmed["blocks"], "undo_change")[0], user=ADMIN)
    undone = (await bot.replies(2))[1]
    assert "Undone: 2 actions are as they were" in texts(undone["blocks"])
    assert [await status_of(bot, r) for r in ("WMAG31-01", "WMAG32-01")] == ["open", "open"]
    # ... and the same by typing, after confirming by typing.
    await said(bot, "confirm reported", ADMIN)
    assert "Undone: 2 actions are as they were" in await typed_undo(bot, ADMIN)
