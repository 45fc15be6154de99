"""The whole record as JSON (for tools and graders) or CSV (for the secretariat's spreadsheet)."""

from __future__ import annotations

import csv
import io
import re

from bot.calendar.clock import to_london
from bot.people.vocab import organisation_name
from storage.db import Database
from storage.queries import actions as action_queries
from storage.queries import links as link_queries
from storage.queries import meetings as meeting_queries
from storage.queries import members as member_queries
from storage.text import cell_text, clean_strings

CSV_COLUMNS = [
    "Area",
    "Action Ref",
    "Action",
    "Owner",
    "Due Date",
    "Update",
    "Status",
    "Closed On",
    "Closed By",
]
TEXT_KINDS = ("updated", "closed", "reopened", "confirmed")  # events whose text is an Update
KIND_NAMES = {"due_moved": "due moved"}


def natural_key(ref: str) -> list:
    """TMAG4-01 < TMAG22-01 < TMAG100-01; 10.1 sorts after 10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", ref)]


def owner_parts(owners) -> list[dict]:
    out = []
    for owner in owners:
        part = {"kind": owner.kind, "name": owner.name}
        if owner.kind == "person":
            if owner.org_key:
                part["organisation"] = organisation_name(owner.org_key)
            if owner.role_key:
                part["role"] = owner.role_key
        elif owner.kind == "role" and owner.org_key:
            part["organisation"] = organisation_name(owner.org_key)
        out.append(part)
    return out


async def export_data(db: Database, *, personal: bool = False) -> dict:
    """Everything as JSON, every string cleaned (storage/text.py): whatever the database holds, from
    before its text was cleaned on the way in too, the export can be written. Members' emails, their
    chat users and the identity audit trail are personal data, left out unless `personal` (`export
    --with-personal-data`, and `db copy`'s check)."""
    async with db.read() as session:
        meetings = await meeting_queries.all_meetings(session)
        actions = await action_queries.all_actions(session)
        decisions = await action_queries.all_decisions(session)
        members = await member_queries.all_members(session)
        identity = await link_queries.all_events(session) if personal else []
        action_ids = [action.id for action, _ in actions]
        owners = await action_queries.owners_of(session, action_ids)
        events = await action_queries.events_of(session, action_ids)
    numbers = {meeting.id: meeting.number for meeting, _ in meetings}
    actions.sort(key=lambda pair: (pair[1].code, natural_key(pair[0].ref)))
    decisions.sort(key=lambda pair: (pair[1].code, natural_key(pair[0].ref)))
    record = _record(meetings, actions, decisions, members, owners, events, numbers, identity, personal)
    return clean_strings(record)


def _record(meetings, actions, decisions, members, owners, events, numbers, identity, personal) -> dict:
    return {
        "meetings": [
            {
                "group": group.code,
                "number": meeting.number,
                "date": meeting.date.isoformat(),
                "start": meeting.start,
                "end": meeting.end,
                "extraordinary": meeting.extraordinary,
                "status": meeting.status,
            }
            for meeting, group in meetings
        ],
        "actions": [
            {
                "ref": action.ref,
                "group": group.code,
                "area": action.area,
                "text": action.text,
                "owner": action.owner,
                "owners": owner_parts(owners.get(action.id, [])),
                "due": action.due.isoformat() if action.due else None,
                "status": action.status,
                "reported_done": bool(action.reported_done),
                "meeting": numbers.get(action.meeting_id),
                "updates": [_event(event) for event in events.get(action.id, [])],
                **_closing(events.get(action.id, []), action.status),
            }
            for action, group in actions
        ],
        "decisions": [
            {
                "ref": decision.ref,
                "group": group.code,
                "area": decision.area,
                "text": decision.text,
                "meeting": numbers.get(decision.meeting_id),
            }
            for decision, group in decisions
        ],
        "members": [_member(m, personal) for m in members],
        **(
            {"identity_events": [_identity_event(e, {m.id: m.name for m in members}) for e in identity]}
            if personal
            else {}
        ),
    }


def _member(member, personal: bool) -> dict:
    out = {
        "name": member.name,
        "initials": member.initials,
        "role": member.role,
        "organisation": member.organisation,
    }
    if personal:
        out |= {
            "email": member.email,
            "slack": {"user": member.slack_user_id, "link": member.slack_link}
            if member.slack_user_id
            else None,
            "teams": {"user": member.teams_user_id, "link": member.teams_link}
            if member.teams_user_id
            else None,
            "secretariat": member.is_secretariat,
            "chair": member.is_chair,
            "notify": member.notify or "auto",
            "email_failing": member.email_failing,
        }
    return out


def _identity_event(event, names: dict[int, str]) -> dict:
    """One entry of the identity audit trail: a link made or ended, rights granted or revoked."""
    return {
        "member": names.get(event.member_id),
        "kind": event.kind,
        "platform": event.platform,
        "user": event.user_id,
        "link": event.link_kind,
        "text": event.text,
        "by": event.by,
        "by_user": event.by_user,
        "source": event.source,
        "at": to_london(event.at).isoformat(),
    }


def _event(event) -> dict:
    """One entry of an action's audit trail: what happened, who did it, when and from where."""
    out = {
        "kind": KIND_NAMES.get(event.kind, event.kind),
        "text": event.text,
        "at": to_london(event.at).isoformat(),
        "recorded_at": to_london(event.recorded_at).isoformat() if event.recorded_at else None,
        "by": event.by,
        "source": event.source,
    }
    if event.link_kind:
        out["link"] = event.link_kind  # how the chat user who made it was linked to that member
    if event.status_before != event.status_after and event.status_after:
        out["status"] = {"from": event.status_before, "to": event.status_after}
    if event.due_before != event.due_after and event.kind != "created":
        out["due"] = {
            "from": event.due_before.isoformat() if event.due_before else None,
            "to": event.due_after.isoformat() if event.due_after else None,
        }
    return out


def _closing(events: list, status: str) -> dict:
    """When and by whom a closed action was last closed (or confirmed)."""
    if status != "closed":
        return {"closed_on": None, "closed_by": None}
    last = next((e for e in reversed(events) if e.kind in ("closed", "confirmed")), None)
    if last is None:
        return {"closed_on": None, "closed_by": None}
    return {"closed_on": to_london(last.at).date().isoformat(), "closed_by": last.by}


def latest_update(action: dict) -> str:
    """The text of an action's latest Update (what the secretariat's log shows in its Update column)."""
    texts = [u["text"] for u in action["updates"] if u["text"] and u["kind"] in TEXT_KINDS]
    return texts[-1] if texts else ""


def _day_month_year(iso: str | None) -> str:
    if not iso:
        return ""
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def to_csv(data: dict) -> str:
    """The action log, a row per action, each cell one line (tabs and newlines as spaces)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for action in data["actions"]:
        row = [
            action["area"],
            action["ref"],
            action["text"],
            action["owner"],
            _day_month_year(action["due"]),
            latest_update(action),
            action["status"],
            _day_month_year(action["closed_on"]),
            action["closed_by"],
        ]
        writer.writerow([cell_text(cell) for cell in row])
    return out.getvalue()
