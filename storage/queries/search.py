"""Full-text search over actions and decisions, one query function for both databases: SQLite's FTS5
(Porter stemming, bm25) or PostgreSQL's tsvector column with a GIN index (English Snowball stemming
without stop words, ts_rank). rapidfuzz ranks the results afterwards either way.

A common word can match tens of thousands of actions, and ranking costs a little per match; so the
newest RANK_WINDOW matches are ranked (against the whole index's word statistics on SQLite) and the
rest, older and no better matched, are left out. Searches that match fewer are ranked in full.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Decision, Group
from storage.queries.dialect import POSTGRES, dialect_name
from storage.queries.ownership import actions_by_ids

RANK_WINDOW = 1000
# Column weights: (ref, area, text[, owner]). The area names the topic; the text says it.
_BM25_WEIGHTS = {"action": "0.5, 2.0, 1.0, 0.5", "decision": "0.5, 2.0, 1.0"}
# ts_rank's weights for the labels {D, C, B, A}: ref and owner D, text B, area A.
_TS_WEIGHTS = "{0.25, 0.25, 0.5, 1.0}"
# The stemmer each index uses, for telling in Python whether a word of a question is indexed.
STEMMER = {"sqlite": "porter", POSTGRES: "english"}


@dataclass(frozen=True)
class Term:
    """A word to find: as written (the index stems it), or a prefix of indexed (stemmed) words."""

    word: str
    prefix: bool = False


# A search: every group must match, any one term of a group will do.
Search = list[list[Term]]


def stemmer_language(session: AsyncSession) -> str:
    return STEMMER[dialect_name(session)]


def _fts5(search: Search) -> str:
    def term(t: Term) -> str:
        return f'"{t.word}"' + ("*" if t.prefix else "")

    return " AND ".join("(" + " OR ".join(term(t) for t in group) + ")" for group in search)


def _tsquery(search: Search) -> str:
    def term(t: Term) -> str:
        return t.word + (":*" if t.prefix else "")

    return " & ".join("(" + " | ".join(term(t) for t in group) + ")" for group in search)


def _plain_words(search: Search) -> Search:
    # Only plain words reach the query syntax (questions are split on [a-z0-9]; the vocabulary is too).
    kept = [[t for t in group if t.word.isalnum()] for group in search]
    return [group for group in kept if group]


async def vocabulary(session: AsyncSession, kind: str) -> list[str]:
    """Every (stemmed) word the index holds, to correct typos in questions against."""
    if dialect_name(session) == POSTGRES:
        query = text("SELECT term FROM search_term WHERE kind = :kind").bindparams(kind=kind)
    else:
        query = text(f"SELECT term FROM {kind}_fts_vocab")
    return [row[0] for row in (await session.exec(query)).all() if row[0].isalnum()]


async def _ranked(session: AsyncSession, kind: str, search: Search, limit: int) -> dict[int, float]:
    """id -> rank (lower is better) of the best `limit` matches among the newest RANK_WINDOW."""
    search = _plain_words(search)
    if not search:
        return {}
    if dialect_name(session) == POSTGRES:
        return await _ranked_on_postgres(session, kind, _tsquery(search), limit)
    else:
        sql = (
            f"SELECT rowid, bm25({kind}_fts, {_BM25_WEIGHTS[kind]}) FROM {kind}_fts "
            f"WHERE {kind}_fts MATCH :match ORDER BY rowid DESC LIMIT :window"
        )
        match = _fts5(search)
    rows = (await session.exec(text(sql), params={"match": match, "window": RANK_WINDOW})).all()
    return _best(rows, limit)


def _best(rows, limit: int) -> dict[int, float]:
    return dict(sorted(rows, key=lambda row: (row[1], -row[0]))[:limit])


RECENT_SPAN = 20_000  # ids: where a common word's newest matches are looked for first


async def _ranked_on_postgres(session: AsyncSession, kind: str, match: str, limit: int) -> dict[int, float]:
    """The GIN index finds every match, and a word in a tenth of a million actions means fetching a
    hundred thousand rows to keep the newest thousand. So the newest RECENT_SPAN ids are searched first
    (walking the primary key backwards, stopping at the window); only if they hold fewer matches than
    the window is the whole table searched, and then the matches are few enough to fetch."""
    select_ranked = (
        f"SELECT id, -ts_rank('{_TS_WEIGHTS}', search, query) FROM {kind}, "
        "to_tsquery('tmag', :match) AS query WHERE search @@ query"
    )
    params = {"match": match, "window": RANK_WINDOW}
    newest = await newest_id(session, kind) or 0
    if newest > RECENT_SPAN:
        # A literal bound (rounded, so the statement text seldom changes): with a parameter the planner
        # cannot tell how few rows it leaves and keeps to the index.
        floor = (newest - RECENT_SPAN) // 1000 * 1000
        recent = f"{select_ranked} AND id > {int(floor)} ORDER BY id DESC LIMIT :window"
        rows = (await session.exec(text(recent), params=params)).all()
        if len(rows) >= RANK_WINDOW:
            return _best(rows, limit)
    rows = (await session.exec(text(f"{select_ranked} ORDER BY id DESC LIMIT :window"), params=params)).all()
    return _best(rows, limit)


async def search_actions(session: AsyncSession, search: Search, *, limit: int = 20) -> list[tuple]:
    """Actions matching a search, best first, each with its rank (lower is better)."""
    ranks = await _ranked(session, "action", search, limit)
    if not ranks:
        return []
    found = await session.run_sync(lambda orm: actions_by_ids(orm.connection(), list(ranks)))
    return [(action, group, ranks[action.id]) for action, group in found]


async def search_decisions(
    session: AsyncSession, search: Search, *, limit: int = 20
) -> list[tuple[Decision, Group, float]]:
    ranks = await _ranked(session, "decision", search, limit)
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
