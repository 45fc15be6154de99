"""Import a report into the database: one document, one transaction, merged with what is known.

Importing the same document again changes nothing. A later report that lists a known ref adds an
update to its history and moves its due date rather than duplicating it; an Update saying closed,
complete or completed closes it. An older report imported after a newer one adds its history but
never winds an action back.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from bot.calendar import DEFAULT_CADENCES
from bot.clock import Clock, london_datetime
from bot.members import load_index, resolve_owner_names, upsert_member
from bot.owners import parse_owner
from bot.reports.loader import ReportError, SourceFile, load_bytes, load_report
from bot.reports.parser import ParsedAction, ParsedReport, parse_report
from bot.text import fold
from storage.db import Database
from storage.models import (
    Action,
    ActionEvent,
    ActionOwner,
    AgendaItem,
    Attendance,
    Decision,
    Meeting,
    Mention,
    OwnerName,
)
from storage.queries import actions as action_queries
from storage.queries import documents as document_queries
from storage.queries import groups as group_queries
from storage.queries import meetings as meeting_queries
from storage.queries import members as member_queries

CLOSING = re.compile(r"\b(closed|complete|completed)\b", re.IGNORECASE)
NOT_YET = re.compile(
    r"\b(not|isn't|wasn't|hasn't|haven't|never|yet to be|to be|pending|once|when|until|awaiting|partially|"
    r"partly|almost|nearly|proposed|propose|recommended|recommend|requested|request|due to be|will be|"
    r"can be|could be|should be|must be|before)\b[^.;]{0,30}$",
    re.IGNORECASE,
)
REOPENING = re.compile(r"\bre-?opened\b", re.IGNORECASE)


def update_closes(text: str | None) -> bool:
    """ "Closed", "Complete - shared on 18/08" close an action; "not yet complete", "to be closed at the
    next meeting" and "proposed closed" do not."""
    for found in CLOSING.finditer(text or ""):
        before = text[max(0, found.start() - 40) : found.start()]
        if not NOT_YET.search(before):
            return True
    return False


@dataclass
class ImportSummary:
    file_name: str
    status: str  # imported | unchanged
    group: str | None = None
    meeting_number: str | None = None
    meeting_date: date | None = None
    meeting_start: str | None = None
    meeting_end: str | None = None
    extraordinary: bool = False
    actions_new: list[str] = field(default_factory=list)
    actions_updated: list[str] = field(default_factory=list)
    actions_closed: list[str] = field(default_factory=list)
    decisions_new: list[str] = field(default_factory=list)
    decisions_updated: list[str] = field(default_factory=list)
    next_meetings: list[tuple[str, date, bool]] = field(default_factory=list)
    members_new: list[str] = field(default_factory=list)
    agenda_items: int = 0
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.status == "unchanged":
            return f"{self.file_name}: already imported, nothing changed"
        number = f" {self.meeting_number}" if self.meeting_number else ""
        kind = " (extraordinary)" if self.extraordinary else ""
        when = self.meeting_date.isoformat() if self.meeting_date else "?"
        if self.meeting_start:
            when += f" {self.meeting_start}" + (f"-{self.meeting_end}" if self.meeting_end else "")
        parts = [
            f"{self.file_name}: {self.group}{number}{kind} held {when}",
            f"actions {len(self.actions_new)} new, {len(self.actions_updated)} updated, "
            f"{len(self.actions_closed)} closed",
            f"decisions {len(self.decisions_new)} new"
            + (f", {len(self.decisions_updated)} updated" if self.decisions_updated else ""),
        ]
        if self.members_new:
            parts.append(f"members {len(self.members_new)} new")
        if self.agenda_items:
            parts.append(f"agenda {self.agenda_items} items")
        nexts = ", ".join(
            f"{group} {day.isoformat()}" + (" (extraordinary)" if extra else "")
            for group, day, extra in self.next_meetings
        )
        parts.append(f"next meetings: {nexts or 'none stated'}")
        return "; ".join(parts)


async def read_report(
    db: Database, path: Path | str | None = None, *, name: str | None = None, data: bytes | None = None
) -> tuple[SourceFile, ParsedReport]:
    """Load and parse a report without writing anything (an upload's preview uses this too)."""
    source = await _load(path, name, data)
    async with db.read() as session:
        known = await group_queries.group_codes(session)
    return source, parse_report(source, known)


