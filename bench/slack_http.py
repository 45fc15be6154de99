"""Benchmark: Slack over HTTP, open loop. Members' questions and Mark done presses (bench/load.py) sent at
fixed rates (5, 20, 50 and 100 a second for 30 s each) and in a burst (200 in 10 s, half in the first
2 s, as when a digest lands in a channel of 200), never waiting for an answer before sending the next,
to `tmag-bot serve --http` at 100k actions and 5k members (each linked to a Slack user of their own, with
a confirmed link), and in the same run, offered the same load, to two references that answer: an echo
Bolt app (acknowledges, then answers through `respond`, as the bot does) and a bare aiohttp app that
checks the signature and posts to the response URL.

Prints per rate and for the burst each app's acknowledgement and answer p50/p95/p99 (an answer counted
when it reaches the response URL), answers missing at the end, whether the backlog grew, the bot's peak
RSS; the ratio of the bot's acknowledgement p95 to the bare app's (target <= 1.2) and the answer targets
(burst of 200 in 10 s: p95 <= 1 s; 100 a second: p95 <= 500 ms); the highest rate the bot sustains
without a growing backlog; and a machine check beside the figures.

    python -m bench.slack_http [--rates 5,20,50,100] [--seconds 30] [--burst 200/10] [--keep FILE] [--tiny]

Slack is faked on loopback (the tests' fake Web API and response URLs), so nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp

from bench.load import FULL, LINK, TINY, Planner, button_value, load_world, prepare_database, slack_id
from bench.open_loop import (
    Answers,
    App,
    Plan,
    add_arguments,
    bot_env,
    drive,
    print_log,
    print_summary,
    report_profile,
    resident_memory,
)
from tests.fixtures.processes import ROOT, Served, free_port, wait_healthy
from tests.slack_fake import FakeSlack, block_actions, signed, slash_command

SECRET = "bench-signing-secret"
CHANNEL = "C0BENCH"
FORM = "application/x-www-form-urlencoded"
APPS = {  # name -> how it is started (the bot: as `tmag-bot serve --http`, see bench/bot_hooks.py)
    "tmag-bot": ["-m", "bench.bot_hooks", "serve", "--http", "--host", "127.0.0.1", "--port"],
    "echo (Bolt)": ["-m", "bench.slack_echo_app", "--port"],
    "bare (aiohttp)": ["-m", "bench.slack_bare_app", "--port"],
}


def start(name: str, port: int, env: dict) -> Served:
    process = subprocess.Popen(
        [sys.executable, *APPS[name], str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return Served(process)


async def run(plan: Plan, size: tuple[int, int], keep: Path | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "slack.db"
        await prepare_database(path, size, keep=keep)
        world = load_world(path)
        print(
            f"database: {world.actions} actions, {len(world.members)} members, each linked ({LINK}) to a "
            f"Slack user of their own; {sum(map(len, world.owned.values()))} open actions owned by name"
        )
        answers = Answers()
        fake = await FakeSlack(
            keep=False, on_response=lambda key, at, body: answers.arrived(key, at, lambda: json.dumps(body))
        ).start()
        env = dict(
            os.environ,
            DATABASE_URL=f"sqlite:///{path}",
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=fake.api_url,
            LOG_LEVEL="WARNING",
        )
        ports = {name: free_port() for name in APPS}
        servers = {
            name: start(name, ports[name], bot_env(env, plan) if name == "tmag-bot" else env) for name in APPS
        }
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                for name, served in servers.items():
                    await wait_healthy(http, f"http://127.0.0.1:{ports[name]}", served, timeout=120)

                def sender(name: str):
                    url = f"http://127.0.0.1:{ports[name]}/slack/events"

                    async def send(request, record) -> None:
                        user, response_url = slack_id(request.member.id), fake.response_url(request.key)
                        if request.is_press:
                            body = block_actions(
                                "mark_done",
                                button_value(request),
                                user,
                                response_url,
                                channel=CHANNEL,
                                ephemeral=request.from_answer,
                            )
                        else:
                            body = slash_command(
                                request.text, user, CHANNEL, response_url, trigger=request.key
                            )
                        async with http.post(url, data=body, headers=signed(SECRET, body, FORM)) as response:
                            record.status = response.status
                            await response.read()

                    return send

                apps = [
                    App(
                        name,
                        sender(name),
                        pid=served.process.pid if name == "tmag-bot" else None,
                        checked=name == "tmag-bot",
                    )
                    for name, served in servers.items()
                ]
                phases = await drive(apps, Planner(world), plan, answers)
                memory = resident_memory(servers["tmag-bot"].process.pid)
                died = [name for name, served in servers.items() if served.poll() is not None]
                if died:
                    raise SystemExit(
                        f"{', '.join(died)} ended during the run:\n{servers[died[0]].log[-2000:]}"
                    )
        finally:
            for served in servers.values():
                served.stop()
            await fake.stop()
    print_summary(phases, "tmag-bot", memory)
    if plan.profile:
        report_profile(plan.profile)
    for problem, example in answers.examples.items():
        print(f"  an answer that {problem}: {example}")
    print_log(servers["tmag-bot"].lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser)
    args = parser.parse_args()
    asyncio.run(run(Plan.from_arguments(args), TINY if args.tiny else FULL, args.keep))


if __name__ == "__main__":
    main()
