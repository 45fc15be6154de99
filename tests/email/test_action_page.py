"""The page a link in an email opens, over HTTP on loopback: opening it changes nothing; each form is a
POST with a token made for this link and this browser, used once; a change is one audit event with
source email and the member as who, with Undo; a forged, expired or stale link gets a clear page and
changes nothing; one-click unsubscribe (RFC 8058) stops the member's emails."""

from __future__ import annotations

import re

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import text

from bot.people.email_links import EmailLinks
from bot.people.members import add_member
from handlers.email.page import email_routes
from handlers.services import Services
from handlers.slack.app import web_client
from handlers.slack.notices import SlackSecretariatTeller
from handlers.web import application
from storage.queries import actions as action_queries
from storage.queries import groups as group_queries
from storage.queries import links as link_queries
from tests.email.helpers import KEY, email_settings
from tests.fixtures.world import build_world, clock_at
from tests.slack_fake import FakeSlack

NOW = clock_at("2023-11-27T10:00")


@pytest.fixture
async def site(db, write):
    """The page's routes on loopback, Priya's link to WMAG31-05, and a fake Slack where the secretariat
    is told of what is not someone's."""
    await build_world(db, write)
    async with db.write() as session:
        await add_member(session, NOW, name="Priya Natarajan", email="priya@example.org")
        (await group_queries.group_by_code(session, "WMAG")).secretariat_channel = "C0SECRETARIAT"
    async with db.read() as session:
        priya = await link_queries.member_by_email(session, "priya@example.org")
        action, _ = await action_queries.action_by_ref(session, "WMAG31-05")
    slack = await FakeSlack().start()
    settings = email_settings(
        "smtp://127.0.0.1:1",
        public_url="http://127.0.0.1",
        slack_bot_token="xoxb-test",
        slack_api_url=slack.api_url,
    )
    services = Services(db, NOW, settings)
    services.tellers.append(SlackSecretariatTeller(web_client(services), frozenset()))
    runner = web.AppRunner(application(email_routes(services)), access_log=None)
    await runner.setup()
    server = web.TCPSite(runner, "127.0.0.1", 0)
    await server.start()
    port = server._server.sockets[0].getsockname()[1]
    token = EmailLinks(KEY, NOW).action_token(priya.id, priya.email, action.id)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        yield {
            "base": f"http://127.0.0.1:{port}",
            "token": token,
            "http": http,
            "slack": slack,
            "priya": priya,
        }
    await runner.cleanup()
    await slack.stop()


async def events(db, ref: str = "WMAG31-05") -> list[tuple]:
    async with db.read() as session:
        rows = await session.exec(
            text(
                "SELECT e.kind, e.text, e.by, e.source, e.link_kind, e.slack_user_id FROM action_event e "
                "JOIN action a ON a.id = e.action_id WHERE a.ref = :ref ORDER BY e.id"
            ),
            params={"ref": ref},
        )
        return [tuple(r) for r in rows.all()]


async def status(db, ref: str = "WMAG31-05") -> str:
    async with db.read() as session:
        return (await action_queries.action_by_ref(session, ref))[0].status


def form_of(page: str, what: str) -> dict:
    """What the page's form for `what` sends (every form on a page carries the page's one token)."""
    assert f'name="what" value="{what}"' in page
    return {"form": re.search(r'name="form" value="([^"]+)"', page)[1], "what": what}


async def test_opening_the_link_changes_nothing_and_shows_the_action(site, db):
    before = await events(db)
    for _ in range(3):  # a scanner, a preview, the member
        async with site["http"].get(f"{site['base']}/a/{site['token']}") as response:
            page = await response.text()
            assert response.status == 200
            assert response.headers["Cache-Control"] == "no-store"
            assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "<title>WMAG31-05: Confirm iDNO cost recovery position · tmag-bot</title>" in page
    assert "<script" not in page and 'for="done-note"' in page and 'id="done-note"' in page
    assert "You are acting as Priya Natarajan" in page
    assert await events(db) == before and await status(db) == "open"
    async with db.read() as session:
        assert (await session.exec(text("SELECT count(*) FROM handled_request"))).one()[0] == 0


