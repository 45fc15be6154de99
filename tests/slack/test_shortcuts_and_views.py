"""The message shortcut "Mark action done": a modal with the refs found, and its submission."""

from __future__ import annotations

import json

from tests.fixtures.slack import shortcut_and_submit, texts
from tests.slack.conftest import SECRET
from tests.slack_fake import message_action, view_submission


async def test_shortcut_opens_a_modal_with_the_refs_in_the_message(bot):
    await shortcut_and_submit(bot)


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
