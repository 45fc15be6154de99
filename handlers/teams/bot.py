"""The Teams app: Microsoft's Teams SDK for Python (microsoft-teams-apps), with thin handlers that call bot/.

- Messages in a personal chat, and messages that @mention the bot in a channel: every question and
  command /tmag takes, answered with an Adaptive Card in the same chat or thread.
- Channel messages without a mention (the app's resource-specific consent ChannelMessage.Read.Group lets it
  see them): "TMAG22-01 done - note" and the like close or update an action, confirmed with Undo.
- Action.Execute on a card (Mark done, Undo, Show more, Confirm all, the identity question): answered with
  the refreshed card for the person who pressed it.
- The message action "Mark action done": a dialog listing the refs in the message, then closing the
  chosen ones.
- A report file sent in a personal chat: previewed with Import and Cancel, stored only on Import by the
  secretariat (as in Slack).
- `report draft` (secretariat): the Word draft, offered in the personal chat and sent once accepted.
- Added to a team or a chat: a welcome card saying how to begin.

Requests are checked by the SDK (a Bot Framework token, or none in development mode); replies go to each
activity's serviceUrl. Answers to messages are composed after the SDK has answered Teams, and when the bot
serves, on the answering loop (see adapter.py), so answers never delay an acknowledgement.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import warnings

from bot.conversation.commands import Reply, run_command
from bot.conversation.help import HELP
from bot.conversation.statements import parse_statement
from bot.record.changes import change_action, change_actions, confirm_reported, undo_change
from bot.record.refs import find_refs
from handlers.answers import AnswerLoop
from handlers.services import Services
from handlers.teams import cards, ids
from handlers.teams.adapter import AiohttpAdapter
from handlers.teams.context import Caller, caller_of, first_time, identify_teams_user
from storage.queries import actions as action_queries
from storage.queries import groups as group_queries

log = logging.getLogger("tmag-bot.teams")
MESSAGING_ENDPOINT = "/api/messages"
WELCOME = (
    "Hello! I keep this group's actions and decisions alive between meetings. Mention me with a question "
    "(what is open for me, show TMAG22-01, what did we decide about the environments plan) or a command "
    "(done TMAG22-01 note). The secretariat can type @tmag-bot digest here to have each meeting's digest "
    "posted in this channel."
)


def quiet_sdk_warnings() -> None:
    """The SDK announces preview features on import, deprecations in its own clients, and pydantic's doubts
    about a rich text block's runs (which serialise as they should): none is news to the operator."""
    warnings.filterwarnings("ignore", module=r"microsoft_teams\..*")
    warnings.filterwarnings("ignore", message="Pydantic serializer warnings", category=UserWarning)
    warnings.filterwarnings("ignore", message="The bot client is deprecated", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=Warning, message=".*HtmlWidgetSecurityPolicy.*")


class TeamsBot:
    """The Teams SDK app, its aiohttp routes, and the work it started in the background."""

    def __init__(self, services: Services, answers: AnswerLoop | None = None) -> None:
        """With `answers`, the SDK and every handler run on the answering loop, with its services."""
        quiet_sdk_warnings()
        from microsoft_teams.api.auth.cloud_environment import PUBLIC
        from microsoft_teams.apps import App

        settings = services.settings
        self.services = answers.services if answers is not None else services
        self.adapter = AiohttpAdapter(require_auth=not settings.teams_dev, answers=answers)
        cloud = PUBLIC
        if settings.teams_openid_metadata_url:
            from dataclasses import replace

            cloud = replace(PUBLIC, openid_metadata_url=settings.teams_openid_metadata_url)
        credentials = {}
        if not settings.teams_dev:
            self.adapter.check_tokens_with(settings.teams_client_id, cloud, settings.teams_tenant_id)
        if not settings.teams_dev:
            credentials = {
                "client_id": settings.teams_client_id,
                "client_secret": settings.teams_client_secret,
                "tenant_id": settings.teams_tenant_id,
            }
        self.app = App(
            **credentials,
            http_server_adapter=self.adapter,
            messaging_endpoint=MESSAGING_ENDPOINT,
            dangerously_allow_unauthenticated_requests=settings.teams_dev,
            cloud=cloud,
            state=False,
        )
        self._background: set[asyncio.Task] = set()
        register(self)

    @property
    def bot_id(self) -> str:
        """The bot's app id (its Entra app registration); a stand-in in development mode."""
        return self.services.settings.teams_client_id or "tmag-bot-dev"

    async def start(self) -> None:
        """Set the SDK up (its token check and messaging route); the bot's aiohttp server serves it."""
        await self.app.initialize()

    @property
    def routes(self):
        return self.adapter.routes

    def later(self, work) -> None:
        """Run `work` after the SDK has answered Teams; kept until done, failures logged."""
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a Teams request failed", exc_info=task.exception())

    async def stop(self, timeout: float = 3.0) -> None:
        for task in list(self._background):
            task.cancel()
        if self._background:
            await asyncio.wait(list(self._background), timeout=timeout)


