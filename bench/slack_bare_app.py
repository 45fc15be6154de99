"""The least a Slack app can do and still answer: a bare aiohttp server that checks each request's
signature (slack_sdk's SignatureVerifier, as the bot does), acknowledges it, and then posts an echo to
its response URL. The floor the bot's acknowledgements are held to.

python -m bench.slack_bare_app --port 3102   (SLACK_SIGNING_SECRET set)
"""

from __future__ import annotations

import asyncio
import json
import os
import urllib.parse

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from bench.reference_apps import HEALTH_ROUTE, run


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

    async def client(_app):
        sessions.append(aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)))
        yield
        await sessions[0].close()

    application = web.Application()
    application.cleanup_ctx.append(client)
    application.add_routes([web.post("/slack/events", events), HEALTH_ROUTE])
    return application


def main() -> None:
    run(build, __doc__, 3102)


if __name__ == "__main__":
    main()
