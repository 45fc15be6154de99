"""The action log as an Excel workbook, both ways.

Out: one sheet of actions per group with the secretariat's columns (Area, Action Ref, Action, Owner, Due
Date, Update) plus Status, Last changed and Meeting; due dates as real dates; the header frozen, filters
on, columns sized; then a sheet of decisions.

In: the same workbook as edited by hand. A changed Status, Update, Due Date or Owner becomes the events a
report's would (closed, reopened, updated, due moved, owner changed), with the workbook as their source
and the importer's name; a new row with a new ref becomes an action; a row that did not change changes
nothing, so reading the same workbook twice changes nothing. All in one transaction.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.calendar.clock import Clock, real_utcnow
from bot.people.identity import Person
from bot.people.members import load_index, resolve_owner_names
from bot.people.roster import RosterError, RosterResult, apply_roster, roster_rows
from bot.record.audit import Actor, action_event
from bot.record.exporter import export_data, latest_update
from bot.record.importer import insert_owner_rows, owner_rows
from bot.record.refs import parse_action_cell
from bot.record.reports.action_log import ActionLog
from bot.record.reports.loader import ReportError, check_archive, check_size
from bot.record.text import fold
from bot.record.updates import update_closes, update_reopens, update_reports_delivery
from storage.db import Database
from storage.models import Action
from storage.queries import actions as action_queries
from storage.queries import groups as group_queries
from storage.queries.importing import ImportStore
from storage.text import cell_text

ACTION_COLUMNS = [
    "Area",
    "Action Ref",
    "Action",
    "Owner",
    "Due Date",
    "Update",
    "Status",
    "Last changed",
    "Meeting",
]
DECISION_COLUMNS = ["Group", "Area", "Decision Ref", "Description", "Meeting"]
MEMBER_COLUMNS = ["Name", "Initials", "Organisation", "Role"]  # and Email, with personal data
WIDTHS = {
    "Name": 26,
    "Organisation": 26,
    "Role": 30,
    "Email": 30,
    "Area": 22,
    "Action Ref": 12,
    "Action": 60,
    "Owner": 30,
    "Due Date": 11,
    "Update": 50,
    "Status": 9,
}
DATE_FORMAT = "DD/MM/YYYY"


# --- out -----------------------------------------------------------------------------------------


async def export_workbook(db: Database, *, personal: bool = False) -> bytes:
    """The action log, its decisions, and its members (their emails only with `personal`: the file
    travels, and an address is personal data)."""
    # Here: openpyxl takes a while to import, and only the export needs it.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    data = await export_data(db, personal=personal)
    book = Workbook()
    book.remove(book.active)
    groups = sorted({a["group"] for a in data["actions"]} | {d["group"] for d in data["decisions"]})

    def sheet(title: str, columns: list[str], rows: list[list]) -> None:
        ws = book.create_sheet(title[:31])
        ws.append(columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for line, row in enumerate(rows, 2):
            cells = [cell_text(v) if isinstance(v, str) else v for v in row]
            ws.append(cells)
            for column, value in enumerate(cells, 1):
                if isinstance(value, str) and value.startswith("="):
                    ws.cell(line, column).data_type = "s"  # a note that starts with "=" is no formula
        for index, name in enumerate(columns, 1):
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = WIDTHS.get(name, 14)
            if name in ("Due Date", "Last changed"):
                for cell in ws[letter][1:]:
                    cell.number_format = DATE_FORMAT
            if name in ("Action", "Update", "Description", "Owner", "Area"):
                for cell in ws[letter][1:]:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions

    for code in groups or ["TMAG"]:
        actions = [a for a in data["actions"] if a["group"] == code]
        sheet(f"{code} actions", ACTION_COLUMNS, [_action_row(a) for a in actions])
    sheet(
        "Decisions",
        DECISION_COLUMNS,
        [
            [d["group"], d["area"] or "", d["ref"], d["text"], _meeting_name(d["group"], d["meeting"])]
            for d in data["decisions"]
        ],
    )
    sheet(
        "Members",
        MEMBER_COLUMNS + (["Email"] if personal else []),
        [
            [m["name"], m["initials"] or "", m["organisation"] or "", m["role"] or ""]
            + ([m.get("email") or ""] if personal else [])
            for m in data["members"]
        ],
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _action_row(action: dict) -> list:
    changed = max((u["at"] for u in action["updates"]), default=None)
    return [
        action["area"] or "",
        action["ref"],
        action["text"],
        action["owner"] or "",
        date.fromisoformat(action["due"]) if action["due"] else None,
        latest_update(action),
        "Closed" if action["status"] == "closed" else "Open",
        datetime.fromisoformat(changed).date() if changed else None,
        _meeting_name(action["group"], action.get("meeting")),
    ]


def _meeting_name(code: str, number: str | None) -> str:
    return f"{code} {number}" if number else ""


# --- in ------------------------------------------------------------------------------------------


@dataclass
class WorkbookSummary:
    file_name: str
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)
    members: RosterResult | None = None  # None: no Members sheet

    def line(self) -> str:
        members_changed = self.members is not None and (self.members.added or self.members.changed)
        if not self.changed and not self.added and not members_changed:
            said = f"{self.unchanged} rows as recorded"
            if self.members is not None:
                said += f", {self.members.unchanged} members as recorded"
            return f"{self.file_name}: action log read, nothing changed ({said})"
        parts = [f"{self.file_name}: action log read"]
        if self.changed:
            parts.append(f"{len(self.changed)} changed ({', '.join(self.changed[:12])})")
        if self.added:
            parts.append(f"{len(self.added)} added ({', '.join(self.added[:12])})")
        parts.append(f"{self.unchanged} unchanged")
        if self.members is not None:
            parts.append(self.members.line())
        return "; ".join(parts)


def is_workbook(name: str, data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return name.lower().endswith(".xlsx")


def read_workbook(name: str, data: bytes) -> ActionLog:
    """The rows of every actions sheet (one whose header row names Action Ref and Action) and the
    Members sheet, if any; ReportError,
    in one line, for a file that is not an action log, or one too large to read: an archive whose parts
    inflate past the limits is refused unopened, and the rest is read by a reading worker within the
    reading budget (see reports.reading). Blocks until read (the command line's way)."""
    # Here, not at the top: the worker imports the readers (lxml, PDFium), which only reading needs.
    from bot.record.reports import worker
    from bot.record.reports.reading import reading_pool

    check_size(name, len(data))
    check_archive(name, data)
    return reading_pool().run(name, worker.workbook, name, data)


async def apply_workbook(
    db: Database, name: str, log: ActionLog, person: Person, clock: Clock
) -> WorkbookSummary:
    """Apply what was edited, members first, all in one transaction (secretariat only: the log is
    theirs). A bad row in the Members sheet refuses the whole workbook, naming every bad row."""

    summary = WorkbookSummary(name)
    if not person.is_secretariat:
        raise ReportError(f"{name}: only the secretariat can import the action log")
    source = f"workbook:{name}"[:200]
    rows = log.rows
    try:
        roster = roster_rows(log.members, f"{name} (Members sheet)") if log.members is not None else None
    except RosterError as exc:
        raise ReportError(str(exc)) from None

    async def apply(session) -> None:
        summary.changed.clear(), summary.added.clear(), summary.warnings.clear()
        summary.unchanged = 0
        if roster is not None:
            try:
                summary.members = await apply_roster(session, clock, roster, by=person.display)
            except RosterError as exc:
                raise ReportError(f"{name} (Members sheet) {exc}") from None
        codes = await group_queries.group_codes(session)
        new_names: list[int] = []
        at, recorded = clock.utcnow(), real_utcnow()

        actor = Actor.of(person)

        def event(action: Action, kind: str, text: str | None, **extra) -> None:
            made = action_event(
                action.id, kind, actor, text=text, at=at, recorded_at=recorded, source=source, **extra
            )
            session.add(made)

        for row in rows:
            group_code = re.match(r"^([A-Za-z]{2,10})", row.sheet)
            parsed = parse_action_cell(row.ref, group_code.group(1).upper() if group_code else "TMAG")
            if parsed is None:
                summary.warnings.append(
                    f"{row.sheet} row {row.line}: “{row.ref}” is not an action ref; left out"
                )
                continue
            found = await action_queries.action_by_ref(session, parsed.canonical)
            if found is None:
                if not row.text:
                    summary.warnings.append(
                        f"{row.sheet} row {row.line}: {parsed.canonical} has no Action; left out"
                    )
                    continue
                group = await group_queries.ensure_group(session, parsed.group)
                action = Action(
                    group_id=group.id,
                    ref=parsed.canonical,
                    area=row.area,
                    text=row.text,
                    owner=row.owner,
                    due=row.due,
                    status=row.status or "open",
                    created_at=at,
                    updated_at=recorded,
                    news_on=clock.today(),
                )
                session.add(action)
                await session.flush()
                event(action, "created", row.update, status_after=action.status, due_after=row.due)
                owned = [(action.id, owner_rows(row.owner, codes, group.code))]
                new_names += await session.run_sync(
                    lambda s, o=owned: insert_owner_rows(ImportStore.of(s), o)
                )
                summary.added.append(parsed.canonical)
                continue
            action = found[0]
            history = await session.run_sync(lambda s, i=action.id: ImportStore.of(s).history_texts([i]))
            said = {fold(t) for t in history.get(action.id, [])}
            changed = False
            if row.owner and fold(row.owner) != fold(action.owner):
                event(action, "owner_changed", f"from {action.owner or 'none'} to {row.owner}")
                action.owner, changed = row.owner, True
                for old in (await action_queries.owners_of(session, [action.id])).get(action.id, []):
                    await session.delete(old)
                await session.flush()
                owned = [(action.id, owner_rows(row.owner, codes, found[1].code))]
                new_names += await session.run_sync(
                    lambda s, o=owned: insert_owner_rows(ImportStore.of(s), o)
                )
            if row.due_given and row.due is not None and row.due != action.due:
                event(
                    action,
                    "due_moved",
                    f"Due date moved from {action.due or 'none'} to {row.due}",
                    due_before=action.due,
                    due_after=row.due,
                    status_before=action.status,
                    status_after=action.status,
                )
                action.due, changed = row.due, True
            update = row.update if row.update and fold(row.update) not in said else None
            wanted = row.status
            if wanted is None and update:
                wanted = "closed" if update_closes(update) else "open" if update_reopens(update) else None
            if wanted and wanted != action.status:
                kind = "closed" if wanted == "closed" else "reopened"
                event(action, kind, update, status_before=action.status, status_after=wanted)
                action.status, changed, update = wanted, True, None
                action.reported_done = False
            if update:
                event(action, "updated", update, status_before=action.status, status_after=action.status)
                action.reported_done = action.status == "open" and update_reports_delivery(update)
                changed = True
            if changed:
                action.updated_at = recorded
                action.news_on = max(filter(None, (action.news_on, clock.today())))
                summary.changed.append(action.ref)
            else:
                summary.unchanged += 1
        if new_names:
            names = await action_queries.owner_names_by_ids(session, new_names)
            await resolve_owner_names(session, await load_index(session), names=names)

    await db.transaction(apply)
    return summary
