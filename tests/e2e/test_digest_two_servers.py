"""Two `tmag-bot serve --http` processes on one SQLite file, a digest falling due: one channel post."""

from __future__ import annotations

import asyncio
import os

import aiohttp

from tests.fixtures.processes import cli, free_port, serve, wait_healthy
from tests.fixtures.world import HEADLINE_032, MINUTES_031

CHANNEL = "C0DIGEST"


async def test_two_servers_post_a_due_digest_once(tmp_path, slack):
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'shared.db'}",
        SLACK_BOT_TOKEN="xoxb-e2e",
        SLACK_SIGNING_SECRET="secret",
        SLACK_API_URL=slack.api_url,
        LOG_LEVEL="INFO",  # each server says what became of the digest
    )
    (tmp_path / "wmag-031.txt").write_text(MINUTES_031)
    (tmp_path / "wmag-032.txt").write_text(HEADLINE_032)
    assert cli(env, "import", str(tmp_path / "wmag-031.txt"), str(tmp_path / "wmag-032.txt")).returncode == 0
    assert cli(env, "group", "set", "WMAG", "--channel", CHANNEL).returncode == 0
    assert cli(env, "member", "add", "Sam Hatton", "--slack-id", "U0SAM").returncode == 0
    # Both start a few seconds before the digest for the extraordinary meeting of 29 November is due
    # (09:00 on Monday the 27th), so each has a timer set for it.
    ports = [free_port(), free_port()]
    servers = [serve(env, port, "--http", "--now", "2023-11-27T08:59:55") for port in ports]
    try:
        async with aiohttp.ClientSession() as http:
            for port, process in zip(ports, servers, strict=True):
                await wait_healthy(http, f"http://127.0.0.1:{port}", process)

        def parents():
            return [
                c
                for c in slack.calls_to("chat.postMessage")
                if c["channel"] == CHANNEL and not c.get("thread_ts")
            ]

        await slack.wait_for(parents, timeout=30)
        # Each server's timer fired: one posted the digest, the other found it sent (or being sent).
        fired = [
            (await process.logged(r"digest timer WMAG:2023-11-29:x:digest fired"))[0] for process in servers
        ]
        outcomes = sorted(line.rsplit("fired: ", 1)[1].split()[0] for line in fired)
        assert outcomes in (["already", "sent"], ["busy", "sent"]), fired
        assert len(parents()) == 1
        assert len([c for c in slack.calls_to("chat.postMessage") if c["channel"] == "U0SAM"]) == 1
    finally:
        for process in servers:
            process.stop()


async def test_digest_post_from_the_command_line_posts_once(tmp_path, slack):
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'post.db'}",
        SLACK_BOT_TOKEN="xoxb-e2e",
        SLACK_API_URL=slack.api_url,
        LOG_LEVEL="WARNING",
    )
    (tmp_path / "wmag-031.txt").write_text(MINUTES_031)
    (tmp_path / "wmag-032.txt").write_text(HEADLINE_032)
    assert cli(env, "import", str(tmp_path / "wmag-031.txt"), str(tmp_path / "wmag-032.txt")).returncode == 0
    assert cli(env, "group", "set", "WMAG", "--channel", CHANNEL).returncode == 0
    args = ("digest", "--group", "WMAG", "--post", "--now", "2023-11-27T09:00")
    first = await asyncio.to_thread(cli, env, *args)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "Posted the digest for WMAG:2023-11-29:x:digest."
    second = await asyncio.to_thread(cli, env, *args)
    assert second.returncode == 1 and "was already sent" in second.stderr
    parents = [
        c for c in slack.calls_to("chat.postMessage") if c["channel"] == CHANNEL and not c.get("thread_ts")
    ]
    assert len(parents) == 1
    without_token = await asyncio.to_thread(
        cli, {k: v for k, v in env.items() if k != "SLACK_BOT_TOKEN"}, *args
    )
    assert without_token.returncode == 1 and "SLACK_BOT_TOKEN" in without_token.stderr
