"""Who someone is and what they may do, in Slack: nobody becomes the secretariat by saying so.

The real Bolt app over signed HTTP; users.info answered by the fake Slack as Slack answers it (with the
profile's email where the users:read.email scope gives one). The WMAG world: Ada Brooks is the PMO's
secretariat lead (linked to U0ADA, confirmed), Rowan Pike chairs, Sam Hatton owns WMAG31-02 (U0SAM).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from bot.people.members import add_member
from tests.fixtures.slack import buttons, texts
from tests.fixtures.world import build_world
from tests.slack.conftest import NOW, _people, running_bot

ADMIN = "U0ADMIN"
STRANGERS = {
    ADMIN: {"real_name": "Pat Admin", "display_name": ""},  # the secretariat's admin, not a member
    "U0MAL": {"real_name": "Mal Content", "display_name": "mal"},  # no member's name
    "U0ROWAN": {"real_name": "Rowan Pike", "display_name": ""},  # the chair's name, typed into a profile
    "U0RP": {"real_name": "RP", "display_name": ""},  # the chair's initials
    "U0IDS": {"real_name": "U0ADA", "display_name": ""},  # another user's id as a name
    "U0TWIN": {"real_name": "Sam Hatton", "display_name": ""},  # a member already linked to U0SAM
    "U0NEAR": {"real_name": "Rowen Pike", "display_name": ""},  # a near miss
    "U0VERI": {"real_name": "A. Brooks", "display_name": "", "email": "Ada.Brooks@example.org"},
}


@pytest.fixture
async def bot(db, write):
    await build_world(db, write)
    await _people(db)
    async with running_bot(db, admins=frozenset({ADMIN}), users=STRANGERS) as running:
        yield running


async def say(bot, words: str, user: str) -> str:
    """A /tmag command; the text of its answer."""
    before = len(bot.fake.responses)
    await bot.command(words, user=user)
    return texts((await bot.replies(before + 1))[before]["blocks"])


async def said(bot, words: str, user: str) -> dict:
    before = len(bot.fake.responses)
    await bot.command(words, user=user)
    return (await bot.replies(before + 1))[before]


def told_admin(bot) -> list[dict]:
    """What was posted to the configured admin (a direct message: the channel is their user id)."""
    return [c for c in bot.fake.calls_to("chat.postMessage") if c.get("channel") == ADMIN]


async def link_of(bot, name: str) -> tuple[str | None, str | None]:
    async with bot.db.read() as session:
        row = (
            await session.exec(
                text("SELECT slack_user_id, slack_link FROM member WHERE name = :n"), params={"n": name}
            )
        ).one()
    return row[0], row[1]


async def status_of(bot, ref: str) -> str:
    async with bot.db.read() as session:
        return (
            await session.exec(text("SELECT status FROM action WHERE ref = :r"), params={"r": ref})
        ).one()[0]


async def identity_events(bot) -> list[tuple]:
    async with bot.db.read() as session:
        rows = await session.exec(
            text(
                "SELECT m.name, e.kind, e.user_id, e.link_kind, e.by_user FROM member_event e "
                "LEFT JOIN member m ON m.id = e.member_id WHERE e.platform = 'slack' ORDER BY e.id"
            )
        )
        return [tuple(r) for r in rows]


async def test_claiming_to_be_the_chair_gives_no_secretariat_rights(bot):
    answer = await say(bot, "iam Rowan Pike", "U0MAL")
    assert "I've noted that you are Rowan Pike" in answer and "secretariat" in answer
    assert await link_of(bot, "Rowan Pike") == ("U0MAL", "claimed")
    assert "Only the secretariat can confirm" in await say(bot, "confirm reported", "U0MAL")
    assert "Only the secretariat can add actions" in await say(
        bot, "action add Publish it owner: Sam", "U0MAL"
    )
    assert "Only the owner or the secretariat" in await say(bot, "done WMAG31-02", "U0MAL")  # Sam Hatton's
    assert "Only the owner or the secretariat" in await say(bot, "done WMAG31-07", "U0MAL")  # the Programme's
    assert "Only the secretariat can choose where digests go" in await say(bot, "digest here", "U0MAL")
    assert "Only the secretariat can draft the report" in await say(bot, "report draft", "U0MAL")
    assert await status_of(bot, "WMAG31-02") == "open" and await status_of(bot, "WMAG31-07") == "open"
    # The configured secretariat was told, with Confirm and Reject.
    notice = (await bot.fake.wait_for(lambda: told_admin(bot)))[0]
    blocks = notice["blocks"]
    assert texts(blocks).startswith("Slack user U0MAL (profile name not a member's) says they are Rowan Pike")
    assert buttons(blocks, "confirm_claim") and buttons(blocks, "reject_claim")
    # The configured secretariat still can do all of it.
    assert "Closed WMAG31-02" in await say(bot, "done WMAG31-02", ADMIN)
    assert "Added WMAG" in await say(bot, "action add Publish the plan owner: Sam Hatton", ADMIN)
    assert "digests will be posted here" in await say(bot, "digest here WMAG", ADMIN)


async def test_a_profile_named_like_the_chair_is_a_claim_and_cannot_confirm(bot):
    answer = await say(bot, "whoami", "U0ROWAN")
    assert "You are Rowan Pike" in answer and "not yet confirmed by the secretariat" in answer
    assert await link_of(bot, "Rowan Pike") == ("U0ROWAN", "claimed")
    assert "Only the secretariat can confirm" in await say(bot, "confirm reported", "U0ROWAN")
    notice = (await bot.fake.wait_for(lambda: told_admin(bot)))[0]
    assert texts(notice["blocks"]).startswith(
        "Slack user U0ROWAN (profile name matches) says they are Rowan Pike"
    )


@pytest.mark.parametrize("user", ["U0RP", "U0IDS", "U0TWIN"])
async def test_initials_an_id_or_a_linked_members_name_make_nobody(bot, user):
    await say(bot, "what is open for me", user)
    assert "Only the owner or the secretariat" in await say(bot, "done WMAG31-02", user)
    assert await link_of(bot, "Sam Hatton") == ("U0SAM", "confirmed")
    assert await link_of(bot, "Rowan Pike") == (None, None)
    assert await link_of(bot, "Ada Brooks") == ("U0ADA", "confirmed")
    assert told_admin(bot) == []


async def test_a_near_miss_is_only_asked_about(bot):
    reply = await said(bot, "what is open for me", "U0NEAR")
    assert "Are you Rowan Pike" in texts(reply["blocks"])
    assert await link_of(bot, "Rowan Pike") == (None, None)  # nothing before Yes


async def test_a_misspelt_iam_asks_and_links_nobody_until_yes(bot):
    reply = await said(bot, "iam Rowen Pike", "U0MAL")
    assert "Did you mean Rowan Pike?" in texts(reply["blocks"])
    assert await link_of(bot, "Rowan Pike") == (None, None)
    member_id = buttons(reply["blocks"], "confirm_identity")[0]
    before = len(bot.fake.responses)
    await bot.click("deny_identity", member_id, user="U0MAL")
    assert "nothing is linked" in (await bot.replies(before + 1))[before]["text"]
    assert await link_of(bot, "Rowan Pike") == (None, None)
    reply = await said(bot, "iam Rowen Pike", "U0MAL")
    await bot.click("confirm_identity", buttons(reply["blocks"], "confirm_identity")[0], user="U0MAL")
    await bot.fake.wait_for(lambda: told_admin(bot))
    assert await link_of(bot, "Rowan Pike") == ("U0MAL", "claimed")


async def test_the_secretariats_confirmation_gives_rights_and_rejection_unlinks(bot):
    await say(bot, "iam Rowan Pike", "U0MAL")
    blocks = (await bot.fake.wait_for(lambda: told_admin(bot)))[0]["blocks"]
    claim = buttons(blocks, "confirm_claim")[0]
    # Someone without the secretariat's rights cannot confirm it (not even the claimant).
    await bot.click("confirm_claim", claim, user="U0MAL")
    await bot.fake.wait_for(
        lambda: any("confirm who people are" in json.dumps(r) for r in bot.fake.responses)
    )
    assert await link_of(bot, "Rowan Pike") == ("U0MAL", "claimed")
    await bot.click("confirm_claim", claim, user=ADMIN)
    await bot.fake.wait_for(
        lambda: any("Confirmed: Slack user U0MAL" in json.dumps(r) for r in bot.fake.responses)
    )
    assert await link_of(bot, "Rowan Pike") == ("U0MAL", "confirmed")
    assert "Added WMAG" in await say(bot, "action add Publish the plan", "U0MAL")  # the chair's rights now
    # Rejecting (here, after the fact, from the command line's view: a new claim rejected in Slack).
    await say(bot, "iam nobody", "U0MAL")
    assert await link_of(bot, "Rowan Pike") == (None, None)
    await say(bot, "iam Rowan Pike", "U0ROWAN")
    blocks = told_admin(bot)[-1]["blocks"]
    await bot.click("reject_claim", buttons(blocks, "reject_claim")[0], user=ADMIN)
    await bot.fake.wait_for(
        lambda: any("Rejected: Slack user U0ROWAN" in json.dumps(r) for r in bot.fake.responses)
    )
    assert await link_of(bot, "Rowan Pike") == (None, None)
    assert "You are not linked" in await say(bot, "whoami", "U0ROWAN")
    kinds = [(n, kind, user, by) for n, kind, user, _, by in await identity_events(bot) if n == "Rowan Pike"]
    assert kinds == [
        ("Rowan Pike", "claimed", "U0MAL", "slack:U0MAL"),
        ("Rowan Pike", "confirmed", "U0MAL", f"slack:{ADMIN}"),
        ("Rowan Pike", "unlinked", "U0MAL", "slack:U0MAL"),
        ("Rowan Pike", "claimed", "U0ROWAN", "slack:U0ROWAN"),
        ("Rowan Pike", "rejected", "U0ROWAN", f"slack:{ADMIN}"),
    ]


async def test_an_email_the_platform_vouches_for_verifies_the_link(bot):
    # Ada's Slack link is removed, and her email recorded by the secretariat.
    async with bot.db.write() as session:
        await session.exec(
            text("UPDATE member SET slack_user_id = NULL, slack_link = NULL WHERE name = 'Ada Brooks'")
        )
    async with bot.db.write() as session:
        await add_member(session, NOW, name="Ada Brooks", email="ada.brooks@example.org")
    answer = await say(bot, "whoami", "U0VERI")
    assert "You are Ada Brooks" in answer and "by the email your account vouches for" in answer
    assert await link_of(bot, "Ada Brooks") == ("U0VERI", "verified")
    assert "Added WMAG" in await say(bot, "action add Publish the plan", "U0VERI")
    assert told_admin(bot) == []  # nothing to confirm


async def test_a_verified_link_takes_the_member_from_a_claimant(bot):
    async with bot.db.write() as session:
        await add_member(session, NOW, name="Rowan Pike", email="rowan.pike@example.org")
    await say(bot, "iam Rowan Pike", "U0MAL")
    assert await link_of(bot, "Rowan Pike") == ("U0MAL", "claimed")
    bot.fake.users["U0REAL"] = {"real_name": "R. Pike", "email": "rowan.pike@example.org"}
    assert "Rowan Pike" in await say(bot, "whoami", "U0REAL")
    assert await link_of(bot, "Rowan Pike") == ("U0REAL", "verified")
    assert "You are not linked" in await say(bot, "whoami", "U0MAL")


async def test_the_audit_trail_records_the_chat_user_and_the_link_kind(bot):
    await say(bot, "iam Sam Hall", "U0MAL")  # Sam Hall is linked to U0HALL
    await say(bot, "iam Dave Marsh", "U0MAL")
    await say(bot, "done WMAG31-08 drafted", "U0MAL")  # names David Marsh
    async with bot.db.read() as session:
        row = (
            await session.exec(
                text(
                    "SELECT e.by, e.slack_user_id, e.link_kind FROM action_event e JOIN action a "
                    "ON a.id = e.action_id WHERE a.ref = 'WMAG31-08' ORDER BY e.id DESC LIMIT 1"
                )
            )
        ).one()
    assert tuple(row) == ("Dave Marsh", "U0MAL", "claimed")
