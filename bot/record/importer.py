"""Import a report into the database: one document, stored whole or not at all (its own transaction, or
its own savepoint in a batch's), merged with what is known.

Importing the same document again changes nothing. A later report that lists a known ref adds an
update to its history and moves its due date rather than duplicating it; an Update saying closed,
complete or completed closes it. An older report imported after a newer one adds its history but
never winds an action back.
"""

from __future__ import annotations

import asyncio
import hashlib
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

from bot.calendar.cadence import DEFAULT_CADENCES
from bot.calendar.clock import Clock, london_datetime, real_utcnow
from bot.people.matching import MemberIndex
from bot.people.members import member_changes, new_member, owner_name_matches, resolved
from bot.people.owners import parse_owner
from bot.record.audit import Actor, event_row, new_change_id
from bot.record.reports import worker
from bot.record.reports.loader import ReportError, SourceFile, read_file
from bot.record.reports.parser import ParsedAction, ParsedReport
from bot.record.reports.reading import reading_pool
from bot.record.text import fold, passage_key
from bot.record.updates import update_closes, update_reopens, update_reports_delivery
from storage.db import Database, is_transient
from storage.queries.importing import ActionState, ImportStore, stamp


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
    # meetings an earlier reading of this report announced and it does not (removed, with their digests)
    meetings_removed: list[tuple[str, date]] = field(default_factory=list)
    members_new: list[str] = field(default_factory=list)
    agenda_items: int = 0
    warnings: list[str] = field(default_factory=list)
    note: str | None = None  # why nothing changed, when it is not that it was imported before

    def line(self) -> str:
        if self.status == "unchanged":
            return f"{self.file_name}: {self.note or 'already imported, nothing changed'}"
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
        if self.meetings_removed:
            parts.append(_removed_meetings(self.meetings_removed))
        return "; ".join(parts)


def _removed_meetings(removed: list[tuple[str, date]]) -> str:
    days = ", ".join(f"{group} {day.isoformat()}" for group, day in removed)
    return f"meetings it does not announce removed: {days}"


async def read_report(
    db: Database, path: Path | str | None = None, *, name: str | None = None, data: bytes | None = None
) -> tuple[SourceFile, ParsedReport]:
    """Load and parse a report without writing anything."""
    codes = await _codes(db, in_thread=True)
    source, parsed, _ = await _read(path, name, data, codes, keep_blocks=True)
    if not isinstance(parsed, ParsedReport):
        raise parsed or ReportError(f"{source.name}: {UNTOUCHED_DRAFT}")
    return source, parsed


async def _codes(db: Database, in_thread: bool) -> set[str]:
    return (await _known(db, [], in_thread))[0]


_Parsed = ParsedReport | ReportError | None


async def _read(
    path: Path | str | None,
    name: str | None,
    data: bytes | None,
    codes: set[str],
    *,
    keep_blocks: bool = False,
) -> tuple[SourceFile, _Parsed, bytes]:
    """The file read and parsed in a reading worker, within the reading budget (see reports.reading):
    the event loop only waits for it. ReportError if the file cannot be read; the parse's own error is
    returned, for the caller to decide (a report imported before needs none); and the file's bytes, to
    parse again if the groups change meanwhile."""
    if data is None:
        data, name = await asyncio.to_thread(read_file, path), Path(path).name
    name = name or "report"
    source, parsed = await reading_pool().run_async(name, worker.read, None, name, data, codes, keep_blocks)
    return source, parsed, data


_REPARSE = object()  # a group was added between parsing and storing: parse again
PARSE_ATTEMPTS = 3


async def _parse(
    db: Database, source: SourceFile, codes: set[str], parsed: _Parsed, data: bytes, in_thread: bool
) -> tuple[ParsedReport | None, set[str], bool]:
    """The report parsed against the groups known now (read with the file, or again in a reading worker
    if they changed), outside any transaction, and whether this very content was imported before (then
    None if it does not parse: there is nothing to do with it)."""
    known, imported = await _known(db, [source.sha256], in_thread)
    if known != codes or parsed is None:
        _, parsed = await reading_pool().run_async(source.name, worker.read, None, source.name, data, known)
    if isinstance(parsed, ReportError):
        if imported:
            return None, known, True
        raise parsed
    return parsed, known, bool(imported)


