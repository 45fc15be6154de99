"""Messages: in a personal chat, and in a channel when they mention the bot, every question and command
the core takes, answered with cards in the same chat or thread; in a channel without a mention (the
app's resource-specific consent lets it see them), only "TMAG22-01 done - note" and the like, confirmed
with Undo; a report file sent in a personal chat is held for the secretariat (handlers/teams/files.py)."""

from __future__ import annotations

import re
from dataclasses import replace

from microsoft_teams.api import MessageActivityInput
from microsoft_teams.api.activities.utils import strip_mentions_text

from bot.conversation.outcome import Outcome
from bot.conversation.turns import take_turn
from handlers.teams import cards, files, ids
from handlers.teams.context import caller_of, channel_id, turn

IN_PERSONAL_CHAT = "I send files in our personal chat: ask me there, in the same words."


def register(bot) -> None:
    @bot.app.on_message
    async def on_message(ctx) -> None:
        bot.later(handle_message(bot, ctx))


def card_message(card):

    return MessageActivityInput().add_card(card)


def mentions_bot(activity) -> bool:
    bot_id = getattr(getattr(activity, "recipient", None), "id", None)
    for entity in getattr(activity, "entities", None) or []:
        mentioned = getattr(entity, "mentioned", None)
        if mentioned is not None and getattr(mentioned, "id", None) == bot_id:
            return True
    return False


def text_of(activity) -> str:

    text = strip_mentions_text(activity) or ""
    text = re.sub(r"</?at>", " ", text)  # a mention of someone else keeps its name, not its tags
    return " ".join(text.split())


async def handle_message(bot, ctx) -> None:
    activity = ctx.activity
    caller = caller_of(activity)
    if caller is None:
        return
    conversation = activity.conversation
    personal = getattr(conversation, "conversation_type", None) == "personal"
    shared = [a for a in getattr(activity, "attachments", None) or [] if a.content_type == ids.FILE_DOWNLOAD]
    if personal and shared:
        made = await turn(bot, activity, caller, source="teams:personal")
        for each in shared if made is not None else []:
            outcome = await take_turn(bot.services, replace(made, file=files.shared_file(each)))
            await send(ctx, outcome, personal)
        return
    overheard = not personal and not mentions_bot(activity)
    source = "teams:personal" if personal else f"teams:channel:{channel_id(conversation.id)}"
    made = await turn(bot, activity, caller, text=text_of(activity), overheard=overheard, source=source)
    if made is None:
        return
    outcome = await take_turn(bot.services, made)
    await send(ctx, outcome, personal)


async def send(ctx, outcome: Outcome, personal: bool) -> None:
    """Each thing shown as a card of its own; a file offered where Teams can send it (a personal chat)."""
    for shown in outcome.shown:
        if shown.file is not None:
            await ctx.send(
                files.file_offer(shown.file, shown.text)
                if personal
                else card_message(cards.change_card(IN_PERSONAL_CHAT))
            )
            continue
        await ctx.send(card_message(cards.shown_card([shown])))