def register(bot: TeamsBot) -> None:
    app = bot.app

    @app.on_message
    async def on_message(ctx) -> None:
        bot.later(handle_message(bot, ctx))

    @app.on_card_action_execute
    async def on_card_action(ctx):
        return await handle_card_action(bot, ctx)

    @app.on_message_ext_open
    async def on_message_action_open(ctx):
        return await open_mark_done(bot, ctx)

    @app.on_message_ext_submit
    async def on_message_action_submit(ctx):
        return await submit_mark_done(bot, ctx)

    @app.on_file_consent
    async def on_file_consent(ctx) -> None:
        bot.later(send_consented_file(bot, ctx))

    @app.on_conversation_update
    async def on_conversation_update(ctx) -> None:
        # Added to a team, a group chat or a personal chat: Teams sends this (and an installationUpdate,
        # left alone so the welcome is said once) with the bot among the members added.
        activity = ctx.activity
        bot_id = getattr(activity.recipient, "id", None)
        if any(getattr(m, "id", None) == bot_id for m in getattr(activity, "members_added", None) or []):
            bot.later(ctx.send(_card_message(cards.card(cards.words(WELCOME)))))


# --- messages ------------------------------------------------------------------------------------


def _card_message(card):
    from microsoft_teams.api import MessageActivityInput

    return MessageActivityInput().add_card(card)


def _mentions_bot(activity) -> bool:
    bot_id = getattr(getattr(activity, "recipient", None), "id", None)
    for entity in getattr(activity, "entities", None) or []:
        mentioned = getattr(entity, "mentioned", None)
        if mentioned is not None and getattr(mentioned, "id", None) == bot_id:
            return True
    return False


def _text_of(activity) -> str:
    from microsoft_teams.api.activities.utils import strip_mentions_text

    text = strip_mentions_text(activity) or ""
    text = re.sub(r"</?at>", " ", text)  # a mention of someone else keeps its name, not its tags
    return " ".join(text.split())


async def handle_message(bot: TeamsBot, ctx) -> None:
    services, activity = bot.services, ctx.activity
    caller = caller_of(activity)
    if caller is None or not await first_time(services, activity):
        return
    conversation = activity.conversation
    personal = getattr(conversation, "conversation_type", None) == "personal"
    files = [a for a in getattr(activity, "attachments", None) or [] if a.content_type == ids.FILE_DOWNLOAD]
    if personal and files:
        for shared in files:
            await ctx.send(_card_message(await _hold_file(bot, caller, conversation.id, shared)))
        return
    text = _text_of(activity)
    if not personal and not _mentions_bot(activity):
        await _statement(bot, ctx, caller, text)  # a channel message the bot only overhears
        return
    identity = await identify_teams_user(services, caller)
    word = text.split(" ", 1)[0].lower() if text else ""
    if word == "iam":
        from bot.people.linking import claim_identity

        name = text[3:].strip()
        message = (
            await claim_identity(services.db, services.clock, "teams", caller.user_id, name)
            if name
            else "Tell me who you are: iam FIRST LAST"
        )
        await ctx.send(_card_message(cards.change_card(message)))
        return
    if re.match(r"^digest\b", text, re.IGNORECASE):
        await ctx.send(_card_message(await _digest_reply(bot, activity, identity.person, text)))
        return
    source = "teams:personal" if personal else f"teams:channel:{_channel_id(conversation.id)}"
    reply = await run_command(services.db, text, identity.person, services.clock, source=source)
    if reply.file is not None:
        await ctx.send(_file_offer(reply) if personal else _card_message(cards.change_card(IN_PERSONAL_CHAT)))
        return
    card = _reply_card(reply, services, text)
    if identity.prompt is not None:
        member_id, name, typed = identity.prompt
        await ctx.send(_card_message(cards.identity_card(member_id, name, typed)))
    await ctx.send(_card_message(card))


