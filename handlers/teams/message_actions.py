"""The message action "Mark action done": on any message, a dialog listing the actions it names and a
note; then closing the chosen ones (one change), said in the dialog with Undo. A dialog's card submits
(Action.Submit), so its Undo comes back as a second submission, which the core takes as Undo."""

from __future__ import annotations

import re

from microsoft_teams.api import (
    Attachment,
    CardTaskModuleTaskInfo,
    MessagingExtensionActionResponse,
    TaskModuleContinueResponse,
    TaskModuleMessageResponse,
)

from bot.conversation.layout import UNDO
from bot.conversation.turns import CLOSE_CHOSEN, actions_named, take_turn
from handlers.teams import cards, ids
from handlers.teams.context import caller_of, turn

TITLE = "Mark action done"


def register(bot) -> None:
    @bot.app.on_message_ext_open
    async def on_message_action_open(ctx):
        return await open_mark_done(bot, ctx)

    @bot.app.on_message_ext_submit
    async def on_message_action_submit(ctx):
        return await submit_mark_done(bot, ctx)


def message_text(activity) -> str:
    payload = getattr(activity.value, "message_payload", None)
    body = getattr(payload, "body", None)
    content = getattr(body, "content", None) or ""
    return re.sub(r"<[^>]+>", " ", str(content))  # Teams sends the message as HTML


def dialog(card):
    """A dialog showing `card`."""

    attachment = Attachment(content_type="application/vnd.microsoft.card.adaptive", content=card)
    info = CardTaskModuleTaskInfo(title=TITLE, card=attachment)
    return MessagingExtensionActionResponse(task=TaskModuleContinueResponse(value=info))


def said(text: str):
    """The dialog closes, saying `text`."""

    return MessagingExtensionActionResponse(task=TaskModuleMessageResponse(value=text))


async def open_mark_done(bot, ctx):
    """The dialog: the refs the message names (known actions only), and a note."""
    found = await actions_named(bot.services, message_text(ctx.activity), None)
    return dialog(cards.mark_done_dialog(found, {}) if found else cards.no_refs_dialog())


async def submit_mark_done(bot, ctx):
    """Close the chosen refs (each with the note), or undo that; say what was done, with Undo."""
    activity = ctx.activity
    caller = caller_of(activity)
    data = getattr(activity.value, "data", None) or {}
    undo = data.get(ids.DIALOG_UNDO)
    if undo is not None:
        verb, what = UNDO, {"event": undo}
    else:
        chosen = [r.strip().upper() for r in str(data.get(ids.REFS_INPUT) or "").split(",") if r.strip()]
        verb, what = CLOSE_CHOSEN, {"refs": chosen[:10], "note": str(data.get(ids.NOTE_INPUT) or "")}
        if not chosen:
            return said("Choose at least one action.")
    if caller is None:
        return said("That is not one of mine.")
    made = await turn(bot, activity, caller, verb=verb, data=what, source="teams:message-action")
    if made is None:
        return said("Done already.")
    outcome = await take_turn(bot.services, made)
    return dialog(cards.dialog_card(outcome.shown))
