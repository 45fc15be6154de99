"""The mark-done modal's submission: close the chosen actions (one change, with one Undo)."""

from __future__ import annotations

import json

from bot.conversation.turns import CLOSE_CHOSEN
from handlers.slack import ids
from handlers.slack.context import answer, apart_answering, place_of, turn
from handlers.slack.replies import blocks_for, fallback_for, tell


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
    channel = metadata.get("channel") if isinstance(metadata.get("channel"), str) else None
    made = await turn(
        context,
        client,
        user,
        place_of(channel),
        verb=CLOSE_CHOSEN,
        data={"refs": chosen, "note": note},
        source=metadata.get("link") if isinstance(metadata.get("link"), str) else "slack:shortcut",
    )
    if made is None:
        return
    outcome = await answer(context, made)
    await tell(client, channel or user, user, blocks_for(outcome.shown), fallback_for(outcome.shown))


def _dig(data, *keys):
    """data[k1][k2]... or None where a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data
