"""Turning what the core answers into Slack replies, shared by commands, mentions, DMs and buttons."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.conversation.layout import Piece, plain_text
from bot.conversation.outcome import Outcome, ReplyFile, Shown
from handlers.slack import blocks as ui
from storage.db import DatabaseBusy

log = logging.getLogger("tmag-bot.slack")


def blocks_for(shown: list[Shown]) -> list[dict]:
    """What was shown, as one message's blocks (within Slack's 50)."""
    return ui.to_dicts(ui.blocks_of([piece for each in shown for piece in each.pieces]))


def fallback_for(shown: list[Shown]) -> str:
    first = next((line for each in shown for line in plain_text(each.pieces)), "")
    return ui.fallback(first.split("\n", 1)[0] or "tmag-bot")


async def send_files(client, user_id: str, outcome: Outcome) -> None:
    """A file the outcome offers (a report draft) goes to the person by direct message; what they are
    shown says so."""
    for shown in outcome.shown:
        if shown.file is not None:
            shown.pieces = [Piece("note", await send_file(client, user_id, shown.file, shown.text))]


async def send_file(client, user_id: str, file: ReplyFile, comment: str) -> str:
    """A file for one person, in their direct messages with the bot; what to tell them."""
    try:
        opened = await client.conversations_open(users=user_id)
        await client.files_upload_v2(
            channel=opened["channel"]["id"],
            content=file.data,
            filename=file.name,
            title=file.title,
            initial_comment=comment,
        )
    except SlackApiError as exc:
        log.warning("sending %s to %s failed: %s", file.name, user_id, exc)
        return f"I couldn't send you {file.name}: Slack said {exc.response.get('error', 'no')}."
    return f"I've sent you {file.name} in our direct messages."


def what_changed(shown: Shown) -> list[Piece]:
    """Of a card shown again, what the press changed (a message everyone sees is left as it is, and the
    person who pressed is told this alone): the changed items with their Undo, notes, refusals."""
    found = [
        p
        for p in shown.pieces
        if p.kind in ("change", "note") or (p.kind == "item" and p.text.startswith("✅"))
    ]
    return found or shown.pieces[:1]


async def permalink(client, channel: str | None, ts: str | None) -> str:
    """The message's permalink, the source recorded with a change (a plain reference if Slack won't say)."""
    if not channel or not ts:
        return "slack"
    try:
        found = await client.chat_getPermalink(channel=channel, message_ts=ts)
        return found.get("permalink") or f"slack:{channel}/{ts}"
    except SlackApiError as exc:
        log.warning("chat.getPermalink failed: %s", exc)
        return f"slack:{channel}/{ts}"


async def tell(
    client, channel: str, user: str, blocks: list, text: str, thread_ts: str | None = None
) -> None:
    """An ephemeral message to one person; by DM if they can't see the channel's."""
    try:
        await client.chat_postEphemeral(
            channel=channel, user=user, blocks=blocks, text=text, thread_ts=thread_ts
        )
    except SlackApiError as exc:
        log.info("ephemeral to %s in %s failed (%s); sending a DM", user, channel, exc)
        await client.chat_postMessage(
            channel=user, blocks=blocks, text=text, unfurl_links=False, unfurl_media=False
        )


FAILED = (
    "Sorry, something went wrong on my side and I could not finish that. If you asked for a change, "
    "/tmag show REF tells you whether it was made."
)


async def tell_failure(client, body: dict, context, error: BaseException) -> None:
    """Tell the person whose request failed, wherever they asked: by its response URL, else ephemerally
    in the channel, else by DM. Best effort: a failure to tell is logged, never raised."""

    message = str(error) if isinstance(error, DatabaseBusy) else FAILED
    blocks = ui.to_dicts(ui.change_blocks(message))
    user, channel = _who_and_where(body)
    try:
        respond = getattr(context, "respond", None)
        if body.get("response_url") and respond is not None:
            await respond(
                blocks=blocks, text=ui.fallback(message), response_type="ephemeral", replace_original=False
            )
        elif user and channel:
            await tell(client, channel, user, blocks, ui.fallback(message))
        elif user:
            await client.chat_postMessage(channel=user, blocks=blocks, text=ui.fallback(message))
    except Exception as exc:  # telling is best effort; the failure itself is already logged
        log.warning("could not tell %s that their request failed: %s", user, exc)


def _who_and_where(body: dict) -> tuple[str | None, str | None]:
    """The user and channel of a command, an interaction or an event (None where it does not say)."""

    def field(node, key: str = "id"):
        value = node.get(key) if isinstance(node, dict) else None
        return value if isinstance(value, str) and value else None

    event = body.get("event")
    user = field(body, "user_id") or field(body.get("user")) or field(event, "user")
    channel = (
        field(body, "channel_id")
        or field(body.get("channel"))
        or field(body.get("container"), "channel_id")
        or field(event, "channel")
    )
    return user, channel