async def _load(path: Path | str | None, name: str | None, data: bytes | None) -> SourceFile:
    if data is None:
        return await asyncio.to_thread(load_report, path)
    return load_bytes(name or "report", data)


async def import_report(
    db: Database,
    path: Path | str | None = None,
    *,
    clock: Clock,
    by: str | None = None,
    name: str | None = None,
    data: bytes | None = None,
) -> ImportSummary:
    """Read one report and store it in one transaction. Raises ReportError if it cannot be read.

    Parsing happens inside the transaction so it sees exactly the groups it will write next to."""
    source = await _load(path, name, data)
    async with db.write() as session:
        document_id = await document_queries.claim_document(
            session, source.name, source.sha256, source.format, clock.utcnow(), by
        )
        if document_id is None:
            return ImportSummary(source.name, "unchanged")
        codes = await group_queries.group_codes(session)
        return await _store(session, source, parse_report(source, codes), clock, document_id, codes)


class _DryRun(Exception):
    def __init__(self, summary: ImportSummary) -> None:
        super().__init__("dry run")
        self.summary = summary


async def preview_report(db: Database, *, name: str, data: bytes, clock: Clock) -> ImportSummary:
    """What importing would do (new and changed actions, decisions, meetings), without storing anything:
    the import runs in a transaction that is then rolled back."""
    source = await _load(None, name, data)
    try:
        async with db.write() as session:
            document_id = await document_queries.claim_document(
                session, source.name, source.sha256, source.format, clock.utcnow(), "preview"
            )
            if document_id is None:
                return ImportSummary(source.name, "unchanged")
            codes = await group_queries.group_codes(session)
            raise _DryRun(
                await _store(session, source, parse_report(source, codes), clock, document_id, codes)
            )
    except _DryRun as dry:
        return dry.summary


async def _store(
    session, source: SourceFile, report: ParsedReport, clock: Clock, document_id: int, group_codes: set[str]
) -> ImportSummary:
    now = clock.utcnow()
    group = await group_queries.ensure_group(
        session, report.group, report.group_name, DEFAULT_CADENCES.get(report.group)
    )
    parsed_meeting = report.meeting
    summary = ImportSummary(
        source.name,
        "imported",
        group.code,
        parsed_meeting.number,
        parsed_meeting.date,
        parsed_meeting.start,
        parsed_meeting.end,
        parsed_meeting.extraordinary,
        warnings=list(report.warnings),
    )
    meeting = await _held_meeting(session, group.id, report, document_id, now)
    held_at = london_datetime(parsed_meeting.date, parsed_meeting.start).astimezone(UTC)
    reporter = f"{group.code} {parsed_meeting.number or parsed_meeting.date.isoformat()} report"

    for upcoming in report.next_meetings:
        target = (
            group
            if upcoming.group == group.code
            else await group_queries.ensure_group(
                session, upcoming.group, None, DEFAULT_CADENCES.get(upcoming.group)
            )
        )
        await _scheduled_meeting(session, target.id, upcoming, document_id, now)
        summary.next_meetings.append((upcoming.group, upcoming.date, upcoming.extraordinary))

    if report.agenda:
        await meeting_queries.replace_agenda(
            session,
            meeting.id,
            [
                AgendaItem(
                    meeting_id=meeting.id,
                    position=item.position,
                    item=item.item,
                    title=item.title,
                    objective=item.objective,
                    kind=item.kind,
                    lead=item.lead,
                    start=item.start,
                    end=item.end,
                )
                for item in report.agenda
            ],
        )
        summary.agenda_items = len(report.agenda)

    index = await load_index(session) if report.attendees else None
    new_member_keys = (
        await _attendees(session, report, group.id, meeting, index, clock, summary) if index else []
    )

    new_names = await _actions(
        session,
        report,
        group,
        meeting,
        document_id,
        held_at,
        now,
        reporter,
        summary,
        group_codes | {group.code},
    )
    await _decisions(session, report, group.id, meeting, document_id, now, summary)
    await _mentions(session, report, group.id, meeting.id, document_id)
    if new_names or new_member_keys:
        await session.flush()
        index = index or await load_index(session)
        await resolve_owner_names(session, index, names=new_names, changed_member_keys=new_member_keys)
    return summary


