"""The real Bolt app behind a real HTTP server on loopback, Slack faked at the network edge."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web

from bot.config import Settings
from bot.people.members import add_member
from handlers.answer_loop import AnswerLoop
from handlers.slack.app import EVENTS_PATH, build_app, web_app, web_client
from handlers.slack.context import Services
from handlers.slack.notices import SlackSecretariatTeller
from storage.db import Database
from tests.fixtures.world import build_world, clock_at
from tests.slack_fake import FakeSlack, block_actions, event_callback, signed, slash_command

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = clock_at("2023-11-16T09:00")
PEOPLE = {  # Slack user -> (member, profile name)
    "U0SAM": ("Sam Hatton", "Sam Hatton"),
    "U0HALL": ("Sam Hall", "Sam Hall"),
    "U0ADA": ("Ada Brooks", "Ada Brooks"),
    "U0PRIYA": ("Priya Natarajan", "Priya Natarajan"),
}


@dataclass
class Bot:
    fake: FakeSlack
    url: str
    db: Database
    http: aiohttp.ClientSession
    app: object
    services: Services = None
    commands: int = 0

    async def send(self, body: str, content_type: str, headers: dict | None = None) -> tuple[int, str]:
        sent = signed(SECRET, body, content_type) if headers is None else headers
        async with self.http.post(self.url, data=body.encode(), headers=sent) as response:
            return response.status, await response.text()

    async def command(self, text: str, user: str = "U0SAM", channel: str = "C0TMAG") -> int:
        # Slack gives every command a response URL of its own (the same words twice in a second are
        # then two requests, not one replayed).
        self.commands += 1
        body = slash_command(text, user, channel, self.fake.response_url(f"{user}-{self.commands}"))
        status, _ = await self.send(body, "application/x-www-form-urlencoded")
        return status

    async def event(self, event: dict, event_id: str | None = None, retry: int | None = None) -> int:
        body = event_callback(event, event_id)
        headers = signed(SECRET, body, "application/json")
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        status, _ = await self.send(body, "application/json", headers)
        return status

    async def click(self, action_id: str, value: str, user: str = "U0SAM", **kwargs) -> int:
        kwargs.setdefault("response_url", self.fake.response_url("click"))
        status, _ = await self.send(
            block_actions(action_id, value, user, **kwargs), "application/x-www-form-urlencoded"
        )
        return status

    async def handled(self, count: int) -> None:
        """Wait until the app's listeners have finished with `count` requests in all (answered, or
        dropped as already applied)."""
        await self.fake.wait_for(lambda: self.services.handled.count >= count)

    async def replies(self, count: int = 1) -> list[dict]:
        return await self.fake.wait_for(
            lambda: self.fake.responses if len(self.fake.responses) >= count else None
        )


@contextlib.asynccontextmanager
async def running_bot(
    db: Database,
    *,
    answered_apart: bool = False,
    admins: frozenset[str] = frozenset(),
    users: dict | None = None,
):
    """The real app over HTTP on loopback, on this database, against a fresh fake Slack. `answered_apart`:
    as `serve` runs it, Bolt on an answering loop of its own, this loop checking and acknowledging.
    `admins`: SLACK_ADMIN_USER_IDS; `users`: more Slack users (id -> profile) beside PEOPLE."""
    profiles = {u: {"real_name": p, "display_name": ""} for u, (_, p) in PEOPLE.items()}
    fake = await FakeSlack(users=profiles | (users or {})).start()
    settings = Settings(
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=fake.api_url,
        admin_user_ids=admins,
    )
    services = Services(db, NOW, settings)
    services.tellers.append(SlackSecretariatTeller(web_client(services), settings.admin_user_ids))
    answers = await AnswerLoop(services).start() if answered_apart else None
    app = build_app(answers.services if answers else services)
    runner = web.AppRunner(web_app(app, services, answers), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    async with aiohttp.ClientSession() as http:
        yield Bot(fake, f"http://127.0.0.1:{port}{EVENTS_PATH}", db, http, app, services)
    await runner.cleanup()
    if answers is not None:
        await answers.stop()
    await fake.stop()
    assert fake.unescaped() == []  # nothing the bot sent could ping, link or garble


async def _people(db: Database) -> None:
    async with db.write() as session:
        for user, (name, _) in PEOPLE.items():
            await add_member(session, NOW, name=name, slack_user_id=user if user != "U0PRIYA" else None)


@pytest.fixture
async def bot(db, write):
    await build_world(db, write)
    await _people(db)
    async with running_bot(db) as running:
        yield running


@pytest.fixture
async def busy_bot(db, db_url, write):
    """The bot on a database that gives up waiting for a lock after 0.2 s (three tries in all)."""
    await build_world(db, write)
    await _people(db)
    impatient = Database(db_url, busy_timeout_ms=200)
    try:
        async with running_bot(impatient) as running:
            yield running
    finally:
        await impatient.close()
