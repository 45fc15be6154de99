"""Changing the record: close, reopen and update actions; add actions and decisions by hand.

Only an owner of the action (named, or by role, organisation or group) or the secretariat may change
it, as bot/people/rights.py says. Every change is one transaction that writes an action
event saying who, when and where from; a refusal gives the reason and changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.calendar.clock import Clock, real_utcnow
from bot.conversation.groups import which_group
from bot.people.identity import Person
from bot.people.members import load_index, resolve_owner_names
from bot.people.notices import NotMineNotice
from bot.people.rights import OWNER_REASONS, counts_as_owner, secretariat_only
from bot.record.audit import Actor, action_event, new_change_id
from bot.record.importer import insert_owner_rows, owner_rows
from bot.record.refs import action_ref, decision_ref, find_refs, parse_action_cell, parse_decision_cell
from bot.record.text import clean_cell
from bot.record.updates import update_closes, update_reports_delivery
from storage.db import Database
from storage.models import Action, ActionEvent, Decision
from storage.queries import actions as action_queries
from storage.queries import groups as group_queries
from storage.queries import meetings as meeting_queries
from storage.queries import ownership as ownership_queries
from storage.queries.importing import ImportStore

MAX_NOTE = 3000
VERBS = {"close": "close", "reopen": "reopen", "update": "update"}


@dataclass
class ChangeResult:
    ok: bool
    message: str
    ref: str | None = None
    event_id: int | None = None
    status: str | None = None
    reason: str | None = None  # why the person may make the change: named, role, ..., secretariat
    undone: list[str] = field(default_factory=list)  # an undo: the refs it put back


async def record(
    session,
    action: Action,
    kind: str,
    text: str | None,
    person: Person,
    clock: Clock,
    source: str,
    status: str,
    *,
    change_id: str | None = None,
    undoes: int | None = None,
) -> ActionEvent:
    """One change to an action and its audit event: who, from where, when it happened (the clock's
    time, which --now may set) and when it was recorded (always the real time), and the change it is
    part of."""
    at = clock.utcnow()
    before = action.status
    action.status, action.updated_at = status, real_utcnow()
    action.news_on = max(filter(None, (action.news_on, clock.today())))
    if status == "closed":
        action.reported_done = False
    event = action_event(
        action.id,
        kind,
        Actor.of(person),
        text=text,
        at=at,
        recorded_at=real_utcnow(),
        source=source,
        status_before=before,
        status_after=status,
        change_id=change_id or new_change_id(),
        undoes=undoes,
    )
    session.add(event)
    await session.flush()
    return event


async def ownership_reason(session, action_id: int, person: Person) -> str | None:
    """Why this action is the person's to change, if it is: the strongest of named, role, organisation
    and group that their link lets count (bot/people/rights.py)."""
    found = set()
    for owner, _name in await ownership_queries.owner_rows_with_names(session, action_id):
        if owner.kind == "person" and owner.owner_name_id in person.owner_name_ids:
            reason = "named"
        elif owner.kind == "role" and owner.role_key in person.role_keys:
            reason = "role"
        elif owner.kind == "organisation" and person.org_key and owner.org_key == person.org_key:
            reason = "organisation"
        elif owner.kind == "group" and owner.group_code in person.group_codes:
            reason = "group"
        else:
            continue
        if counts_as_owner(person, reason, owner.role_key):
            found.add(reason)
    return next((r for r in OWNER_REASONS if r in found), None)


async def first_action_ref(db: Database, text: str) -> str | None:
    async with db.read() as session:
        codes = await group_queries.group_codes(session)
    default = which_group(codes)
    for ref, _start, _end in find_refs(text, codes, default, loose=True):
        if ref.kind == "action":
            return ref.canonical
    cell = parse_action_cell(text.strip().split()[0], default) if text.strip() else None
    return cell.canonical if cell else None


async def change_action(
    db: Database,
    ref_text: str,
    verb: str,
    person: Person,
    clock: Clock,
    *,
    note: str | None = None,
    source: str = "cli",
    change_id: str | None = None,
) -> ChangeResult:
    """Close, reopen or update one action, if this person may (as part of `change_id`, if given)."""
    note = clean_cell(note) if note else None
    if note and len(note) > MAX_NOTE:
        return ChangeResult(False, f"That note is too long ({len(note)} characters; the most is {MAX_NOTE}).")
    if verb == "update" and not note:
        return ChangeResult(False, "An update needs some text: update REF TEXT.")
    ref = await first_action_ref(db, ref_text)
    if ref is None:
        return ChangeResult(False, f"I can't see an action ref in “{ref_text[:80]}”.")

    async def apply(session) -> ChangeResult:
        found = await action_queries.action_by_ref(session, ref, for_update=True)
        if found is None:
            return ChangeResult(False, f"I don't know {ref}.", ref)
        action, _group = found
        reason = await ownership_reason(session, action.id, person)
        if reason is None and person.is_secretariat:
            reason = "secretariat"
        if reason is None:
            return ChangeResult(False, f"Only the owner or the secretariat can {VERBS[verb]} {ref}.", ref)
        if verb == "close" and action.status == "closed":
            return ChangeResult(False, f"{ref} is already closed.", ref, status="closed", reason=reason)
        if verb == "reopen" and action.status == "open":
            return ChangeResult(False, f"{ref} is already open.", ref, status="open", reason=reason)
        kind = {"close": "closed", "reopen": "reopened", "update": "updated"}[verb]
        status = {"close": "closed", "reopen": "open"}.get(verb, action.status)
        event = await record(
            session, action, kind, note or None, person, clock, source, status, change_id=change_id
        )
        if verb == "update":
            action.reported_done = action.status == "open" and update_reports_delivery(note)
        done = {"close": "Closed", "reopen": "Reopened", "update": "Updated"}[verb]
        return ChangeResult(True, f"{done} {ref}.", ref, event.id, action.status, reason)

    return await db.transaction(apply)


async def disown(
    db: Database, ref: str, person: Person, clock: Clock, *, note: str | None = None, source: str = "email"
) -> tuple[ChangeResult, NotMineNotice | None]:
    """A member says an action named as theirs is not: recorded in its history ("not_mine", the action
    otherwise unchanged), and the notice to tell the secretariat, who correct the owner."""
    note = clean_cell(note).strip() if note else None
    if note and len(note) > MAX_NOTE:
        return ChangeResult(
            False, f"That note is too long ({len(note)} characters; the most is {MAX_NOTE})."
        ), None
    if person.member is None:
        return ChangeResult(False, "Only a member can say an action is not theirs."), None

    async def apply(session) -> tuple[ChangeResult, NotMineNotice | None]:
        found = await action_queries.action_by_ref(session, ref, for_update=True)
        if found is None:
            return ChangeResult(False, f"I don't know {ref}.", ref), None
        action, _group = found
        event = ActionEvent(
            action_id=action.id,
            kind="not_mine",
            text=note,
            at=clock.utcnow(),
            recorded_at=real_utcnow(),
            by=person.display,
            member_id=person.member_id,
            slack_user_id=person.slack_user_id,
            teams_user_id=person.teams_user_id,
            link_kind=person.link,
            source=source,
            status_before=action.status,
            status_after=action.status,
            change_id=new_change_id(),
        )
        session.add(event)
        await session.flush()
        notice = NotMineNotice(person.member_id, person.display, action.ref, action.text, note)
        message = f"Thank you: the secretariat is told that {action.ref} is not yours, to put right."
        # No event id: telling the secretariat is not a change to the action, and has no Undo.
        return ChangeResult(True, message, action.ref, None, action.status), notice

    return await db.transaction(apply)


async def change_actions(
    db: Database,
    refs: list[str],
    verb: str,
    person: Person,
    clock: Clock,
    *,
    note: str | None = None,
    source: str = "cli",
) -> list[ChangeResult]:
    """The same change to several actions ("done TMAG04-01 TMAG06-02 TMAG06-04 note"): each its own
    transaction and its own audit event, each allowed or refused on its own; one change for Undo."""
    change_id = new_change_id()
    return [
        await change_action(db, ref, verb, person, clock, note=note, source=source, change_id=change_id)
        for ref in refs
    ]


async def confirm_reported(
    db: Database, person: Person, clock: Clock, *, group_code: str | None = None, source: str = "cli"
) -> ChangeResult:
    """The secretariat confirms every action reported done (of one group, or all): each is closed with a
    "confirmed" event carrying the update that reported it, in one transaction."""
    refused = secretariat_only(person, "confirm what was reported done")
    if refused:
        return ChangeResult(False, refused)

    async def apply(session) -> ChangeResult:
        group = await group_queries.group_by_code(session, group_code) if group_code else None
        if group_code and group is None:
            return ChangeResult(False, f"I don't know the group {group_code}.")
        actions = await action_queries.reported_done(session, group.id if group else None, for_update=True)
        if not actions:
            return ChangeResult(
                False, f"Nothing {'of ' + group.code + ' ' if group else ''}is waiting to be confirmed."
            )
        change_id = new_change_id()
        for action in actions:
            said = await action_queries.latest_update_text(session, action.id)
            event = await record(
                session,
                action,
                "confirmed",
                f"Confirmed: {said}" if said else "Confirmed",
                person,
                clock,
                source,
                "closed",
                change_id=change_id,
            )
        refs = ", ".join(a.ref for a in actions)
        return ChangeResult(
            True,
            f"Confirmed and closed {len(actions)} reported done: {refs}.",
            event_id=event.id,
            status="closed",
            reason="secretariat",
        )

    return await db.transaction(apply)


async def undo_change(
    db: Database, event_id: int, person: Person, clock: Clock, *, source: str = "cli"
) -> ChangeResult:
    """Undo a change this person made (all of it: every action a "confirm all" or "done A B C" closed):
    new events put each action back, the trail keeps both. An action changed since is left as it is."""

    async def apply(session) -> ChangeResult:
        event = await session.get(ActionEvent, event_id)
        if event is None:
            return ChangeResult(False, "There is nothing to undo.")
        if event.undoes is not None or await action_queries.is_undone(session, event.id):
            action = await session.get(Action, event.action_id)
            return ChangeResult(False, f"That change to {action.ref} was already undone.", action.ref)
        if not _made_by(event, person) and not person.is_secretariat:
            action = await session.get(Action, event.action_id)
            return ChangeResult(
                False, f"Only the person who made that change can undo it ({action.ref}).", action.ref
            )
        change_id, undone, kept = new_change_id(), [], []
        last = None
        for each in await action_queries.change_set(session, event):
            if each.undoes is not None or await action_queries.is_undone(session, each.id):
                continue
            action = await session.get(Action, each.action_id, with_for_update=True)
            if await action_queries.later_events(session, action.id, each.id):
                kept.append(action.ref)
                continue
            last = await _put_back(session, each, action, person, clock, source, change_id)
            if last is not None:
                undone.append((action.ref, action.status, each.kind))
        if not undone:
            which = ", ".join(kept) or "it"
            return ChangeResult(
                False, f"{which} has changed since; undo is no longer possible.", kept[0] if kept else None
            )
        if len(undone) == 1:
            ref, status, kind = undone[0]
            message = (
                f"Undone: the update to {ref} is retracted."
                if kind == "updated"
                else f"Undone: {ref} is {status} again."
            )
        else:
            message = (
                f"Undone: {len(undone)} actions are as they were ({', '.join(r for r, _, _ in undone)})."
            )
        if kept:
            message += f" Not {', '.join(kept)}: changed since."
        ref, status, _ = undone[0]
        return ChangeResult(True, message, ref, last.id, status, undone=[r for r, _, _ in undone])

    return await db.transaction(apply)


def _made_by(event: ActionEvent, person: Person) -> bool:
    return (
        (event.member_id is not None and event.member_id == person.member_id)
        or (event.slack_user_id is not None and event.slack_user_id == person.slack_user_id)
        or (event.teams_user_id is not None and event.teams_user_id == person.teams_user_id)
        # someone known only by name (an owner who is not yet a member), in the same console or CLI
        or (
            event.member_id is None
            and event.slack_user_id is None
            and event.teams_user_id is None
            and event.by == person.display
        )
    )


async def _put_back(session, event: ActionEvent, action: Action, person, clock, source, change_id):
    """The event that takes `event` back on its action (None for a kind of change that can't be)."""
    at = clock.now()
    if event.kind in ("closed", "reopened", "confirmed"):
        restored = event.status_before or ("closed" if event.kind == "reopened" else "open")
        kind = "reopened" if restored == "open" else "closed"
        undone = {"closed": "close", "confirmed": "confirmation", "reopened": "reopen"}[event.kind]
        text = f"Undo of the {undone} at {at:%H:%M}"
    elif event.kind == "updated":
        restored, kind, text = action.status, "updated", f"Retracted: {event.text}"
    else:
        return None
    undo = await record(
        session, action, kind, text, person, clock, source, restored, change_id=change_id, undoes=event.id
    )
    latest = await action_queries.latest_update_text(session, action.id, before_event=event.id)
    action.reported_done = restored == "open" and update_reports_delivery(latest)
    return undo


async def undo_last(db: Database, person: Person, clock: Clock, *, source: str = "cli") -> ChangeResult:
    """`undo` typed anywhere: the latest change this person made, not undone yet."""
    async with db.read() as session:
        event = await action_queries.latest_change_by(
            session,
            slack_user_id=person.slack_user_id,
            teams_user_id=person.teams_user_id,
            member_id=person.member_id,
            by=person.display,
        )
    if event is None:
        return ChangeResult(False, "There is nothing of yours to undo.")
    return await undo_change(db, event.id, person, clock, source=source)


# --- adding by hand -----------------------------------------------------------------------------


def _refuse_record(person: Person, text: str, doing: str, what: str) -> ChangeResult | None:
    refused = secretariat_only(person, doing)
    if refused:
        return ChangeResult(False, refused)
    if not text:
        return ChangeResult(False, f"{what} needs its text.")
    return None


async def add_action(
    db: Database,
    person: Person,
    clock: Clock,
    *,
    text: str,
    group_code: str,
    owner: str | None = None,
    due: date | None = None,
    area: str | None = None,
    ref: str | None = None,
    source: str = "cli",
) -> ChangeResult:
    """A new action from the secretariat (reports are the usual way; this is for between meetings)."""
    text = clean_cell(text)
    refused = _refuse_record(person, text, "add actions", "An action")
    if refused:
        return refused
    wanted = ref

    async def apply(session) -> ChangeResult:
        group = await group_queries.ensure_group(session, group_code)
        await action_queries.lock_group_record(session, group.code)
        if wanted:
            parsed = parse_action_cell(wanted, group.code)
            if parsed is None:
                return ChangeResult(False, f"“{wanted}” is not an action ref like {group.code}22-01.")
            ref = parsed.canonical
        else:
            ref = await _next_action_ref(session, group, clock.today())
        if await action_queries.action_by_ref(session, ref):
            return ChangeResult(False, f"{ref} already exists.", ref)
        now = clock.utcnow()
        latest = await meeting_queries.last_held(session, group.id, clock.today() + timedelta(days=1))
        action = Action(
            group_id=group.id,
            ref=ref,
            area=area,
            text=text,
            owner=owner,
            due=due,
            status="open",
            meeting_id=latest.id if latest else None,
            created_at=now,
            updated_at=now,
        )
        session.add(action)
        await session.flush()
        rows = owner_rows(owner, await group_queries.group_codes(session), group.code)
        new_names = await session.run_sync(
            lambda s: insert_owner_rows(ImportStore.of(s), [(action.id, rows)])
        )
        created = action_event(
            action.id,
            "created",
            Actor.of(person),
            at=now,
            recorded_at=real_utcnow(),
            source=source,
            status_after="open",
            due_after=due,
            change_id=new_change_id(),
        )
        session.add(created)
        if new_names:
            names = await action_queries.owner_names_by_ids(session, new_names)
            await resolve_owner_names(session, await load_index(session), names=names)
        return ChangeResult(True, f"Added {ref}: {text}", ref, status="open")

    return await db.transaction(apply)


async def _next_action_ref(session, group, today: date) -> str:
    latest = await meeting_queries.last_held(session, group.id, today + timedelta(days=1))
    number = latest.number if latest and latest.number else "0"
    taken = await action_queries.refs_with_prefix(session, group.id, action_ref(group.code, number, 0)[:-2])
    sequence = max((int(r.rsplit("-", 1)[1]) for r in taken if re.search(r"-\d+$", r)), default=0) + 1
    return action_ref(group.code, number, sequence)


async def add_decision(
    db: Database,
    person: Person,
    clock: Clock,
    *,
    text: str,
    group_code: str,
    area: str | None = None,
    ref: str | None = None,
) -> ChangeResult:
    text = clean_cell(text)
    refused = _refuse_record(person, text, "record decisions", "A decision")
    if refused:
        return refused
    wanted = ref

    async def apply(session) -> ChangeResult:
        group = await group_queries.ensure_group(session, group_code)
        await action_queries.lock_group_record(session, group.code)
        if wanted:
            parsed = parse_decision_cell(wanted, group.code)
            if parsed is None:
                return ChangeResult(False, f"“{wanted}” is not a decision ref like {group.code}-DEC41.")
            ref = parsed.canonical
        else:
            taken = await action_queries.decision_refs(session, group.id)
            numbers = [int(m.group(1)) for r in taken if (m := re.search(r"DEC(\d+)$", r))]
            ref = decision_ref(group.code, max(numbers, default=0) + 1)
        if await action_queries.decision_by_ref(session, ref):
            return ChangeResult(False, f"{ref} already exists.", ref)
        latest = await meeting_queries.last_held(session, group.id, clock.today() + timedelta(days=1))
        session.add(
            Decision(
                group_id=group.id,
                ref=ref,
                area=area,
                text=text,
                meeting_id=latest.id if latest else None,
                created_at=clock.utcnow(),
            )
        )
        return ChangeResult(True, f"Recorded {ref}: {text}", ref)

    return await db.transaction(apply)


__all__ = [
    "ChangeResult",
    "add_action",
    "add_decision",
    "change_action",
    "ownership_reason",
    "undo_change",
    "update_closes",
]