async def _held_meeting(
    session, group_id: int, report: ParsedReport, document_id: int, now: datetime
) -> Meeting:
    parsed = report.meeting
    meeting = (
        await meeting_queries.meeting_by_number(session, group_id, parsed.number) if parsed.number else None
    )
    if meeting is None:
        same_day = await meeting_queries.meetings_on(session, group_id, parsed.date)
        meeting = next((m for m in same_day if m.number in (None, parsed.number)), None)
    if meeting is None:
        meeting = Meeting(group_id=group_id, date=parsed.date, created_at=now, updated_at=now)
        session.add(meeting)
    meeting.number = parsed.number or meeting.number
    meeting.date = parsed.date
    meeting.start = parsed.start or meeting.start
    meeting.end = parsed.end or meeting.end
    meeting.extraordinary = parsed.extraordinary or meeting.extraordinary
    meeting.status = "held"
    meeting.title = parsed.title or meeting.title
    meeting.venue = parsed.venue or meeting.venue
    meeting.source = "report"
    meeting.source_document_id = document_id
    meeting.updated_at = now
    await session.flush()
    return meeting


async def _scheduled_meeting(session, group_id: int, upcoming, document_id: int, now: datetime) -> None:
    same_day = await meeting_queries.meetings_on(session, group_id, upcoming.date)
    meeting = same_day[0] if same_day else None
    if meeting is None:
        session.add(
            Meeting(
                group_id=group_id,
                date=upcoming.date,
                start=upcoming.start,
                end=upcoming.end,
                extraordinary=upcoming.extraordinary,
                status="scheduled",
                source="next-line",
                source_document_id=document_id,
                created_at=now,
                updated_at=now,
            )
        )
    elif meeting.status == "scheduled":
        meeting.extraordinary = meeting.extraordinary or upcoming.extraordinary
        meeting.start = meeting.start or upcoming.start
        meeting.end = meeting.end or upcoming.end
        meeting.updated_at = now


async def _attendees(
    session,
    report: ParsedReport,
    group_id: int,
    meeting: Meeting,
    index,
    clock: Clock,
    summary: ImportSummary,
) -> list[str]:
    created_keys: list[str] = []
    for attendee in report.attendees:
        existing = index.best(fold(attendee.name))
        newest = True
        if existing is not None:
            last = await member_queries.last_attended(session, existing[0])
            newest = last is None or last <= meeting.date
        change = await upsert_member(
            session,
            index,
            clock,
            name=attendee.name,
            initials=attendee.initials,
            role=attendee.role,
            organisation=attendee.organisation,
            constituency=attendee.constituency,
            section=attendee.section,
            overwrite=newest,
        )
        if change.created:
            created_keys.append(change.member.key)
            summary.members_new.append(change.member.name)
        await member_queries.add_to_group(session, change.member.id, group_id)
        if attendee.status in ("attended", "apologies"):
            record = await member_queries.attendance(session, meeting.id, change.member.id)
            if record is None:
                session.add(
                    Attendance(
                        meeting_id=meeting.id,
                        member_id=change.member.id,
                        status=attendee.status,
                        section=attendee.section,
                        role=attendee.role,
                        on_behalf_of=attendee.on_behalf_of,
                    )
                )
    return created_keys


def owner_rows(owner: str | None, group_codes: set[str], default_group: str) -> list[dict]:
    """The owner cell as action_owner rows (without their action id yet)."""
    return [
        {
            "position": position,
            "kind": part.kind,
            "name": part.name,
            "key": part.key,
            "role_key": part.key if part.kind == "role" else part.role,
            "org_key": part.key if part.kind == "organisation" else part.organisation,
            "group_code": part.key if part.kind == "group" else None,
            "owner_name_id": None,
        }
        for position, part in enumerate(parse_owner(owner, group_codes, default_group))
    ]


async def attach_owner_names(session, rows: list[dict]) -> list[OwnerName]:
    """Point person owner rows at their OwnerName, creating the new ones; returns those."""
    people = [row for row in rows if row["kind"] == "person"]
    if not people:
        return []
    keys = {row["key"]: row["name"] for row in people}
    known = {key: name.id for key, name in (await action_queries.owner_names_by_keys(session, keys)).items()}
    missing = [{"key": key, "name": name} for key, name in keys.items() if key not in known]
    created = []
    if missing:
        added = await action_queries.insert_returning(session, OwnerName, missing, "id", "key")
        known.update({key: name_id for name_id, key in added})
        created = await action_queries.owner_names_by_ids(session, [name_id for name_id, _ in added])
    for row in people:
        row["owner_name_id"] = known[row["key"]]
    return created