async def _known(db: Database, shas: list[str], in_thread: bool) -> tuple[set[str], set[str]]:
    """The group codes, and which of these contents were imported before."""

    def known(connection) -> tuple[set[str], set[str]]:
        return ImportStore(connection, writing=False).known_groups_and_documents(shas)

    return await db.connection_read(known, in_thread=in_thread)


def _store_parsed(
    store: ImportStore,
    source: SourceFile,
    report: ParsedReport,
    codes: set[str],
    clock: Clock,
    by: str | None,
) -> tuple[ImportSummary, bool]:
    """A parsed report's rows and people; the summary, and whether it was stored (False: the same
    content was imported meanwhile)."""
    stored = _store_report(store, source, report, codes, clock, by)
    if stored is None:
        return ImportSummary(source.name, "unchanged"), False
    _store_people(store, stored, clock)
    return stored.summary, True


async def _store(
    db: Database,
    source: SourceFile,
    clock: Clock,
    by: str | None,
    *,
    in_thread: bool,
    dry_run: bool = False,
    read: tuple[set[str], _Parsed, bytes],
) -> ImportSummary:
    """Parse (outside any transaction), then store in one short transaction; `dry_run` rolls it back."""

    def store(connection, report: ParsedReport, codes: set[str]):
        # The whole report as one synchronous call on one connection: no hop to the event loop
        # between its statements (on SQLite, in a worker thread when `in_thread`).
        store = ImportStore(connection)
        store.lock_group(report.group)
        if store.group_codes() != codes:
            return _REPARSE
        summary, stored = _store_parsed(store, source, report, codes, clock, by)
        if stored and dry_run:
            raise _DryRun(summary)
        return summary

    try:
        codes, parsed, data = read
        for _ in range(PARSE_ATTEMPTS):
            report, codes, imported = await _parse(db, source, codes, parsed, data, in_thread)
            parsed = report
            if imported:
                if report is None or dry_run:
                    return ImportSummary(source.name, "unchanged")
                return await db.connection_transaction(
                    lambda connection, report=report: _reannounce(ImportStore(connection), source, report),
                    in_thread=in_thread,
                )
            summary = await db.connection_transaction(
                partial(store, report=report, codes=codes), in_thread=in_thread
            )
            if summary is not _REPARSE:
                return summary
    except _DryRun as dry:
        return dry.summary
    raise ReportError(f"{source.name}: the groups kept changing while it was read; try again")


async def import_report(
    db: Database,
    path: Path | str | None = None,
    *,
    clock: Clock,
    by: str | None = None,
    name: str | None = None,
    data: bytes | None = None,
    in_thread: bool = True,
) -> ImportSummary:
    """Read one report and store it in one transaction. Raises ReportError if it cannot be read.

    Reading and parsing happen before the transaction (in a worker thread), so the database is held
    only while the report's rows are written; those statements run in a worker thread too, so that a
    bot serving members meanwhile stays responsive. The command line has nothing else on its event loop
    and passes `in_thread=False`: thread hops are a noticeable part of a small report's import."""
    codes = await _codes(db, in_thread)
    source, parsed, data = await _read(path, name, data, codes)
    if source.untouched_draft:
        return _untouched(source)
    return await _store(db, source, clock, by, in_thread=in_thread, read=(codes, parsed, data))


BATCH_REPORTS = 25  # reports a folder's import commits together


@dataclass
class BatchImport:
    """What a batch did: each path's summary or the ReportError that kept it out, in order, up to an
    unexpected error that stopped it (the reports before that are committed)."""

    outcomes: list[ImportSummary | ReportError]
    failure: Exception | None = None
    failed_file: str | None = None  # the report the failure stopped at


