"""The next headline report, drafted in Word for the secretariat to finish by hand.

It holds what the secretariat would copy over from the last report: the header table (meeting number
where known, venue, date and time, classification), an empty table for this meeting's new actions,
"Actions from previous meeting(s)" with every action still open and those closed since the last
meeting (each with its latest update and status), an empty decisions table, and "Date of next ...".
Columns are the secretariat's own, in their order; an area is written once and left blank below for
"same as above", as they write it.

The draft carries a digest of its own text in its identifier property: read back untouched, it is
known for what it is and changes nothing; once edited, it is read as any report.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.calendar.cadence import CalendarMeeting
from bot.calendar.clock import Clock, to_london
from bot.calendar.schedule import find_meeting, upcoming_meetings
from bot.record.exporter import natural_key
from bot.record.reports.loader import DRAFT_MARK, _docx_blocks, blocks_digest
from storage.db import Database
from storage.queries import actions as action_queries
from storage.queries import meetings as meeting_queries
from storage.text import cell_text, clean_text

ACTION_COLUMNS = ["Area", "Action Ref", "Action", "Owner", "Due Date", "Update", "Status"]
NEW_ACTION_COLUMNS = ["Area", "Action Ref", "Action", "Owner", "Due Date", "Update"]
DECISION_COLUMNS = ["Area", "Decision Ref", "Description"]
DEFAULT_VENUE = "Virtual – MS Teams"
EMPTY_ROWS = 3
TEXT_KINDS = ("updated", "closed", "reopened", "confirmed")


@dataclass
class DraftRow:
    area: str | None
    ref: str
    text: str
    owner: str | None
    due: date | None
    update: str
    status: str


@dataclass
class Draft:
    group_code: str
    group_name: str | None
    meeting: CalendarMeeting
    number: str | None
    venue: str
    previous: list[DraftRow]
    next_meeting: CalendarMeeting | None

    @property
    def file_name(self) -> str:
        number = f"-{self.number}" if self.number else ""
        return f"{self.group_code.lower()}{number}-{self.meeting.date:%Y-%m-%d}-headline-report-draft.docx"


async def draft_for(db: Database, group_code: str | None, wanted: str | None, clock: Clock) -> Draft:
    """What the draft says (MeetingNotFound if the meeting is not known)."""

    async with db.read() as session:
        group, meeting = await find_meeting(session, group_code, wanted, clock.now())
        last = (
            await meeting_queries.last_held(session, group.id, meeting.date) if group.id is not None else None
        )
        actions = [(a, g) for a, g in await action_queries.all_actions(session) if g.code == group.code]
        events = await action_queries.events_of(session, [a.id for a, _ in actions])
        after = datetime.combine(
            meeting.date + timedelta(days=1), datetime.min.time(), tzinfo=clock.now().tzinfo
        )
        later = [m for m in await upcoming_meetings(session, after, group.code) if m.date > meeting.date]
    since = last.date if last is not None else None
    rows = []
    for action, _group in actions:
        history = events.get(action.id, [])
        if action.status == "closed":
            closed = next((e for e in reversed(history) if e.kind in ("closed", "confirmed")), None)
            if since is None or closed is None or to_london(closed.at).date() <= since:
                continue  # closed before the last meeting: that report showed it
        texts = [e.text for e in history if e.text and e.kind in TEXT_KINDS]
        rows.append(
            DraftRow(
                action.area,
                action.ref,
                action.text,
                action.owner,
                action.due,
                texts[-1] if texts else "",
                "Closed" if action.status == "closed" else "Open",
            )
        )
    # Areas together, those without one first (so a blank area never reads as the one above).
    first_seen: dict[str | None, int] = {}
    for row in sorted(rows, key=lambda r: natural_key(r.ref)):
        first_seen.setdefault(row.area, len(first_seen))
    rows.sort(key=lambda r: (r.area is not None, first_seen[r.area], natural_key(r.ref)))
    number = meeting.number
    if number is None and last is not None and last.number and last.number.isdigit():
        number = str(int(last.number) + 1)  # the programme numbers every meeting, extraordinary ones too
    return Draft(
        group.code,
        group.name,
        meeting,
        number,
        (last.venue if last is not None and last.venue else DEFAULT_VENUE),
        rows,
        later[0] if later else None,
    )


def write_docx(draft: Draft) -> bytes:
    """The draft as a Word document, marked with a digest of its own text."""
    # Here: python-docx loads slowly, and only the Word draft needs it.
    import docx

    document = docx.Document()
    code, meeting = draft.group_code, draft.meeting
    name = f"{draft.group_name} ({code})" if draft.group_name and code not in draft.group_name else code
    name = clean_text(name)  # as the database held it: rendered whatever it holds
    kind = "Extraordinary " if meeting.extraordinary else ""
    document.add_heading(f"MHHS {kind}{name} Headline Report", level=1)
    document.add_paragraph(
        "DRAFT prepared by tmag-bot: check every row, add this meeting's actions and decisions."
    )
    when = f"{meeting.date.day} {meeting.date:%B %Y}"
    if meeting.start:
        when += f" {meeting.start.replace(':', '')}" + (
            f"-{meeting.end.replace(':', '')}" if meeting.end else ""
        )
    number = (
        f"{code} {int(draft.number):03d}"
        if draft.number and draft.number.isdigit()
        else (f"{code} {draft.number}" if draft.number else "")
    )
    _table(
        document,
        [
            ["Meeting number", number, "Venue", draft.venue],
            ["Date and time", when, "Classification", "Public"],
        ],
        header=False,
    )
    document.add_heading("Actions", level=2)
    _table(document, [NEW_ACTION_COLUMNS] + [[""] * len(NEW_ACTION_COLUMNS)] * EMPTY_ROWS)
    document.add_heading("Actions from previous meeting(s)", level=2)
    rows, above = [], object()
    for row in draft.previous:
        rows.append(
            [
                "" if row.area == above else (row.area or ""),
                row.ref,
                row.text,
                row.owner or "",
                f"{row.due:%d/%m/%Y}" if row.due else "TBC",
                row.update,
                row.status,
            ]
        )
        above = row.area
    _table(document, [ACTION_COLUMNS, *rows])
    document.add_heading("Decisions", level=2)
    _table(document, [DECISION_COLUMNS] + [[""] * len(DECISION_COLUMNS)] * EMPTY_ROWS)
    if draft.next_meeting is not None:
        following = draft.next_meeting
        extra = "Extraordinary " if following.extraordinary else ""
        document.add_paragraph(
            clean_text(f"Date of next {extra}{code}: {following.date.day} {following.date:%B %Y}")
        )
    document.core_properties.title = clean_text(f"{code} headline report (draft)")
    document.core_properties.content_status = "Draft"
    out = io.BytesIO()
    document.save(out)
    blocks, _ = _docx_blocks("draft.docx", out.getvalue())
    document.core_properties.identifier = DRAFT_MARK + blocks_digest(blocks)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _table(document, rows: list[list[str]], *, header: bool = True) -> None:
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for row, cells in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = cell_text(text)
    if header:
        for cell in table.rows[0].cells:
            for run in cell.paragraphs[0].runs:
                run.bold = True
