from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import SourceDocument


async def document_by_sha(session: AsyncSession, sha256: str) -> SourceDocument | None:
    return (await session.exec(select(SourceDocument).where(SourceDocument.sha256 == sha256))).first()


async def add_document(
    session: AsyncSession, file_name: str, sha256: str, fmt: str, at: datetime, by: str | None
) -> SourceDocument:
    document = SourceDocument(file_name=file_name, sha256=sha256, format=fmt, imported_at=at, imported_by=by)
    session.add(document)
    await session.flush()
    return document
