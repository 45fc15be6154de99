"""Buttons: every button the bot shows carries one of the core's verbs and its data
(bot/conversation/layout.py); one listener takes them all to the core.

Where it answers: on the App Home, the home is shown again with what happened; on a message only the
presser sees (an answer to them), the message itself is shown again in place, the item changed and the
rest as they were; on a message everyone sees (a digest, a shared answer), that message is left as it
is and the presser alone is told what the press changed, with Undo.
"""

from __future__ import annotations

from bot.conversation.outcome import Shown
from handlers.slack import blocks as ui
from handlers.slack import ids
from handlers.slack.context import answer, apart, place_of, services_of, turn
from handlers.slack.events import publish_home
from handlers.slack.replies import blocks_for, fallback_for, permalink, tell, what_changed


def register(app) -> None:
    for action_id in ids.VERBS:
        app.action(action_id)(apart(on_button))


def _pressed(body) -> tuple[str, dict, str] | None:
    """(verb, data, user id) of the button pressed; None for a malformed payload."""
    actions = body.get("actions")
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        return None
    if not isinstance(user.get("id"), str):
        return None
    found = ui.pressed(str(actions[0].get("action_id") or ""), actions[0].get("value"))
    return (*found, user["id"]) if found else None


async def on_button(ack, body, client, respond, context) -> None:
    await ack()
    pressed = _pressed(body)
    if pressed is None:
        return
    verb, data, user = pressed
    container = body.get("container") if isinstance(body.get("container"), dict) else {}
    channel = (body.get("channel") if isinstance(body.get("channel"), dict) else {}).get(
        "id"
    ) or container.get("channel_id")
    home = container.get("type") == "view"
    message_ts = container.get("message_ts")

    async def source() -> str:
        if home:
            return "slack:home"
        return await permalink(client, channel, message_ts) if container.get("type") == "message" else "slack"

    made = await turn(
        context, client, user, place_of(channel, home=home), verb=verb, data=data, source=source
    )
    if made is None:
        return
    outcome = await answer(context, made)
    if outcome.silent:
        return
    if home:  # the App Home: show the change there
        notice = outcome.shown[0].text.split("\n", 1)[0]
        await publish_home(services_of(context), client, user, notice=notice)
        return
    first, rest = outcome.shown[0], outcome.shown[1:]
    private = container.get("is_ephemeral") or not channel or str(channel).startswith("D")
    if outcome.replace and private and body.get("response_url"):
        await respond(blocks=blocks_for([first]), text=fallback_for([first]), replace_original=True)
    else:
        changed = Shown(first.kind, what_changed(first)) if outcome.replace else first
        rest = [changed, *rest]
    if rest:
        await _tell_presser(body, respond, client, channel, user, rest)


async def _tell_presser(body, respond, client, channel: str | None, user: str, shown: list[Shown]) -> None:
    """Something for the person who pressed alone: by the press's response URL, else ephemerally in the
    channel (or by DM)."""
    if body.get("response_url"):
        await respond(
            blocks=blocks_for(shown),
            text=fallback_for(shown),
            response_type="ephemeral",
            replace_original=False,
        )
    else:
        await tell(client, channel or user, user, blocks_for(shown), fallback_for(shown))
