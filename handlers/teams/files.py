"""Files in Teams: a report sent to the bot in a personal chat (taken by the core as in Slack: see
bot/conversation/sharing.py), and a file the bot offers the person who asked (a report draft): Teams lets a
bot send one only once the person accepts it, to their OneDrive."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

import aiohttp
from microsoft_teams.api import Attachment, FileConsentCard, FileInfoCard, MessageActivityInput

from bot.calendar.clock import Clock
from bot.conversation.outcome import ReplyFile
from bot.conversation.sharing import DownloadFailed, SharedFile
from bot.people.links import resolve
from bot.record.draft import draft_for, write_docx
from handlers.downloads import download
from handlers.teams import cards
from handlers.teams.context import caller_of, first_time, profile_lookup, teams_user

log = logging.getLogger("tmag-bot.teams")
CONSENT = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"


def register(bot) -> None:
    @bot.app.on_file_consent
    async def on_file_consent(ctx) -> None:
        bot.later(send_consented_file(bot, ctx))


def shared_file(shared) -> SharedFile:
    """A file sent to the bot in a personal chat, for the core to take (bot/conversation/sharing.py)."""
    content = shared.content if isinstance(shared.content, dict) else {}
    name = str(shared.name or "report")[:200]
    url = content.get("downloadUrl")
    size = content.get("fileSize") if isinstance(content.get("fileSize"), int) else 0

    async def fetch(limit: int) -> bytes:
        if not isinstance(url, str):
            raise DownloadFailed(f"I couldn't download {name} from Teams: it came without a link.")
        try:
            # The download URL is short-lived and carries its own authorisation: no token is sent.
            return await download(url, name, limit=limit)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("download of %s failed: %s", name, exc)
            raise DownloadFailed(f"I couldn't download {name} from Teams.") from None

    return SharedFile(name, str(content.get("uniqueId") or name), size, fetch)


def file_offer(file: ReplyFile, text: str):
    """The offer of a file: it carries what makes the file again, so nothing is held meanwhile."""

    offer = FileConsentCard(
        description=file.title,
        size_in_bytes=len(file.data),
        accept_context=file.recipe,
        decline_context=file.recipe,
    )
    attachment = Attachment(content_type=CONSENT, name=file.name, content=offer)
    return MessageActivityInput(text=text).add_attachments(attachment)


async def send_consented_file(bot, ctx) -> None:
    """Accepted: make the file again, upload it where Teams says, and show it in the chat."""

    services, activity = bot.services, ctx.activity
    caller = caller_of(activity)
    response = activity.value
    recipe = response.context if isinstance(response.context, dict) else {}
    if caller is None or not await first_time(services, activity):
        return
    if response.action != "accept" or response.upload_info is None:
        await ctx.send(card_message(cards.change_card("All right: not sent.")))
        return
    who = await resolve(
        services.db, services.clock, teams_user(services, caller), profile_lookup(bot.app.api, caller)
    )
    if not who.person.is_secretariat:
        await ctx.send(card_message(cards.change_card("Only the secretariat can draft the report.")))
        return
    try:
        clock = Clock(datetime.fromisoformat(str(recipe.get("now"))))
        draft = await draft_for(services.db, str(recipe.get("group")), str(recipe.get("meeting")), clock)
    except (ValueError, LookupError) as exc:
        await ctx.send(card_message(cards.change_card(f"I couldn't make the file again: {exc}")))
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
        await ctx.send(card_message(cards.change_card(f"I couldn't upload {upload.name} to your OneDrive.")))
        return
    shown = Attachment(
        content_type=FILE_INFO,
        content_url=upload.content_url,
        name=upload.name,
        content=FileInfoCard(unique_id=upload.unique_id, file_type=upload.file_type),
    )
    await ctx.send(MessageActivityInput().add_attachments(shown))


def card_message(card):

    return MessageActivityInput().add_card(card)
