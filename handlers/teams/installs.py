"""Added to a team, a group chat or a personal chat: a welcome saying how to begin, in the words that fit
where it is shown."""

from __future__ import annotations

from handlers.teams import cards
from handlers.teams.messages import card_message

WELCOME_PERSONAL = (
    "Hello! I keep your advisory group's actions and decisions alive between meetings. Ask me a question "
    "(what is open for me, show an action by its ref, what did we decide about the environments plan) or "
    "tell me of a change (done REF note). Say help for everything I take."
)
WELCOME_CHANNEL = (
    "Hello! I keep this group's actions and decisions alive between meetings. Mention me with a question "
    "(what is open for me, what did we decide about the environments plan) or a command (done REF note), "
    "or write REF done - note in this channel. The secretariat can type @tmag-bot digest here to have each "
    "meeting's digest posted in this channel."
)


def register(bot) -> None:
    @bot.app.on_conversation_update
    async def on_conversation_update(ctx) -> None:
        # Added to a team, a group chat or a personal chat: Teams sends this (and an installationUpdate,
        # left alone so the welcome is said once) with the bot among the members added.
        activity = ctx.activity
        bot_id = getattr(activity.recipient, "id", None)
        if any(getattr(m, "id", None) == bot_id for m in getattr(activity, "members_added", None) or []):
            personal = getattr(activity.conversation, "conversation_type", None) == "personal"
            welcome = WELCOME_PERSONAL if personal else WELCOME_CHANNEL
            bot.later(ctx.send(card_message(cards.card(cards.words(welcome)))))
