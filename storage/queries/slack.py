"""What the Slack app remembers: who Slack users are, and its own messages."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import BotMessage, SlackUser
from storage.queries.dialect import upsert


async def slack_user(session: AsyncSession, user_id: str) -> SlackUser | None:
    return await session.get(SlackUser, user_id)


async def remember_bot_message(session: AsyncSession, channel: str, ts: str, ref: str, now: datetime) -> None:
    statement = upsert(session, BotMessage).values(channel=channel, ts=ts, ref=ref, created_at=now)
    await session.exec(statement.on_conflict_do_update(index_elements=["channel", "ts"], set_={"ref": ref}))


async def bot_message_ref(session: AsyncSession, channel: str, ts: str) -> str | None:
    found = await session.get(BotMessage, (channel, ts))
    return found.ref if found else None
