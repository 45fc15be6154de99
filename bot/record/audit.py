"""The audit trail of actions, built in one place: every change to an action (from a report, a workbook,
a chat message, a button, the command line) leaves one event saying what happened, to which action,
when it happened and when it was recorded, who made it (a name; the member; the chat user and how
they were linked to the member) and where from, with the status and due date before and after.

An event is built as its columns (`event_row`): the importer writes many at once with them, and a
single change adds one ActionEvent made from them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from bot.people.identity import Person
from storage.models import ActionEvent


@dataclass(frozen=True)
class Actor:
    """Who made a change, as the audit trail records them."""

    by: str | None  # a name: the member's, or as given ("WMAG 31 report", a login)
    member_id: int | None = None
    slack_user_id: str | None = None
    teams_user_id: str | None = None
    link_kind: str | None = None  # how the chat user was linked to the member (bot/people/identity.py)

    @classmethod
    def of(cls, person: Person) -> Actor:
        return cls(
            person.display,
            person.member_id,
            person.slack_user_id,
            person.teams_user_id,
            person.link,
        )


def new_change_id() -> str:
    """What the events of one change share (a request's, however many actions it touched): Undo takes
    them back together."""
    return uuid.uuid4().hex[:16]


def event_row(
    action_id: int | None,
    kind: str,
    actor: Actor,
    *,
    at: datetime,
    recorded_at: datetime,
    source: str | None,
    text: str | None = None,
    source_document_id: int | None = None,
    status_before: str | None = None,
    status_after: str | None = None,
    due_before: date | None = None,
    due_after: date | None = None,
    change_id: str | None = None,
    undoes: int | None = None,
) -> dict:
    """One event's columns. kind: created | updated | closed | reopened | confirmed | due_moved |
    owner_changed."""
    return {
        "action_id": action_id,
        "kind": kind,
        "text": text,
        "at": at,
        "recorded_at": recorded_at,
        "by": actor.by,
        "member_id": actor.member_id,
        "slack_user_id": actor.slack_user_id,
        "teams_user_id": actor.teams_user_id,
        "link_kind": actor.link_kind,
        "source": source,
        "source_document_id": source_document_id,
        "status_before": status_before,
        "status_after": status_after,
        "due_before": due_before,
        "due_after": due_after,
        "change_id": change_id,
        "undoes": undoes,
    }


def action_event(action_id: int, kind: str, actor: Actor, **columns) -> ActionEvent:
    """One event, to add to a session (see event_row for its columns)."""
    return ActionEvent(**event_row(action_id, kind, actor, **columns))