@dataclass
class _Pending:
    """What one report does to its actions, gathered first so the database sees a few batched writes.

    Actions are named by (group id, ref) because new ones have no id until they are inserted."""

    new_actions: list[dict] = field(default_factory=list)
    events: list[tuple[tuple[int, str], str, str | None, dict]] = field(default_factory=list)
    owners: list[tuple[tuple[int, str], list[dict]]] = field(default_factory=list)
    replaced: list[int] = field(default_factory=list)


async def _actions(
    session,
    report: ParsedReport,
    group,
    meeting: Meeting,
    document_id: int,
    held_at: datetime,
    now: datetime,
    reporter: str,
    summary: ImportSummary,
    group_codes: set[str],
) -> list[OwnerName]:
    if not report.actions:
        return []
    by_group: dict[str, list[ParsedAction]] = {}
    for parsed in report.actions:
        by_group.setdefault(parsed.group, []).append(parsed)
    pending = _Pending()
    ids: dict[tuple[int, str], int] = {}
    for code, parsed_actions in by_group.items():
        action_group = (
            group
            if code == group.code
            else await group_queries.ensure_group(session, code, None, DEFAULT_CADENCES.get(code))
        )
        existing = await action_queries.actions_by_refs(
            session, action_group.id, [a.ref for a in parsed_actions]
        )
        ids.update({(action_group.id, ref): action.id for ref, action in existing.items()})
        history = (
            await action_queries.events_of(
                session, [a.id for a in existing.values()], ("updated", "closed", "reopened")
            )
            if existing
            else {}
        )
        seen: set[str] = set()
        for parsed in parsed_actions:
            if parsed.ref in seen:
                summary.warnings.append(f"{parsed.ref} is listed twice; the first row was kept")
                continue
            seen.add(parsed.ref)
            action = existing.get(parsed.ref)
            if action is None:
                status = _new_action(parsed, action_group, meeting, report, now, pending, group_codes)
                summary.actions_new.append(parsed.ref)
                if status == "closed":
                    summary.actions_closed.append(parsed.ref)
            elif _merge_action(
                action, parsed, action_group, report, history, now, pending, group_codes, summary
            ):
                summary.actions_updated.append(parsed.ref)
    if pending.new_actions:
        created = await action_queries.insert_returning(
            session, Action, pending.new_actions, "id", "group_id", "ref"
        )
        ids.update({(group_id, ref): action_id for action_id, group_id, ref in created})
    await action_queries.insert_rows(
        session,
        ActionEvent,
        [
            {
                "action_id": ids[key],
                "kind": kind,
                "text": text,
                "at": held_at,
                "recorded_at": now,
                "by": reporter,
                "source": report.source.name,
                "source_document_id": document_id,
                "member_id": None,
                "status_before": None,
                "status_after": None,
                "due_before": None,
                "due_after": None,
                **changes,
            }
            for key, kind, text, changes in pending.events
        ],
    )
    await action_queries.delete_owners(session, pending.replaced)
    rows = []
    for key, owner_rows_ in pending.owners:
        for row in owner_rows_:
            row["action_id"] = ids[key]
            rows.append(row)
    new_names = await attach_owner_names(session, rows)
    await action_queries.insert_rows(session, ActionOwner, rows)
    return new_names


def _new_action(parsed, action_group, meeting, report, now, pending: _Pending, group_codes) -> str:
    closing = bool(parsed.update) and (parsed.status == "closed" or update_closes(parsed.update))
    closing = closing or parsed.status == "closed"
    key = (action_group.id, parsed.ref)
    pending.new_actions.append(
        {
            "group_id": action_group.id,
            "ref": parsed.ref,
            "area": parsed.area,
            "text": parsed.text or "(no text)",
            "owner": parsed.owner,
            "due": parsed.due,
            "status": "closed" if closing else "open",
            "meeting_id": meeting.id,
            "reported_on": report.meeting.date,
            "created_at": now,
            "updated_at": now,
        }
    )
    pending.events.append((key, "created", None, {"status_after": "open", "due_after": parsed.due}))
    if closing:
        pending.events.append(
            (key, "closed", parsed.update or "Closed", {"status_before": "open", "status_after": "closed"})
        )
    elif parsed.update:
        pending.events.append((key, "updated", parsed.update, {}))
    pending.owners.append((key, owner_rows(parsed.owner, group_codes, action_group.code)))
    return "closed" if closing else "open"


