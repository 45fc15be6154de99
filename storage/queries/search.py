"""Full-text search (SQLite FTS5 with Porter stemming) over actions and decisions.

A common word can match tens of thousands of actions, and ranking costs a little per match; so the
newest RANK_WINDOW matches are ranked (bm25, against the whole index's word statistics) and the rest,
older and no better matched, are left out. Searches that match fewer are ranked in full.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Decision, Group
from storage.queries.ownership import actions_by_ids

RANK_WINDOW = 1000
# Column weights for bm25: (ref, area, text[, owner]). The area names the topic; the text says it.
_WEIGHTS = {"action": "0.5, 2.0, 1.0, 0.5", "decision": "0.5, 2.0, 1.0"}


async def vocabulary(session: AsyncSession, kind: str) -> list[str]:
    """Every (stemmed) word the index holds, to correct typos in questions against."""
    return [row[0] for row in (await session.exec(text(f"SELECT term FROM {kind}_fts_vocab"))).all()]


async def _ranked(session: AsyncSession, kind: str, match: str, limit: int) -> dict[int, float]:
    rows = (
        await session.exec(
            text(
                f"SELECT rowid, bm25({kind}_fts, {_WEIGHTS[kind]}) FROM {kind}_fts "
                f"WHERE {kind}_fts MATCH :match ORDER BY rowid DESC LIMIT :window"
            ),
            params={"match": match, "window": RANK_WINDOW},
        )
    ).all()
    best = sorted(rows, key=lambda row: (row[1], -row[0]))[:limit]
    return dict(best)


async def search_actions(session: AsyncSession, match: str, *, limit: int = 20) -> list[tuple]:
    """Actions matching an FTS5 query, best first, each with its bm25 rank (lower is better)."""
    ranks = await _ranked(session, "action", match, limit)
    if not ranks:
        return []
    found = await actions_by_ids(session, list(ranks))
    return [(action, group, ranks[action.id]) for action, group in found]


async def search_decisions(
    session: AsyncSession, match: str, *, limit: int = 20
) -> list[tuple[Decision, Group, float]]:
    ranks = await _ranked(session, "decision", match, limit)
    if not ranks:
        return []
    query = (
        select(Decision, Group).join(Group, Group.id == Decision.group_id).where(col(Decision.id).in_(ranks))
    )
    found = {d.id: (d, g) for d, g in (await session.exec(query)).all()}
    return [(*found[i], ranks[i]) for i in ranks if i in found]


async def newest_id(session: AsyncSession, kind: str) -> int | None:
    """The newest row's id: cheap to read, and it changes whenever rows are added."""
    return (await session.exec(text(f"SELECT max(id) FROM {kind}"))).one()[0]
