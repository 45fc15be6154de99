"""Reports shared in a chat, held until the secretariat imports or cancels them."""

from __future__ import annotations

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import PendingUpload


async def add_upload(session: AsyncSession, upload: PendingUpload) -> int:
    session.add(upload)
    await session.flush()
    return upload.id


async def upload(session: AsyncSession, upload_id: int) -> PendingUpload | None:
    return await session.get(PendingUpload, upload_id)


async def waiting_from(session: AsyncSession, uploaded_by: str, status: str) -> int:
    """How many of one sharer's files wait in `status`."""
    query = select(func.count()).where(
        PendingUpload.uploaded_by == uploaded_by, PendingUpload.status == status
    )
    return (await session.exec(query)).one()
