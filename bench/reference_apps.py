"""What the benchmarks' reference apps share: the health route the benchmark waits on, and how each is run
on its port (`python -m bench.slack_echo_app --port N` and the rest)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable

from aiohttp import web


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


HEALTH_ROUTE = web.get("/healthz", healthz)


def port_from_arguments(description: str | None, default_port: int) -> int:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, default=default_port)
    return parser.parse_args().port


def run(build: Callable[[], web.Application], description: str | None, default_port: int) -> None:
    """Serve the app `build` makes on 127.0.0.1, on --port (default `default_port`), until killed."""
    web.run_app(
        build(),
        host="127.0.0.1",
        port=port_from_arguments(description, default_port),
        print=None,
        access_log=None,
        loop=asyncio.new_event_loop(),
    )
