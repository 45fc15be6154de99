"""Digests in Teams: the secretariat points a group at a channel with "digest here"; the runner then posts
the digest card there, its details in the card's thread, and each owner's items in their personal chat,
each part once."""

from __future__ import annotations

from sqlalchemy import text

from bot.digests.runner import DigestRunner
from handlers.teams.digests import TeamsDigestPoster
from tests.fixtures.world import clock_at
from tests.teams_fake import (
    CHANNEL,
    TEAM,
    TENANT,
    card_actions,
    card_texts,
    channel_message,
    personal_message,
)

SLOT = "2023-11-27T09:00"  # two working days before the extraordinary WMAG on Wednesday 29 November


async def no_wait(_seconds: float) -> None:
    return None


def runner(teams, now: str = SLOT) -> DigestRunner:
    clock = clock_at(now)
    poster = TeamsDigestPoster(teams.bot.app.api, teams.db, teams.bot.bot_id, clock)
    poster.pace = 0
    return DigestRunner(teams.db, [poster], clock, sleep=no_wait)


async def digest_here(teams, user: str, name: str) -> str:
    await teams.send(channel_message(teams.fake.service_url, user, name, "digest here WMAG"))
    reply = await teams.fake.wait_for(lambda: teams.fake.sent[-1] if teams.fake.sent else None)
    teams.fake.sent.clear()
    return card_texts(reply.card())[0][1]


async def test_digest_here_is_the_secretariats_and_remembers_the_channel(teams):
    assert "secretariat" in await digest_here(teams, "aad-sam", "Sam Hatton")
    async with teams.db.read() as session:
        stored = (
            await session.exec(text("SELECT teams_channel FROM working_group WHERE code = 'WMAG'"))
        ).one()[0]
    assert stored is None
    said = await digest_here(teams, "aad-ada", "Ada Brooks")
    assert "WMAG" in said and "TMAG" not in said
    async with teams.db.read() as session:
        stored = (
            await session.exec(text("SELECT teams_channel FROM working_group WHERE code = 'WMAG'"))
        ).one()[0]
    import json

    assert json.loads(stored) == {
        "service_url": teams.fake.service_url,
        "conversation_id": CHANNEL,  # the channel, not the thread it was said in
        "tenant_id": TENANT,
        "team_id": TEAM,
        "channel_name": "TMAG",
    }


async def test_the_digest_goes_to_the_channel_its_thread_and_each_owner_once(teams):
    await digest_here(teams, "aad-ada", "Ada Brooks")
    # Sam has talked to the bot, so has a personal chat; Ada is reached by opening one.
    await teams.send(personal_message(teams.fake.service_url, "aad-sam", "Sam Hatton", "help"))
    await teams.fake.replies()
    teams.fake.sent.clear()

    results = await runner(teams).run_due()
    assert [r.status for r in results] == ["sent"]
    sent = teams.fake.sent
    channel = [s for s in sent if s.conversation == CHANNEL]
    assert len(channel) == 1
    assert (
        "Digest for WMAG (extraordinary): Wednesday 29 November 2023" in card_texts(channel[0].card())[0][1]
    )
    thread = [s for s in sent if s.conversation.startswith(f"{CHANNEL};messageid=")]
    parent_id = thread[0].conversation.split("=", 1)[1]
    assert thread and all(s.conversation == f"{CHANNEL};messageid={parent_id}" for s in thread)
    sam = [s for s in sent if s.conversation == "a:chat-aad-sam"]
    assert len(sam) == 1
    assert [a["data"]["ref"] for a in card_actions(sam[0].card()) if a["verb"] == "markDone"] == ["WMAG31-02"]
    ada = [s for s in sent if s.conversation == "a:personal-aad-ada"]
    assert len(ada) == 1 and teams.fake.conversations["a:personal-aad-ada"]["tenantId"] == TENANT

    before = len(sent)
    assert [r.status for r in await runner(teams).run_due()] == []  # nothing due twice
    assert len(teams.fake.sent) == before


async def test_a_throttled_or_failing_teams_is_retried_without_repeats(teams):
    await digest_here(teams, "aad-ada", "Ada Brooks")
    teams.fake.fail_next(429)
    teams.fake.fail_next(503)
    results = await runner(teams).run_due()
    assert [r.status for r in results] == ["sent"]
    channel = [s for s in teams.fake.sent if s.conversation == CHANNEL]
    assert len(channel) <= 2  # a 503 may have been posted: Teams cannot be asked (see the poster's note)
    assert len({s.conversation for s in teams.fake.sent if ";messageid=" in s.conversation}) == 1


async def test_an_owner_who_cannot_be_messaged_is_skipped_not_retried_forever(teams):
    from bot.people.members import add_member

    async with teams.db.write() as session:  # linked by the secretariat, but never talked to the bot
        await add_member(session, clock_at(SLOT), name="Priya Natarajan", teams_user_id="aad-priya")
    await digest_here(teams, "aad-ada", "Ada Brooks")
    await teams.send(personal_message(teams.fake.service_url, "aad-sam", "Sam Hatton", "help"))
    await teams.fake.replies()
    results = await runner(teams).run_due()
    assert [(r.status, r.detail) for r in results] == [("sent", "1 owner could not be messaged")]
    async with teams.db.read() as session:
        parts = (await session.exec(text("SELECT key, status FROM digest_part ORDER BY id"))).all()
    statuses = {key: status for key, status in parts}
    assert list(statuses.values()).count("unreachable") == 1
    assert all(s in ("sent", "unreachable") for s in statuses.values())
    assert not [s for s in teams.fake.sent if "priya" in s.conversation]
