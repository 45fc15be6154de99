"""In Teams, a button on a card of several items changes that item only (the rest stay, the item shows its
new state with Undo), paging goes both ways, and every change can be undone, by its Undo or by typing
`undo`: a command, a card's button, "Confirm all as done", a "REF done" message in a channel."""

from __future__ import annotations

import pytest

from bot.record.importer import import_report
from tests.core.test_trust import HEADLINE_033
from tests.fixtures.teams import card_of, press, status_of, texts_of
from tests.teams.conftest import NOW
from tests.teams_fake import CHANNEL, card_actions, card_texts, channel_message, personal_message


@pytest.fixture
async def reported(teams, write):
    await import_report(teams.db, write("wmag-033.txt", HEADLINE_033), clock=NOW)  # two reported done
    return teams


async def tell(teams, words: str, user: str = "aad-sam", name: str = "Sam Hatton") -> list[str]:
    before = len(teams.fake.sent)
    await teams.send(personal_message(teams.fake.service_url, user, name, words))
    await teams.fake.wait_for(lambda: teams.fake.sent[before:] and not teams.bot._background)
    return [t for r in teams.fake.sent[before:] for _, t in card_texts(r.card())]


def done_refs(card: dict) -> list[str]:
    return [a["data"]["ref"] for a in card_actions(card) if a["verb"] == "markDone"]


async def test_mark_done_on_a_card_of_several_keeps_the_others_and_undo_puts_it_back(teams):
    await tell(teams, "mine")
    answer = teams.fake.sent[-1].card()
    refs = done_refs(answer)
    assert len(refs) >= 2
    first = next(a for a in card_actions(answer) if a["verb"] == "markDone")
    _, body = await press(teams, "aad-sam", "Sam Hatton", "markDone", **first["data"])
    shown = card_of(body)
    texts = [t for _, t in card_texts(shown)]
    assert texts[0] == "Open for Sam Hatton"  # the same card, not one line
    assert any(t.startswith(f"✅ {refs[0]} (closed)") for t in texts)
    assert done_refs(shown) == refs[1:]  # the others still there, with their Mark done
    undo = next(a for a in card_actions(shown) if a["verb"] == "undo")
    _, body = await press(teams, "aad-sam", "Sam Hatton", "undo", **undo["data"])
    assert texts_of(body)[0] == f"Undone: {refs[0]} is open again."
    assert done_refs(card_of(body)) == refs  # back as it was
    assert await status_of(teams, refs[0]) == "open"


async def test_a_refused_press_keeps_the_card(teams):
    await tell(teams, "what is open for everyone", user="aad-hall", name="Sam Hall")
    answer = teams.fake.sent[-1].card()
    theirs = next(
        a for a in card_actions(answer) if a["verb"] == "markDone" and a["data"]["ref"] == "WMAG31-02"
    )
    _, body = await press(teams, "aad-hall", "Sam Hall", "markDone", **theirs["data"])
    texts = texts_of(body)
    assert texts[0] == "Only the owner or the secretariat can close WMAG31-02."
    assert done_refs(card_of(body)) == done_refs(answer)  # every item still there
    assert await status_of(teams, "WMAG31-02") == "open"


async def test_paging_goes_both_ways(teams):
    from bot.people.identity import CONFIRMED, identify
    from bot.record.changes import add_action

    async with teams.db.read() as session:
        ada = await identify(session, "Ada Brooks", link=CONFIRMED)
    for n in range(25):
        await add_action(teams.db, ada, NOW, text=f"Task {n}", group_code="WMAG", owner="Sam Hatton")
    await tell(teams, "mine")
    first = teams.fake.sent[-1].card()
    more = next(a for a in card_actions(first) if a["verb"] == "showMore")
    assert more["title"] == "Show more"
    _, body = await press(teams, "aad-sam", "Sam Hatton", "showMore", **more["data"])
    back = next(a for a in card_actions(card_of(body)) if a["title"] == "Show previous")
    _, body = await press(teams, "aad-sam", "Sam Hatton", back["verb"], **back["data"])
    assert done_refs(card_of(body)) == done_refs(first)


async def test_a_command_a_channel_message_then_undo_typed(teams):
    assert any("Closed WMAG31-02" in t for t in await tell(teams, "done WMAG31-02 agreed"))
    assert "Undone: WMAG31-02 is open again." in await tell(teams, "undo")
    assert await status_of(teams, "WMAG31-02") == "open"
    before = len(teams.fake.sent)
    overheard = channel_message(
        teams.fake.service_url, "aad-sam", "Sam Hatton", "WMAG31-02 done - agreed", mention=False
    )
    await teams.send(overheard)
    await teams.fake.wait_for(lambda: teams.fake.sent[before:])
    assert await status_of(teams, "WMAG31-02") == "closed"
    assert teams.fake.sent[-1].conversation.startswith(CHANNEL)
    assert "Undone: WMAG31-02 is open again." in await tell(teams, "undo")
    assert "There is nothing of yours to undo." in await tell(teams, "undo")


async def test_confirm_all_then_one_undo_for_all(reported):
    teams = reported
    _, body = await press(teams, "aad-admin", "Pat Admin", "confirmReported", group="WMAG")
    assert texts_of(body)[0].startswith("✅ Confirmed and closed 2 reported done")
    assert [await status_of(teams, r) for r in ("WMAG31-01", "WMAG32-01")] == ["closed", "closed"]
    undo = next(a for a in card_actions(card_of(body)) if a["verb"] == "undo")
    _, body = await press(teams, "aad-admin", "Pat Admin", "undo", **undo["data"])
    assert texts_of(body)[0].startswith("Undone: 2 actions are as they were")
    assert [await status_of(teams, r) for r in ("WMAG31-01", "WMAG32-01")] == ["open", "open"]


async def test_the_welcome_fits_where_it_is_shown(teams):
    from tests.teams_fake import TENANT, conversation_update

    personal = conversation_update(teams.fake.service_url, "aad-sam", "Sam Hatton")
    personal["conversation"] = {"id": "a:chat-aad-sam", "conversationType": "personal", "tenantId": TENANT}
    await teams.send(personal)
    said = card_texts((await teams.fake.wait_for(lambda: teams.fake.sent))[0].card())[0][1]
    assert "channel" not in said and "Ask me a question" in said
    await teams.send(conversation_update(teams.fake.service_url, "aad-sam", "Sam Hatton"))
    in_team = (await teams.fake.wait_for(lambda: teams.fake.sent[1:]))[0]
    assert "in this channel" in card_texts(in_team.card())[0][1]
