"""Members ask and act in Teams as in Slack: a personal chat, a mention in a channel, a statement overheard."""

from __future__ import annotations

from tests.fixtures.teams import event_rows, status_of
from tests.teams_fake import CHANNEL, card_actions, card_texts, channel_message, personal_message


async def test_a_question_in_a_personal_chat_is_answered_with_a_card(teams):
    status, _ = await teams.send(
        personal_message(teams.fake.service_url, "aad-sam", "Sam Hatton", "what is open for me")
    )
    assert status == 200
    reply = (await teams.fake.replies())[0]
    assert reply.conversation == "a:chat-aad-sam"
    texts = [t for _, t in card_texts(reply.card())]
    assert texts[0] == "Open for Sam Hatton"
    assert any(t.startswith("WMAG31-02: Confirm the DNO test windows") for t in texts)
    done = [a["data"]["ref"] for a in card_actions(reply.card()) if a["verb"] == "markDone"]
    assert "WMAG31-02" in done


async def test_a_mention_in_a_channel_is_answered_in_its_thread(teams):
    await teams.send(channel_message(teams.fake.service_url, "aad-ada", "Ada Brooks", "show WMAG31-02"))
    reply = (await teams.fake.replies())[0]
    assert reply.conversation == f"{CHANNEL};messageid=100"  # the thread the question was asked in
    texts = "\n".join(t for _, t in card_texts(reply.card()))
    assert "WMAG31-02: Confirm the DNO test windows" in texts and "History:" in texts


async def test_a_done_statement_overheard_in_a_channel_closes_it_with_undo(teams):
    status, _ = await teams.send(
        channel_message(
            teams.fake.service_url, "aad-sam", "Sam Hatton", "WMAG31-02 done - windows agreed", mention=False
        )
    )
    assert status == 200
    reply = (await teams.fake.replies())[0]
    assert [t for _, t in card_texts(reply.card())] == ["✅ Closed WMAG31-02."]
    assert [a["verb"] for a in card_actions(reply.card())] == ["undo"]
    assert await status_of(teams, "WMAG31-02") == "closed"
    assert (await event_rows(teams, "WMAG31-02"))[-1] == (
        "closed",
        "windows agreed",
        "Sam Hatton",
        f"teams:channel:{CHANNEL}",
        "aad-sam",
    )


async def test_chatter_in_a_channel_is_left_alone(teams):
    await teams.send(
        channel_message(teams.fake.service_url, "aad-sam", "Sam Hatton", "lunch at 1?", mention=False)
    )
    await teams.send(personal_message(teams.fake.service_url, "aad-sam", "Sam Hatton", "help"))
    replies = await teams.fake.replies()
    assert [r.conversation for r in replies] == ["a:chat-aad-sam"]  # only the help, not the chatter


async def test_only_an_owner_or_the_secretariat_changes_an_action(teams):
    await teams.send(personal_message(teams.fake.service_url, "aad-hall", "Sam Hall", "done WMAG31-02"))
    replies = await teams.fake.wait_for(
        lambda: [r for r in teams.fake.sent if "Only the owner" in str(r.activity)]
    )
    assert replies and await status_of(teams, "WMAG31-02") == "open"
    await teams.send(
        personal_message(
            teams.fake.service_url, "aad-admin", "Pat Admin", "done WMAG31-02 checked at the meeting"
        )
    )
    await teams.fake.wait_for(lambda: [r for r in teams.fake.sent if "Closed WMAG31-02." in str(r.activity)])
    assert (await event_rows(teams, "WMAG31-02"))[-1][1:] == (
        "checked at the meeting",
        "Pat Admin",
        "teams:personal",
        "aad-admin",
    )


async def test_a_teams_name_only_close_is_asked_about_once_and_iam_links(teams):
    await teams.send(personal_message(teams.fake.service_url, "aad-hall", "Sam Halle", "what is open for me"))
    first = await teams.fake.replies(2)
    asked = [r for r in first if any(a["verb"] == "confirmIdentity" for a in card_actions(r.card()))]
    assert asked and "Are you Sam Hall" in card_texts(asked[0].card())[0][1]
    await teams.send(personal_message(teams.fake.service_url, "aad-hall", "Sam Halle", "what is open for me"))
    await teams.fake.replies(3)
    assert not any(
        a["verb"] == "confirmIdentity" for a in card_actions(teams.fake.sent[2].card())
    )  # asked once
    await teams.send(personal_message(teams.fake.service_url, "aad-hall", "Sam Halle", "iam Sam Hall"))
    sent = await teams.fake.replies(5)  # the answer, and the claim told to the configured admin
    linked = next(r for r in sent[3:] if r.conversation == "a:chat-aad-hall")
    assert card_texts(linked.card())[0][1].startswith("Thanks — I've noted that you are Sam Hall;")
    told = next(r for r in sent[3:] if r.conversation == "a:personal-aad-admin")
    assert card_texts(told.card())[0][1].startswith("Teams user aad-hall (profile name not a member's) says")
    assert {a["verb"] for a in card_actions(told.card())} == {"confirmClaim", "rejectClaim"}


async def test_stored_text_is_inert_in_cards(teams):
    from bot.people.identity import CONFIRMED, identify
    from bot.record.changes import add_action
    from tests.teams.conftest import NOW

    async with teams.db.read() as session:
        ada = await identify(session, "Ada Brooks", link=CONFIRMED)
    hostile = (
        "See [click](https://evil.example) and <at>Sam Hatton</at> at www.evil.example, **now** <b>bold</b>"
    )
    assert (
        await add_action(
            teams.db, ada, NOW, text=hostile, group_code="WMAG", owner="Sam Hatton", ref="WMAG32-09"
        )
    ).ok
    await teams.send(personal_message(teams.fake.service_url, "aad-sam", "Sam Hatton", "show WMAG32-09"))
    card = (await teams.fake.replies())[0].card()
    holding = [(kind, t) for kind, t in card_texts(card) if "click" in t]
    assert holding and all(kind == "TextRun" for kind, _ in holding)  # never a TextBlock's markdown
    shown = holding[0][1]
    assert "](" not in shown and "://" not in shown and "<at>" not in shown and "www." not in shown
    assert shown.replace("\u200b", "").startswith("WMAG32-09: See [click](https://evil.example) and")
    assert not (await teams.fake.replies())[0].activity.get("entities")  # no mention entity, so no ping
