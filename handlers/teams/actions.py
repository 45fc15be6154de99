"""Buttons on cards (Action.Execute): each carries one of the core's verbs and its data
(bot/conversation/layout.py), taken to the core; the card the invoke answers with replaces the pressed
one for the person who pressed it: the same card with the item changed (and Undo) and the rest as they
were, or in its place what became of the press."""

from __future__ import annotations

from microsoft_teams.api import AdaptiveCardActionCardResponse

from bot.conversation.turns import take_turn
from handlers.teams import cards, ids
from handlers.teams.context import caller_of, turn

SOURCES = {"undo": "teams:undo", "confirm_reported": "teams:digest"}  # the audit's source; else teams:card


def register(bot) -> None:
    @bot.app.on_card_action_execute
    async def on_card_action(ctx):
        return await handle_card_action(bot, ctx)


def card_response(card):

    return AdaptiveCardActionCardResponse(value=card)


def pressed(action) -> tuple[str, dict] | None:
    """(core verb, data) of an Action.Execute; older cards' Show more ({"q", "o"}) read as a view."""
    data = dict(getattr(action, "data", None) or {})
    verb = ids.CORE_VERBS.get(getattr(action, "verb", None) or data.get("verb"))
    if verb is None:
        return None
    data.pop("verb", None)
    if verb == "page" and "view" not in data and "q" in data:
        data = {"view": {"q": data.get("q"), "o": data.get("o")}}
    return verb, data


async def handle_card_action(bot, ctx):
    activity = ctx.activity
    caller = caller_of(activity)
    found = pressed(getattr(activity.value, "action", None))
    if caller is None or found is None:
        return card_response(cards.change_card("That button is not one of mine."))
    verb, data = found
    made = await turn(bot, activity, caller, verb=verb, data=data, source=SOURCES.get(verb, "teams:card"))
    if made is None:  # Teams resent an invoke it thought was lost
        return card_response(cards.change_card("Done already."))
    outcome = await take_turn(bot.services, made)
    if outcome.silent:
        return card_response(cards.change_card("Nothing to change."))
    return card_response(cards.shown_card(outcome.shown))