async def import_batch(
    db: Database, paths: list[Path | str], *, clock: Clock, by: str | None = None
) -> BatchImport:
    """Several reports (a folder given to the command line) in one transaction, each in a savepoint of
    its own: a report is stored whole or not at all, as import_report stores it, while the batch pays
    one commit (a commit cost as much as a small report's statements). Reports are read and parsed
    first, and parsed again inside only if a report before them added a group."""
    outcomes: list[ImportSummary | ReportError | None] = [None] * len(paths)
    sources: dict[int, SourceFile] = {}
    codes = await _codes(db, in_thread=False)
    # Every report of the batch handed to the reading workers at once: they read and parse side by side
    # while the reports before are stored.
    pool = reading_pool()
    futures: dict[int, Future] = {}
    shas: dict[int, str] = {}
    contents: dict[int, bytes] = {}
    for index, path in enumerate(paths):
        try:
            data = read_file(path)
        except ReportError as exc:
            outcomes[index] = exc
            continue
        shas[index], contents[index] = hashlib.sha256(data).hexdigest(), data
        futures[index] = pool.submit(Path(path).name, worker.read, None, Path(path).name, data, codes)
    _, imported = await _known(db, list(shas.values()), in_thread=False)

    def store_all(connection) -> tuple[dict[int, ImportSummary | ReportError], tuple[int, Exception] | None]:
        store = ImportStore(connection)
        done: dict[int, ImportSummary | ReportError] = {}
        for index, future in futures.items():
            try:
                source, report = pool.outcome(future)  # waits for this one; the workers read on
            except ReportError as exc:
                done[index] = exc
                continue
            sources[index] = source
            if source.untouched_draft:
                done[index] = _untouched(source)
                continue
            if source.sha256 in imported:  # imported before: only the meetings it announces are checked
                unchanged = ImportSummary(source.name, "unchanged")
                done[index] = (
                    unchanged if isinstance(report, ReportError) else _reannounce(store, source, report)
                )
                continue
            if isinstance(report, ReportError):
                done[index] = report
                continue
            now_known = store.group_codes()
            if now_known != codes:  # a report before it in the batch added a group: read it again
                try:
                    _, report = pool.run(
                        source.name, worker.read, None, source.name, contents[index], now_known
                    )
                except ReportError as exc:
                    report = exc
                if isinstance(report, ReportError):
                    done[index] = report
                    continue
            store.lock_group(report.group)
            savepoint = connection.begin_nested()
            try:
                done[index] = _store_parsed(store, source, report, now_known, clock, by)[0]
            except ReportError as exc:  # this report refused: nothing of it kept, the batch goes on
                savepoint.rollback()
                store.forget()
                done[index] = exc
                continue
            except Exception as exc:
                savepoint.rollback()
                store.forget()
                if is_transient(exc):
                    raise  # the whole batch runs again
                return done, (index, exc)
            savepoint.commit()
        return done, None

    done, failure = await db.connection_transaction(store_all, in_thread=False) if futures else ({}, None)
    for index, outcome in done.items():
        outcomes[index] = outcome
    if failure is not None:
        stopped_at, exc = failure
        kept = [o for o in outcomes[:stopped_at] if o is not None]
        return BatchImport(kept, exc, sources[stopped_at].name)
    return BatchImport([o for o in outcomes if o is not None])


def _reannounce(store: ImportStore, source: SourceFile, report: ParsedReport) -> ImportSummary:
    """A report imported before, read again: the meetings it was once taken to announce and does not
    (an action's due date read as a meeting by an earlier version) are removed with their digests."""
    summary = ImportSummary(source.name, "unchanged")
    document_id = store.document_id(source.sha256)
    if document_id is None:
        return summary
    removed = store.drop_unannounced([document_id], _announced(store, report), document_id)
    if removed:
        summary.meetings_removed = _group_days(store, removed)
        summary.note = f"already imported; {_removed_meetings(summary.meetings_removed)}"
    return summary


def _announced(store: ImportStore, report: ParsedReport) -> set[tuple[int, date]]:
    groups = store.groups()
    return {(groups[m.group][0], m.date) for m in report.next_meetings if m.group in groups}


def _group_days(store: ImportStore, removed: list[tuple[int, date]]) -> list[tuple[str, date]]:
    codes = {group_id: code for code, (group_id, _) in store.groups().items()}
    return sorted((codes.get(group_id, "?"), day) for group_id, day in removed)


def _untouched(source) -> ImportSummary:
    """A draft this bot wrote, read back before anyone filled it in: it says nothing new."""
    return ImportSummary(source.name, "unchanged", note=UNTOUCHED_DRAFT)


