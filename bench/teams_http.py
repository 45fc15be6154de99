"""Benchmark: Teams, open loop, with token checks on. Members' personal-chat messages and Mark done
presses on cards (Action.Execute; bench/load.py) sent at fixed rates (5, 20, 50 and 100 a second for 30 s
each) and in a burst (200 in 10 s, half in the first 2 s, as when a digest lands in a channel of 200),
never waiting for an answer before sending the next, each with a Bot Framework token signed by the
loopback's keys, to `tmag-bot serve --teams` (not --dev: every token checked) at 100k actions and 5k
members (each linked to a Teams user of their own, with a confirmed link), and in the same run, offered the
same load, to two references that answer: an echo app on the same Teams SDK (answering as the bot does,
the SDK checking tokens) and a bare aiohttp app that checks the Bearer token and posts the reply to the
serviceUrl.

A message's answer is counted when it reaches the fake connector; a card press's answer is the invoke's
response (its acknowledgement and answer are one). Prints what bench/slack_http.py prints.

    python -m bench.teams_http [--rates 5,20,50,100] [--seconds 30] [--burst 200/10] [--keep FILE] [--tiny]

Teams is faked on loopback (the tests' fake connector, which also publishes the signing keys), so nothing
leaves the machine; the bots' outgoing token comes from an in-process Entra (bench/bot_hooks.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.bot_hooks import ENTRA_TOKEN, outgoing_token
from bench.load import FULL, LINK, TINY, Planner, button_data, load_world, prepare_database, teams_id
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
from tests.teams_fake import TENANT, FakeTeams, as_json, card_action, personal_message

APP_ID = "00000000-0000-0000-0000-0000000be4c4"
APPS = {  # name -> how it is started (the bot: as `tmag-bot serve --teams`, see bench/bot_hooks.py)
    "tmag-bot": ["-m", "bench.bot_hooks", "serve", "--teams", "--host", "127.0.0.1", "--port"],
    "echo (Teams SDK)": ["-m", "bench.teams_echo_app", "--port"],
    "bare (aiohttp)": ["-m", "bench.teams_bare_app", "--port"],
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


def key_of(activity: dict) -> str | None:
    """The request key an answer brings back: the conversation's name, which each reply repeats."""
    conversation = activity.get("conversation")
    return conversation.get("name") if isinstance(conversation, dict) else None


async def run(plan: Plan, size: tuple[int, int], keep: Path | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "teams.db"
        await prepare_database(path, size, keep=keep)
        world = load_world(path)
        print(
            f"database: {world.actions} actions, {len(world.members)} members, each linked ({LINK}) to a "
            f"Teams user of their own; {sum(map(len, world.owned.values()))} open actions owned by name"
        )
        answers = Answers()
        fake = FakeTeams(keep=False)
        fake.on_sent = lambda sent: answers.arrived(
            key_of(sent.activity), sent.at, lambda: json.dumps(sent.activity)
        )
        await fake.start()
        service_url = fake.service_url
        token = fake.token(APP_ID, service_url)  # as the Bot Connector signs: kept for its hour
        env = dict(
            os.environ,
            DATABASE_URL=f"sqlite:///{path}",
            TEAMS_CLIENT_ID=APP_ID,
            TEAMS_CLIENT_SECRET="bench-client-secret",
            TEAMS_TENANT_ID=TENANT,
            TEAMS_OPENID_METADATA_URL=fake.openid_url,
            LOG_LEVEL="WARNING",
        )
        env[ENTRA_TOKEN] = outgoing_token(fake.key, APP_ID, TENANT)
        env.pop("TEAMS_DEV", None)
        ports = {name: free_port() for name in APPS}
        servers = {
            name: start(name, ports[name], bot_env(env, plan) if name == "tmag-bot" else env) for name in APPS
        }
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                for name, served in servers.items():
                    await wait_healthy(http, f"http://127.0.0.1:{ports[name]}", served, timeout=120)

                def sender(name: str):
                    url = f"http://127.0.0.1:{ports[name]}/api/messages"
                    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

                    async def send(request, record) -> None:
                        member = request.member
                        if request.is_press:
                            activity = card_action(
                                service_url,
                                teams_id(member.id),
                                member.name,
                                "markDone",
                                button_data(request),
                                personal=request.from_answer,
                            )
                        else:
                            activity = personal_message(
                                service_url, teams_id(member.id), member.name, request.text
                            )
                        activity["conversation"]["name"] = request.key
                        record.answer_in_response = request.is_press  # an invoke: its response is the answer
                        async with http.post(url, data=as_json(activity), headers=headers) as response:
                            record.status = response.status
                            body = await response.text()
                        if request.is_press and response.status == 200:
                            answers.arrived(request.key, time.perf_counter(), lambda: body)

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
