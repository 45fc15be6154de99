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

With `--postgres URL` (a PostgreSQL server; a database is made on it and dropped after), the same load
is then offered to two `serve` processes sharing a PostgreSQL copy of the data, requests alternating
between them, and their sustained rate is printed for information: on 2 cores it measures the replicas'
and the server's contention as much as the bot.

    python -m bench.slack_http [--rates 5,20,50,100] [--seconds 30] [--burst 200/10] [--keep FILE] [--tiny]
                               [--postgres URL]

Slack is faked on loopback (the tests' fake Web API and response URLs), so nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path

import aiohttp
from sqlalchemy.engine import make_url

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
from storage.db import describe, execute_outside_transaction
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


REPLICAS = "tmag-bot x2 (PG)"  # two serve processes sharing a PostgreSQL database


def start(name: str, port: int, env: dict) -> Served:
    process = subprocess.Popen(
        [sys.executable, *APPS["tmag-bot" if name == REPLICAS else name], str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return Served(process)


async def run(plan: Plan, size: tuple[int, int], keep: Path | None, postgres: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "slack.db"
        await prepare_database(path, size, keep=keep)
        world = load_world(path)
        pristine = Path(folder) / "pristine.db"
        if postgres:  # the replicas get the data as it was before the runs changed it
            with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(pristine)) as copy:
                source.backup(copy)
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
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                servers, phases, memory = await _offer(
                    http, fake, answers, world, plan, {name: [env] for name in APPS}
                )
                print_summary(phases, "tmag-bot", memory)
                if plan.profile:
                    report_profile(plan.profile)
                for problem, example in answers.examples.items():
                    print(f"  an answer that {problem}: {example}")
                print_log(servers["tmag-bot"][0].lines)
                if postgres and not plan.profile:
                    await _on_postgres(http, fake, answers, world, plan, env, pristine, postgres)
        finally:
            await fake.stop()


async def _offer(http, fake, answers, world, plan: Plan, envs: dict[str, list[dict]]):
    """Start each app (as many processes as it has environments, requests alternating between them),
    drive the load through them, stop them: (their processes, the phases, the bot's memory at the end)."""
    ports = {name: [free_port() for _ in app_envs] for name, app_envs in envs.items()}
    servers: dict[str, list[Served]] = {}
    try:
        for name, app_envs in envs.items():
            servers[name] = [
                start(name, port, bot_env(e, plan) if name in ("tmag-bot", REPLICAS) else e)
                for port, e in zip(ports[name], app_envs, strict=True)
            ]
        for name, served in servers.items():
            for port, one in zip(ports[name], served, strict=True):
                await wait_healthy(http, f"http://127.0.0.1:{port}", one, timeout=180)

        def sender(name: str):
            urls = [f"http://127.0.0.1:{port}/slack/events" for port in ports[name]]
            sent = 0

            async def send(request, record) -> None:
                nonlocal sent
                url, sent = urls[sent % len(urls)], sent + 1
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
                    body = slash_command(request.text, user, CHANNEL, response_url, trigger=request.key)
                async with http.post(url, data=body, headers=signed(SECRET, body, FORM)) as response:
                    record.status = response.status
                    await response.read()

            return send

        checked = ("tmag-bot", REPLICAS)
        apps = [
            App(
                name,
                sender(name),
                pid=served[0].process.pid if name in checked else None,
                checked=name in checked,
            )
            for name, served in servers.items()
        ]
        phases = await drive(apps, Planner(world), plan, answers)
        ours = next(name for name in servers if name in checked)
        memory = resident_memory(servers[ours][0].process.pid)
        died = [name for name, served in servers.items() if any(one.poll() is not None for one in served)]
        if died:
            ended = next(one for one in servers[died[0]] if one.poll() is not None)
            raise SystemExit(f"{', '.join(died)} ended during the run:\n{ended.log[-2000:]}")
        return servers, phases, memory
    finally:
        for served in servers.values():
            for one in served:
                one.stop()


async def _on_postgres(http, fake, answers, world, plan: Plan, env: dict, path: Path, server: str) -> None:
    """The same load offered to two replicas on a PostgreSQL copy of the data (for information)."""
    name = f"tmag_bench_{os.getpid()}"
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    await execute_outside_transaction(server, f'CREATE DATABASE "{name}"', database="postgres")
    try:
        print(f"\ncopying the data to PostgreSQL ({describe(url)}) for two replicas ...", flush=True)
        copied = subprocess.run(
            [sys.executable, "-m", "bot", "db", "copy", "--to", url],
            cwd=ROOT,
            env=dict(env, DATABASE_URL=f"sqlite:///{path}"),
            capture_output=True,
            text=True,
        )
        if copied.returncode != 0:
            raise SystemExit(f"db copy failed: {copied.stderr.strip()[-500:]}")
        replica = dict(env, DATABASE_URL=url)
        servers, phases, memory = await _offer(
            http, fake, answers, world, plan, {REPLICAS: [replica, replica]}
        )
        print_summary(phases, REPLICAS, memory)
        print_log([line for one in servers[REPLICAS] for line in one.lines])
    finally:
        await execute_outside_transaction(server, f'DROP DATABASE IF EXISTS "{name}"', database="postgres")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="then the same load on two replicas sharing a PostgreSQL copy (a database made on this server "
        "and dropped after), for information",
    )
    args = parser.parse_args()
    asyncio.run(run(Plan.from_arguments(args), TINY if args.tiny else FULL, args.keep, args.postgres))


if __name__ == "__main__":
    main()
