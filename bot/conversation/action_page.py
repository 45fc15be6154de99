"""The page a link in an email opens (/a/TOKEN): one action as it stands now, its history, and what its
owner can do there (Mark done, Add an update, Not mine, and Undo after a change), for members who are
not in Slack or Teams. What it shows and what each form does are decided here; handlers/email/page.py
only renders it and turns a form into a turn of the core (bot/conversation/turns.py), as Slack's
buttons are.

Opening the link changes nothing (mail scanners and link previews open links). The link names the
member it was sent to and one action (bot/people/email_links.py): whoever holds it acts as that member
on that action only, with their own actions' rights (never the secretariat's); every change is one
audit event with source `email`. The page is always read afresh, so an update, a close and its Undo can
follow each other from the same link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.calendar.clock import to_london
from bot.conversation.layout import ADD_UPDATE, MARK_DONE, NOT_MINE, UNDO
from bot.conversation.outcome import Outcome, refusal
from bot.conversation.render import when
from bot.conversation.turns import Place, Turn, take_turn
from bot.digests import reach
from bot.people.email_links import EmailLinks, LinkRefused, same_address
from bot.people.identity import EMAILED, Person, person_for_member
from bot.services import Services
from storage.models import Action, ActionEvent
from storage.queries import actions as action_queries
from storage.queries import members as member_queries

SOURCE = "email"
PLACE = Place("email")
MAX_NOTE = 2000  # characters a form's note may have (the record takes up to 3000)
VERBS = {"done": MARK_DONE, "update": ADD_UPDATE, "not_mine": NOT_MINE, "undo": UNDO}
KINDS = {
    "created": "added",
    "updated": "update",
    "closed": "closed",
    "reopened": "reopened",
    "confirmed": "confirmed done",
    "due_moved": "due date moved",
    "owner_changed": "owner changed",
    "not_mine": "said not theirs",
}
# What a refused link's page says: a title and what to do.
REFUSED = {
    "forged": (
        "This link does not work",
        "It is not a link the bot made, or it was cut short when it was copied. Open it again from the "
        "email itself, or ask the secretariat (reply to the email).",
    ),
    "expired": (
        "This link has expired",
        "Links in emails work for a limited time. The next digest or reminder brings a fresh link; or ask "
        "the secretariat (reply to the email).",
    ),
    "stale": (
        "This link is no longer yours",
        "It was sent to an email address the secretariat no longer has on record for you. Ask them if "
        "that is wrong.",
    ),
    "gone": ("This action is no longer in the record", "Ask the secretariat (reply to the email)."),
}


@dataclass(frozen=True)
class Opened:
    """A link that checks out: who it was sent to (as a person of the record) and which action."""

    token: str
    person: Person
    action_id: int
    ref: str


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    what: str
    by: str | None
    text: str | None
    by_email: bool


@dataclass
class ActionPage:
    ref: str
    text: str
    group: str
    area: str | None
    owner: str | None
    status: str  # open | closed
    due: str  # "15 Nov 2023 (overdue by 12 days)"
    overdue: bool
    reported_done: bool
    member: str  # who the link was sent to
    history: list[HistoryLine] = field(default_factory=list)
    said: str | None = None  # the outcome of the change just made
    undo_event: int | None = None  # the change just made, when it can still be undone


async def open_link(services: Services, links: EmailLinks, token: str) -> Opened:
    """The member and action a link names, as they are now; LinkRefused (forged, expired, stale, gone)
    when it does not check out. Reads only."""
    link = links.read_action(token)
    async with services.db.read() as session:
        member = await member_queries.member_by_id(session, link.member_id)
        if member is None or not same_address(link.address, member.email):
            raise LinkRefused("stale")
        action = await session.get(Action, link.action_id)
        if action is None:
            raise LinkRefused("gone")
        person = await person_for_member(session, member, link=EMAILED)
    return Opened(token, person, action.id, action.ref)


async def page_of(services: Services, opened: Opened, *, changed: int | None = None) -> ActionPage:
    """The action as it stands now, and, after a change (`changed`: its event), what it did and its Undo
    while it can still be undone."""
    today = services.clock.today()
    async with services.db.read() as session:
        found = await action_queries.action_by_ref(session, opened.ref)
        action, group = found
        events = (await action_queries.events_of(session, [action.id])).get(action.id, [])
        undoable = None
        said = None
        event = next((e for e in events if e.id == changed), None)
        if event is not None and event.member_id == opened.person.member_id:
            said = _said(event, action)
            if (
                event.undoes is None
                and event.kind in ("closed", "updated", "reopened")
                and not await action_queries.is_undone(session, event.id)
                and not await action_queries.later_events(session, action.id, event.id)
            ):
                undoable = event.id
    due_passed = action.due is not None and action.due < today
    return ActionPage(
        ref=action.ref,
        text=action.text,
        group=group.code,
        area=action.area,
        owner=action.owner,
        status=action.status,
        due=when(action.due, today)
        if action.status == "open"
        else (f"{action.due:%d %b %Y}" if action.due else "none"),
        overdue=action.status == "open" and due_passed and not action.reported_done,
        reported_done=bool(action.reported_done),
        member=opened.person.display,
        history=[
            HistoryLine(
                to_london(e.at), KINDS.get(e.kind, e.kind.replace("_", " ")), e.by, e.text, e.source == SOURCE
            )
            for e in reversed(events)
        ],
        said=said,
        undo_event=undoable,
    )


def _said(event: ActionEvent, action: Action) -> str:
    """What the change just made did, said as the person who made it reads it."""
    if event.undoes is not None:
        if event.kind == "updated":
            return f"Undone: your update to {action.ref} is retracted."
        return f"Undone: {action.ref} is {event.status_after} again."
    return {
        "closed": f"Marked done: {action.ref} is closed.",
        "updated": f"Your update to {action.ref} is recorded.",
        "reopened": f"{action.ref} is open again.",
        "not_mine": f"Thank you: the secretariat is told that {action.ref} is not yours, to put right.",
    }.get(event.kind, f"{action.ref}: {event.kind}.")


async def act(services: Services, opened: Opened, what: str, note: str | None, event: str | None) -> Outcome:
    """A form sent from the page, as a turn of the core: Mark done (with a note), Add an update, Not mine,
    or Undo a change made on this action. Anything else, or an Undo of another action's change, is
    refused and changes nothing."""
    verb = VERBS.get(what)
    if verb is None:
        return _refused("That is not something this page can do.")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        return _refused(f"That note is too long ({len(note)} characters; the most is {MAX_NOTE}).")
    if verb == ADD_UPDATE and not note:
        return _refused("Write the update first: what has happened, or where it stands.")
    data: dict = {"ref": opened.ref}
    if verb == UNDO:
        event_id = int(event) if event and event.isdigit() and len(event) <= 12 else None
        async with services.db.read() as session:
            found = await session.get(ActionEvent, event_id) if event_id else None
        if found is None or found.action_id != opened.action_id:
            return _refused("That change is not one of this action's.")
        data = {"event": event_id}
    elif note:
        data["note"] = note
    return await take_turn(services, Turn(PLACE, person=opened.person, verb=verb, data=data, source=SOURCE))


def _refused(text: str) -> Outcome:
    return refusal(text)


async def latest_change(services: Services, opened: Opened) -> int | None:
    """The newest event on this action made by the member the link names (what a form just did)."""
    async with services.db.read() as session:
        events = (await action_queries.events_of(session, [opened.action_id])).get(opened.action_id, [])
    mine = [e.id for e in events if e.member_id == opened.person.member_id]
    return max(mine) if mine else None


async def unsubscribe(services: Services, links: EmailLinks, token: str) -> str:
    """A member's one-click unsubscribe (RFC 8058), or the page's button: no more email (chat only);
    the name of the member. LinkRefused when the link does not check out."""
    member_id, address = links.read_unsubscribe(token)
    async with services.db.read() as session:
        member = await member_queries.member_by_id(session, member_id)
        if member is None or not same_address(address, member.email):
            raise LinkRefused("stale")
        person = await person_for_member(session, member, link=EMAILED)
    if reach.choice(member) != reach.CHAT:
        ok, _said = await reach.set_notify(
            services.db, services.clock, member.id, reach.CHAT, by=person, source="email:unsubscribe"
        )
        if not ok:
            raise LinkRefused("gone")
    return member.name
