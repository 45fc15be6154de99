"""Who someone is and what they may do, in Teams: nobody becomes the secretariat by saying so.

The real Teams SDK app, the Bot Connector faked on loopback (with its conversation member lookup, which
gives a user's email as their tenant knows it). The WMAG world: Ada Brooks (PMO secretariat, aad-ada),
Sam Hatton (aad-sam), Sam Hall (a member not linked in Teams), Rowan Pike the chair; aad-admin is in
TEAMS_ADMIN_IDS.
"""

from __future__ import annotations

from sqlalchemy import text

from bot.people.members import add_member
from tests.fixtures.teams import press, status_of, texts_of
from tests.teams.conftest import NOW
from tests.teams_fake import card_actions, card_texts, channel_message, personal_message

# The admin's personal chat: opened by the bot, or (once they have written to it) the one Teams gave.
ADMIN_CHATS = {"a:personal-aad-admin", "a:chat-aad-admin"}


async def tell(teams, user: str, name: str, words: str, expect: str) -> str:
    """A personal message to the bot; the texts it answered with in that chat, once `expect` is among
    them."""
    before = len(teams.fake.sent)
    await teams.send(personal_message(teams.fake.service_url, user, name, words))

    def answered():
        said = [
            t
            for r in teams.fake.sent[before:]
            if r.conversation == f"a:chat-{user}"
            for _, t in card_texts(r.card())
        ]
        return " ".join(said) if any(expect in t for t in said) else None

    return await teams.fake.wait_for(answered)


def admin_notices(teams) -> list:
    return [r for r in teams.fake.sent if r.conversation in ADMIN_CHATS and card_actions(r.card())]


async def link_of(teams, name: str) -> tuple[str | None, str | None]:
    async with teams.db.read() as session:
        row = (
            await session.exec(
                text("SELECT teams_user_id, teams_link FROM member WHERE name = :n"), params={"n": name}
            )
        ).one()
    return row[0], row[1]


async def test_claiming_to_be_the_chair_gives_no_secretariat_rights(teams):
    await tell(teams, "aad-mal", "Mal Content", "iam Rowan Pike", "I've noted that you are Rowan Pike")
    assert await link_of(teams, "Rowan Pike") == ("aad-mal", "claimed")
    _, body = await press(teams, "aad-mal", "Mal Content", "markDone", ref="WMAG31-02")
    assert "Only the owner or the secretariat" in texts_of(body)[0]
    _, body = await press(teams, "aad-mal", "Mal Content", "confirmReported", group="WMAG")
    assert "Only the secretariat can confirm" in texts_of(body)[0]
    await tell(teams, "aad-mal", "Mal Content", "action add Publish the plan", "Only the secretariat can add")
    before = len(teams.fake.sent)
    await teams.send(channel_message(teams.fake.service_url, "aad-mal", "Mal Content", "digest here WMAG"))
    reply = (await teams.fake.wait_for(lambda: teams.fake.sent[before:]))[0]
    assert "Only the secretariat can choose where digests go" in card_texts(reply.card())[0][1]
    assert await status_of(teams, "WMAG31-02") == "open"
    # The configured admin was told in their personal chat, with Confirm and Reject.
    notice = (await teams.fake.wait_for(lambda: admin_notices(teams)))[0]
    assert card_texts(notice.card())[0][1].startswith(
        "Teams user aad-mal (profile name not a member's) says they are Rowan Pike"
    )
    assert [a["verb"] for a in card_actions(notice.card())] == ["confirmClaim", "rejectClaim"]


async def test_a_display_name_like_a_members_is_a_claim(teams):
    said = await tell(teams, "aad-hall", "Sam Hall", "whoami", "You are Sam Hall")
    assert "not yet confirmed by the secretariat" in said
    assert await link_of(teams, "Sam Hall") == ("aad-hall", "claimed")
    notice = (await teams.fake.wait_for(lambda: admin_notices(teams)))[0]
    assert "(profile name matches) says they are Sam Hall" in card_texts(notice.card())[0][1]
    _, body = await press(teams, "aad-hall", "Sam Hall", "markDone", ref="WMAG31-04")  # names Sam Hall
    assert "Closed WMAG31-04" in texts_of(body)[0]


