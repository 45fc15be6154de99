from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.sqlite import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import SourceDocument


async def claim_document(
    session: AsyncSession, file_name: str, sha256: str, fmt: str, at: datetime, by: str | None
) -> int | None:
    """Record a document about to be imported: its id, or None if the same content was imported before."""
    statement = (
        insert(SourceDocument)
        .values(file_name=file_name, sha256=sha256, format=fmt, imported_at=at, imported_by=by)
        .on_conflict_do_nothing(index_elements=["sha256"])
        .returning(SourceDocument.id)
    )
    return (await session.exec(statement)).scalar()