def _reply_card(reply: Reply, services: Services, question: str):
    if reply.answer is not None:
        return cards.answer_card(reply.answer, services.clock.today(), question or "help")
    if reply.changes:
        return cards.changes_card(reply.changes)
    if reply.change is not None:
        return cards.change_card(reply.text, reply.change.event_id if reply.change.ok else None)
    return cards.change_card(reply.text if reply.kind != "help" else HELP)


async def _statement(bot: TeamsBot, ctx, caller: Caller, text: str) -> None:
    """ "TMAG22-01 done - uploaded" in a channel: the change, confirmed in the thread with Undo."""
    services = bot.services
    if not re.search(r"\d", text):
        return
    async with services.db.read() as session:
        codes = await group_queries.group_codes(session)
    default = next(iter(codes)) if len(codes) == 1 else ("TMAG" if "TMAG" in codes else None)
    statement = parse_statement(text, codes, default) if codes else None
    if statement is None:
        return
    identity = await identify_teams_user(services, caller)
    source = f"teams:channel:{_channel_id(ctx.activity.conversation.id)}"
    result = await change_action(
        services.db,
        statement.ref,
        statement.verb,
        identity.person,
        services.clock,
        note=statement.note,
        source=source,
    )
    if not result.ok and result.status == "closed":
        return  # already closed: nothing to say
    await ctx.send(_card_message(cards.change_card(result.message, result.event_id if result.ok else None)))


def _channel_id(conversation_id: str) -> str:
    """A channel's conversation id without the thread part (";messageid=...")."""
    return conversation_id.split(";", 1)[0]


async def _digest_reply(bot: TeamsBot, activity, person, text: str):
    """`digest here [GROUP]` in a channel points a group's digests at it (secretariat only); `digest`
    shows the next one as it will be posted."""
    from bot.conversation.commands import default_group_code
    from bot.digests.settings import set_teams_channel

    services = bot.services
    words = text.split()[1:]
    here = bool(words) and words[0].lower() == "here"
    named = [w.upper() for w in words if w.lower() not in {"here", "next"}]
    code = named[0] if named else await default_group_code(services.db, person) or "TMAG"
    if here:
        conversation = activity.conversation
        if getattr(conversation, "conversation_type", None) != "channel":
            return cards.change_card("digest here works in a team's channel: mention me there.")
        channel_data = getattr(activity, "channel_data", None)
        reference = {
            "service_url": activity.service_url,
            "conversation_id": _channel_id(conversation.id),
            "tenant_id": getattr(conversation, "tenant_id", None)
            or getattr(getattr(channel_data, "tenant", None), "id", None),
            "team_id": getattr(getattr(channel_data, "team", None), "id", None),
            "channel_name": getattr(getattr(channel_data, "channel", None), "name", None),
        }
        _ok, message = await set_teams_channel(services.db, person, code, json.dumps(reference))
        return cards.change_card(message)
    from bot.digests.layout import channel_message, thread_messages
    from bot.digests.preview import next_digest

    digest = await next_digest(services.db, code, services.clock)
    if digest is None:
        return cards.change_card(f"I know of no upcoming {code} meeting.")
    preview = channel_message(digest, "digest")
    for message in thread_messages(digest):
        preview.lines += message.lines
    return cards.message_card(preview)


async def _hold_file(bot: TeamsBot, caller: Caller, conversation_id: str, shared):
    """A report sent to the bot in a personal chat: previewed, held until the secretariat imports it."""
    from pathlib import Path

    import aiohttp

    from bot.record.reports.loader import ReportError, max_report_bytes
    from bot.record.uploads import NOTHING_STORED, REPORT_SUFFIXES, hold_upload, nothing_to_do, preview_lines
    from handlers.downloads import download

    services = bot.services
    content = shared.content if isinstance(shared.content, dict) else {}
    name = str(shared.name or "report")[:200]
    url = content.get("downloadUrl")
    if Path(name).suffix.lower() not in REPORT_SUFFIXES or not isinstance(url, str):
        return cards.change_card(f"{name} is not a report I read (.docx, .pdf, .html, .md or .txt).")
    limit = max_report_bytes()
    try:
        # The download URL is short-lived and carries its own authorisation: no token is sent.
        data = await download(url, name, limit=limit)
        held = await hold_upload(
            services.db,
            name=name,
            data=data,
            file_id=str(content.get("uniqueId") or name),
            uploaded_by=f"teams:{caller.user_id}",
            channel=conversation_id,
            clock=services.clock,
        )
    except ReportError as exc:
        return cards.change_card(f"I couldn't read {exc}")
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        log.warning("download of %s failed: %s", name, exc)
        return cards.change_card(f"I couldn't download {name} from Teams.")
    if held.upload_id is None:
        return cards.change_card(nothing_to_do(name, held.summary))
    return cards.upload_card(held.upload_id, preview_lines(name, held.summary), NOTHING_STORED)


