"""/tmag: every question and command the core takes (bot/conversation/commands.py), answered at once to
the person alone, unless the text ends (or starts) with "share"."""

from __future__ import annotations

import re

from handlers.slack import ids
from handlers.slack.context import answer, apart, place_of, turn
from handlers.slack.replies import blocks_for, fallback_for, send_files

SHARE = re.compile(r"^\s*share\s+|\s+share\s*$", re.IGNORECASE)


def register(app) -> None:
    app.command(ids.COMMAND)(apart(on_tmag))


def split_share(text: str) -> tuple[bool, str]:
    stripped = SHARE.sub(" ", f" {text} ").strip()
    return stripped != text.strip(), stripped


async def on_tmag(ack, command, respond, client, context) -> None:
    await ack()  # at once: everything else happens after Slack has its answer
    user_id = command.get("user_id")
    if not isinstance(user_id, str) or not user_id:
        return
    share, text = split_share(str(command.get("text") or ""))
    channel = command.get("channel_id") if isinstance(command.get("channel_id"), str) else None
    made = await turn(
        context, client, user_id, place_of(channel), text=text, source=f"slack:/tmag in {channel}"
    )
    if made is None:
        return
    outcome = await answer(context, made)
    await send_files(client, user_id, outcome)
    await respond(
        blocks=blocks_for(outcome.shown),
        text=fallback_for(outcome.shown),
        response_type="in_channel" if share else "ephemeral",
        replace_original=False,
    )
