"""The message shortcut "Mark action done": a modal with the refs found, and its submission."""

from __future__ import annotations

import json

from tests.slack.conftest import SECRET
from tests.slack.test_commands import buttons, texts
from tests.slack.test_events import last_event, status_of
from tests.slack_fake import message_action, view_submission


async def test_shortcut_opens_a_modal_with_the_refs_in_the_message(bot):
    msg = {
        "type": "message",
        "ts": "1700000900.000100",
        "user": "U0ADA",
        "text": "Sam, wmag 31-2 and WMAG31-06 look finished to me",
    }
    status, _ = await bot.send(message_action("U0SAM", "C0TMAG", msg), "application/x-www-form-urlencoded")
    assert status == 200
    opened = (await bot.fake.wait_for(lambda: bot.fake.calls_to("views.open")))[0]
    view = opened["view"]
    assert view["callback_id"] == "mark_done_modal"
    options = view["blocks"][0]["element"]["options"]
    assert [o["value"] for o in options] == ["WMAG31-02", "WMAG31-06"]
    metadata = json.loads(view["private_metadata"])
    assert metadata["link"] == "https://example.slack.com/archives/C0TMAG/p1700000900000100"

    values = {
        "refs_block": {"refs": {"type": "checkboxes", "selected_options": [options[0], options[1]]}},
        "note_block": {"note": {"type": "plain_text_input", "value": "Both done at the meeting"}},
    }
    status, body = await bot.send(
        view_submission("U0SAM", "mark_done_modal", values, view["private_metadata"]),
        "application/x-www-form-urlencoded",
    )
    assert status == 200 and body == ""  # the modal closes
    ephemeral = (await bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral")))[0]
    shown = texts(ephemeral["blocks"])
    assert "Closed WMAG31-02." in shown and "Closed WMAG31-06." in shown
    undo = buttons(ephemeral["blocks"], "undo_change")
    assert len(undo) == 1  # one change, one Undo for both
    assert await status_of(bot, "WMAG31-02") == "closed"
    assert await last_event(bot, "WMAG31-06") == (
        "closed",
        "Both done at the meeting",
        "U0SAM",
        metadata["link"],
    )
    await bot.click("undo_change", undo[0], user="U0SAM")
    await bot.fake.wait_for(
        lambda: any("Undone: 2 actions" in texts(r["blocks"]) for r in bot.fake.responses)
    )
    assert [await status_of(bot, ref) for ref in ("WMAG31-02", "WMAG31-06")] == ["open", "open"]


async def test_submitting_nothing_keeps_the_modal_open_with_an_error(bot):
    values = {"refs_block": {"refs": {"type": "checkboxes", "selected_options": []}}}
    status, body = await bot.send(
        view_submission("U0SAM", "mark_done_modal", values, "{}"), "application/x-www-form-urlencoded"
    )
    assert status == 200 and json.loads(body)["response_action"] == "errors"


async def test_a_message_without_refs_says_so(bot):
    msg = {"type": "message", "ts": "1700001000.000100", "user": "U0ADA", "text": "Lunch at 1?"}
    await bot.send(message_action("U0SAM", "C0TMAG", msg), "application/x-www-form-urlencoded")
    opened = (await bot.fake.wait_for(lambda: bot.fake.calls_to("views.open")))[0]
    assert "can't see an action ref" in texts(opened["view"]["blocks"])
    assert SECRET  # the request above was signed with it


async def test_the_modal_opens_for_actions_with_long_texts(bot):
    from bot.people.identity import CONFIRMED, identify
    from bot.record.changes import add_action
    from tests.slack.conftest import NOW

    async with bot.db.read() as session:
        ada = await identify(session, "Ada Brooks", link=CONFIRMED)
    long_text = (
        "Update the E2E Testing and Integration Strategy as per the comments received in the meeting and "
        "offline, and issue it to members for ex-committee approval ahead of the next meeting (see DEC07)"
    )
    added = await add_action(
        bot.db, ada, NOW, text=long_text, group_code="WMAG", owner="Sam Hatton", ref="WMAG32-07"
    )
    assert added.ok and len(long_text) > 150
    msg = {
        "type": "message",
        "ts": "1700001400.000100",
        "user": "U0ADA",
        "text": "WMAG32-07 and WMAG31-02 done?",
    }
    await bot.send(message_action("U0SAM", "C0TMAG", msg), "application/x-www-form-urlencoded")
    opened = (await bot.fake.wait_for(lambda: bot.fake.calls_to("views.open")))[0]
    options = opened["view"]["blocks"][0]["element"]["options"]
    assert [o["value"] for o in options] == ["WMAG32-07", "WMAG31-02"]
    assert len(options[0]["text"]["text"]) == 75 and options[0]["text"]["text"].startswith(
        "WMAG32-07: Update"
    )
