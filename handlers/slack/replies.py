"""Turning what the core answers into Slack replies, shared by commands, mentions, DMs and buttons."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.conversation.commands import Reply, run_command
from bot.people import links
from bot.people.notices import tell_secretariat
from handlers.slack import blocks as ui
from handlers.slack.context import Services, SlackIdentity, profile_lookup, slack_user

log = logging.getLogger("tmag-bot.slack")


async def reply_blocks(
    services: Services, text: str, identity: SlackIdentity, *, source: str, user_id: str, client=None
) -> tuple[list, str, Reply | None]:
    """Blocks and notification text answering a command or question, as the core would answer it; a file
    the answer carries (a report draft) goes to the person by direct message."""
    clock = services.clock
    word = text.strip().split(" ", 1)[0].lower() if text.strip() else ""
    if word == "iam":
        outcome = await links.claim(
            services.db,
            clock,
            slack_user(services, user_id),
            text.strip()[3:],
            profile_lookup(client, user_id) if client is not None else None,
            by=identity.person,
        )
        await tell_secretariat(services.db, outcome.notices, services.tellers)
        blocks = (
            ui.identity_question_blocks(outcome.question)
            if outcome.question
            else ui.change_blocks(outcome.message)
        )
        return ui.to_dicts(blocks), ui.fallback(outcome.message), None
    if word == "whoami":
        message = links.whoami(identity.person, "slack")
        return ui.to_dicts(ui.change_blocks(message)), ui.fallback(message), None
    reply = await run_command(services.db, text, identity.person, clock, source=source)
    if reply.file is not None and client is not None:
        reply.text = await send_file(client, user_id, reply)
    if reply.answer is not None:
        blocks = ui.answer_blocks(reply.answer, clock.today(), question=text or "help")
    elif reply.changes:
        blocks = [b for r in reply.changes for b in ui.change_blocks(r.message, r.event_id if r.ok else None)]
    elif reply.change is not None:
        blocks = ui.change_blocks(reply.text, reply.change.event_id if reply.change.ok else None)
    else:
        blocks = ui.change_blocks(reply.text)
    if identity.question is not None:
        blocks = ui.identity_question_blocks(identity.question) + blocks
    if identity.told:
        blocks = [ui.text_section(identity.told), *blocks]
    return ui.to_dicts(blocks), ui.fallback(reply.text.split("\n", 1)[0]), reply


async def send_file(client, user_id: str, reply: Reply) -> str:
    """A file for one person, in their direct messages with the bot; what to tell them."""
    try:
        opened = await client.conversations_open(users=user_id)
        await client.files_upload_v2(
            channel=opened["channel"]["id"],
            content=reply.file.data,
            filename=reply.file.name,
            title=reply.file.title,
            initial_comment=reply.text,
        )
    except SlackApiError as exc:
        log.warning("sending %s to %s failed: %s", reply.file.name, user_id, exc)
        return f"I couldn't send you {reply.file.name}: Slack said {exc.response.get('error', 'no')}."
    return f"I've sent you {reply.file.name} in our direct messages."


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
    from storage.db import DatabaseBusy

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