async def test_mark_done_with_a_note_then_undo_then_update_from_the_same_link(site, db):
    http, url = site["http"], f"{site['base']}/a/{site['token']}"
    async with http.get(url) as response:
        page = await response.text()
    form = dict(form_of(page, "done"), note="Position paper sent to the PMO")
    async with http.post(url, data=form, allow_redirects=False) as response:
        assert response.status == 303
        location = response.headers["Location"]
    assert await status(db) == "closed"
    async with http.get(f"{site['base']}{location}") as response:
        page = await response.text()
    assert "Marked done: WMAG31-05 is closed." in page and ">Undo</button>" in page
    # The same form again (a reload, a double click): refused, nothing more changed.
    async with http.post(url, data=form, allow_redirects=False) as response:
        assert response.status == 409
        assert "already sent" in await response.text()
    undo = dict(form_of(page, "undo"), event=re.search(r'name="event" value="(\d+)"', page)[1])
    async with http.post(url, data=undo) as response:
        page = await response.text()
    assert "Undone: WMAG31-05 is open again." in page and await status(db) == "open"
    async with http.post(url, data=dict(form_of(page, "update"), note="Waiting for Ofgem")) as response:
        page = await response.text()
    assert "Your update to WMAG31-05 is recorded." in page
    trail = (await events(db))[-3:]
    assert [(kind, by, source, link, slack) for kind, _, by, source, link, slack in trail] == [
        ("closed", "Priya Natarajan", "email", "email", None),
        ("reopened", "Priya Natarajan", "email", "email", None),
        ("updated", "Priya Natarajan", "email", "email", None),
    ]
    assert trail[0][1] == "Position paper sent to the PMO" and trail[2][1] == "Waiting for Ofgem"


async def test_not_mine_tells_the_secretariat_and_is_recorded(site, db):
    http, url = site["http"], f"{site['base']}/a/{site['token']}"
    async with http.get(url) as response:
        page = await response.text()
    async with http.post(url, data=dict(form_of(page, "not_mine"), note="Ask Tom Okafor")) as response:
        assert "the secretariat is told that WMAG31-05 is not yours" in await response.text()
    told = [c for c in site["slack"].calls_to("chat.postMessage") if c["channel"] == "C0SECRETARIAT"]
    assert len(told) == 1 and "Priya Natarajan says WMAG31-05 is not theirs" in str(told[0])
    assert (await events(db))[-1][:4] == ("not_mine", "Ask Tom Okafor", "Priya Natarajan", "email")
    assert await status(db) == "open"


async def test_a_form_without_its_token_or_cookie_changes_nothing(site, db):
    http, url = site["http"], f"{site['base']}/a/{site['token']}"
    before = await events(db)
    async with http.post(url, data={"what": "done"}) as response:
        assert response.status == 403 and "nothing was changed" in await response.text()
    async with http.get(url) as response:
        form = form_of(await response.text(), "done")
    # Another site's form: the token, but not the cookie.
    async with aiohttp.ClientSession() as stranger, stranger.post(url, data=form) as response:
        assert response.status == 403
    async with http.post(url, data=dict(form, what="delete")) as response:
        assert response.status == 409 and "not something this page can do" in await response.text()
    assert await events(db) == before and await status(db) == "open"


@pytest.mark.parametrize("kind", ["forged", "expired", "stale", "another key"])
async def test_a_bad_link_gets_a_clear_page_and_changes_nothing(site, db, kind):
    token, priya = site["token"], site["priya"]
    if kind == "forged":
        token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
        expected = (403, "This link does not work")
    elif kind == "expired":
        token = EmailLinks(KEY, clock_at("2023-10-20T09:00")).action_token(priya.id, priya.email, 5)
        expected = (410, "This link has expired")
    elif kind == "stale":  # sent to an address the secretariat has since replaced
        token = EmailLinks(KEY, NOW).action_token(priya.id, "old.priya@example.org", 5)
        expected = (410, "This link is no longer yours")
    else:
        token = EmailLinks("some-other-key-entirely", NOW).action_token(priya.id, priya.email, 5)
        expected = (403, "This link does not work")
    before = await events(db)
    url = f"{site['base']}/a/{token}"
    async with site["http"].get(url) as response:
        assert (response.status, expected[1] in await response.text()) == (expected[0], True)
    async with site["http"].post(url, data={"what": "done", "form": "x"}) as response:
        assert response.status == expected[0]
    assert await events(db) == before


async def test_one_click_unsubscribe(site, db):
    priya = site["priya"]
    token = EmailLinks(KEY, NOW).unsubscribe_token(priya.id, priya.email)
    url = f"{site['base']}/u/{token}"
    async with site["http"].get(url) as response:
        assert "Stop these emails" in await response.text()
    async with db.read() as session:
        assert (
            await link_queries.member_by_email(session, "priya@example.org")
        ).notify is None  # GET: nothing
    # RFC 8058: the mail client posts with no cookie and no form token.
    async with (
        aiohttp.ClientSession() as mail_client,
        mail_client.post(url, data={"List-Unsubscribe": "One-Click"}) as response,
    ):
        assert response.status == 200
    async with db.read() as session:
        assert (await link_queries.member_by_email(session, "priya@example.org")).notify == "chat"
        trail = (
            await session.exec(text("SELECT kind, text, source FROM member_event WHERE kind = 'notify'"))
        ).all()
    assert [tuple(t) for t in trail] == [("notify", "chat", "email:unsubscribe")]
    async with site["http"].post(f"{site['base']}/u/{token[:-2]}xx") as response:
        assert response.status == 403
