"""Requests with several in flight, to the bot and to a floor app in the same run: the drive shared by the
Slack and Teams endpoint benchmarks.

Each of `in_flight` senders sends a request, waits for its acknowledgement and, where the app answers,
for the answer to arrive (stamped on arrival by the fake platform), then sends the next: so `in_flight`
requests are being acknowledged or answered at any moment. Rounds alternate the apps, so that the
machine's drift touches both alike.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Awaitable, Callable

from bench.ask import percentile

ROUNDS = 4
# send(app name, request key) -> (acknowledged ms, answer arrived ms or None)
Send = Callable[[str, str], Awaitable[tuple[float, float | None]]]


async def drive(send: Send, apps: list[str], levels: list[int], requests: int) -> dict:
    """{in flight: {app: (acknowledgement times, answer arrival times)}}, in ms."""
    for app in apps:  # the first requests warm caches, connections and Bolt's auth.test
        for n in range(20):
            await send(app, f"warm-{app}-{n}")
    results = {}
    for in_flight in levels:
        figures = {app: ([], []) for app in apps}
        for round_ in range(ROUNDS):
            for app in apps:
                keys = (f"{app}-{in_flight}-{round_}-{n}" for n in range(requests // ROUNDS))
                await asyncio.gather(*(_sender(send, app, keys, figures[app]) for _ in range(in_flight)))
        results[in_flight] = figures
    return results


async def _sender(send: Send, app: str, keys, figures: tuple[list, list]) -> None:
    """One sender: the next key from those shared with the others, until none is left."""
    for key in keys:
        acked, answered = await send(app, key)
        figures[0].append(acked)
        if answered is not None:
            figures[1].append(answered)


def report(results: dict, ours: str, floor: str, target: Callable[[int], float]) -> None:
    """One line per number in flight: both apps' acknowledgement p50/p95, their p95 ratio against its
    target, and when the answers arrived (both apps' where both answer)."""
    for in_flight, figures in results.items():
        acks, floor_acks = figures[ours][0], figures[floor][0]
        ratio = percentile(acks, 0.95) / percentile(floor_acks, 0.95)
        line = (
            f"{in_flight:2d} in flight  acknowledged {ours} {_p50_p95(acks)} | {floor} {_p50_p95(floor_acks)}"
            f" | p95 ratio {ratio:.2f} (target <= {target(in_flight)})"
        )
        for app in (ours, floor):
            if figures[app][1]:
                line += f" | {app} answer arrived {_p50_p95(figures[app][1])}"
        print(line)


def _p50_p95(figures: list[float]) -> str:
    return f"p50 {statistics.median(figures):6.1f} ms p95 {percentile(figures, 0.95):6.1f} ms"


def resident_memory(pid: int) -> str:
    """A process's resident memory now and at its peak (Linux's /proc), as "RSS N MB, peak M MB"."""
    from pathlib import Path

    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "unknown (no /proc here)"
    kilobytes = {
        line.split(":")[0]: int(line.split()[1]) for line in status.splitlines() if line.startswith("Vm")
    }
    return f"RSS {kilobytes.get('VmRSS', 0) / 1024:.0f} MB, peak {kilobytes.get('VmHWM', 0) / 1024:.0f} MB"
