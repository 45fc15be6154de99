"""Source documents: the reports imported, each once by its content."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import SourceDocument


async def document_imported(session: AsyncSession, sha256: str) -> bool:
    """Whether a document with this content was imported before."""
    found = await session.exec(select(SourceDocument.id).where(SourceDocument.sha256 == sha256).limit(1))
    return found.first() is not None
