"""The mark-done modal's submission: close the chosen actions, confirm each with Undo."""

from __future__ import annotations

import json

from bot.record.changes import change_action
from handlers.slack import blocks as ui
from handlers.slack import ids
from handlers.slack.context import apart_answering, begin, services_of
from handlers.slack.replies import tell


def register(app) -> None:
    app.view(ids.MARK_DONE_MODAL)(apart_answering(on_mark_done_submitted))


async def on_mark_done_submitted(ack, body, view, client, context) -> None:
    values = _dig(view, "state", "values") or {}
    chosen = [
        o["value"]
        for o in (_dig(values, ids.REFS_BLOCK, ids.REFS_INPUT, "selected_options") or [])[:10]
        if isinstance(o, dict) and isinstance(o.get("value"), str)
    ]
    if not chosen:
        await ack(response_action="errors", errors={ids.REFS_BLOCK: "Choose at least one action."})
        return
    await ack()
    services = services_of(context)
    user = _dig(body, "user", "id")
    if not isinstance(user, str):
        return
    note = str(_dig(values, ids.NOTE_BLOCK, ids.NOTE_INPUT, "value") or "").strip() or None
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except (ValueError, TypeError):
        metadata = {}
    if not isinstance(metadata, dict):
        metadata = {}
    identity = await begin(context, client, user)
    if identity is None:
        return
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


def _dig(data, *keys):
    """data[k1][k2]... or None where a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data
