"""Events: mentions and DMs (questions and commands), channel messages that close or update an action,
✅ reactions, the App Home, and reports shared as files."""

from __future__ import annotations

import logging
import re
from functools import partial

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.calendar.schedule import upcoming_meetings
from bot.conversation.answers import decision_item, meeting_item
from bot.conversation.sharing import DownloadFailed, SharedFile
from bot.conversation.turns import REACT_DONE, Turn, actions_named, take_turn
from handlers.downloads import download
from handlers.services import Services
from handlers.slack import blocks as ui
from handlers.slack import ids
from handlers.slack.context import (
    answer,
    apart,
    first_time,
    place_of,
    profile_lookup,
    services_of,
    slack_user,
    turn,
)
from handlers.slack.replies import blocks_for, fallback_for, permalink, send_files, tell
from storage.queries import actions as action_queries
from storage.queries import slack as slack_queries

log = logging.getLogger("tmag-bot.slack")
IGNORED_SUBTYPES = {
    "message_changed",
    "message_deleted",
    "channel_join",
    "channel_leave",
    "bot_message",
    "channel_topic",
    "channel_purpose",
    "channel_name",
    "pinned_item",
    "unpinned_item",
}
MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
SLACK_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # user and channel ids, message timestamps


def register(app) -> None:
    app.event("app_mention")(apart(on_mention))
    app.event("message")(apart(on_message))
    app.event("reaction_added")(apart(on_reaction))
    app.event("app_home_opened")(apart(on_home_opened))


def _ids(event: dict, *names: str) -> tuple[str, ...] | None:
    """The named fields of an event, each a non-empty string of Slack's id characters; None if any is
    missing or malformed (a malformed event changes nothing)."""
    found = []
    for name in names:
        value = event.get(name)
        if not isinstance(value, str) or not SLACK_ID.fullmatch(value):
            return None
        found.append(value)
    return tuple(found)


async def on_mention(event, client, context) -> None:
    """@tmag-bot QUESTION: answered to the asker alone, in the thread it was asked in."""
    found = _ids(event, "user", "channel", "ts")
    if found is None:
        return
    user, channel, ts = found
    text = MENTION.sub(" ", str(event.get("text") or "")).strip()
    source = partial(permalink, client, channel, ts)  # asked of Slack only for a change
    made = await turn(context, client, user, place_of(channel), text=text, source=source)
    if made is None:
        return
    outcome = await answer(context, made)
    await send_files(client, user, outcome)
    thread = event.get("thread_ts") if isinstance(event.get("thread_ts"), str) else None
    await tell(
        client, channel, user, blocks_for(outcome.shown), fallback_for(outcome.shown), thread_ts=thread
    )


async def on_message(event, client, context) -> None:
    subtype = event.get("subtype")
    if subtype in IGNORED_SUBTYPES or event.get("bot_id"):
        return
    found = _ids(event, "user", "channel", "ts")
    if found is None:
        return
    user, channel, ts = found
    services = services_of(context)
    text = event.get("text") if isinstance(event.get("text"), str) else ""
    bot_user = context.get("bot_user_id")
    if bot_user and f"<@{bot_user}" in text:
        return  # a mention: on_mention answers it
    if event.get("files"):
        if await first_time(context):
            await handle_upload(services, client, event, user, channel, ts)
        return
    if event.get("channel_type") == "im":
        made = await turn(context, client, user, place_of(channel), text=text, source="slack:dm")
        if made is None:
            return
        outcome = await answer(context, made)
        await send_files(client, user, outcome)
        await client.chat_postMessage(
            channel=channel,
            blocks=blocks_for(outcome.shown),
            text=fallback_for(outcome.shown),
            unfurl_links=False,
            unfurl_media=False,
        )
        return
    # In channels the bot speaks only when spoken to; it listens for "REF done - ..." and the like.
    source = partial(permalink, client, channel, ts)  # asked of Slack only for a change
    made = await turn(context, client, user, place_of(channel), text=text, overheard=True, source=source)
    if made is None:
        return
    outcome = await answer(context, made)
    if outcome.silent:
        return
    thread = event.get("thread_ts") if isinstance(event.get("thread_ts"), str) else None
    await tell(
        client, channel, user, blocks_for(outcome.shown), fallback_for(outcome.shown), thread_ts=thread
    )


async def message_refs(services: Services, client, channel: str, ts: str, person=None) -> list[str]:
    """The action refs in a message: the one the bot posted it about, else those its text names."""
    async with services.db.read() as session:
        known = await slack_queries.bot_message_ref(session, channel, ts)
    if known:
        return [known]
    return [ref for ref, _ in await actions_named(services, await _message_text(client, channel, ts), person)]


