"""The least a Slack app can do and still answer: a bare aiohttp server that checks each request's
signature (slack_sdk's SignatureVerifier, as the bot does), acknowledges it, and then posts an echo to
its response URL. The floor the bot's acknowledgements are held to.

python -m bench.slack_bare_app --port 3102   (SLACK_SIGNING_SECRET set)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import urllib.parse

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier


def build() -> web.Application:
    verifier = SignatureVerifier(os.environ["SLACK_SIGNING_SECRET"])
    background: set[asyncio.Task] = set()
    sessions: list[aiohttp.ClientSession] = []

    async def answer(response_url: str, text: str) -> None:
        async with sessions[0].post(response_url, json={"text": text, "response_type": "ephemeral"}) as sent:
            await sent.read()

    async def events(request: web.Request) -> web.Response:
        body = (await request.read()).decode("utf-8")
        if not verifier.is_valid(
            body=body,
            timestamp=request.headers.get("X-Slack-Request-Timestamp") or "",
            signature=request.headers.get("X-Slack-Signature") or "",
        ):
            return web.Response(status=401)
        form = dict(urllib.parse.parse_qsl(body))
        payload = json.loads(form["payload"]) if "payload" in form else form
        if payload.get("response_url"):
            task = asyncio.ensure_future(answer(payload["response_url"], f"echo: {payload.get('text')}"))
            background.add(task)
            task.add_done_callback(background.discard)
        return web.Response(status=200)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def client(_app):
        sessions.append(aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)))
        yield
        await sessions[0].close()

    application = web.Application()
    application.cleanup_ctx.append(client)
    application.add_routes([web.post("/slack/events", events), web.get("/healthz", healthz)])
    return application


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=3102)
    args = parser.parse_args()
    web.run_app(
        build(), host="127.0.0.1", port=args.port, print=None, access_log=None, loop=asyncio.new_event_loop()
    )


if __name__ == "__main__":
    main()
