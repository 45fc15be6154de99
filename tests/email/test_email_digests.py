"""Digests by email, on a real SMTP server on loopback: before each meeting every owner with an email
who cannot be reached in chat (or who chose email) gets their own items once, whatever restarts or second
processes there are; the group's list address gets the whole digest; a refused address is recorded."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from bot.digests.timing import DIGEST
from bot.people.identity import CLAIMED
from bot.people.members import add_member
from storage.queries import groups as group_queries
from storage.queries import links as link_queries
from storage.queries import members as member_queries
from tests.email.helpers import PUBLIC, body, links, runner
from tests.fixtures.world import build_world, clock_at
from tests.slack_fake import FakeSlack

SLOT = "2023-11-27T09:00"  # two working days before the extraordinary WMAG on Wednesday 29 November
NOW = clock_at(SLOT)


@pytest.fixture
async def slack():
    fake = await FakeSlack().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def world(db, write):
    """Sam reachable in Slack; Priya in no chat; Ada's Slack link only an impostor's claim; Lena in Slack
    but asking for email too. The group's digest goes to a channel and to a list address."""
    await build_world(db, write)
    async with db.write() as session:
        await add_member(session, NOW, name="Sam Hatton", email="sam@example.org", slack_user_id="U0SAM")
        await add_member(session, NOW, name="Priya Natarajan", email="priya@example.org")
        await add_member(session, NOW, name="Ada Brooks", email="ada@example.org")
        await add_member(session, NOW, name="Lena Ortiz", email="lena@example.org", slack_user_id="U0LENA")
        ada = await member_queries.member_by_id(
            session, (await link_queries.member_by_email(session, "ada@example.org")).id
        )
        link_queries.set_link(ada, "slack", "U0IMPOSTOR", CLAIMED)
        lena = await link_queries.member_by_email(session, "lena@example.org")
        lena.notify = "both"
        group = await group_queries.group_by_code(session, "WMAG")
        group.channel_id, group.digest_email = "C0DIGEST", "wmag-list@example.org"
    return db


def dms(slack) -> set[str]:
    return {c["channel"] for c in slack.calls_to("chat.postMessage") if c["channel"].startswith("U")}


async def test_each_owner_not_reached_in_chat_gets_their_own_email_once(world, mail, slack):
    inbox, url = mail
    results = await runner(world, NOW, url, slack=slack).run_due()
    assert [(r.key, r.status, r.detail) for r in results] == [("WMAG:2023-11-29:x:digest", "sent", "")]
    owners = {m["To"] for m in inbox.messages}
    assert owners == {"priya@example.org", "ada@example.org", "lena@example.org", "wmag-list@example.org"}
    assert dms(slack) == {"U0SAM", "U0LENA"}  # never the impostor's; Lena both ways
    assert inbox.to("sam@example.org") == []  # reached in Slack: no email

    priya = inbox.to("priya@example.org")[0]
    assert priya["Subject"] == "Your WMAG actions before WMAG (extraordinary): Wednesday 29 November 2023"
    assert priya["From"] == "WMAG secretariat <tmag-bot@example.org>"
    assert priya["Reply-To"] == "wmag-secretariat@example.org"
    assert priya["Auto-Submitted"] == "auto-generated"
    assert priya["List-Unsubscribe"].startswith(f"<{PUBLIC}/u/")
    assert priya["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    plain, html = body(priya, "plain"), body(priya, "html")
    assert "WMAG31-05" in plain and "WMAG31-05" in html
    assert "<script" not in html.lower() and "<table" in html and 'style="' in html
    assert "you own actions in WMAG and the bot cannot reach you in Slack or Teams" in plain
    page_links = links(priya)
    assert page_links and all(link.startswith(f"{PUBLIC}/a/") for link in page_links)
    assert all(link in plain for link in page_links)
    attached = [part for part in priya.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert len(attached) == 1 and "DTSTART;TZID=Europe/London:20231129T100000" in attached[0].get_content()
    assert "you asked for them by email" in body(inbox.to("lena@example.org")[0], "plain")

    listed = inbox.to("wmag-list@example.org")[0]
    assert listed["Subject"].startswith("Digest for WMAG (extraordinary)")
    assert "List-Unsubscribe-Post" not in listed  # a list's members cannot stop it for everyone
    assert links(listed) == []

    # Each message's Message-ID is the one its part was claimed with.
    async with world.read() as session:
        stored = dict(
            (
                await session.exec(text("SELECT key, message_id FROM digest_part WHERE key LIKE 'email:%'"))
            ).all()
        )
    assert {m["Message-ID"] for m in inbox.messages} == set(stored.values())

    # Again, and from a second process: nothing more.
    await runner(world, NOW, url, slack=slack, worker="other").run_due()
    assert len(inbox.messages) == 4


async def test_two_replicas_at_once_send_each_email_once(world, mail, slack):
    inbox, url = mail
    first, second = (
        runner(world, NOW, url, slack=slack, worker="a"),
        runner(world, NOW, url, slack=slack, worker="b"),
    )
    slots = [s for s in await first.slots(NOW.now()) if s.slot == DIGEST and s.at <= NOW.now()]
    for _ in range(3):  # the same slot claimed by both at once, three times over
        await asyncio.gather(first.run(slots[-1]), second.run(slots[-1]))
    counted = {}
    for message in inbox.messages:
        counted[message["To"]] = counted.get(message["To"], 0) + 1
    assert counted == {
        "priya@example.org": 1,
        "ada@example.org": 1,
        "lena@example.org": 1,
        "wmag-list@example.org": 1,
    }


async def test_a_refused_address_is_recorded_and_the_run_goes_on(world, mail, slack, capsys):
    inbox, url = mail
    inbox.refused["ada@example.org"] = "550 5.1.1 <ada@example.org>: no such mailbox"
    inbox.busy["priya@example.org"] = 2  # two 451s, then taken: tried again with backoff
    results = await runner(world, NOW, url, slack=slack).run_due()
    assert [(r.status, r.detail) for r in results] == [
        ("sent", "1 email address refused by the mail server (tmag-bot member list)")
    ]
    assert len(inbox.to("priya@example.org")) == 1 and inbox.to("ada@example.org") == []
    async with world.read() as session:
        ada = await link_queries.member_by_email(session, "ada@example.org")
        run_error = (await session.exec(text("SELECT error FROM digest_run"))).one()[0]
        trail = (
            await session.exec(text("SELECT kind, text FROM member_event WHERE kind LIKE 'email_%'"))
        ).all()
    assert "550 no such mailbox" in ada.email_failing.replace("5.1.1 <ada@example.org>: ", "")
    assert "refused by the mail server" in run_error
    assert [kind for kind, _ in trail] == ["email_failing"]

    from bot.cli import main

    assert await asyncio.to_thread(main, ["member", "list"]) == 0
    assert "email failing: the mail server refused ada@example.org" in capsys.readouterr().out
