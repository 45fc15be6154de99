"""The message shortcut "Mark action done": on any message, a modal with the action refs it names."""

from __future__ import annotations

from bot.conversation.turns import actions_named
from handlers.slack import blocks as ui
from handlers.slack import ids
from handlers.slack.context import apart, first_time, services_of
from handlers.slack.replies import permalink


def register(app) -> None:
    app.shortcut(ids.MARK_DONE_SHORTCUT)(apart(on_mark_done_shortcut))


async def on_mark_done_shortcut(ack, shortcut, client, context) -> None:
    await ack()
    if not await first_time(context) or not isinstance(shortcut.get("trigger_id"), str):
        return
    message = shortcut.get("message") if isinstance(shortcut.get("message"), dict) else {}
    channel = (shortcut.get("channel") if isinstance(shortcut.get("channel"), dict) else {}).get("id")
    ts = message.get("ts") or shortcut.get("message_ts")
    text = message.get("text") if isinstance(message.get("text"), str) else ""
    found = await actions_named(services_of(context), text, None)
    if not found:
        await client.views_open(trigger_id=shortcut["trigger_id"], view=ui.no_refs_modal())
        return
    metadata = {"channel": channel, "ts": ts, "link": await permalink(client, channel, ts)}
    await client.views_open(trigger_id=shortcut["trigger_id"], view=ui.mark_done_modal(found, metadata))