UNTOUCHED_DRAFT = "an untouched draft from tmag-bot, nothing to import (fill it in, then import the report)"


class _DryRun(Exception):
    def __init__(self, summary: ImportSummary) -> None:
        super().__init__("dry run")
        self.summary = summary


async def preview_report(db: Database, *, name: str, data: bytes, clock: Clock) -> ImportSummary:
    """What importing would do (new and changed actions, decisions, meetings), without storing anything:
    the report is parsed first, then its rows are written in a transaction that is rolled back."""
    codes = await _codes(db, in_thread=True)
    source, parsed, data = await _read(None, name, data, codes)
    if source.untouched_draft:
        return _untouched(source)
    return await _store(
        db, source, clock, "preview", in_thread=True, dry_run=True, read=(codes, parsed, data)
    )


@dataclass
class _Stored:
    """A report whose rows are written; its people are next."""

    summary: ImportSummary
    report: ParsedReport
    group_id: int
    meeting_id: int
    new_owner_names: list[int]


def _store_report(
    store: ImportStore,
    source: SourceFile,
    report: ParsedReport,
    codes: set[str],
    clock: Clock,
    by: str | None,
) -> _Stored | None:
    """Claim the document and write its meetings, agenda, actions, decisions and mentions; None if the
    same content was imported before (by another process since it was parsed)."""
    now = real_utcnow()  # when it was recorded, whatever the clock was set to
    document_id = store.claim_document(source.name, source.sha256, source.format, now, by)
    if document_id is None:
        return None
    group_id = store.ensure_group(report.group, report.group_name, DEFAULT_CADENCES.get(report.group))
    parsed = report.meeting
    summary = ImportSummary(
        source.name,
        "imported",
        report.group,
        parsed.number,
        parsed.date,
        parsed.start,
        parsed.end,
        parsed.extraordinary,
        warnings=list(report.warnings),
    )
    meeting_id, earlier_document = _held_meeting(store, group_id, report, document_id, now)
    for upcoming in report.next_meetings:
        target = (
            group_id
            if upcoming.group == report.group
            else store.ensure_group(upcoming.group, None, DEFAULT_CADENCES.get(upcoming.group))
        )
        _scheduled_meeting(store, target, upcoming, document_id, now)
        summary.next_meetings.append((upcoming.group, upcoming.date, upcoming.extraordinary))
    if earlier_document is not None and earlier_document != document_id:
        # Another version of this meeting's report: what it announced and this one does not is gone.
        removed = store.drop_unannounced([earlier_document], _announced(store, report), document_id)
        summary.meetings_removed = _group_days(store, removed)
    if report.agenda:
        store.replace_agenda(
            meeting_id,
            [
                (a.position, a.item, a.title, a.objective, a.kind, a.lead, a.start, a.end)
                for a in report.agenda
            ],
        )
        summary.agenda_items = len(report.agenda)
    context = _Context(store, report, group_id, meeting_id, document_id, now, codes | {report.group})
    new_names = _actions(context, summary)
    _decisions(context, summary)
    _mentions(context)
    return _Stored(summary, report, group_id, meeting_id, new_names)


def _store_people(store: ImportStore, stored: _Stored, clock: Clock) -> None:
    """Attendees become members; owner names seen for the first time (and names of new members) are
    matched to members. A few statements for the whole report, however many people it names."""
    report = stored.report
    if not report.attendees and not stored.new_owner_names:
        return
    index = _member_index(store)
    created_keys = _attendees(store, stored, index, clock) if report.attendees else []
    if created_keys:
        index = _member_index(store)  # with the new members' ids
    if not stored.new_owner_names and not created_keys:
        return
    names = store.owner_names(None if created_keys else stored.new_owner_names)
    todo = set(owner_name_matches(index, names, created_keys)) | set(stored.new_owner_names)
    changes = []
    for name_id in todo:
        key, member_id, score = names[name_id]
        now = resolved(index, key, member_id, score)
        if now is not None:
            changes.append((name_id, *now))
    store.update_owner_names(changes)


