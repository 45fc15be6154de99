"""End to end: `tmag-bot serve --teams --dev` as its own process, Teams faked on loopback; a question, a
button, "digest here", then `tmag-bot digest --post` from the command line into the Teams channel."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import aiohttp
import pytest

from tests.fixtures.processes import ROOT, cli
from tests.fixtures.world import HEADLINE_032, MINUTES_031
from tests.slack_fake import free_port, wait_healthy
from tests.teams_fake import (
    CHANNEL,
    FakeTeams,
    as_json,
    card_action,
    card_actions,
    card_texts,
    channel_message,
    personal_message,
)


@pytest.fixture
async def fake():
    teams = await FakeTeams().start()
    yield teams
    await teams.stop()


async def test_serve_teams_end_to_end(tmp_path, fake):
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'e2e.db'}",
        TEAMS_DEV="1",
        TEAMS_ADMIN_IDS="aad-admin",
        LOG_LEVEL="WARNING",
    )
    for name in list(env):
        if name.startswith("SLACK_"):
            env.pop(name)
    (tmp_path / "wmag-031.txt").write_text(MINUTES_031)
    (tmp_path / "wmag-032.txt").write_text(HEADLINE_032)
    assert cli(env, "import", str(tmp_path / "wmag-031.txt"), str(tmp_path / "wmag-032.txt")).returncode == 0
    assert cli(env, "member", "add", "Sam Hatton", "--teams-id", "AAD-SAM").returncode == 0
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--teams", "--port", str(port), "--now", "2023-11-16T09:00"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = fake.service_url
    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, base, process)

            async def send(activity: dict) -> tuple[int, dict | None]:
                async with http.post(
                    f"{base}/api/messages",
                    data=as_json(activity),
                    headers={"Content-Type": "application/json"},
                ) as response:
                    text = await response.text()
                    return response.status, json.loads(text) if text else None

            # A question in a personal chat, answered with a card of the asker's actions.
            assert (await send(personal_message(url, "aad-sam", "Sam Hatton", "what is open for me")))[
                0
            ] == 200
            answer = (await fake.replies())[0]
            refs = [a["data"]["ref"] for a in card_actions(answer.card()) if a["verb"] == "markDone"]
            assert refs == ["WMAG31-02", "WMAG31-06"]

            # The card's button, on the whole group's action.
            status, body = await send(card_action(url, "aad-sam", "Sam Hatton", "markDone", {"ref": refs[1]}))
            assert status == 200 and "Closed WMAG31-06." in json.dumps(body["value"])

            # The secretariat points WMAG's digests at a channel.
            assert (await send(channel_message(url, "aad-admin", "Pat Admin", "digest here WMAG")))[0] == 200
            said = (await fake.replies(2))[1]
            assert "WMAG" in card_texts(said.card())[0][1]
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()

    fake.sent.clear()
    posted = cli(env, "digest", "--group", "WMAG", "--post", "--now", "2023-11-27T09:00")
    assert posted.returncode == 0, posted.stderr
    channel = [s for s in fake.sent if s.conversation == CHANNEL]
    assert len(channel) == 1 and "Digest for WMAG" in card_texts(channel[0].card())[0][1]
    assert [s.conversation for s in fake.sent if s.conversation == "a:chat-aad-sam"]  # his own items
    again = cli(env, "digest", "--group", "WMAG", "--post", "--now", "2023-11-27T09:00")
    assert again.returncode == 1 and "already sent" in again.stderr

    exported = json.loads(cli(env, "export").stdout)
    closed = {a["ref"]: a for a in exported["actions"]}["WMAG31-06"]
    assert closed["status"] == "closed" and closed["updates"][-1]["by"] == "Sam Hatton"
    assert closed["updates"][-1]["source"] == "teams:card"


async def test_slack_and_teams_on_one_port(tmp_path, fake):
    from tests.slack_fake import FakeSlack, signed, slash_command

    slack = await FakeSlack(users={"U0SAM": {"real_name": "Sam Hatton"}}).start()
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'both.db'}",
        SLACK_BOT_TOKEN="xoxb-e2e",
        SLACK_SIGNING_SECRET="both-secret",
        SLACK_API_URL=slack.api_url,
        TEAMS_DEV="1",
        LOG_LEVEL="WARNING",
    )
    env.pop("SLACK_APP_TOKEN", None)
    (tmp_path / "wmag-031.txt").write_text(MINUTES_031)
    assert cli(env, "import", str(tmp_path / "wmag-031.txt")).returncode == 0
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--http", "--teams", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, base, process)
            body = slash_command("show WMAG31-02", "U0SAM", "C0TMAG", slack.response_url("show"))
            form = "application/x-www-form-urlencoded"
            async with http.post(
                f"{base}/slack/events", data=body, headers=signed("both-secret", body, form)
            ) as response:
                assert response.status == 200
            answer = (await slack.wait_for(lambda: slack.responses))[0]
            assert "Confirm the DNO test windows" in json.dumps(answer["blocks"])
            activity = personal_message(fake.service_url, "aad-sam", "Sam Hatton", "show WMAG31-02")
            async with http.post(
                f"{base}/api/messages", data=as_json(activity), headers={"Content-Type": "application/json"}
            ) as response:
                assert response.status == 200
            assert await fake.wait_for(
                lambda: any(
                    "Confirm the DNO test windows" in t for r in fake.sent for _, t in card_texts(r.card())
                )
            )
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        await slack.stop()
    assert "development mode" in process.stderr.read().splitlines()[0]  # said first
