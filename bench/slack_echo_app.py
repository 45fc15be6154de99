"""A Bolt app (slack-bolt, async) that answers every /tmag command and button press with an echo, the way
the bot answers: it acknowledges, then answers through `respond` (the request's response URL). A
reference for the bot's figures: Bolt's own cost, with nothing of the bot's.

python -m bench.slack_echo_app --port 3100   (SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_API_URL set)
"""

from __future__ import annotations

import os
import re

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bench.reference_apps import HEALTH_ROUTE, run


def build() -> web.Application:
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @app.command("/tmag")
    async def command(ack, respond, command):
        await ack()
        await respond(text=f"echo: {command.get('text')}", response_type="ephemeral")

    @app.action(re.compile(".*"))
    async def button(ack, respond, action):
        await ack()
        await respond(
            text=f"pressed: {action.get('value')}", response_type="ephemeral", replace_original=False
        )

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    application = web.Application()
    application.add_routes([web.post("/slack/events", events), HEALTH_ROUTE])
    return application


def main() -> None:
    run(build, __doc__, 3100)


if __name__ == "__main__":
    main()
