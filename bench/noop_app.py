"""A Bolt app whose /tmag does nothing but acknowledge: the floor the bot's latency is compared with.

python -m bench.noop_app --port 3100   (SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_API_URL set)
"""

from __future__ import annotations

import argparse
import asyncio
import os

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def build() -> web.Application:
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @app.command("/tmag")
    async def noop(ack):
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    application = web.Application()
    application.add_routes([web.post("/slack/events", events), web.get("/healthz", healthz)])
    return application


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=3100)
    args = parser.parse_args()
    web.run_app(
        build(), host="127.0.0.1", port=args.port, print=None, access_log=None, loop=asyncio.new_event_loop()
    )


if __name__ == "__main__":
    main()
