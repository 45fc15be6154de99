"""Events: mentions and DMs (questions and commands), channel messages that close or update an action,
✅ reactions, the App Home, and reports shared as files."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import aiohttp

from bot.calendar.schedule import upcoming_meetings
from bot.conversation.answers import ask
from bot.conversation.commands import default_group_code
from bot.conversation.statements import parse_statement
from bot.record.changes import change_action
from bot.record.importer import ReportError
from bot.record.refs import find_refs
from bot.record.reports.loader import check_size, max_report_bytes
from bot.record.uploads import REPORT_SUFFIXES, hold_upload, nothing_to_do
from handlers.downloads import download
from handlers.slack import blocks as ui
from handlers.slack import ids
from handlers.slack.context import Services, apart, begin, identify_slack_user, services_of
from handlers.slack.replies import permalink, reply_blocks, tell
from storage.queries import actions as action_queries
from storage.queries import groups as group_queries
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
    identity = await begin(context, client, user)
    if identity is None:
        return
    services = services_of(context)
    text = MENTION.sub(" ", str(event.get("text") or "")).strip()
    source = await permalink(client, channel, ts)
    blocks, fallback, _ = await reply_blocks(
        services, text, identity, source=source, user_id=user, client=client
    )
    thread = event.get("thread_ts") if isinstance(event.get("thread_ts"), str) else None
    await tell(client, channel, user, blocks, fallback, thread_ts=thread)


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
        identity = await begin(context, client, user)
        if identity is not None:
            await handle_upload(services, client, event, user, channel, ts)
        return
    if event.get("channel_type") == "im":
        identity = await begin(context, client, user)
        if identity is None:
            return
        blocks, fallback, _ = await reply_blocks(
            services, text, identity, source="slack:dm", user_id=user, client=client
        )
        await client.chat_postMessage(
            channel=channel, blocks=blocks, text=fallback, unfurl_links=False, unfurl_media=False
        )
        return
    # In channels the bot speaks only when spoken to; it listens for "TMAG22-01 done - ..." and the like.
    if not re.search(r"\d", text):
        return
    async with services.db.read() as session:
        codes = await group_queries.group_codes(session)
    if not codes:
        return
    identity = await begin(context, client, user)
    if identity is None:
        return
    statement = parse_statement(text, codes, await default_group_code(services.db, identity.person))
    if statement is None:
        return
    source = await permalink(client, channel, ts)
    result = await change_action(
        services.db,
        statement.ref,
        statement.verb,
        identity.person,
        services.clock,
        note=statement.note,
        source=source,
    )
    blocks = ui.change_blocks(result.message, result.event_id if result.ok else None)
    thread = event.get("thread_ts") if isinstance(event.get("thread_ts"), str) else None
    await tell(client, channel, user, ui.to_dicts(blocks), ui.fallback(result.message), thread_ts=thread)


async def _message_refs(services: Services, client, channel: str, ts: str) -> list[str]:
    """The action refs in a message: the one the bot posted it about, else those its text names."""
    async with services.db.read() as session:
        known = await slack_queries.bot_message_ref(session, channel, ts)
        codes = await group_queries.group_codes(session)
    if known:
        return [known]
    text = await _message_text(client, channel, ts)
    default = next(iter(codes)) if len(codes) == 1 else None
    return list(
        dict.fromkeys(r.canonical for r, _, _ in find_refs(text, codes, default) if r.kind == "action")
    )


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
    """✅ on a message about one action closes it, if the person reacting owns it (or is the secretariat)."""
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
    refs = await _message_refs(services, client, channel, ts)
    if len(refs) != 1:
        return  # about no action, or several: the message shortcut lets people choose
    identity = await begin(context, client, user)
    if identity is None:
        return
    source = await permalink(client, channel, ts)
    result = await change_action(
        services.db,
        refs[0],
        "close",
        identity.person,
        services.clock,
        note="Marked done with a ✅ reaction",
        source=source,
    )
    if not result.ok and result.status == "closed":
        return  # already closed: nothing to say
    blocks = ui.change_blocks(result.message, result.event_id if result.ok else None)
    await tell(client, channel, user, ui.to_dicts(blocks), ui.fallback(result.message))


async def on_home_opened(event, client, context) -> None:
    if event.get("tab") not in (None, "home"):
        return
    found = _ids(event, "user")
    if found is None or await begin(context, client, found[0]) is None:
        return
    await publish_home(services_of(context), client, found[0])


async def publish_home(services: Services, client, user_id: str, notice: str | None = None) -> None:
    """App Home: my open actions (overdue first, each with Mark done), upcoming meetings, recent decisions."""
    identity = await identify_slack_user(services, client, user_id)
    clock = services.clock
    mine = await ask(services.db, "what is open for me", identity.person, clock)
    async with services.db.read() as session:
        meetings = await upcoming_meetings(session, clock.now())
        decisions = await action_queries.recent_decisions(session, 8)
    from bot.conversation.answers import decision_item, meeting_item

    view = ui.home_view(
        identity.person.display,
        mine,
        [meeting_item(m) for m in meetings[:5]],
        [decision_item(d, g, "topic", {}) for d, g in decisions],
        clock.today(),
        notice,
    )
    await client.views_publish(user_id=user_id, view=view)


async def _download(services: Services, url: str, name: str, limit: int) -> bytes:
    headers = {"Authorization": f"Bearer {services.settings.slack_bot_token}"}
    return await download(url, name, limit=limit, headers=headers)


async def handle_upload(services: Services, client, event: dict, user: str, channel: str, ts: str) -> None:
    """A report shared with the bot: previewed in the thread with Import and Cancel; stored only on Import.

    The file is read and parsed in a worker thread, outside any transaction; only the preview's dry run
    and the pending upload touch the database, each briefly."""
    limit = max_report_bytes()
    for shared in event.get("files") or []:
        if not isinstance(shared, dict):
            continue
        name = str(shared.get("name") or shared.get("title") or "report")[:200]
        if Path(name).suffix.lower() not in REPORT_SUFFIXES:
            continue
        try:
            check_size(name, int(shared.get("size") or 0), limit)
            url = shared.get("url_private_download") or shared.get("url_private")
            if not url:
                info = await client.files_info(file=shared["id"])
                url = (info.get("file") or {}).get("url_private_download")
            data = await _download(services, url, name, limit)
            check_size(name, len(data), limit)
            held = await hold_upload(
                services.db,
                name=name,
                data=data,
                file_id=str(shared.get("id") or name),
                uploaded_by=user,
                channel=channel,
                clock=services.clock,
            )
        except ReportError as exc:
            await client.chat_postMessage(
                channel=channel, thread_ts=ts, text=ui.fallback(f"I couldn't read {exc}")
            )
            continue
        except (aiohttp.ClientError, TimeoutError, KeyError, TypeError, ValueError) as exc:
            log.warning("download of %s failed: %s", name, exc)
            await client.chat_postMessage(
                channel=channel, thread_ts=ts, text=ui.fallback(f"I couldn't download {name} from Slack.")
            )
            continue
        if held.upload_id is None:
            await client.chat_postMessage(
                channel=channel, thread_ts=ts, text=ui.fallback(nothing_to_do(name, held.summary))
            )
            continue
        await client.chat_postMessage(
            channel=channel,
            thread_ts=ts,
            blocks=ui.to_dicts(ui.upload_preview_blocks(held.upload_id, name, held.summary)),
            text=ui.fallback(f"Preview of {name}"),
            unfurl_links=False,
        )
