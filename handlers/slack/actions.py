"""Buttons: Mark done, Undo, Show more, Import/Cancel on an upload preview, and the identity question."""

from __future__ import annotations

import json
import re

from bot.conversation.answers import ask
from bot.people import links
from bot.people.notices import tell_secretariat
from bot.record.changes import change_action, confirm_reported, undo_change
from bot.record.uploads import cancel_held, import_held
from handlers.slack import blocks as ui
from handlers.slack import ids
from handlers.slack.context import apart, begin, first_time, profile_lookup, services_of, slack_user
from handlers.slack.events import publish_home
from handlers.slack.replies import permalink, tell


def register(app) -> None:
    app.action(ids.MARK_DONE)(apart(on_mark_done))
    app.action(ids.UNDO)(apart(on_undo))
    app.action(ids.SHOW_MORE)(apart(on_show_more))
    app.action(ids.IMPORT_REPORT)(apart(on_import))
    app.action(ids.CANCEL_IMPORT)(apart(on_cancel_import))
    app.action(ids.CONFIRM_IDENTITY)(apart(on_identity_answer))
    app.action(ids.DENY_IDENTITY)(apart(on_identity_answer))
    app.action(ids.CONFIRM_REPORTED)(apart(on_confirm_reported))
    app.action(ids.CONFIRM_CLAIM)(apart(on_claim_review))
    app.action(ids.REJECT_CLAIM)(apart(on_claim_review))


MAX_ID_DIGITS = 12  # database ids in button values: anything longer is not one of ours


def _clicked(body) -> tuple[str, str, str] | None:
    """(action id, value, user id) of the button pressed; None for a malformed payload."""
    actions = body.get("actions")
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        return None
    value = actions[0].get("value")
    if not isinstance(user.get("id"), str) or not isinstance(value, (str, type(None))):
        return None
    return str(actions[0].get("action_id") or ""), value or "", user["id"]


def _id(value: str) -> int | None:
    """A database id from a button's value."""
    return int(value) if value.isdigit() and len(value) <= MAX_ID_DIGITS else None


async def on_mark_done(ack, body, client, respond, context) -> None:
    await ack()
    clicked = _clicked(body)
    if clicked is None or not clicked[1]:
        return
    _, ref, user = clicked
    identity = await begin(context, client, user)
    if identity is None:
        return
    services = services_of(context)
    container = body.get("container") if isinstance(body.get("container"), dict) else {}
    channel = (body.get("channel") if isinstance(body.get("channel"), dict) else {}).get(
        "id"
    ) or container.get("channel_id")
    message_ts = container.get("message_ts")
    source = (
        await permalink(client, channel, message_ts) if container.get("type") == "message" else "slack:home"
    )
    result = await change_action(services.db, ref, "close", identity.person, services.clock, source=source)
    blocks = ui.to_dicts(ui.change_blocks(result.message, result.event_id if result.ok else None))
    if container.get("type") == "view":  # the App Home: show the change there
        await publish_home(services, client, user, notice=result.message)
    elif body.get("response_url"):
        await respond(
            blocks=blocks, text=ui.fallback(result.message), response_type="ephemeral", replace_original=False
        )
    elif channel:
        await tell(client, channel, user, blocks, ui.fallback(result.message))


async def on_undo(ack, body, client, respond, context) -> None:
    await ack()
    clicked = _clicked(body)
    if clicked is None:
        return
    _, value, user = clicked
    identity = await begin(context, client, user)
    if identity is None:
        return
    services = services_of(context)
    event_id = _id(value)
    result = (
        await undo_change(services.db, event_id, identity.person, services.clock, source="slack:undo")
        if event_id is not None
        else None
    )
    message = result.message if result else "There is nothing to undo."
    if body.get("response_url"):
        await respond(
            blocks=ui.to_dicts(ui.change_blocks(message)),
            text=ui.fallback(message),
            response_type="ephemeral",
            replace_original=True,
        )


async def on_show_more(ack, body, client, respond, context) -> None:
    await ack()
    clicked = _clicked(body)
    if clicked is None:
        return
    _, value, user = clicked
    try:
        wanted = json.loads(value)
        question, offset = str(wanted["q"]), int(wanted["o"])
    except (ValueError, KeyError, TypeError):
        return
    if not 0 <= offset <= 100_000:
        return
    identity = await begin(context, client, user)
    if identity is None:
        return
    services = services_of(context)
    answer = await ask(services.db, question, identity.person, services.clock)
    blocks = ui.answer_blocks(answer, services.clock.today(), question, offset)
    await respond(
        blocks=ui.to_dicts(blocks),
        text=ui.fallback(answer.heading),
        response_type="ephemeral",
        replace_original=False,
    )


