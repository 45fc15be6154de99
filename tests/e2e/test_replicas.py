"""Two `tmag-bot serve --http` replicas on one database (PostgreSQL, and a SQLite file), as behind a load
balancer: Slack's retry of an event reaching the other replica, a digest falling due on both, and 200
changes at once spread over the two. Every event is handled once, the digest posted once, and every
accepted change kept with one audit event."""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter

import aiohttp

from tests.fixtures.processes import Served, cli, free_port, serve, wait_healthy
from tests.fixtures.world import HEADLINE_032, MINUTES_031
from tests.slack_fake import event_callback, signed, slash_command

SECRET = "replica-signing-secret"
CHANNEL = "C0DIGEST"
UPDATED = ["WMAG31-01", "WMAG31-04", "WMAG31-05", "WMAG31-06", "WMAG31-08"]  # 38 updates each
CLOSED = ["WMAG31-07", "WMAG31-09"]  # five "done" each: one closes it, four are told it is closed


def _serve(env: dict, port: int) -> Served:
    # Both start a few seconds before the digest for the extraordinary meeting of 29 November is due
    # (09:00 on Monday the 27th), so each has a timer set for it.
    return serve(env, port, "--http", "--now", "2023-11-27T08:59:55")


async def test_two_replicas_handle_each_request_once_and_lose_no_change(db_url, tmp_path, slack):
    env = dict(
        os.environ,
        DATABASE_URL=db_url,
        SLACK_BOT_TOKEN="xoxb-e2e",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url,
        SLACK_ADMIN_USER_IDS="U0ADMIN",
        LOG_LEVEL="INFO",  # each replica says what became of the digest
    )
    env.pop("SLACK_APP_TOKEN", None)
    (tmp_path / "wmag-031.txt").write_text(MINUTES_031)
    (tmp_path / "wmag-032.txt").write_text(HEADLINE_032)
    assert cli(env, "import", str(tmp_path / "wmag-031.txt"), str(tmp_path / "wmag-032.txt")).returncode == 0
    assert cli(env, "group", "set", "WMAG", "--channel", CHANNEL).returncode == 0
    assert cli(env, "member", "add", "Sam Hatton", "--slack-id", "U0SAM").returncode == 0
    ports = [free_port(), free_port()]
    servers = [_serve(env, port) for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        async with aiohttp.ClientSession() as http:
            for base, process in zip(bases, servers, strict=True):
                await wait_healthy(http, base, process)

            async def post(base: str, body: str, content_type: str, extra: dict | None = None) -> int:
                headers = {**signed(SECRET, body, content_type), **(extra or {})}
                async with http.post(f"{base}/slack/events", data=body.encode(), headers=headers) as response:
                    return response.status

            # Slack sends an event, takes too long to hear back, and retries it: the load balancer
            # hands the retry to the other replica.
            event = {
                "type": "message",
                "channel": "C0TMAG",
                "channel_type": "channel",
                "user": "U0ADMIN",
                "ts": "1700003000.000100",
                "text": "WMAG31-03 done - reviewed with the supplier",
            }
            body = event_callback(event, event_id="Ev0RETRIED")
            assert await post(bases[0], body, "application/json") == 200
            retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
            assert await post(bases[1], body, "application/json", retry) == 200

            # 200 changes at once, alternating between the replicas.
            form = "application/x-www-form-urlencoded"
            requests = [(f"update {ref} progress note {n}", ref) for n in range(38) for ref in UPDATED]
            requests += [(f"done {ref}", ref) for _ in range(5) for ref in CLOSED]
            assert len(requests) == 200
            statuses = await asyncio.gather(
                *(
                    post(
                        bases[i % 2],
                        slash_command(text, "U0ADMIN", "C0TMAG", slack.response_url(f"r{i}"), f"t{i}"),
                        form,
                    )
                    for i, (text, _ref) in enumerate(requests)
                )
            )
            assert statuses == [200] * 200
            replies = await slack.wait_for(
                lambda: len(slack.responses) >= 200 and slack.responses, timeout=120
            )

            def parents():
                return [
                    c
                    for c in slack.calls_to("chat.postMessage")
                    if c["channel"] == CHANNEL and not c.get("thread_ts")
                ]

            await slack.wait_for(parents, timeout=30)
            for process in servers:  # each replica's timer fired (and found the digest done, or did it)
                await process.logged(r"digest timer WMAG:2023-11-29:x:digest fired")
    finally:
        for process in servers:
            process.stop()

    assert len(parents()) == 1  # the digest, once
    assert len(slack.calls_to("chat.postEphemeral")) == 1  # the retried event, answered once
    said = Counter()
    for reply in replies:
        text = json.dumps(reply)
        said["updated"] += "Updated WMAG31-0" in text
        said["closed"] += "Closed WMAG31-0" in text
    assert said == {"updated": 190, "closed": 2}
    exported = {a["ref"]: a for a in json.loads(cli(env, "export").stdout)["actions"]}
    for ref in UPDATED:
        notes = [u["text"] for u in exported[ref]["updates"] if u["kind"] == "updated"]
        assert sorted(notes) == sorted(f"progress note {n}" for n in range(38)), ref  # each kept, once
    for ref in [*CLOSED, "WMAG31-03"]:
        assert exported[ref]["status"] == "closed"
        assert [u["kind"] for u in exported[ref]["updates"]].count("closed") == 1, ref