async def test_a_display_name_of_a_member_linked_to_someone_else_is_nobody(teams):
    await tell(teams, "aad-twin", "Sam Hatton", "whoami", "You are not linked")
    _, body = await press(teams, "aad-twin", "Sam Hatton", "markDone", ref="WMAG31-02")
    assert "Only the owner or the secretariat" in texts_of(body)[0]
    assert await link_of(teams, "Sam Hatton") == ("aad-sam", "confirmed")


async def test_the_email_teams_gives_verifies_the_link(teams):
    async with teams.db.write() as session:
        await session.exec(
            text("UPDATE member SET teams_user_id = NULL, teams_link = NULL WHERE name = 'Ada Brooks'")
        )
    async with teams.db.write() as session:
        await add_member(session, NOW, name="Ada Brooks", email="ada.brooks@example.org")
    teams.fake.directory["aad-ab2"] = {"name": "A Brooks", "email": "ADA.BROOKS@example.org"}
    said = await tell(teams, "aad-ab2", "A Brooks", "whoami", "You are Ada Brooks")
    assert "by the email your account vouches for" in said
    assert await link_of(teams, "Ada Brooks") == ("aad-ab2", "verified")
    _, body = await press(teams, "aad-ab2", "A Brooks", "markDone", ref="WMAG31-02")
    assert "Closed WMAG31-02" in texts_of(body)[0]  # the secretariat's rights
    assert not admin_notices(teams)


async def test_confirmation_gives_rights_and_rejection_unlinks(teams):
    await tell(teams, "aad-mal", "Mal Content", "iam Rowan Pike", "I've noted")
    notice = (await teams.fake.wait_for(lambda: admin_notices(teams)))[0]
    confirm = card_actions(notice.card())[0]["data"]
    claim = {k: confirm[k] for k in ("member", "platform", "user")}
    _, body = await press(teams, "aad-mal", "Mal Content", "confirmClaim", **claim)
    assert "Only the secretariat" in texts_of(body)[0]  # not the claimant
    _, body = await press(teams, "aad-admin", "Pat Admin", "confirmClaim", **claim)
    assert texts_of(body)[0] == "Confirmed: Teams user aad-mal is Rowan Pike."
    assert await link_of(teams, "Rowan Pike") == ("aad-mal", "confirmed")
    _, body = await press(teams, "aad-mal", "Mal Content", "markDone", ref="WMAG31-02")
    assert "Closed WMAG31-02" in texts_of(body)[0]  # the chair's rights now
    _, body = await press(teams, "aad-admin", "Pat Admin", "rejectClaim", **claim)
    assert texts_of(body)[0].startswith("Already decided")
    await tell(teams, "aad-other", "Someone Else", "iam Dave Marsh", "I've noted")
    notice = (await teams.fake.wait_for(lambda: admin_notices(teams)[1:]))[0]
    data = card_actions(notice.card())[1]["data"]
    _, body = await press(
        teams, "aad-admin", "Pat Admin", "rejectClaim", **{k: data[k] for k in ("member", "platform", "user")}
    )
    assert texts_of(body)[0] == "Rejected: Teams user aad-other is no longer linked to Dave Marsh."
    assert await link_of(teams, "Dave Marsh") == (None, None)


async def test_a_misspelt_iam_asks_and_links_nobody_until_yes(teams):
    before = len(teams.fake.sent)
    await teams.send(personal_message(teams.fake.service_url, "aad-mal", "Mal Content", "iam Rowen Pike"))
    asked = (await teams.fake.wait_for(lambda: teams.fake.sent[before:]))[0]
    assert card_texts(asked.card())[0][1] == "I don't know “Rowen Pike” exactly. Did you mean Rowan Pike?"
    assert await link_of(teams, "Rowan Pike") == (None, None)
    yes = card_actions(asked.card())[0]
    _, body = await press(teams, "aad-mal", "Mal Content", yes["verb"], member=yes["data"]["member"])
    assert "I've noted that you are Rowan Pike" in texts_of(body)[0]
    assert await link_of(teams, "Rowan Pike") == ("aad-mal", "claimed")
    assert await teams.fake.wait_for(lambda: admin_notices(teams))
