"""Messages carrying what no database or export takes (a lone surrogate, which Slack's JSON can carry,
a NUL, control characters) change actions as any other message does, their text stored without it."""

from __future__ import annotations

from tests.fixtures.slack import last_event, message, texts


async def test_a_message_with_a_lone_surrogate_and_control_characters_updates_the_action(bot):
    await bot.event(message("U0SAM", "WMAG31-02 update: windows\ud800 agreed\x00 with\x07 DNOs\x1b"))
    ephemeral = (await bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral")))[0]
    assert "Updated WMAG31-02." in texts(ephemeral["blocks"])
    kind, note, user, _source = await last_event(bot, "WMAG31-02")
    assert (kind, note, user) == ("updated", "windows agreed with DNOs", "U0SAM")
