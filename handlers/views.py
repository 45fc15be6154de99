"""The mark-done modal's submission: close the chosen actions, confirm each with Undo."""

from __future__ import annotations

import json

from bot.changes import change_action
from handlers import blocks as ui
from handlers import ids
from handlers.context import identify_slack_user, services_of
from handlers.replies import tell


def register(app) -> None:
    app.view(ids.MARK_DONE_MODAL)(on_mark_done_submitted)


async def on_mark_done_submitted(ack, body, view, client, context) -> None:
    values = view["state"]["values"]
    chosen = [
        o["value"]
        for o in (values.get(ids.REFS_BLOCK, {}).get(ids.REFS_INPUT, {}).get("selected_options") or [])
    ]
    if not chosen:
        await ack(response_action="errors", errors={ids.REFS_BLOCK: "Choose at least one action."})
        return
    await ack()
    services = services_of(context)
    user = body["user"]["id"]
    note = (values.get(ids.NOTE_BLOCK, {}).get(ids.NOTE_INPUT, {}).get("value") or "").strip() or None
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        metadata = {}
    identity = await identify_slack_user(services, client, user)
    blocks, messages = [], []
    for ref in chosen:
        result = await change_action(
            services.db,
            ref,
            "close",
            identity.person,
            services.clock,
            note=note,
            source=metadata.get("link") or "slack:shortcut",
        )
        blocks += ui.change_blocks(result.message, result.event_id if result.ok else None)
        messages.append(result.message)
    await tell(
        client, metadata.get("channel") or user, user, ui.to_dicts(blocks), ui.fallback(" ".join(messages))
    )
