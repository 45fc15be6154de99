"""Benchmark: "what is open for me" in a Teams personal chat, sent to `tmag-bot serve --teams --dev` at
100k actions, and in the same run to an echo app on the same Teams SDK, with 1, 8 and 32 requests in
flight. Prints p50/p95 of the acknowledgements of both and their ratio (targets: at most 1.5x the echo's
one at a time, 1.2x with 8 and 32 in flight), and when each app's reply reached the connector.

    python -m bench.teams_http [--requests 400] [--in-flight 1,8,32] [--keep FILE]

Teams is faked on loopback (the tests' fake connector), so nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from sqlalchemy import text

from bench.ask import populate
from bench.in_flight import drive, report, resident_memory
from storage.db import open_database
from tests.slack_fake import free_port, wait_healthy
from tests.teams_fake import FakeTeams, as_json, personal_message

ROOT = Path(__file__).resolve().parents[1]
USER = "aad-bench"


async def prepare(path: Path) -> tuple[int, int, str]:
    db = await open_database(f"sqlite:///{path}")
    async with db.read() as session:
        members = (await session.exec(text("SELECT count(*) FROM member"))).one()[0]
    if not members:
        print("building 100k actions and 5k members ...")
        await populate(db, 100_000, 5_000, random.Random(11))
    async with db.write() as session:
        await session.exec(
            text("UPDATE member SET teams_user_id = NULL WHERE teams_user_id = :u"), params={"u": USER}
        )
        await session.exec(text("UPDATE member SET teams_user_id = :u WHERE id = 42"), params={"u": USER})
        name = (await session.exec(text("SELECT name FROM member WHERE id = 42"))).one()[0]
        counts = (
            await session.exec(text("SELECT (SELECT count(*) FROM action), (SELECT count(*) FROM member)"))
        ).one()
    await db.close()
    return counts[0], counts[1], name


async def run(requests: int, levels: list[int], keep: Path | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = keep or Path(folder) / "teams.db"
        actions, members, name = await prepare(path)
        print(f"database: {actions} actions, {members} members; asking as {name}")
        fake = await FakeTeams().start()
        env = dict(os.environ, DATABASE_URL=f"sqlite:///{path}", TEAMS_DEV="1", LOG_LEVEL="WARNING")
        ours_port, echo_port = free_port(), free_port()
        servers = {
            "tmag-bot": subprocess.Popen(
                [sys.executable, "-m", "bot", "serve", "--teams", "--port", str(ours_port)],
                cwd=ROOT,
                env=env,
                stderr=subprocess.PIPE,
                text=True,
            ),
            "echo": subprocess.Popen(
                [sys.executable, "-m", "bench.teams_echo_app", "--port", str(echo_port)],
                cwd=ROOT,
                env=env,
                stderr=subprocess.PIPE,
                text=True,
            ),
        }
        urls = {"tmag-bot": f"http://127.0.0.1:{ours_port}", "echo": f"http://127.0.0.1:{echo_port}"}
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                for server, process in servers.items():
                    await wait_healthy(http, urls[server], process)

                async def send(app: str, key: str) -> tuple[float, float | None]:
                    activity = personal_message(fake.service_url, USER, name, "what is open for me")
                    conversation = activity["conversation"]["id"] = f"a:chat-{key}"  # where its reply goes
                    tick = time.perf_counter()
                    async with http.post(
                        urls[app] + "/api/messages",
                        data=as_json(activity),
                        headers={"Content-Type": "application/json"},
                    ) as response:
                        assert response.status == 200, await response.text()
                        await response.read()
                    acked = (time.perf_counter() - tick) * 1000
                    return acked, (await fake.wait_for_reply(conversation, timeout=60) - tick) * 1000

                results = await drive(send, list(servers), levels, requests)
                memory = resident_memory(servers["tmag-bot"].pid)
                shown = next(s for s in reversed(fake.sent) if s.conversation.startswith("a:chat-tmag-bot"))
        finally:
            for process in servers.values():
                process.terminate()
                process.wait(timeout=20)
            await fake.stop()
    print(f"the bot's answer card holds {len(shown.card()['body'])} elements")
    print(f"tmag-bot serve memory: {memory} (target: under 200 MB at 100k actions with 32 in flight)")
    report(results, "tmag-bot", "echo", lambda in_flight: 1.5 if in_flight == 1 else 1.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400, help="per app and number in flight")
    parser.add_argument(
        "--in-flight", default="1,8,32", help="how many requests at once, comma-separated (default 1,8,32)"
    )
    parser.add_argument("--keep", type=Path, help="keep the database in this file and reuse it")
    args = parser.parse_args()
    asyncio.run(run(args.requests, [int(n) for n in args.in_flight.split(",")], args.keep))


if __name__ == "__main__":
    main()
