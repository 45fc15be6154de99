"""Requests already applied (Slack events and signed requests, Teams activities), in any process."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import HandledRequest
from storage.queries.dialect import upsert

REQUEST_MEMORY = timedelta(days=2)  # longer than any platform retries a request or a signature is valid


async def claim_request(session: AsyncSession, key: str, now: datetime) -> bool:
    """True the first time a request key is seen (in any process), False for a retry or replay of it."""
    statement = upsert(session, HandledRequest).values(key=key, received_at=now).on_conflict_do_nothing()
    result = await session.exec(statement)
    return result.rowcount == 1


async def forget_requests_before(session: AsyncSession, when: datetime) -> None:
    await session.exec(delete(HandledRequest).where(HandledRequest.received_at < when))
