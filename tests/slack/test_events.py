"""Events: "REF done" messages, mentions, DMs, ✅ reactions, the App Home, and Slack's retries."""

from __future__ import annotations

from sqlalchemy import text

from tests.fixtures.slack import buttons, data_of, last_event, message, status_of, texts


async def test_a_done_message_from_the_owner_closes_and_confirms_with_undo(bot):
    assert await bot.event(message("U0SAM", "WMAG31-02 done - windows confirmed with all DNOs")) == 200
    ephemeral = (await bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral")))[0]
    assert ephemeral["user"] == "U0SAM"
    assert "Closed WMAG31-02." in texts(ephemeral["blocks"])
    assert buttons(ephemeral["blocks"], "undo_change")
    assert await status_of(bot, "WMAG31-02") == "closed"
    kind, note, user, source = await last_event(bot, "WMAG31-02")
    assert (kind, note, user) == ("closed", "windows confirmed with all DNOs", "U0SAM")
    assert source == "https://example.slack.com/archives/C0TMAG/p1700000100000200"


async def test_closing_in_a_thread_and_an_update_message(bot):
    await bot.event(
        message("U0SAM", "wmag 31-2 update: draft windows circulated", thread_ts="1700000000.000001")
    )
    ephemeral = (await bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral")))[0]
    assert ephemeral["thread_ts"] == "1700000000.000001"
    assert (await last_event(bot, "WMAG31-02"))[:2] == ("updated", "draft windows circulated")


async def test_a_done_message_from_someone_else_is_refused(bot):
    await bot.event(message("U0HALL", "closing wmag31-2: all sorted"))
    ephemeral = (await bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral")))[0]
    assert texts(ephemeral["blocks"]) == "Only the owner or the secretariat can close WMAG31-02."
    assert await status_of(bot, "WMAG31-02") == "open"


async def test_ordinary_chatter_gets_no_reply(bot):
    await bot.event(message("U0SAM", "Morning all, see you at 10"))
    await bot.event(message("U0SAM", "I'll look at WMAG31-02 later"))
    await bot.event(
        {
            "type": "message",
            "subtype": "bot_message",
            "channel": "C0TMAG",
            "bot_id": "B9",
            "text": "WMAG31-02 done",
            "ts": "1700000200.000100",
        }
    )
    await bot.handled(3)  # all three events dealt with
    assert bot.fake.calls_to("chat.postEphemeral") == []
    assert await status_of(bot, "WMAG31-02") == "open"


async def test_a_retried_event_is_handled_once(bot):
    event = message("U0SAM", "WMAG31-02 update: first")
    assert await bot.event(event, event_id="Ev0RETRY01") == 200
    await bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"))
    assert await bot.event(event, event_id="Ev0RETRY01", retry=1) == 200
    assert await bot.event(event, event_id="Ev0RETRY01", retry=2) == 200
    await bot.handled(3)  # the retries dealt with too: dropped
    async with bot.db.read() as session:
        updates = (
            await session.exec(
                text("SELECT count(*) FROM action_event WHERE kind = 'updated' AND text = 'first'")
            )
        ).one()[0]
    assert updates == 1
    assert len(bot.fake.calls_to("chat.postEphemeral")) == 1


async def test_mentions_and_dms_take_questions(bot):
    await bot.event(
        {
            "type": "app_mention",
            "channel": "C0TMAG",
            "user": "U0SAM",
            "ts": "1700000300.000100",
            "text": "<@U0BOT> what is open for me?",
        }
    )
    ephemeral = (await bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral")))[0]
    assert "Open for Sam Hatton" in texts(ephemeral["blocks"])
    await bot.event(
        {
            "type": "message",
            "channel": "D0SAM",
            "channel_type": "im",
            "user": "U0SAM",
            "ts": "1700000400.000100",
            "text": "when is the next WMAG",
        }
    )
    dm = (await bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postMessage")))[0]
    assert dm["channel"] == "D0SAM" and "29 November 2023" in texts(dm["blocks"])


async def test_the_owners_reaction_closes_a_bystanders_does_not(bot):
    bot.fake.messages[("C0TMAG", "1700000500.000100")] = {
        "type": "message",
        "ts": "1700000500.000100",
        "user": "U0ADA",
        "text": "Reminder: WMAG31-02 is due soon",
    }
    reaction = {
        "type": "reaction_added",
        "reaction": "white_check_mark",
        "item": {"type": "message", "channel": "C0TMAG", "ts": "1700000500.000100"},
    }
    await bot.event(reaction | {"user": "U0HALL"})
    refused = (await bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral")))[0]
    assert refused["user"] == "U0HALL" and "Only the owner" in texts(refused["blocks"])
    assert await status_of(bot, "WMAG31-02") == "open"
    await bot.event(reaction | {"user": "U0SAM"})
    await bot.fake.wait_for(lambda: len(bot.fake.calls_to("chat.postEphemeral")) == 2)
    assert await status_of(bot, "WMAG31-02") == "closed"
    assert (await last_event(bot, "WMAG31-02"))[2:] == (
        "U0SAM",
        "https://example.slack.com/archives/C0TMAG/p1700000500000100",
    )


async def test_other_reactions_and_messages_naming_two_actions_are_ignored(bot):
    bot.fake.messages[("C0TMAG", "1700000600.000100")] = {
        "type": "message",
        "ts": "1700000600.000100",
        "user": "U0ADA",
        "text": "WMAG31-02 and WMAG31-06",
    }
    await bot.event(
        {
            "type": "reaction_added",
            "reaction": "white_check_mark",
            "user": "U0SAM",
            "item": {"type": "message", "channel": "C0TMAG", "ts": "1700000600.000100"},
        }
    )
    await bot.event(
        {
            "type": "reaction_added",
            "reaction": "tada",
            "user": "U0SAM",
            "item": {"type": "message", "channel": "C0TMAG", "ts": "1700000500.000100"},
        }
    )
    await bot.handled(2)
    assert bot.fake.calls_to("chat.postEphemeral") == []


async def test_app_home_lists_my_actions_meetings_and_decisions(bot):
    await bot.event({"type": "app_home_opened", "user": "U0SAM", "channel": "D0SAM", "tab": "home"})
    published = (await bot.fake.wait_for(lambda: bot.fake.calls_to("views.publish")))[0]
    assert published["user_id"] == "U0SAM"
    view = published["view"]
    assert view["type"] == "home"
    shown = texts(view["blocks"])
    assert "WMAG31-02" in shown and "29 November 2023" in shown and "WMAG-DEC14" in shown
    assert "WMAG31-02" in [data_of(v)["ref"] for v in buttons(view["blocks"], "mark_done")]
    overdue_first = [b for b in view["blocks"] if b.get("accessory", {}).get("action_id") == "mark_done"]
    assert data_of(overdue_first[0]["accessory"]["value"])["ref"] == "WMAG31-06"  # overdue on the 16th
