"""Events: mentions and DMs (questions and commands), channel messages that close or update an action,
✅ reactions, the App Home, and reports shared as files."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import aiohttp

from bot.answers import ask
from bot.changes import change_action
from bot.commands import default_group_code
from bot.importer import ReportError, preview_report
from bot.refs import find_refs
from bot.schedule import upcoming_meetings
from bot.statements import parse_statement
from handlers import blocks as ui
from handlers import ids
from handlers.context import Services, identify_slack_user, services_of
from handlers.replies import permalink, reply_blocks, tell
from storage.models import PendingUpload
from storage.queries import actions as action_queries
from storage.queries import groups as group_queries
from storage.queries import slack as slack_queries

log = logging.getLogger("tmag-bot.slack")
REPORT_SUFFIXES = {".docx", ".txt", ".md", ".markdown", ".html", ".htm"}
MAX_UPLOAD = 5 * 1024 * 1024
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


def register(app) -> None:
    app.event("app_mention")(on_mention)
    app.event("message")(on_message)
    app.event("reaction_added")(on_reaction)
    app.event("app_home_opened")(on_home_opened)


async def on_mention(event, client, context) -> None:
    """@tmag-bot QUESTION: answered to the asker alone, in the thread it was asked in."""
    services = services_of(context)
    user = event.get("user")
    if not user:
        return
    text = MENTION.sub(" ", event.get("text") or "").strip()
    identity = await identify_slack_user(services, client, user)
    source = await permalink(client, event.get("channel"), event.get("ts"))
    blocks, fallback, _ = await reply_blocks(services, text, identity, source=source, user_id=user)
    await tell(client, event["channel"], user, blocks, fallback, thread_ts=event.get("thread_ts"))


async def on_message(event, client, context) -> None:
    services = services_of(context)
    subtype = event.get("subtype")
    user = event.get("user")
    if subtype in IGNORED_SUBTYPES or event.get("bot_id") or not user:
        return
    if event.get("files"):
        await handle_upload(services, client, event)
        return
    text = event.get("text") or ""
    bot_user = context.get("bot_user_id")
    if bot_user and f"<@{bot_user}" in text:
        return  # a mention: on_mention answers it
    if event.get("channel_type") == "im":
        identity = await identify_slack_user(services, client, user)
        blocks, fallback, _ = await reply_blocks(services, text, identity, source="slack:dm", user_id=user)
        await client.chat_postMessage(
            channel=event["channel"], blocks=blocks, text=fallback, unfurl_links=False, unfurl_media=False
        )
        return
    # In channels the bot speaks only when spoken to; it listens for "TMAG22-01 done - ..." and the like.
    async with services.db.read() as session:
        codes = await group_queries.group_codes(session)
    if not codes or not re.search(r"\d", text):
        return
    identity = await identify_slack_user(services, client, user)
    statement = parse_statement(text, codes, await default_group_code(services.db, identity.person))
    if statement is None:
        return
    source = await permalink(client, event.get("channel"), event.get("ts"))
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
    await tell(
        client,
        event["channel"],
        user,
        ui.to_dicts(blocks),
        ui.fallback(result.message),
        thread_ts=event.get("thread_ts"),
    )


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
    item = event.get("item") or {}
    if item.get("type") != "message":
        return
    services = services_of(context)
    user, channel, ts = event.get("user"), item.get("channel"), item.get("ts")
    refs = await _message_refs(services, client, channel, ts)
    if len(refs) != 1:
        return  # about no action, or several: the message shortcut lets people choose
    identity = await identify_slack_user(services, client, user)
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
    await publish_home(services_of(context), client, event["user"])


async def publish_home(services: Services, client, user_id: str, notice: str | None = None) -> None:
    """App Home: my open actions (overdue first, each with Mark done), upcoming meetings, recent decisions."""
    identity = await identify_slack_user(services, client, user_id)
    clock = services.clock
    mine = await ask(services.db, "what is open for me", identity.person, clock)
    async with services.db.read() as session:
        meetings = await upcoming_meetings(session, clock.now())
        decisions = await action_queries.recent_decisions(session, 8)
    from bot.answers import decision_item, meeting_item

    view = ui.home_view(
        identity.person.display,
        mine,
        [meeting_item(m) for m in meetings[:5]],
        [decision_item(d, g, "topic", {}) for d, g in decisions],
        clock.today(),
        notice,
    )
    await client.views_publish(user_id=user_id, view=view)


async def _download(services: Services, url: str) -> bytes:
    headers = {"Authorization": f"Bearer {services.settings.slack_bot_token}"}
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url, headers=headers) as response:
        response.raise_for_status()
        data = await response.content.read(MAX_UPLOAD + 1)
    return data


async def handle_upload(services: Services, client, event: dict) -> None:
    """A report shared with the bot: previewed in the thread with Import and Cancel; stored only on Import."""
    channel, user, ts = event["channel"], event["user"], event.get("ts")
    for shared in event.get("files") or []:
        name = shared.get("name") or shared.get("title") or "report"
        if Path(name).suffix.lower() not in REPORT_SUFFIXES:
            continue
        if (shared.get("size") or 0) > MAX_UPLOAD:
            await client.chat_postMessage(
                channel=channel,
                thread_ts=ts,
                text=ui.fallback(f"{name} is too large to be a report (the most I read is 5 MB)."),
            )
            continue
        url = shared.get("url_private_download") or shared.get("url_private")
        if not url:
            info = await client.files_info(file=shared["id"])
            url = (info.get("file") or {}).get("url_private_download")
        try:
            data = await _download(services, url)
            if len(data) > MAX_UPLOAD:
                raise ReportError(f"{name}: too large to be a report (the most I read is 5 MB)")
            summary = await preview_report(services.db, name=name, data=data, clock=services.clock)
        except ReportError as exc:
            await client.chat_postMessage(
                channel=channel, thread_ts=ts, text=ui.fallback(f"I couldn't read {exc}")
            )
            continue
        except aiohttp.ClientError as exc:
            log.warning("download of %s failed: %s", name, exc)
            await client.chat_postMessage(
                channel=channel, thread_ts=ts, text=ui.fallback(f"I couldn't download {name} from Slack.")
            )
            continue
        if summary.status == "unchanged":
            await client.chat_postMessage(
                channel=channel, thread_ts=ts, text=ui.fallback(f"{name} is already imported; nothing to do.")
            )
            continue
        async with services.db.write() as session:
            upload_id = await slack_queries.add_upload(
                session,
                PendingUpload(
                    file_id=shared.get("id") or name,
                    file_name=name,
                    data=data,
                    uploaded_by=user,
                    channel=channel,
                    created_at=services.clock.utcnow(),
                ),
            )
        await client.chat_postMessage(
            channel=channel,
            thread_ts=ts,
            blocks=ui.to_dicts(ui.upload_preview_blocks(upload_id, name, summary)),
            text=ui.fallback(f"Preview of {name}"),
            unfurl_links=False,
        )
