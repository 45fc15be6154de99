"""Activities carrying what no database or export takes (a lone surrogate, a NUL, control characters)
are answered as any other, their text stored without it."""

from __future__ import annotations

from sqlalchemy import text

from tests.teams_fake import card_texts, channel_message


async def test_a_channel_message_with_a_lone_surrogate_and_control_characters_updates_the_action(teams):
    said = "WMAG31-02 update: windows\ud800 agreed\x00 with\x07 DNOs\x1b"
    status, _ = await teams.send(
        channel_message(teams.fake.service_url, "aad-sam", "Sam Hatton", said, mention=False)
    )
    assert status == 200
    reply = (await teams.fake.replies())[0]
    assert "Updated WMAG31-02." in card_texts(reply.card())[0][1]
    async with teams.db.read() as session:
        note = (
            await session.exec(
                text(
                    "SELECT e.text FROM action_event e JOIN action a ON a.id = e.action_id "
                    "WHERE a.ref = 'WMAG31-02' ORDER BY e.id DESC LIMIT 1"
                )
            )
        ).one()[0]
    assert note == "windows agreed with DNOs"
