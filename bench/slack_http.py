"""Benchmark: signed `/tmag mine` requests to `tmag-bot serve --http` at 100k actions, and in the same run
to a Bolt app whose command only acknowledges, with 1, 8 and 32 requests in flight. Prints p50/p95 of the
acknowledgements of both and their ratio (targets: the bot's p95 at most 1.5x the no-op's one at a time,
1.2x with 8 and 32 in flight), and when the answer arrived at the response URL.

    python -m bench.slack_http [--requests 400] [--in-flight 1,8,32] [--keep FILE]

Slack is faked on loopback (the tests' fake Web API), so nothing leaves the machine.
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
from tests.slack_fake import FakeSlack, free_port, signed, slash_command, wait_healthy

SECRET = "bench-signing-secret"
ROOT = Path(__file__).resolve().parents[1]


async def run(requests: int, levels: list[int], keep: Path | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = keep or Path(folder) / "slack.db"
        db = await open_database(f"sqlite:///{path}")
        async with db.read() as session:
            members = (await session.exec(text("SELECT count(*) FROM member"))).one()[0]
        if not members:
            print("building 100k actions and 5k members ...")
            await populate(db, 100_000, 5_000, random.Random(11))
        async with db.write() as session:
            await session.exec(text("UPDATE member SET slack_user_id = NULL WHERE slack_user_id = 'U0BENCH'"))
            await session.exec(text("UPDATE member SET slack_user_id = 'U0BENCH' WHERE id = 42"))
            counts = (
                await session.exec(
                    text("SELECT (SELECT count(*) FROM action), (SELECT count(*) FROM member)")
                )
            ).one()
        await db.close()
        print(f"database: {counts[0]} actions, {counts[1]} members")
        fake = await FakeSlack().start()
        env = dict(
            os.environ,
            DATABASE_URL=f"sqlite:///{path}",
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=fake.api_url,
            LOG_LEVEL="WARNING",
        )
        ours_port, noop_port = free_port(), free_port()
        servers = {
            "tmag-bot": subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bot",
                    "serve",
                    "--http",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(ours_port),
                ],
                cwd=ROOT,
                env=env,
                stderr=subprocess.PIPE,
                text=True,
            ),
            "no-op": subprocess.Popen(
                [sys.executable, "-m", "bench.noop_app", "--port", str(noop_port)],
                cwd=ROOT,
                env=env,
                stderr=subprocess.PIPE,
                text=True,
            ),
        }
        urls = {"tmag-bot": f"http://127.0.0.1:{ours_port}", "no-op": f"http://127.0.0.1:{noop_port}"}
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                for name, process in servers.items():
                    await wait_healthy(http, urls[name], process)

                async def send(app: str, key: str) -> tuple[float, float | None]:
                    body = slash_command("mine", "U0BENCH", "C0BENCH", fake.response_url(key))
                    headers = signed(SECRET, body, "application/x-www-form-urlencoded")
                    tick = time.perf_counter()
                    async with http.post(urls[app] + "/slack/events", data=body, headers=headers) as response:
                        assert response.status == 200, await response.text()
                        await response.read()
                    acked = (time.perf_counter() - tick) * 1000
                    if app == "no-op":
                        return acked, None
                    return acked, (await fake.wait_for_response(key, timeout=60) - tick) * 1000

                results = await drive(send, list(servers), levels, requests)
                memory = resident_memory(servers["tmag-bot"].pid)
        finally:
            for process in servers.values():
                process.terminate()
                process.wait(timeout=20)
            await fake.stop()
    print(f"tmag-bot serve memory: {memory} (target: under 200 MB at 100k actions with 32 in flight)")
    report(results, "tmag-bot", "no-op", lambda in_flight: 1.5 if in_flight == 1 else 1.2)


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
