"""A Teams SDK app that echoes every message and answers every card button, the way the bot answers: a
message is answered with `ctx.send` after the SDK has answered Teams; a button (an invoke) with a card
in the invoke's response. A reference for the bot's figures: the SDK's own cost (its token check
included), with nothing of the bot's. Served on aiohttp as the bot serves Teams (the bot's adapter, with
the SDK's own token check).

python -m bench.teams_echo_app --port 3101
  (TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET, TEAMS_TENANT_ID and TEAMS_OPENID_METADATA_URL set, as for the
  bot; TMAG_BENCH_ENTRA_TOKEN for its outgoing token, see bench/bot_hooks.py)
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace

from aiohttp import web

from bench.bot_hooks import ENTRA_TOKEN, install_entra
from bench.reference_apps import HEALTH_ROUTE, port_from_arguments
from handlers.teams.adapter import AiohttpAdapter
from handlers.teams.app import MESSAGING_ENDPOINT, quiet_sdk_warnings


async def serve(port: int) -> None:
    quiet_sdk_warnings()
    from microsoft_teams.api import AdaptiveCardActionCardResponse
    from microsoft_teams.api.auth.cloud_environment import PUBLIC
    from microsoft_teams.apps import App
    from microsoft_teams.cards import AdaptiveCard, TextBlock

    install_entra(os.environ[ENTRA_TOKEN])
    # The SDK checks each activity's token itself (its own validator, the keys from the loopback).
    adapter = AiohttpAdapter(require_auth=False)
    app = App(
        client_id=os.environ["TEAMS_CLIENT_ID"],
        client_secret=os.environ["TEAMS_CLIENT_SECRET"],
        tenant_id=os.environ["TEAMS_TENANT_ID"],
        http_server_adapter=adapter,
        messaging_endpoint=MESSAGING_ENDPOINT,
        cloud=replace(PUBLIC, openid_metadata_url=os.environ["TEAMS_OPENID_METADATA_URL"]),
        state=False,
    )
    background: set[asyncio.Task] = set()

    @app.on_message
    async def echo(ctx) -> None:
        # answered after the SDK has answered Teams, as the bot answers
        task = asyncio.ensure_future(ctx.send(f"echo: {ctx.activity.text}"))
        background.add(task)
        task.add_done_callback(background.discard)

    @app.on_card_action_execute
    async def pressed(ctx):
        card = AdaptiveCard(body=[TextBlock(text=f"pressed: {ctx.activity.value.action.verb}")])
        return AdaptiveCardActionCardResponse(value=card)

    await app.initialize()

    application = web.Application()
    application.add_routes([*adapter.routes, HEALTH_ROUTE])
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.Event().wait()


def main() -> None:
    asyncio.run(serve(port_from_arguments(__doc__, 3101)))


if __name__ == "__main__":
    main()