def _member_index(store: ImportStore) -> MemberIndex:
    index = MemberIndex()
    aliases: dict[int, list[str]] = {}
    for member_id, alias in store.aliases():
        aliases.setdefault(member_id, []).append(alias)
    for member_id, key, initials in store.members():
        index.add(member_id, key, initials, aliases.get(member_id, []))
    return index


@dataclass
class _Context:
    """One report's import: where it writes and what it writes about."""

    store: ImportStore
    report: ParsedReport
    group_id: int
    meeting_id: int
    document_id: int
    now: datetime
    group_codes: set[str]

    @property
    def held_at(self) -> datetime:
        meeting = self.report.meeting
        return london_datetime(meeting.date, meeting.start).astimezone(UTC)

    @property
    def reporter(self) -> str:
        meeting = self.report.meeting
        return f"{self.report.group} {meeting.number or meeting.date.isoformat()} report"


def _held_meeting(
    store: ImportStore, group_id: int, report: ParsedReport, document_id: int, now: datetime
) -> tuple[int, int | None]:
    """The held meeting the report is of: the one with its number, or the one scheduled that day, or new;
    and the document it was held by before (an earlier version of this report), if any."""
    parsed = report.meeting
    candidates = store.meetings(group_id, number=parsed.number or None, on=parsed.date)  # one statement
    found = [m for m in candidates if parsed.number and m.number == parsed.number]
    meeting = found[0] if found else None
    if meeting is None:
        same_day = [m for m in candidates if m.date == parsed.date]
        meeting = next((m for m in same_day if m.number in (None, parsed.number)), None)
    values = {
        "number": parsed.number or (meeting.number if meeting else None),
        "date": parsed.date,
        "start": parsed.start or (meeting.start if meeting else None),
        "end": parsed.end or (meeting.end if meeting else None),
        "extraordinary": parsed.extraordinary or bool(meeting and meeting.extraordinary),
        "status": "held",
        "title": parsed.title or (meeting.title if meeting else None),
        "venue": parsed.venue or (meeting.venue if meeting else None),
        "source": "report",
        "source_document_id": document_id,
    }
    earlier = meeting.source_document_id if meeting is not None and meeting.status == "held" else None
    return store.save_meeting(group_id, meeting, values, now), earlier


def _scheduled_meeting(store: ImportStore, group_id: int, upcoming, document_id: int, now: datetime) -> None:
    same_day = store.meetings(group_id, on=upcoming.date)
    meeting = same_day[0] if same_day else None
    if meeting is None:
        store.save_meeting(
            group_id,
            None,
            {
                "date": upcoming.date,
                "start": upcoming.start,
                "end": upcoming.end,
                "extraordinary": upcoming.extraordinary,
                "status": "scheduled",
                "source": "next-line",
                "source_document_id": document_id,
            },
            now,
        )
    elif meeting.status == "scheduled":
        store.save_meeting(
            group_id,
            meeting,
            {
                "extraordinary": meeting.extraordinary or upcoming.extraordinary,
                "start": meeting.start or upcoming.start,
                "end": meeting.end or upcoming.end,
            },
            now,
        )


