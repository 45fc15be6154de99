from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, insert, text
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Action, ActionEvent, ActionOwner, Decision, Group, Meeting, Mention, OwnerName
from storage.queries.dialect import POSTGRES, dialect_name


async def insert_rows(session: AsyncSession, model: type[SQLModel], rows: list[dict]) -> None:
    """Many rows in one statement. SQLite can't promise the order of RETURNING, so the ORM would
    insert one row per round trip when it needs the new ids; callers that need them select them."""
    if rows:
        await session.exec(insert(model.__table__), params=rows)


async def action_by_ref(
    session: AsyncSession, ref: str, *, for_update: bool = False
) -> tuple[Action, Group] | None:
    """The action and its group; `for_update` locks the action's row until the transaction ends, so two
    changes to one action on PostgreSQL happen one after the other, the second seeing the first
    (SQLite's single writer does that already; it has no row locks and SQLAlchemy leaves the clause out)."""
    query = select(Action, Group).join(Group, Group.id == Action.group_id).where(Action.ref == ref)
    if for_update:
        query = query.with_for_update(of=Action)
    return (await session.exec(query)).first()


async def lock_group_record(session: AsyncSession, code: str) -> None:
    """On PostgreSQL, one writer at a time of a group's new actions and decisions (an import, a ref added
    by hand), so two of them never pick the same new ref. SQLite has one writer anyway."""
    if dialect_name(session) == POSTGRES:
        await session.exec(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), params={"key": f"import:{code}"}
        )


async def decision_by_ref(session: AsyncSession, ref: str) -> tuple[Decision, Group] | None:
    query = select(Decision, Group).join(Group, Group.id == Decision.group_id).where(Decision.ref == ref)
    return (await session.exec(query)).first()


async def owners_of(session: AsyncSession, action_ids: Iterable[int]) -> dict[int, list[ActionOwner]]:
    ids = list(action_ids)
    out: dict[int, list[ActionOwner]] = defaultdict(list)
    for start in range(0, len(ids), 900):  # SQLite caps bound parameters
        query = (
            select(ActionOwner)
            .where(col(ActionOwner.action_id).in_(ids[start : start + 900]))
            .order_by(ActionOwner.action_id, ActionOwner.position)
        )
        for owner in (await session.exec(query)).all():
            out[owner.action_id].append(owner)
    return out


async def all_owner_names(session: AsyncSession) -> list[OwnerName]:
    return list((await session.exec(select(OwnerName))).all())


async def owner_names_by_ids(session: AsyncSession, ids: Iterable[int]) -> list[OwnerName]:
    ids = list(ids)
    out: list[OwnerName] = []
    for start in range(0, len(ids), 900):
        out.extend(
            (
                await session.exec(select(OwnerName).where(col(OwnerName.id).in_(ids[start : start + 900])))
            ).all()
        )
    return out


async def events_of(
    session: AsyncSession, action_ids: Iterable[int], kinds: tuple[str, ...] | None = None
) -> dict[int, list[ActionEvent]]:
    ids = list(action_ids)
    out: dict[int, list[ActionEvent]] = defaultdict(list)
    for start in range(0, len(ids), 900):
        query = select(ActionEvent).where(col(ActionEvent.action_id).in_(ids[start : start + 900]))
        if kinds:
            query = query.where(col(ActionEvent.kind).in_(kinds))
        query = query.order_by(ActionEvent.action_id, ActionEvent.at, ActionEvent.id)
        for event in (await session.exec(query)).all():
            out[event.action_id].append(event)
    return out


async def mentions_of(session: AsyncSession, refs: Iterable[str]) -> dict[str, list[Mention]]:
    """The discussion passages that name each ref, oldest first."""
    refs = list(refs)
    out: dict[str, list[Mention]] = defaultdict(list)
    for start in range(0, len(refs), 900):
        query = select(Mention).where(col(Mention.ref).in_(refs[start : start + 900])).order_by(Mention.id)
        for mention in (await session.exec(query)).all():
            out[mention.ref].append(mention)
    return out


async def all_actions(session: AsyncSession) -> list[tuple[Action, Group]]:
    query = select(Action, Group).join(Group, Group.id == Action.group_id).order_by(Group.code, Action.id)
    return list((await session.exec(query)).all())


async def all_decisions(session: AsyncSession) -> list[tuple[Decision, Group]]:
    query = (
        select(Decision, Group).join(Group, Group.id == Decision.group_id).order_by(Group.code, Decision.id)
    )
    return list((await session.exec(query)).all())