async def on_import(ack, body, client, respond, context) -> None:
    await ack()
    clicked = _clicked(body)
    if clicked is None or _id(clicked[1]) is None:
        return
    _, value, user = clicked
    identity = await begin(context, client, user)
    if identity is None:
        return
    services = services_of(context)
    done, message = await import_held(services.db, _id(value), identity.person, user, services.clock)
    if not done and not message.startswith("Not imported"):
        await respond(text=ui.fallback(message), response_type="ephemeral", replace_original=False)
        return
    await respond(
        blocks=ui.to_dicts([ui.text_section(message)]), text=ui.fallback(message), replace_original=True
    )


async def on_cancel_import(ack, body, client, respond, context) -> None:
    await ack()
    clicked = _clicked(body)
    if clicked is None or _id(clicked[1]) is None:
        return
    _, value, user = clicked
    identity = await begin(context, client, user)
    if identity is None:
        return
    services = services_of(context)
    done, message = await cancel_held(services.db, _id(value), identity.person, user)
    if not done:
        await respond(text=message, response_type="ephemeral", replace_original=False)
        return
    await respond(
        blocks=ui.to_dicts([ui.text_section(message)]), text=ui.fallback(message), replace_original=True
    )


async def on_identity_answer(ack, body, client, respond, context) -> None:
    """Yes or No to "Are you Kate Goodman?" or "Did you mean Kate Goodman?"."""
    await ack()
    clicked = _clicked(body)
    if clicked is None or _id(clicked[1]) is None or not await first_time(context):
        return
    action_id, value, user = clicked
    services = services_of(context)
    identity = await begin(context, client, user)
    if identity is None:
        return
    outcome = await links.answer_question(
        services.db,
        services.clock,
        slack_user(services, user),
        _id(value),
        action_id == ids.CONFIRM_IDENTITY,
        profile_lookup(client, user),
        by=identity.person,
        command="/tmag iam",
    )
    await tell_secretariat(services.db, outcome.notices, services.tellers)
    await respond(text=ui.fallback(outcome.message), response_type="ephemeral", replace_original=True)


async def on_claim_review(ack, body, client, respond, context) -> None:
    """The secretariat's Confirm or Reject on a claim."""
    await ack()
    clicked = _clicked(body)
    if clicked is None:
        return
    action_id, value, user = clicked
    try:
        wanted = json.loads(value)
        member_id, platform, claimant = int(wanted["m"]), str(wanted["p"]), str(wanted["u"])
    except (ValueError, KeyError, TypeError):
        return
    if platform not in links.PLATFORM_NAMES or not 0 < member_id < 10**12:
        return
    identity = await begin(context, client, user)
    if identity is None:
        return
    services = services_of(context)
    outcome = await links.review_claim(
        services.db,
        services.clock,
        identity.person,
        member_id,
        platform,
        claimant,
        action_id == ids.CONFIRM_CLAIM,
        source="slack:claim",
    )
    blocks = ui.to_dicts([ui.text_section(outcome.message)])
    if outcome.ok and body.get("response_url"):
        await respond(blocks=blocks, text=ui.fallback(outcome.message), replace_original=True)
    elif body.get("response_url"):
        await respond(
            blocks=blocks,
            text=ui.fallback(outcome.message),
            response_type="ephemeral",
            replace_original=False,
        )


async def on_confirm_reported(ack, body, client, context) -> None:
    """The digest's "Confirm all as done": the secretariat closes every action reported done in the group."""
    await ack()
    clicked = _clicked(body)
    if clicked is None or not re.fullmatch(r"[A-Za-z]{2,10}", clicked[1]):
        return
    _, group_code, user = clicked
    identity = await begin(context, client, user)
    if identity is None:
        return
    services = services_of(context)
    result = await confirm_reported(
        services.db, identity.person, services.clock, group_code=group_code.upper(), source="slack:digest"
    )
    channel = ((body.get("channel") or {}) if isinstance(body.get("channel"), dict) else {}).get("id")
    blocks = ui.to_dicts(ui.change_blocks(result.message))
    if channel:
        await tell(client, channel, user, blocks, ui.fallback(result.message))
    else:
        await client.chat_postMessage(channel=user, blocks=blocks, text=ui.fallback(result.message))