def _merge_action(
    action, parsed, action_group, report, history, now, pending: _Pending, group_codes, summary: ImportSummary
) -> bool:
    """Apply a known action's row from another report; True if anything changed."""
    key = (action_group.id, action.ref)
    newer = action.reported_on is None or report.meeting.date >= action.reported_on
    changed = False
    due_before = action.due
    if newer:
        action.reported_on = report.meeting.date
        if parsed.text and fold(parsed.text) != fold(action.text):
            action.text, changed = parsed.text, True
        if parsed.owner and fold(parsed.owner) != fold(action.owner):
            action.owner, changed = parsed.owner, True
            pending.replaced.append(action.id)
            pending.owners.append((key, owner_rows(parsed.owner, group_codes, action_group.code)))
        if parsed.area and not action.area:
            action.area, changed = parsed.area, True
        if parsed.due and parsed.due != action.due:
            action.due, changed = parsed.due, True
    said = {fold(e.text) for e in history.get(action.id, []) if e.text}
    moved = {"due_before": due_before, "due_after": action.due} if action.due != due_before else {}
    closing = parsed.status == "closed" or update_closes(parsed.update)
    if parsed.update and fold(parsed.update) not in said:
        if closing and newer and action.status == "open":
            pending.events.append(
                (key, "closed", parsed.update, {"status_before": "open", "status_after": "closed", **moved})
            )
            action.status = "closed"
            summary.actions_closed.append(parsed.ref)
        elif REOPENING.search(parsed.update) and newer and action.status == "closed":
            pending.events.append(
                (key, "reopened", parsed.update, {"status_before": "closed", "status_after": "open", **moved})
            )
            action.status = "open"
        else:
            pending.events.append((key, "updated", parsed.update, moved))
        changed = True
    elif moved:
        pending.events.append(
            (key, "updated", f"Due date moved from {due_before or 'none'} to {action.due}", moved)
        )
    if changed or moved:
        action.updated_at = now
    return changed or bool(moved)


async def _decisions(
    session,
    report: ParsedReport,
    group_id: int,
    meeting: Meeting,
    document_id: int,
    now: datetime,
    summary: ImportSummary,
) -> None:
    if not report.decisions:
        return
    existing = await action_queries.decisions_by_refs(session, group_id, [d.ref for d in report.decisions])
    new_rows: dict[str, dict] = {}
    for parsed in report.decisions:
        decision = existing.get(parsed.ref)
        if decision is None and parsed.ref not in new_rows:
            new_rows[parsed.ref] = {
                "group_id": group_id,
                "ref": parsed.ref,
                "area": parsed.area,
                "text": parsed.text or "(no text)",
                "meeting_id": meeting.id,
                "source_document_id": document_id,
                "created_at": now,
            }
            summary.decisions_new.append(parsed.ref)
        elif decision is not None and parsed.text and fold(parsed.text) != fold(decision.text):
            decision.text = parsed.text
            decision.area = parsed.area or decision.area
            summary.decisions_updated.append(parsed.ref)
    await action_queries.insert_rows(session, Decision, list(new_rows.values()))


async def _mentions(session, report: ParsedReport, group_id: int, meeting_id: int, document_id: int) -> None:
    """Keep each passage that names a ref once, however many reports repeat it. The group is the one
    whose meeting discussed it."""
    if not report.mentions:
        return
    kept = await action_queries.mentions_of(session, {m.ref for m in report.mentions})
    known = {ref: {fold(m.text) for m in mentions} for ref, mentions in kept.items()}
    rows = []
    for parsed in report.mentions:
        key = fold(parsed.text)
        if key in known.setdefault(parsed.ref, set()):
            continue
        known[parsed.ref].add(key)
        rows.append(
            {
                "group_id": group_id,
                "ref": parsed.ref,
                "kind": parsed.kind,
                "area": parsed.area,
                "text": parsed.text,
                "meeting_id": meeting_id,
                "source_document_id": document_id,
            }
        )
    await action_queries.insert_rows(session, Mention, rows)


__all__ = ["ImportSummary", "ReportError", "import_report", "preview_report", "read_report", "update_closes"]
