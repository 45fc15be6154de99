"""End to end: `tmag-bot serve --http` as its own process, Slack faked on loopback, the database read back
through `tmag-bot export`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import aiohttp

from tests.fixtures.processes import ROOT, cli
from tests.fixtures.world import HEADLINE_032, MINUTES_031
from tests.slack_fake import (
    block_actions,
    event_callback,
    free_port,
    signed,
    slash_command,
    wait_healthy,
)

SECRET = "e2e-signing-secret"


def buttons(blocks, action_id):
    return [b["accessory"]["value"] for b in blocks if b.get("accessory", {}).get("action_id") == action_id]


async def test_serve_http_end_to_end(tmp_path, slack):
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'e2e.db'}",
        SLACK_BOT_TOKEN="xoxb-e2e",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url,
        SLACK_ADMIN_USER_IDS="U0ADMIN",
        LOG_LEVEL="WARNING",
    )
    env.pop("SLACK_APP_TOKEN", None)
    (tmp_path / "wmag-031.txt").write_text(MINUTES_031)
    (tmp_path / "wmag-032.txt").write_text(HEADLINE_032)
    assert cli(env, "import", str(tmp_path / "wmag-031.txt"), str(tmp_path / "wmag-032.txt")).returncode == 0
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "serve",
            "--http",
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
            "--now",
            "2023-11-16T09:00",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, base, process)

            async def post(body: str, content_type: str, headers: dict | None = None) -> int:
                headers = headers or signed(SECRET, body, content_type)
                async with http.post(f"{base}/slack/events", data=body.encode(), headers=headers) as response:
                    return response.status

            form = "application/x-www-form-urlencoded"
            # A slash command; the Slack user is linked to the member by their profile name.
            assert (
                await post(slash_command("mine", "U0SAM", "C0TMAG", slack.response_url("mine")), form) == 200
            )
            reply = (await slack.wait_for(lambda: slack.responses))[0]
            assert reply["response_type"] == "ephemeral"
            values = buttons(reply["blocks"], "mark_done")
            refs = [json.loads(v)["ref"] for v in values]
            assert refs == ["WMAG31-02", "WMAG31-06"]  # his own, then the whole group's

            # A message "REF done" in a channel.
            event = {
                "type": "message",
                "channel": "C0TMAG",
                "channel_type": "channel",
                "user": "U0SAM",
                "ts": "1700002000.000100",
                "text": "WMAG31-02 done - windows agreed with every DNO",
            }
            assert await post(event_callback(event), "application/json") == 200
            await slack.wait_for(lambda: slack.calls_to("chat.postEphemeral"))

            # A button taken from the reply's blocks.
            assert (
                await post(block_actions("mark_done", values[1], "U0SAM", slack.response_url("click")), form)
                == 200
            )
            confirmation = (await slack.wait_for(lambda: slack.responses[1:]))[0]
            assert f"✅ {refs[1]} (closed)" in json.dumps(confirmation["blocks"], ensure_ascii=False)

            # A forged request changes nothing.
            forged = event_callback(
                {**event, "text": "WMAG31-01 done", "user": "U0ADMIN", "ts": "1700002001.1"}
            )
            assert await post(forged, "application/json", signed("forged", forged, "application/json")) == 401
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()

    exported = json.loads(cli(env, "export").stdout)
    actions = {a["ref"]: a for a in exported["actions"]}
    assert actions["WMAG31-02"]["status"] == "closed"
    assert actions["WMAG31-02"]["updates"][-1]["text"] == "windows agreed with every DNO"
    assert (
        actions["WMAG31-02"]["updates"][-1]["source"]
        == "https://example.slack.com/archives/C0TMAG/p1700002000000100"
    )
    assert actions["WMAG31-02"]["updates"][-1]["by"] == "Sam Hatton"
    assert actions["WMAG31-06"]["status"] == "closed"
    assert actions["WMAG31-01"]["status"] == "open"
