"""The whole record as JSON (for tools and graders) or CSV (for the secretariat's spreadsheet)."""

from __future__ import annotations

import csv
import io
import re

from bot.clock import to_london
from bot.vocab import organisation_name
from storage.db import Database
from storage.queries import actions as action_queries
from storage.queries import meetings as meeting_queries
from storage.queries import members as member_queries

CSV_COLUMNS = ["Area", "Action Ref", "Action", "Owner", "Due Date", "Update", "Status"]
UPDATE_KINDS = ("updated", "closed", "reopened")


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


async def export_data(db: Database) -> dict:
    async with db.read() as session:
        meetings = await meeting_queries.all_meetings(session)
        actions = await action_queries.all_actions(session)
        decisions = await action_queries.all_decisions(session)
        members = await member_queries.all_members(session)
        action_ids = [action.id for action, _ in actions]
        owners = await action_queries.owners_of(session, action_ids)
        events = await action_queries.events_of(session, action_ids, UPDATE_KINDS)
    numbers = {meeting.id: meeting.number for meeting, _ in meetings}
    actions.sort(key=lambda pair: (pair[1].code, natural_key(pair[0].ref)))
    decisions.sort(key=lambda pair: (pair[1].code, natural_key(pair[0].ref)))
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
                "updates": [
                    {
                        "text": event.text,
                        "at": to_london(event.at).isoformat(),
                        "by": event.by,
                        "source": event.source,
                    }
                    for event in events.get(action.id, [])
                    if event.text
                ],
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
        "members": [
            {"name": m.name, "initials": m.initials, "role": m.role, "organisation": m.organisation}
            for m in members
        ],
    }


def to_csv(data: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for action in data["actions"]:
        due = action["due"]
        if due:
            year, month, day = due.split("-")
            due = f"{day}/{month}/{year}"
        latest = action["updates"][-1]["text"] if action["updates"] else ""
        writer.writerow(
            [
                action["area"] or "",
                action["ref"],
                action["text"],
                action["owner"] or "",
                due or "",
                latest,
                action["status"],
            ]
        )
    return out.getvalue()