def _attendees(store: ImportStore, stored: _Stored, index: MemberIndex, clock: Clock) -> list[str]:
    """Upsert each attendee as a member of the group (a later report's details win over an earlier
    one's) and record attendance; returns the keys of members created. Matching goes person by person
    (a name may come twice, or close to one just added); the database sees one statement of each kind."""
    report, summary = stored.report, stored.summary
    meeting_date, now = report.meeting.date, clock.utcnow()
    known = [found[0] for a in report.attendees if (found := index.best(fold(a.name))) is not None]
    current = store.member_details(known)
    later = store.attended_after(known, meeting_date)
    new: list[dict] = []  # members to create; in the index meanwhile as -1, -2, ...
    changes: dict[int, dict] = {}
    placed: list[tuple[int, object]] = []  # (member id or placeholder, attendee)
    for attendee in report.attendees:
        details = {
            "initials": attendee.initials,
            "role": attendee.role,
            "organisation": attendee.organisation,
            "constituency": attendee.constituency,
            "section": attendee.section,
        }
        found = index.best(fold(attendee.name))
        if found is None:
            new.append(new_member(attendee.name, **details, now=now))
            placeholder = -len(new)
            index.add(placeholder, new[-1]["key"], attendee.initials)
            current[placeholder] = new[-1]
            placed.append((placeholder, attendee))
            continue
        member_id = found[0]
        newest = member_id not in later
        change = member_changes(current[member_id], **details, overwrite=newest)
        if change:
            current[member_id] = current[member_id] | change
            if member_id > 0:
                changes.setdefault(member_id, {}).update(change)
        if attendee.initials and attendee.initials.lower() not in index.initials:
            index.initials.setdefault(attendee.initials.lower(), []).append(member_id)
        placed.append((member_id, attendee))
    ids = dict(
        zip(
            range(-1, -len(new) - 1, -1),
            store.insert_members([current[-i - 1] for i in range(len(new))]),
            strict=True,
        )
    )
    store.update_members(changes, current, now)
    summary.members_new += [row["name"] for row in new]
    store.insert_member_events(_rights_granted(ids, new, changes, summary.file_name, now))
    members = [ids.get(member_id, member_id) for member_id, _ in placed]
    store.add_to_group(members, stored.group_id)
    present: set[int] = set()  # listed twice: the first line counts (as for one already stored)
    rows = []
    for member_id, (_, attendee) in zip(members, placed, strict=True):
        if attendee.status in ("attended", "apologies") and member_id not in present:
            present.add(member_id)
            rows.append(
                {
                    "meeting_id": stored.meeting_id,
                    "member_id": member_id,
                    "status": attendee.status,
                    "section": attendee.section,
                    "role": attendee.role,
                    "on_behalf_of": attendee.on_behalf_of,
                }
            )
    store.insert_attendance(rows)
    return [row["key"] for row in new]


def _rights_granted(ids: dict[int, int], new: list[dict], changes: dict[int, dict], source: str, now) -> list:
    """The audit of rights a report's roles give (a PMO role the secretariat's, a chair's the chair's):
    one event per member and right, for the identity trail."""
    granted = [(ids[-i - 1], row) for i, row in enumerate(new)] + list(changes.items())
    return [
        {
            "member_id": member_id,
            "kind": "granted",
            "text": right,
            "by": "report",
            "source": source,
            "at": now,
        }
        for member_id, row in granted
        for right, column in (("secretariat", "is_secretariat"), ("chair", "is_chair"))
        if row.get(column)
    ]


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


def attach_owner_names(store: ImportStore, rows: list[dict]) -> list[int]:
    """Point person owner rows at their owner name, creating the new ones; returns the new ones' ids."""
    people = [row for row in rows if row["kind"] == "person"]
    if not people:
        return []
    keys = {row["key"]: row["name"] for row in people}
    known = store.owner_name_ids(list(keys))
    missing = [(key, name) for key, name in keys.items() if key not in known]
    created = store.insert_owner_names(missing) if missing else {}
    known.update(created)
    for row in people:
        row["owner_name_id"] = known[row["key"]]
    return list(created.values())


def insert_owner_rows(
    store: ImportStore,
    owned: list[tuple[int, list[dict]]],
    states: dict[int, tuple[str, date | None, int]] | None = None,
) -> list[int]:
    """Store each action's owner rows (with the actions' status, due date and group id where `states`
    gives them); returns the ids of owner names seen for the first time."""
    rows = [row | {"action_id": action_id} for action_id, action_rows in owned for row in action_rows]
    new_names = attach_owner_names(store, rows)
    store.insert_owners([[row[c] for c in ImportStore.OWNER_COLUMNS] for row in rows], states)
    return new_names


@dataclass
class _Pending:
    """What one report does to its actions, gathered first so the database sees a few batched writes.

    Actions are named by (group id, ref) because new ones have no id until they are inserted."""

    new_actions: list[dict] = field(default_factory=list)  # each new action's columns
    events: list[tuple[tuple[int, str], str, str | None, dict]] = field(default_factory=list)
    owners: list[tuple[tuple[int, str], list[dict]]] = field(default_factory=list)
    replaced: list[int] = field(default_factory=list)
    touched: dict[int, ActionState] = field(default_factory=dict)  # listed by a newer report


