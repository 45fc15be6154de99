"""/tmag: help, mine, open, overdue, show, decisions, next, done, update, reopen, iam, action add,
meeting add, and any free question. Replies are ephemeral unless the text ends (or starts) with "share"."""

from __future__ import annotations

import re

from handlers.slack import blocks as ui
from handlers.slack import ids
from handlers.slack.context import apart, begin, services_of
from handlers.slack.replies import reply_blocks

SHARE = re.compile(r"^\s*share\s+|\s+share\s*$", re.IGNORECASE)


def register(app) -> None:
    app.command(ids.COMMAND)(apart(on_tmag))


async def digest_reply(services, text: str, person, channel_id: str | None) -> tuple[list, str]:
    """`/tmag digest here [GROUP]` points a group's digests at this channel; `/tmag digest [GROUP]` shows
    the next one as it will be posted."""
    from bot.conversation.commands import default_group_code
    from bot.digests.preview import next_digest
    from bot.digests.settings import set_digest_channel

    words = text.split()[1:]
    here = bool(words) and words[0].lower() == "here"
    named = [w.upper() for w in words if w.lower() not in {"here", "next"}]
    code = named[0] if named else await default_group_code(services.db, person) or "TMAG"
    if here:
        _, message = await set_digest_channel(services.db, person, code, channel_id)
        return ui.to_dicts(ui.change_blocks(message)), ui.fallback(message)
    digest = await next_digest(services.db, code, services.clock)
    if digest is None:
        message = f"I know of no upcoming {code} meeting."
        return ui.to_dicts(ui.change_blocks(message)), ui.fallback(message)
    blocks = ui.digest_blocks(digest, "digest")
    for part in ui.digest_thread_blocks(digest):
        if len(blocks) + len(part) > ui.MAX_BLOCKS:
            break
        blocks += part
    return ui.to_dicts(blocks), ui.fallback(f"Digest for {digest.title()}")


def split_share(text: str) -> tuple[bool, str]:
    stripped = SHARE.sub(" ", f" {text} ").strip()
    return stripped != text.strip(), stripped


async def on_tmag(ack, command, respond, client, context) -> None:
    await ack()  # at once: everything else happens after Slack has its answer
    user_id = command.get("user_id")
    if not isinstance(user_id, str) or not user_id:
        return
    identity = await begin(context, client, user_id)
    if identity is None:
        return
    services = services_of(context)
    share, text = split_share(str(command.get("text") or ""))
    if re.match(r"^digest\b", text, re.IGNORECASE):
        blocks, fallback = await digest_reply(services, text, identity.person, command.get("channel_id"))
        await respond(
            blocks=blocks,
            text=fallback,
            response_type="in_channel" if share else "ephemeral",
            replace_original=False,
        )
        return
    source = f"slack:/tmag in {command.get('channel_id')}"
    blocks, fallback, _ = await reply_blocks(
        services, text, identity, source=source, user_id=user_id, client=client
    )
    await respond(
        blocks=blocks,
        text=fallback,
        response_type="in_channel" if share else "ephemeral",
        replace_original=False,
    )
