"""Buttons: Mark done, Undo, Show more, Import/Cancel on an upload preview, and the identity question."""

from __future__ import annotations

import json

from bot.answers import ask
from bot.changes import change_action, undo_change
from bot.importer import ReportError, import_report
from bot.meetings import notify_calendar_changed
from handlers import blocks as ui
from handlers import ids
from handlers.context import answer_identity_prompt, identify_slack_user, services_of
from handlers.events import publish_home
from handlers.replies import permalink, tell
from storage.queries import slack as slack_queries


def register(app) -> None:
    app.action(ids.MARK_DONE)(on_mark_done)
    app.action(ids.UNDO)(on_undo)
    app.action(ids.SHOW_MORE)(on_show_more)
    app.action(ids.IMPORT_REPORT)(on_import)
    app.action(ids.CANCEL_IMPORT)(on_cancel_import)
    app.action(ids.CONFIRM_IDENTITY)(on_identity_answer)
    app.action(ids.DENY_IDENTITY)(on_identity_answer)


def _clicked(body) -> tuple[str, str]:
    action = body["actions"][0]
    return action.get("action_id"), action.get("value") or ""


async def on_mark_done(ack, body, client, respond, context) -> None:
    await ack()
    services = services_of(context)
    user = body["user"]["id"]
    _, ref = _clicked(body)
    identity = await identify_slack_user(services, client, user)
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
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
    services = services_of(context)
    user = body["user"]["id"]
    _, value = _clicked(body)
    identity = await identify_slack_user(services, client, user)
    result = (
        await undo_change(services.db, int(value), identity.person, services.clock, source="slack:undo")
        if value.isdigit()
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
    services = services_of(context)
    _, value = _clicked(body)
    try:
        wanted = json.loads(value)
        question, offset = str(wanted["q"]), int(wanted["o"])
    except (ValueError, KeyError, TypeError):
        return
    identity = await identify_slack_user(services, client, body["user"]["id"])
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
    services = services_of(context)
    user = body["user"]["id"]
    _, value = _clicked(body)
    identity = await identify_slack_user(services, client, user)
    if not identity.person.is_secretariat:
        await respond(
            text=ui.fallback("Only the secretariat can import reports."),
            response_type="ephemeral",
            replace_original=False,
        )
        return
    async with services.db.write() as session:
        upload = await slack_queries.upload(session, int(value)) if value.isdigit() else None
        if upload is None or upload.status != "pending":
            message = "That report was already imported or cancelled."
            upload = None
        else:
            upload.status, upload.decided_by = "importing", user
            name, data = upload.file_name, upload.data
    if upload is None:
        await respond(text=ui.fallback(message), response_type="ephemeral", replace_original=False)
        return
    try:
        summary = await import_report(
            services.db, name=name, data=data, clock=services.clock, by=identity.person.display
        )
        line, status = summary.line(), "imported"
        await notify_calendar_changed()
    except ReportError as exc:
        line, status = f"Import failed: {exc}", "pending"
    async with services.db.write() as session:
        upload = await slack_queries.upload(session, int(value))
        upload.status = status
    who = ui.escape(identity.person.display)
    await respond(
        blocks=ui.to_dicts(
            [
                ui.section(
                    f"*{'Imported' if status == 'imported' else 'Not imported'}* by {who}: {ui.escape(line)}"
                )
            ]
        ),
        text=ui.fallback(line),
        replace_original=True,
    )


async def on_cancel_import(ack, body, client, respond, context) -> None:
    await ack()
    services = services_of(context)
    user = body["user"]["id"]
    _, value = _clicked(body)
    identity = await identify_slack_user(services, client, user)
    async with services.db.write() as session:
        upload = await slack_queries.upload(session, int(value)) if value.isdigit() else None
        allowed = upload is not None and (upload.uploaded_by == user or identity.person.is_secretariat)
        if allowed and upload.status == "pending":
            upload.status, upload.decided_by = "cancelled", user
            name = upload.file_name
    if not allowed:
        await respond(
            text="Only the person who shared it or the secretariat can cancel this.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    await respond(
        blocks=ui.to_dicts([ui.section(f"Cancelled: {ui.escape(name)} was not imported.")]),
        text=ui.fallback(f"Cancelled: {name} was not imported."),
        replace_original=True,
    )


async def on_identity_answer(ack, body, respond, context) -> None:
    await ack()
    action_id, value = _clicked(body)
    if not value.isdigit():
        return
    message = await answer_identity_prompt(
        services_of(context), body["user"]["id"], int(value), action_id == ids.CONFIRM_IDENTITY
    )
    await respond(text=ui.fallback(message), response_type="ephemeral", replace_original=True)