# --- files for the person who asked (a report draft) ----------------------------------------------

IN_PERSONAL_CHAT = "I send files in our personal chat: ask me there, in the same words."
CONSENT = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"


def _file_offer(reply):
    """Teams lets a bot send a file only once the person accepts it (it goes to their OneDrive): the
    offer carries what makes the file again, so nothing is held meanwhile."""
    from microsoft_teams.api import Attachment, FileConsentCard, MessageActivityInput

    offer = FileConsentCard(
        description=reply.file.title,
        size_in_bytes=len(reply.file.data),
        accept_context=reply.file.recipe,
        decline_context=reply.file.recipe,
    )
    attachment = Attachment(content_type=CONSENT, name=reply.file.name, content=offer)
    return MessageActivityInput(text=reply.text).add_attachments(attachment)


async def send_consented_file(bot: TeamsBot, ctx) -> None:
    """Accepted: make the file again, upload it where Teams says, and show it in the chat."""
    import aiohttp
    from microsoft_teams.api import Attachment, FileInfoCard, MessageActivityInput

    from bot.calendar.clock import Clock
    from bot.record.draft import draft_for, write_docx

    services, activity = bot.services, ctx.activity
    caller = caller_of(activity)
    response = activity.value
    recipe = response.context if isinstance(response.context, dict) else {}
    if caller is None or not await first_time(services, activity):
        return
    if response.action != "accept" or response.upload_info is None:
        await ctx.send(_card_message(cards.change_card("All right: not sent.")))
        return
    identity = await identify_teams_user(services, caller)
    if not identity.person.is_secretariat:
        await ctx.send(_card_message(cards.change_card("Only the secretariat can draft the report.")))
        return
    from datetime import datetime

    try:
        clock = Clock(datetime.fromisoformat(str(recipe.get("now"))))
        draft = await draft_for(services.db, str(recipe.get("group")), str(recipe.get("meeting")), clock)
    except (ValueError, LookupError) as exc:
        await ctx.send(_card_message(cards.change_card(f"I couldn't make the file again: {exc}")))
        return
    data = await asyncio.to_thread(write_docx, draft)
    upload = response.upload_info
    headers = {"Content-Length": str(len(data)), "Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"}
    try:
        timeout = aiohttp.ClientTimeout(total=60)
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.put(upload.upload_url, data=data, headers=headers) as put,
        ):
            put.raise_for_status()
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("uploading %s failed: %s", upload.name, exc)
        await ctx.send(_card_message(cards.change_card(f"I couldn't upload {upload.name} to your OneDrive.")))
        return
    shown = Attachment(
        content_type=FILE_INFO,
        content_url=upload.content_url,
        name=upload.name,
        content=FileInfoCard(unique_id=upload.unique_id, file_type=upload.file_type),
    )
    await ctx.send(MessageActivityInput().add_attachments(shown))


# --- cards ---------------------------------------------------------------------------------------


def _card_response(card):
    from microsoft_teams.api import AdaptiveCardActionCardResponse

    return AdaptiveCardActionCardResponse(value=card)


