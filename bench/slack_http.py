"""Benchmark: signed `/tmag mine` requests to `tmag-bot serve --http` at 100k actions, and in the same run
to a Bolt app whose command only acknowledges. Prints p50/p95 of both and the ratio (target: the bot's
p95 at most 1.5x the no-op's), and how long the answer itself takes to arrive.

    python -m bench.slack_http [--requests 200] [--keep FILE]

Slack is faked on loopback (the tests' fake Web API), so nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from sqlalchemy import text

from bench.ask import percentile, populate
from storage.db import open_database
from tests.slack_fake import FakeSlack, free_port, signed, slash_command, wait_healthy

SECRET = "bench-signing-secret"
ROOT = Path(__file__).resolve().parents[1]


async def run(requests: int, keep: Path | None) -> None:
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
            async with aiohttp.ClientSession() as http:
                for name, process in servers.items():
                    await wait_healthy(http, urls[name], process)
                acks = {name: [] for name in servers}
                answered = []
                for n in range(requests + 20):
                    for name in ("tmag-bot", "no-op"):
                        key = f"{name}-{n}"
                        body = slash_command("mine", "U0BENCH", "C0BENCH", fake.response_url(key))
                        headers = signed(SECRET, body, "application/x-www-form-urlencoded")
                        before = len(fake.responses)
                        tick = time.perf_counter()
                        async with http.post(
                            urls[name] + "/slack/events", data=body, headers=headers
                        ) as response:
                            assert response.status == 200, await response.text()
                        took = (time.perf_counter() - tick) * 1000
                        if name == "tmag-bot":
                            await fake.wait_for(lambda b=before: len(fake.responses) > b, timeout=30)
                            if n >= 20:
                                answered.append((time.perf_counter() - tick) * 1000)
                        if n >= 20:  # the first requests warm caches and Bolt's auth.test
                            acks[name].append(took)
        finally:
            for process in servers.values():
                process.terminate()
                process.wait(timeout=20)
            await fake.stop()
    ours, floor = acks["tmag-bot"], acks["no-op"]
    ours95, floor95 = percentile(ours, 0.95), percentile(floor, 0.95)
    print(
        f"acknowledged  tmag-bot p50 {statistics.median(ours):6.1f} ms  p95 {ours95:6.1f} ms | "
        f"no-op p50 {statistics.median(floor):6.1f} ms  p95 {floor95:6.1f} ms | "
        f"p95 ratio {ours95 / floor95:.2f} (target <= 1.5)"
    )
    print(
        f"answer posted tmag-bot p50 {statistics.median(answered):6.1f} ms  "
        f"p95 {percentile(answered, 0.95):6.1f} ms (after the acknowledgement, to the response URL)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="keep the database in this file and reuse it")
    args = parser.parse_args()
    asyncio.run(run(args.requests, args.keep))


if __name__ == "__main__":
    main()
