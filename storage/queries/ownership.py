"""Who owns what: open actions by the reason they belong to someone.

A person named in an owner cell owns it ("named"); a role ("role"), an organisation ("organisation")
or a whole group ("group") owns it otherwise. Each query returns the order people read action logs
in: overdue first, then by due date, undated last.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from sqlalchemy import bindparam, func, literal, literal_column
from sqlalchemy.engine import Connection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Action, ActionOwner, Group, OwnerName

REASONS = ("named", "role", "organisation", "group")


def _kind_is(kind: str):
    # Written into the SQL, not bound: the lookup indexes hold one kind each (WHERE kind = 'role'...),
    # and only a literal lets SQLite see that the index already ensures it. Bound, it reads every
    # matching row from the table to check (13 ms instead of 0.8 ms to count the Programme's 8k).
    return ActionOwner.kind == literal(kind, literal_execute=True)


def _owner_condition(reason: str):
    """Owner rows for `reason`, their values bound as the expanding parameter `values`."""
    values = bindparam("values", expanding=True)
    if reason == "named":
        return col(ActionOwner.owner_name_id).in_(values)
    if reason == "role":
        return _kind_is("role") & col(ActionOwner.role_key).in_(values)
    if reason == "organisation":
        return _kind_is("organisation") & col(ActionOwner.org_key).in_(values)
    return _kind_is("group") & col(ActionOwner.group_code).in_(values)


def _qualified_condition(reason: str):
    """People named for a role or organisation ("iDNO rep (Stacey Buck)"), values bound as `values`."""
    column = ActionOwner.role_key if reason == "role" else ActionOwner.org_key
    return (ActionOwner.kind != reason) & col(column).in_(bindparam("values", expanding=True))


def _due_filters(query, column, before: bool, on_or_before: bool):
    # Sortable due dates are ISO text, undated ones "9999-12-31", so text comparison is date order.
    if before:
        query = query.where(column < bindparam("due_before"))
    if on_or_before:
        query = query.where(column <= bindparam("due_on_or_before"))
    return query


def _due_parameters(due_before: date | None, due_on_or_before: date | None) -> dict[str, str]:
    parameters = {}
    if due_before is not None:
        parameters["due_before"] = due_before.isoformat()
    if due_on_or_before is not None:
        parameters["due_on_or_before"] = due_on_or_before.isoformat()
    return parameters


class ActionRow(NamedTuple):
    """What a list of actions shows, read as plain columns: lists run to dozens of actions per answer,
    and full ORM objects (timestamps converted, identity-mapped) cost far more than the answer needs."""

    id: int
    ref: str
    area: str | None
    text: str
    owner: str | None
    due: date | None
    status: str
    reported_done: bool = False
    news_on: date | None = None


class GroupRow(NamedTuple):
    code: str


_ACTIONS_BY_IDS = (
    select(
        Action.id,
        Action.ref,
        Action.area,
        Action.text,
        Action.owner,
        Action.due,
        Action.status,
        Action.reported_done,
        Action.news_on,
        Group.code,
    )
    .join(Group, Group.id == Action.group_id)
    .where(col(Action.id).in_(bindparam("ids", expanding=True)))
)


def actions_by_ids(connection: Connection, ids: list[int]) -> list[tuple[ActionRow, GroupRow]]:
    """The actions, in the order of `ids`, each with its group."""
    if not ids:
        return []
    rows = connection.execute(_ACTIONS_BY_IDS, {"ids": ids}).all()
    found = {row[0]: (ActionRow(*row[:9]), GroupRow(row[9])) for row in rows}
    return [found[i] for i in ids if i in found]


COUNT_CAP = 1000  # a long list's total is counted this far, no further: "over 950 more" says enough


class AtLeast(int):
    """A count that stopped at COUNT_CAP: there are at least this many (counting every one of a
    role's 30,000 open actions at every question would cost more than the answer)."""


def _counted(rows):
    """How many rows the query gives, counted up to COUNT_CAP."""
    return select(func.count()).select_from(rows.limit(COUNT_CAP).subquery())


def _count(connection: Connection, counter, parameters: dict) -> int:
    """A _counted statement's count (AtLeast when it got to COUNT_CAP)."""
    found = connection.execute(counter, parameters).scalar_one()
    return AtLeast(found) if found >= COUNT_CAP else found


@functools.cache
def _owned_statements(reason: str, qualified: bool, status: bool, before: bool, on_or_before: bool):
    """The statements of one shape of _owned_ids, built once: building a statement cost several times
    running it (most of a person's lists' time, profiled under load); every value is bound."""
    condition = _qualified_condition(reason) if qualified else _owner_condition(reason)
    if status:
        condition = condition & (ActionOwner.status == bindparam("status"))
    ids = _due_filters(
        select(ActionOwner.action_id).where(condition), ActionOwner.due_sort, before, on_or_before
    )
    ids = ids.order_by(ActionOwner.due_sort, ActionOwner.action_id)
    # Counted from the lookup index alone: selecting action_id (not in it) read the table for each of
    # up to COUNT_CAP rows, most of an answer's time for a role's thousands of actions.
    counter = _due_filters(
        select(literal_column("1")).where(condition), ActionOwner.due_sort, before, on_or_before
    )
    return ids, ids.limit(bindparam("limit")), _counted(counter)


def _owned_ids(
    connection: Connection,
    reason: str,
    values: list,
    *,
    qualified: bool = False,
    status,
    due_before,
    due_on_or_before,
    limit,
):
    """Action ids whose owner rows are `reason`'s `values` (or, `qualified`, people named for that role
    or organisation), soonest due first, and how many in all.

    The lookup indexes end in (status, due_sort), so this walks one index in order and stops at the
    limit; an action named twice for the same reason is rare, and dropped here rather than grouped
    (grouping would read every match)."""
    every, limited, counter = _owned_statements(
        reason, qualified, status is not None, due_before is not None, due_on_or_before is not None
    )
    parameters = {"values": values, **_due_parameters(due_before, due_on_or_before)}
    if status is not None:
        parameters["status"] = status
    if limit is None:
        found = list(dict.fromkeys(connection.execute(every, parameters).scalars()))
        return found, len(found)
    found = list(dict.fromkeys(connection.execute(limited, {**parameters, "limit": limit * 2}).scalars()))
    found = found[:limit]
    if len(found) < limit:
        return found, len(found)
    return found, _count(connection, counter, parameters)


async def unresolved_owner_names(session: AsyncSession) -> list[OwnerName]:
    return list((await session.exec(select(OwnerName).where(col(OwnerName.member_id).is_(None)))).all())


def actions_owned(
    connection: Connection,
    reason: str,
    values: Iterable,
    *,
    status: str | None = "open",
    due_before: date | None = None,
    due_on_or_before: date | None = None,
    limit: int | None = None,
) -> tuple[list[tuple[ActionRow, GroupRow]], int]:
    """Actions owned for one reason, and how many there are in all (the list may be cut at `limit`)."""
    values = list(values)
    if not values:
        return [], 0
    ids, total = _owned_ids(
        connection,
        reason,
        values,
        status=status,
        due_before=due_before,
        due_on_or_before=due_on_or_before,
        limit=limit,
    )
    return actions_by_ids(connection, ids), total


def all_open(
    connection: Connection,
    *,
    group_id: int | None = None,
    due_before: date | None = None,
    due_on_or_before: date | None = None,
    limit: int | None = None,
    reported_done: bool | None = None,
) -> tuple[list[tuple[ActionRow, GroupRow]], int]:
    """Every open action (of one group, if given), soonest due first; only those reported done, or only
    those not, if `reported_done` says so."""
    ids = select(Action.id).where(Action.status == "open")
    counter = select(Action.id).where(Action.status == "open")
    if reported_done is not None:
        ids = ids.where(Action.reported_done == reported_done)
        counter = counter.where(Action.reported_done == reported_done)
    if group_id is not None:
        ids, counter = ids.where(Action.group_id == group_id), counter.where(Action.group_id == group_id)
    before, on_or_before = due_before is not None, due_on_or_before is not None
    ids = _due_filters(ids, Action.due_sort, before, on_or_before).order_by(Action.due_sort, Action.id)
    counter = _counted(_due_filters(counter, Action.due_sort, before, on_or_before))
    if limit is not None:
        ids = ids.limit(limit)
    parameters = _due_parameters(due_before, due_on_or_before)
    found = list(connection.execute(ids, parameters).scalars())
    total = len(found) if limit is None or len(found) < limit else _count(connection, counter, parameters)
    return actions_by_ids(connection, found), total


async def owner_rows_with_names(
    session: AsyncSession, action_id: int
) -> list[tuple[ActionOwner, OwnerName | None]]:
    query = (
        select(ActionOwner, OwnerName)
        .join(OwnerName, OwnerName.id == ActionOwner.owner_name_id, isouter=True)
        .where(ActionOwner.action_id == action_id)
        .order_by(ActionOwner.position)
    )
    return list((await session.exec(query)).all())


def actions_qualified_by(
    connection: Connection,
    reason: str,
    values: Iterable,
    *,
    due_before: date | None = None,
    due_on_or_before: date | None = None,
    limit: int | None = None,
) -> tuple[list[tuple[ActionRow, GroupRow]], int]:
    """Open actions of people named for a role or organisation: "iDNO rep (Stacey Buck)" is the iDNO
    representative's business too, though Stacey Buck owns it."""
    values = list(values)
    if not values:
        return [], 0
    ids, total = _owned_ids(
        connection,
        reason,
        values,
        qualified=True,
        status="open",
        due_before=due_before,
        due_on_or_before=due_on_or_before,
        limit=limit,
    )
    return actions_by_ids(connection, ids), total