def _actions(context: _Context, summary: ImportSummary) -> list[int]:
    report, store = context.report, context.store
    if not report.actions:
        return []
    by_group: dict[str, list[ParsedAction]] = {}
    for parsed in report.actions:
        by_group.setdefault(parsed.group, []).append(parsed)
    pending = _Pending()
    ids: dict[tuple[int, str], int] = {}
    for code, parsed_actions in by_group.items():
        group_id = (
            context.group_id
            if code == report.group
            else store.ensure_group(code, None, DEFAULT_CADENCES.get(code))
        )
        existing = store.actions(group_id, [a.ref for a in parsed_actions])
        ids.update({(group_id, ref): action.id for ref, action in existing.items()})
        history = store.history_texts([a.id for a in existing.values()]) if existing else {}
        seen: set[str] = set()
        for parsed in parsed_actions:
            if parsed.ref in seen:
                summary.warnings.append(f"{parsed.ref} is listed twice; the first row was kept")
                continue
            seen.add(parsed.ref)
            action = existing.get(parsed.ref)
            if action is None:
                if _new_action(context, parsed, group_id, code, pending) == "closed":
                    summary.actions_closed.append(parsed.ref)
                summary.actions_new.append(parsed.ref)
            elif _merge_action(context, action, parsed, group_id, code, history, pending, summary):
                summary.actions_updated.append(parsed.ref)
    if pending.new_actions:
        for action_id, group_id, ref in store.insert_actions(pending.new_actions):
            ids[(group_id, ref)] = action_id
    store.update_actions(pending.touched.values(), context.now)
    held, now = stamp(context.held_at), stamp(context.now)
    reporter, change_id = Actor(context.reporter), new_change_id()  # a report's events are one change
    store.insert_events(
        [
            event_row(
                ids[key],
                kind,
                reporter,
                text=text,
                at=held,
                recorded_at=now,
                source=report.source.name,
                source_document_id=context.document_id,
                change_id=change_id,
                **changes,
            )
            for key, kind, text, changes in pending.events
        ]
    )
    store.delete_owners(pending.replaced)
    # The actions' state as just written, for the owner rows' copies (no statement to read it back).
    new_state = {(row["group_id"], row["ref"]): (row["status"], row["due"]) for row in pending.new_actions}
    states: dict[int, tuple[str, date | None, int]] = {}
    for key, _rows in pending.owners:
        action_id = ids[key]
        if key in new_state:
            states[action_id] = (*new_state[key], key[0])
        elif action_id in pending.touched:
            states[action_id] = (pending.touched[action_id].status, pending.touched[action_id].due, key[0])
    return insert_owner_rows(store, [(ids[key], rows) for key, rows in pending.owners], states)


def _new_action(context: _Context, parsed: ParsedAction, group_id: int, code: str, pending: _Pending) -> str:
    closing = parsed.status == "closed" or (bool(parsed.update) and update_closes(parsed.update))
    key = (group_id, parsed.ref)
    now = stamp(context.now)
    held = context.report.meeting.date
    pending.new_actions.append(
        {
            "group_id": group_id,
            "ref": parsed.ref,
            "area": parsed.area,
            "text": parsed.text or "(no text)",
            "owner": parsed.owner,
            "due": parsed.due,
            "status": "closed" if closing else "open",
            "meeting_id": context.meeting_id,
            "reported_on": held,
            "reported_done": not closing and update_reports_delivery(parsed.update),
            "news_on": held,
            "created_at": now,
            "updated_at": now,
        }
    )
    pending.events.append((key, "created", None, {"status_after": "open", "due_after": parsed.due}))
    if closing:
        closed = {"status_before": "open", "status_after": "closed"}
        pending.events.append((key, "closed", parsed.update or "Closed", closed))
    elif parsed.update:
        pending.events.append((key, "updated", parsed.update, {}))
    pending.owners.append((key, owner_rows(parsed.owner, context.group_codes, code)))
    return "closed" if closing else "open"


