"""The real Teams SDK app behind a real HTTP server on loopback, Teams faked at the network edge."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web

from bot.config import Settings
from bot.people.members import add_member
from handlers.answer_loop import AnswerLoop
from handlers.services import Services
from handlers.teams.app import MESSAGING_ENDPOINT, TeamsBot
from handlers.teams.notices import TeamsSecretariatTeller
from handlers.web import application, health_route
from storage.db import Database
from tests.fixtures.world import build_world, clock_at
from tests.teams_fake import FakeTeams, as_json

NOW = clock_at("2023-11-16T09:00")
PEOPLE = {  # Entra object id -> member
    "aad-sam": "Sam Hatton",
    "aad-hall": "Sam Hall",
    "aad-ada": "Ada Brooks",
}


@dataclass
class Teams:
    fake: FakeTeams
    url: str
    db: Database
    http: aiohttp.ClientSession
    bot: TeamsBot

    async def send(self, activity: dict, headers: dict | None = None) -> tuple[int, dict | None]:
        sent = {"Content-Type": "application/json", **(headers or {})}
        async with self.http.post(self.url, data=as_json(activity), headers=sent) as response:
            body = await response.text()
            return response.status, (await response.json() if body else None)


@contextlib.asynccontextmanager
async def running_teams(db: Database, settings_for, *, answered_apart: bool = False):
    """The bot with the settings `settings_for(fake)` gives (they may point at the fake's endpoints);
    `answered_apart`: as `serve` runs it, the SDK on an answering loop, this loop acknowledging."""
    fake = await FakeTeams().start()
    settings = settings_for(fake)
    services = Services(db, NOW, settings)
    answers = await AnswerLoop(services).start() if answered_apart else None
    bot = TeamsBot(services, answers)
    answering_db = answers.services.db if answers else db
    services.tellers.append(TeamsSecretariatTeller(bot.app.api, answering_db, settings.teams_admin_ids))
    await (answers.run(bot.start()) if answers else bot.start())
    runner = web.AppRunner(application([*bot.routes, health_route(services)]), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        async with aiohttp.ClientSession() as http:
            yield Teams(fake, f"http://127.0.0.1:{port}{MESSAGING_ENDPOINT}", db, http, bot)
    finally:
        await (answers.run(bot.stop()) if answers else bot.stop())
        await runner.cleanup()
        if answers is not None:
            await answers.stop()
        await fake.stop()


@pytest.fixture
async def teams(db, write):
    await build_world(db, write)
    async with db.write() as session:
        for user, name in PEOPLE.items():
            await add_member(session, NOW, name=name, teams_user_id=user if user != "aad-hall" else None)
    async with running_teams(
        db, lambda _fake: Settings(teams_dev=True, teams_admin_ids=frozenset({"aad-admin"}))
    ) as running:
        yield running
