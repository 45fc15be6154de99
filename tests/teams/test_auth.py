"""With credentials, only activities the Bot Connector signed for this bot are taken: the SDK checks
the token against the Bot Framework's published keys (served here on loopback)."""

from __future__ import annotations

import asyncio

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.config import Settings
from tests.fixtures.world import build_world
from tests.teams.conftest import running_teams
from tests.teams_fake import TENANT, channel_message, personal_message

APP_ID = "00000000-0000-0000-0000-00000000a11d"


@pytest.fixture(params=["in place", "answered apart"])
async def signed_teams(db, write, request):
    """Tokens checked by the SDK where it handles the activity, and (as `serve` runs it) by the SDK's
    validator on the acknowledging loop, the SDK answering on a loop of its own."""
    await build_world(db, write)
    async with running_teams(
        db,
        lambda fake: Settings(
            teams_client_id=APP_ID,
            teams_client_secret="not-a-real-secret",
            teams_tenant_id=TENANT,
            teams_openid_metadata_url=fake.openid_url,
        ),
        answered_apart=request.param == "answered apart",
    ) as running:
        yield running


async def handled_count(teams) -> int:
    from sqlalchemy import text

    async with teams.db.read() as session:
        return (await session.exec(text("SELECT count(*) FROM handled_request"))).one()[0]


def chatter(teams) -> dict:
    """A channel message the bot only overhears and that asks nothing of it: taken, answered by nothing."""
    return channel_message(teams.fake.service_url, "aad-sam", "Sam Hatton", "lunch at 1?", mention=False)


async def test_a_signed_activity_is_taken(signed_teams):
    teams = signed_teams
    activity = chatter(teams)
    token = teams.fake.token(APP_ID, teams.fake.service_url)
    status, _ = await teams.send(activity, {"Authorization": f"Bearer {token}"})
    assert status == 200
    for _ in range(200):  # the message is handled after Teams has its 200
        if await handled_count(teams) == 1:
            break
        await asyncio.sleep(0.02)
    assert await handled_count(teams) == 1


@pytest.mark.parametrize(
    "why",
    ["no token", "another key", "another bot", "expired", "not a token", "another issuer"],
)
async def test_an_unsigned_or_forged_activity_is_refused_and_changes_nothing(signed_teams, why):
    teams = signed_teams
    fake = teams.fake
    url = fake.service_url
    tokens = {
        "another key": lambda: fake.token(
            APP_ID, url, key=rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ),
        "another bot": lambda: fake.token("someone-elses-bot", url),
        "expired": lambda: fake.token(APP_ID, url, exp=1_600_000_000, iat=1_599_990_000, nbf=1_599_990_000),
        "not a token": lambda: "abc.def.ghi",
        "another issuer": lambda: fake.token(APP_ID, url, iss="https://sts.windows.net/evil/"),
    }
    headers = {"Authorization": f"Bearer {tokens[why]()}"} if why in tokens else {}
    status, _ = await teams.send(
        personal_message(url, "aad-sam", "Sam Hatton", "done WMAG31-02 forged"), headers
    )
    assert status == 401
    assert await handled_count(teams) == 0 and not fake.sent


async def test_a_body_that_is_not_an_activity_is_refused(signed_teams):
    teams = signed_teams
    async with teams.http.post(teams.url, data=b"{not json") as response:
        assert response.status == 401  # unsigned: refused before anything is read into it
    token = teams.fake.token(APP_ID, teams.fake.service_url)
    async with teams.http.post(
        teams.url, data=b"[1, 2]", headers={"Authorization": f"Bearer {token}"}
    ) as response:
        assert response.status == 400
