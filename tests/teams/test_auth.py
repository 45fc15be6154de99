"""With credentials, only activities the Bot Connector signed for this bot, in its tenant, are taken:
the token is checked against the Bot Framework's published keys (served here on loopback), fetched once
and kept; a token from another issuer or tenant is refused without a key being fetched."""

from __future__ import annotations

import asyncio
import time
import uuid

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


async def wait_handled(teams, count: int) -> None:
    for _ in range(250):  # the message is handled after Teams has its 200
        if await handled_count(teams) >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{count} activities were not handled in time")


def of_tenant(activity: dict, tenant: str) -> dict:
    activity["channelData"]["tenant"]["id"] = tenant
    activity["conversation"]["tenantId"] = tenant
    return activity


async def test_tokens_from_other_issuers_and_tenants_are_refused_without_fetching_a_key(signed_teams):
    """Refused on what the token and the activity say, before any key is looked up: the fake key server
    counts every request for keys."""
    teams = signed_teams
    fake, url = teams.fake, teams.fake.service_url
    refused = []
    for n in range(10):  # tokens whose issuer looks like Entra, each of a tenant of its own
        tenant = str(uuid.uuid4())
        issuer = (
            f"https://login.microsoftonline.com/{tenant}/v2.0"
            if n % 2
            else f"https://sts.windows.net/{tenant}/"
        )
        refused.append((fake.token(APP_ID, url, iss=issuer, tid=tenant), chatter(teams)))
    # The Bot Framework's own tokens, but for another tenant, or for an activity of another tenant.
    refused.append((fake.token(APP_ID, url, tid=str(uuid.uuid4())), chatter(teams)))
    refused.append((fake.token(APP_ID, url), of_tenant(chatter(teams), str(uuid.uuid4()))))
    refused.append((fake.token(APP_ID, url), of_tenant(chatter(teams), "")))  # no tenant said
    for token, activity in refused:
        status, _ = await teams.send(activity, {"Authorization": f"Bearer {token}"})
        assert status == 401
    assert fake.key_requests == 0
    assert await handled_count(teams) == 0 and not fake.sent

    # The first signed activity fetches the keys (the metadata, then the key set); later ones keep them.
    for n in range(1, 6):
        status, _ = await teams.send(chatter(teams), {"Authorization": f"Bearer {fake.token(APP_ID, url)}"})
        assert status == 200
        await wait_handled(teams, n)
    assert fake.key_requests == 2
    # Tokens naming keys the Bot Framework does not publish fetch them again at most once a minute.
    for _ in range(5):
        forged = fake.token(
            APP_ID, url, key=rsa.generate_private_key(public_exponent=65537, key_size=2048), key_id="rotated"
        )
        status, _ = await teams.send(chatter(teams), {"Authorization": f"Bearer {forged}"})
        assert status == 401
    assert fake.key_requests == 2 and await handled_count(teams) == 5


@pytest.mark.parametrize(("expired_for", "taken"), [(120, False), (30, True)])
async def test_a_token_is_taken_at_most_a_minute_past_its_expiry(signed_teams, expired_for, taken):
    teams = signed_teams
    now = int(time.time())
    token = teams.fake.token(
        APP_ID, teams.fake.service_url, exp=now - expired_for, iat=now - 3600, nbf=now - 3600
    )
    status, _ = await teams.send(chatter(teams), {"Authorization": f"Bearer {token}"})
    assert status == (200 if taken else 401)
    if taken:
        await wait_handled(teams, 1)
    else:
        assert await handled_count(teams) == 0