async def handle_card_action(bot: TeamsBot, ctx):
    """A button on a card: the change it asks for, and the card to show the person who pressed it."""
    services, activity = bot.services, ctx.activity
    caller = caller_of(activity)
    action = getattr(activity.value, "action", None)
    data = dict(getattr(action, "data", None) or {})
    verb = getattr(action, "verb", None) or data.get("verb")
    if caller is None or not isinstance(verb, str):
        return _card_response(cards.change_card("That button is not one of mine."))
    if not await first_time(services, activity):
        return _card_response(cards.change_card("Done already."))
    identity = await identify_teams_user(services, caller)
    person, clock = identity.person, services.clock
    if verb == ids.MARK_DONE and isinstance(data.get("ref"), str):
        result = await change_action(services.db, data["ref"], "close", person, clock, source="teams:card")
        return _card_response(cards.change_card(result.message, result.event_id if result.ok else None))
    if verb == ids.UNDO and _small_int(data.get("event")) is not None:
        result = await undo_change(services.db, _small_int(data["event"]), person, clock, source="teams:undo")
        return _card_response(cards.change_card(result.message))
    if verb == ids.SHOW_MORE and isinstance(data.get("q"), str) and _small_int(data.get("o")) is not None:
        from bot.conversation.answers import ask

        answer = await ask(services.db, data["q"], person, clock)
        return _card_response(cards.answer_card(answer, clock.today(), data["q"], _small_int(data["o"])))
    if verb == ids.CONFIRM_REPORTED and isinstance(data.get("group"), str):
        result = await confirm_reported(
            services.db, person, clock, group_code=data["group"].upper()[:10], source="teams:digest"
        )
        return _card_response(cards.change_card(result.message))
    if verb in (ids.IMPORT_UPLOAD, ids.CANCEL_UPLOAD) and _small_int(data.get("upload")) is not None:
        from bot.record.uploads import cancel_held, import_held

        upload_id, who = _small_int(data["upload"]), f"teams:{caller.user_id}"
        if verb == ids.IMPORT_UPLOAD:
            _done, message = await import_held(services.db, upload_id, person, who, clock)
        else:
            _done, message = await cancel_held(services.db, upload_id, person, who)
        return _card_response(cards.change_card(message))
    if verb in (ids.CONFIRM_IDENTITY, ids.DENY_IDENTITY) and _small_int(data.get("member")) is not None:
        from bot.people.linking import answer_prompt

        message = await answer_prompt(
            services.db,
            clock,
            "teams",
            caller.user_id,
            _small_int(data["member"]),
            verb == ids.CONFIRM_IDENTITY,
            command="iam",
        )
        return _card_response(cards.change_card(message))
    return _card_response(cards.change_card("That button is not one of mine."))


def _small_int(value) -> int | None:
    """An id from a card's data: a whole number of at most 12 digits (anything else is not ours)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 <= value < 10**12:
        return value
    if isinstance(value, str) and value.isdigit() and len(value) <= 12:
        return int(value)
    return None


# --- the message action "Mark action done" ---------------------------------------------------------


def _message_text(activity) -> str:
    payload = getattr(activity.value, "message_payload", None)
    body = getattr(payload, "body", None)
    content = getattr(body, "content", None) or ""
    return re.sub(r"<[^>]+>", " ", str(content))  # Teams sends the message as HTML


async def open_mark_done(bot: TeamsBot, ctx):
    """The dialog: the refs the message names (known actions only), and a note."""
    from microsoft_teams.api import (
        CardTaskModuleTaskInfo,
        MessagingExtensionActionResponse,
        TaskModuleContinueResponse,
    )
    from microsoft_teams.cards import AdaptiveCard  # noqa: F401  (the dialog's card type)

    services = bot.services
    text = _message_text(ctx.activity)
    async with services.db.read() as session:
        codes = await group_queries.group_codes(session)
        default = next(iter(codes)) if len(codes) == 1 else None
        refs = list(
            dict.fromkeys(
                r.canonical for r, _, _ in find_refs(text, codes, default, loose=True) if r.kind == "action"
            )
        )
        found = []
        for ref in refs:
            known = await action_queries.action_by_ref(session, ref)
            if known is not None:
                found.append((ref, known[0].text))
    card = cards.mark_done_dialog(found, {}) if found else cards.no_refs_dialog()
    from microsoft_teams.api import Attachment

    attachment = Attachment(content_type="application/vnd.microsoft.card.adaptive", content=card)
    info = CardTaskModuleTaskInfo(title="Mark action done", card=attachment)
    return MessagingExtensionActionResponse(task=TaskModuleContinueResponse(value=info))


async def submit_mark_done(bot: TeamsBot, ctx):
    """Close the chosen refs (each with the note), and say what was done."""
    from microsoft_teams.api import MessagingExtensionActionResponse, TaskModuleMessageResponse

    services, activity = bot.services, ctx.activity
    caller = caller_of(activity)
    data = getattr(activity.value, "data", None) or {}
    chosen = [r for r in str(data.get(ids.REFS_INPUT) or "").split(",") if r.strip()][:10]
    if caller is None or not chosen:
        return MessagingExtensionActionResponse(
            task=TaskModuleMessageResponse(value="Choose at least one action.")
        )
    if not await first_time(services, activity):
        return MessagingExtensionActionResponse(task=TaskModuleMessageResponse(value="Done already."))
    identity = await identify_teams_user(services, caller)
    note = str(data.get(ids.NOTE_INPUT) or "").strip()[:2000] or None
    results = await change_actions(
        services.db,
        [ref.strip().upper() for ref in chosen],
        "close",
        identity.person,
        services.clock,
        note=note,
        source="teams:message-action",
    )
    return MessagingExtensionActionResponse(
        task=TaskModuleMessageResponse(value=" ".join(r.message for r in results))
    )
