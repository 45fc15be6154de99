"""A Teams SDK app that echoes every message back: the floor the bot's reply latency is compared with.
Served as the bot serves Teams (the same SDK, the same aiohttp adapter), in development mode.

python -m bench.teams_echo_app --port 3101
"""

from __future__ import annotations

import argparse
import asyncio

from aiohttp import web

from handlers.teams.adapter import AiohttpAdapter
from handlers.teams.app import MESSAGING_ENDPOINT, quiet_sdk_warnings


async def serve(port: int) -> None:
    quiet_sdk_warnings()
    from microsoft_teams.apps import App

    adapter = AiohttpAdapter(require_auth=False)
    app = App(
        http_server_adapter=adapter,
        messaging_endpoint=MESSAGING_ENDPOINT,
        dangerously_allow_unauthenticated_requests=True,
        state=False,
    )
    background: set[asyncio.Task] = set()

    @app.on_message
    async def echo(ctx) -> None:
        # answered after the SDK has answered Teams, as the bot answers
        task = asyncio.ensure_future(ctx.send(f"echo: {ctx.activity.text}"))
        background.add(task)
        task.add_done_callback(background.discard)

    await app.initialize()

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    application = web.Application()
    application.add_routes([*adapter.routes, web.get("/healthz", healthz)])
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=3101)
    asyncio.run(serve(parser.parse_args().port))


if __name__ == "__main__":
    main()