def _merge_action(
    context: _Context,
    action: ActionState,
    parsed: ParsedAction,
    group_id: int,
    code: str,
    history: dict[int, list[str]],
    pending: _Pending,
    summary: ImportSummary,
) -> bool:
    """Apply a known action's row from another report; True if anything changed."""
    key = (group_id, action.ref)
    report_date = context.report.meeting.date
    newer = action.reported_on is None or report_date >= action.reported_on
    changed = False
    due_before = action.due
    if newer:
        action.reported_on = report_date
        pending.touched[action.id] = action
        if parsed.text and fold(parsed.text) != fold(action.text):
            action.text, action.wording_changed, changed = parsed.text, True, True
        if parsed.owner and fold(parsed.owner) != fold(action.owner):
            action.owner, action.wording_changed, changed = parsed.owner, True, True
            pending.replaced.append(action.id)
            pending.owners.append((key, owner_rows(parsed.owner, context.group_codes, code)))
        if parsed.area and not action.area:
            action.area, action.wording_changed, changed = parsed.area, True, True
        if parsed.due and parsed.due != action.due:
            action.due, action.state_changed, changed = parsed.due, True, True
    if action.news_on is None or report_date > action.news_on:
        action.news_on = report_date  # listed again: news of it, whether or not anything changed
        pending.touched[action.id] = action
    said = {fold(text) for text in history.get(action.id, [])}
    if action.due != due_before:
        moved = {"due_before": due_before, "due_after": action.due}
        pending.events.append(
            (key, "due_moved", f"Due date moved from {due_before or 'none'} to {action.due}", moved)
        )
    closing = parsed.status == "closed" or update_closes(parsed.update)
    if parsed.update and fold(parsed.update) not in said:
        if closing and newer and action.status == "open":
            pending.events.append(
                (key, "closed", parsed.update, {"status_before": "open", "status_after": "closed"})
            )
            action.status, action.state_changed, action.reported_done = "closed", True, False
            summary.actions_closed.append(parsed.ref)
        elif update_reopens(parsed.update) and newer and action.status == "closed":
            pending.events.append(
                (key, "reopened", parsed.update, {"status_before": "closed", "status_after": "open"})
            )
            action.status, action.state_changed, action.reported_done = "open", True, False
        else:
            pending.events.append((key, "updated", parsed.update, {}))
            if newer:
                action.reported_done = action.status == "open" and update_reports_delivery(parsed.update)
        changed = True
    return changed or action.due != due_before


def _decisions(context: _Context, summary: ImportSummary) -> None:
    report, store = context.report, context.store
    if not report.decisions:
        return
    existing = store.decisions(context.group_id, [d.ref for d in report.decisions])
    new_rows: dict[str, dict] = {}
    updates = []
    for parsed in report.decisions:
        known = existing.get(parsed.ref)
        if known is None and parsed.ref not in new_rows:
            new_rows[parsed.ref] = {
                "group_id": context.group_id,
                "ref": parsed.ref,
                "area": parsed.area,
                "text": parsed.text or "(no text)",
                "meeting_id": context.meeting_id,
                "source_document_id": context.document_id,
                "created_at": stamp(context.now),
            }
            summary.decisions_new.append(parsed.ref)
        elif known is not None and parsed.text and fold(parsed.text) != fold(known[1]):
            updates.append((parsed.text, parsed.area or known[2], known[0]))
            summary.decisions_updated.append(parsed.ref)
    store.insert_decisions(list(new_rows.values()))
    store.update_decisions(updates)


def _mentions(context: _Context) -> None:
    """Keep each passage that names a ref once, however many reports repeat it (the database's unique
    key on ref and passage decides). The group is the one whose meeting discussed it."""
    report = context.report
    if not report.mentions:
        return
    context.store.insert_mentions(
        [
            {
                "group_id": context.group_id,
                "ref": parsed.ref,
                "kind": parsed.kind,
                "area": parsed.area,
                "text": parsed.text,
                "text_key": passage_key(parsed.text),
                "meeting_id": context.meeting_id,
                "source_document_id": context.document_id,
            }
            for parsed in report.mentions
        ]
    )


__all__ = [
    "BATCH_REPORTS",
    "BatchImport",
    "ImportSummary",
    "ReportError",
    "import_batch",
    "import_report",
    "preview_report",
    "read_report",
    "update_closes",
]
