"""Benchmark: "what is open for me" in a Teams personal chat, sent to `tmag-bot serve --teams --dev` at
100k actions, and in the same run to an echo app on the same Teams SDK. Prints p50/p95 of the time from
sending the activity to the reply reaching the connector, for both, and the ratio (target: the bot's p95
at most 1.5x the echo's).

    python -m bench.teams_http [--requests 200] [--keep FILE]

Teams is faked on loopback (the tests' fake connector), so nothing leaves the machine.
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


async def run(requests: int, keep: Path | None) -> None:
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
        replied: dict[str, list[float]] = {name_: [] for name_ in servers}
        acked: dict[str, list[float]] = {name_: [] for name_ in servers}
        try:
            async with aiohttp.ClientSession() as http:
                for server, process in servers.items():
                    await wait_healthy(http, urls[server], process)
                for n in range(requests + 20):
                    for server in ("tmag-bot", "echo"):
                        activity = personal_message(fake.service_url, USER, name, "what is open for me")
                        before = len(fake.sent)
                        tick = time.perf_counter()
                        async with http.post(
                            urls[server] + "/api/messages",
                            data=as_json(activity),
                            headers={"Content-Type": "application/json"},
                        ) as response:
                            assert response.status == 200, await response.text()
                        ack = (time.perf_counter() - tick) * 1000
                        await fake.wait_for(lambda b=before: len(fake.sent) > b, timeout=30)
                        if n >= 20:  # the first requests warm caches and connections
                            acked[server].append(ack)
                            replied[server].append((fake.sent[before].at - tick) * 1000)
                shown = fake.sent[-2].activity["attachments"][0]["content"]["body"]
        finally:
            for process in servers.values():
                process.terminate()
                process.wait(timeout=20)
            await fake.stop()
    print(f"the bot's answer card holds {len(shown)} elements")
    for label, figures in (("acknowledged", acked), ("reply arrived", replied)):
        ours, floor = figures["tmag-bot"], figures["echo"]
        ours95, floor95 = percentile(ours, 0.95), percentile(floor, 0.95)
        print(
            f"{label:13} tmag-bot p50 {statistics.median(ours):6.1f} ms  p95 {ours95:6.1f} ms | "
            f"echo p50 {statistics.median(floor):6.1f} ms  p95 {floor95:6.1f} ms | "
            f"p95 ratio {ours95 / floor95:.2f}" + (" (target <= 1.5)" if label == "reply arrived" else "")
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="keep the database in this file and reuse it")
    args = parser.parse_args()
    asyncio.run(run(args.requests, args.keep))


if __name__ == "__main__":
    main()
