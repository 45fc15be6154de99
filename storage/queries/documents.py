"""Source documents: the reports imported, each once by its content."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Action, Decision, SourceDocument


async def document_imported(session: AsyncSession, sha256: str) -> bool:
    """Whether a document with this content was imported before."""
    found = await session.exec(select(SourceDocument.id).where(SourceDocument.sha256 == sha256).limit(1))
    return found.first() is not None


async def anything_recorded(session: AsyncSession) -> bool:
    """Whether the record holds anything: a report imported, or an action or decision added by hand."""
    for model in (SourceDocument, Action, Decision):
        if (await session.exec(select(model.id).limit(1))).first() is not None:
            return True
    return False
