"""Chat users as their platforms know them (Slack users, Teams users), whichever the platform."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import SlackUser, TeamsUser

MODELS = {"slack": SlackUser, "teams": TeamsUser}


async def chat_user(session: AsyncSession, platform: str, user_id: str) -> SlackUser | TeamsUser | None:
    return await session.get(MODELS[platform], user_id)