async def decisions_of_meeting(session: AsyncSession, meeting_id: int) -> list[tuple[Decision, Group]]:
    query = (
        select(Decision, Group)
        .join(Group, Group.id == Decision.group_id)
        .where(Decision.meeting_id == meeting_id)
        .order_by(Decision.id)
    )
    return list((await session.exec(query)).all())


async def recent_decisions(session: AsyncSession, limit: int = 10) -> list[tuple[Decision, Group]]:
    """The latest decisions: newest meeting first (not the order reports were imported in), and within a
    meeting by ref, highest first; those recorded without a meeting by when they were recorded."""
    query = (
        select(Decision, Group)
        .join(Group, Group.id == Decision.group_id)
        .join(Meeting, Meeting.id == Decision.meeting_id, isouter=True)
        .order_by(
            func.coalesce(Meeting.date, func.date(Decision.created_at)).desc(),
            func.length(Decision.ref).desc(),
            col(Decision.ref).desc(),
        )
        .limit(limit)
    )
    return list((await session.exec(query)).all())


async def later_events(session: AsyncSession, action_id: int, event_id: int) -> bool:
    query = (
        select(ActionEvent.id).where(ActionEvent.action_id == action_id, ActionEvent.id > event_id).limit(1)
    )
    return (await session.exec(query)).first() is not None


async def latest_update_text(
    session: AsyncSession, action_id: int, *, before_event: int | None = None
) -> str | None:
    """What the action's latest update said (before a given event, if one is given; retractions skipped)."""
    query = select(ActionEvent.text).where(
        ActionEvent.action_id == action_id,
        ActionEvent.kind == "updated",
        ~col(ActionEvent.text).startswith("Retracted: "),
    )
    if before_event is not None:
        query = query.where(ActionEvent.id < before_event)
    query = query.order_by(col(ActionEvent.at).desc(), col(ActionEvent.id).desc()).limit(1)
    return (await session.exec(query)).first()


async def reported_done(
    session: AsyncSession, group_id: int | None = None, *, for_update: bool = False
) -> list[Action]:
    """Open actions whose latest update reports delivery, oldest due first (locked, with `for_update`:
    a change made meanwhile elsewhere is waited for, and an action it closed is left out)."""
    query = select(Action).where(Action.status == "open", Action.reported_done == True)  # noqa: E712
    if group_id is not None:
        query = query.where(Action.group_id == group_id)
    if for_update:
        query = query.with_for_update()
    return list((await session.exec(query.order_by(Action.due_sort, Action.ref))).all())


async def refs_with_prefix(session: AsyncSession, group_id: int, prefix: str) -> list[str]:
    query = select(Action.ref).where(Action.group_id == group_id, col(Action.ref).startswith(prefix))
    return list((await session.exec(query)).all())


async def decision_refs(session: AsyncSession, group_id: int) -> list[str]:
    return list((await session.exec(select(Decision.ref).where(Decision.group_id == group_id))).all())


async def change_set(session: AsyncSession, event: ActionEvent) -> list[ActionEvent]:
    """The events of the change `event` belongs to (itself alone, for an event made before change sets)."""
    if event.change_id is None:
        return [event]
    query = select(ActionEvent).where(ActionEvent.change_id == event.change_id).order_by(ActionEvent.id)
    return list((await session.exec(query)).all())


async def latest_change_by(
    session: AsyncSession,
    *,
    slack_user_id: str | None = None,
    teams_user_id: str | None = None,
    member_id: int | None = None,
    by: str | None = None,
) -> ActionEvent | None:
    """The latest event of a change this person made that is not itself an undo, and not undone since:
    by their chat user when they have one, else as the member, else by name."""
    query = select(ActionEvent).where(
        col(ActionEvent.undoes).is_(None),
        col(ActionEvent.kind).in_(("closed", "reopened", "updated", "confirmed")),
    )
    if slack_user_id:
        query = query.where(ActionEvent.slack_user_id == slack_user_id)
    elif teams_user_id:
        query = query.where(ActionEvent.teams_user_id == teams_user_id)
    elif member_id is not None:
        query = query.where(ActionEvent.member_id == member_id)
    elif by:
        query = query.where(ActionEvent.by == by, col(ActionEvent.member_id).is_(None))
    else:
        return None
    undone = select(ActionEvent.undoes).where(col(ActionEvent.undoes).is_not(None)).scalar_subquery()
    query = query.where(col(ActionEvent.id).not_in(undone)).order_by(col(ActionEvent.id).desc()).limit(1)
    return (await session.exec(query)).first()


async def is_undone(session: AsyncSession, event_id: int) -> bool:
    query = select(ActionEvent.id).where(ActionEvent.undoes == event_id).limit(1)
    return (await session.exec(query)).first() is not None