async def _message_text(client, channel: str, ts: str) -> str:
    """A message's text: from the channel's history, or (for a reply) from its thread."""
    lookups = (
        lambda: client.conversations_history(channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1),
        lambda: client.conversations_replies(channel=channel, ts=ts, limit=1),
    )
    for lookup in lookups:
        try:
            found = await lookup()
        except Exception as exc:  # a channel the bot can't read, or a message gone
            log.info("could not read message %s in %s: %s", ts, channel, exc)
            continue
        for message in found.get("messages") or []:
            if message.get("ts") == ts:
                return message.get("text") or ""
    return ""


async def on_reaction(event, client, context) -> None:
    """✅ on a message about one action closes it, if the person reacting owns it (or is the secretariat);
    the confirmation has Undo."""
    if event.get("reaction") not in ids.DONE_REACTIONS:
        return
    item = event.get("item") if isinstance(event.get("item"), dict) else {}
    if item.get("type") != "message":
        return
    found = _ids(event, "user")
    where = _ids(item, "channel", "ts")
    if found is None or where is None:
        return
    (user,), (channel, ts) = found, where
    services = services_of(context)
    refs = await message_refs(services, client, channel, ts)
    if len(refs) != 1:
        return  # about no action, or several: the message shortcut lets people choose
    data = {"ref": refs[0], "note": "Marked done with a ✅ reaction"}
    source = partial(permalink, client, channel, ts)
    made = await turn(context, client, user, place_of(channel), verb=REACT_DONE, data=data, source=source)
    if made is None:
        return
    outcome = await answer(context, made)
    if not outcome.silent:
        await tell(client, channel, user, blocks_for(outcome.shown), fallback_for(outcome.shown))


async def on_home_opened(event, client, context) -> None:
    if event.get("tab") not in (None, "home"):
        return
    found = _ids(event, "user")
    if found is None or not await first_time(context):
        return
    await publish_home(services_of(context), client, found[0])


async def publish_home(services: Services, client, user_id: str, notice: str | None = None) -> None:
    """App Home: my open actions (overdue first, each with Mark done), upcoming meetings, recent decisions."""
    clock = services.clock
    made = Turn(place_of(None, home=True), slack_user(services, user_id), profile_lookup(client, user_id))
    made.text = "mine"
    outcome = await take_turn(services, made)
    mine = outcome.answer
    async with services.db.read() as session:
        meetings = await upcoming_meetings(session, clock.now())
        decisions = await action_queries.recent_decisions(session, 8)
    person = outcome.person
    view = ui.home_view(
        person.display if person else user_id,
        mine,
        [meeting_item(m) for m in meetings[:5]],
        [decision_item(d, g, "topic", {}) for d, g in decisions],
        clock.today(),
        notice,
    )
    await client.views_publish(user_id=user_id, view=view)


async def handle_upload(services: Services, client, event: dict, user: str, channel: str, ts: str) -> None:
    """Reports shared with the bot: each a turn of its own (bot/conversation/sharing.py), answered in the
    file's thread."""
    headers = {"Authorization": f"Bearer {services.settings.slack_bot_token}"}
    who, lookup = slack_user(services, user), profile_lookup(client, user)
    for shared in event.get("files") or []:
        if not isinstance(shared, dict):
            continue
        name = str(shared.get("name") or shared.get("title") or "report")[:200]
        size = shared.get("size") if isinstance(shared.get("size"), int) else 0
        fetch = partial(_fetch, client, shared, name, headers)
        file = SharedFile(name, str(shared.get("id") or name), size, fetch)
        outcome = await take_turn(services, Turn(place_of(channel), who, lookup, file=file))
        if outcome.silent:
            continue
        await client.chat_postMessage(
            channel=channel,
            thread_ts=ts,
            blocks=blocks_for(outcome.shown),
            text=fallback_for(outcome.shown),
            unfurl_links=False,
            unfurl_media=False,
        )


async def _fetch(client, shared: dict, name: str, headers: dict, limit: int) -> bytes:
    """A shared file's bytes, whole, from Slack's files API (with the bot's token)."""
    try:
        url = shared.get("url_private_download") or shared.get("url_private")
        if not url:
            info = await client.files_info(file=shared["id"])
            url = (info.get("file") or {}).get("url_private_download")
        return await download(url, name, limit=limit, headers=headers)
    except (aiohttp.ClientError, SlackApiError, TimeoutError, KeyError, TypeError, ValueError) as exc:
        log.warning("download of %s failed: %s", name, exc)
        raise DownloadFailed(f"I couldn't download {name} from Slack.") from None
