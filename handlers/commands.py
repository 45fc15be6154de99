"""/tmag: help, mine, open, overdue, show, decisions, next, done, update, reopen, iam, action add,
meeting add, and any free question. Replies are ephemeral unless the text ends (or starts) with "share"."""

from __future__ import annotations

import re

from handlers import ids
from handlers.context import identify_slack_user, services_of
from handlers.replies import reply_blocks

SHARE = re.compile(r"^\s*share\s+|\s+share\s*$", re.IGNORECASE)


def register(app) -> None:
    app.command(ids.COMMAND)(on_tmag)


def split_share(text: str) -> tuple[bool, str]:
    stripped = SHARE.sub(" ", f" {text} ").strip()
    return stripped != text.strip(), stripped


async def on_tmag(ack, command, respond, client, context) -> None:
    await ack()  # at once: everything else happens after Slack has its answer
    services = services_of(context)
    share, text = split_share(command.get("text") or "")
    user_id = command["user_id"]
    identity = await identify_slack_user(services, client, user_id)
    source = f"slack:/tmag in {command.get('channel_id')}"
    blocks, fallback, _ = await reply_blocks(services, text, identity, source=source, user_id=user_id)
    await respond(
        blocks=blocks,
        text=fallback,
        response_type="in_channel" if share else "ephemeral",
        replace_original=False,
    )
