"""An action log workbook read back (the reading side of bot.record.workbook): run in a reading worker, so
it imports nothing of the database."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from bot.record.dates import parse_date
from bot.record.reports.blocks import ReportError
from bot.record.text import clean_cell, fold

MAX_ROWS = 100_000  # an action log holds hundreds; a sheet of more is not one
CLOSED_WORDS = {"closed", "complete", "completed", "done"}
OPEN_WORDS = {"open", "ongoing", "in progress", "reopened"}


@dataclass
class LogRow:
    sheet: str
    line: int
    ref: str
    area: str | None
    text: str | None
    owner: str | None
    due: date | None
    due_given: bool  # the Due Date cell held something (a blank cell leaves the due date alone)
    update: str | None
    status: str | None  # open | closed | None (not stated)


@dataclass
class ActionLog:
    rows: list[LogRow]
    members: list[list[str]] | None  # the Members sheet's cells, its heading row first; None: no such sheet


MEMBER_HEADINGS = {"name", "full name", "member"}  # a sheet of members names its people in one of these
HEADERS = {
    "area": {"area"},
    "ref": {"action ref", "ref", "action reference", "action id", "action no", "reference"},
    "text": {"action", "action description", "description"},
    "owner": {"owner", "owners", "action owner"},
    "due": {"due date", "due", "date due", "target date"},
    "update": {"update", "updates", "latest update", "comments", "progress"},
    "status": {"status", "rag status", "action status"},
}


def read_rows(name: str, data: bytes) -> ActionLog:
    """The rows of every actions sheet, and the Members sheet's cells if there is one; ReportError, in
    one line, for a file that is neither an action log nor a members list."""
    # Here: openpyxl loads slowly, and only action log workbooks need it.
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a damaged file
        raise ReportError(f"{name}: not a readable Excel workbook ({exc.__class__.__name__})") from None
    rows: list[LogRow] = []
    members: list[list[str]] | None = None
    found = False
    try:
        for ws in book.worksheets:
            values = ws.iter_rows(values_only=True)
            header = next(values, None)
            columns = _columns(header or ())
            if "ref" not in columns or "text" not in columns:
                if members is None and _is_members(ws.title, header or ()):
                    members = _cells(name, ws.title, header, values)
                continue
            found = True
            for line, row in enumerate(values, 2):
                if line > MAX_ROWS:
                    raise ReportError(
                        f"{name}: sheet {ws.title} has more than {MAX_ROWS:,} rows; is it an action log?"
                    )
                parsed = _row(ws.title, line, row, columns)
                if parsed is not None:
                    rows.append(parsed)
    finally:
        book.close()
    if not found and members is None:
        raise ReportError(
            f"{name}: not an action log (no sheet has a header row with Action Ref and Action columns)"
        )
    return ActionLog(rows, members)


def _is_members(title: str, header) -> bool:
    headings = {" ".join(re.sub(r"[^a-z ]", " ", str(c or "").lower()).split()) for c in header}
    return bool(headings & MEMBER_HEADINGS) and (fold(title) == "members" or "email" in headings)


def _cells(name: str, title: str, header, values) -> list[list[str]]:
    """A sheet as text cells (what a CSV of it would hold)."""
    records = [[_text(c) for c in header]]
    for line, row in enumerate(values, 2):
        if line > MAX_ROWS:
            raise ReportError(f"{name}: sheet {title} has more than {MAX_ROWS:,} rows; is it a members list?")
        records.append([_text(c) for c in row])
    return records


def _text(value) -> str:
    return clean_cell(str(value)) if value is not None else ""


def _columns(header) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        label = re.sub(r"[^a-z ]", "", str(cell or "").lower()).strip()
        for name, labels in HEADERS.items():
            if label in labels and name not in columns:
                columns[name] = index
    return columns


def _row(sheet: str, line: int, row, columns: dict[str, int]) -> LogRow | None:
    def get(name: str):
        index = columns.get(name)
        return row[index] if index is not None and index < len(row) else None

    def text(name: str) -> str | None:
        value = get(name)
        return clean_cell(str(value)) or None if value is not None else None

    ref = text("ref")
    if not ref:
        return None
    due_cell = get("due")
    due = _date_of(due_cell)
    status_word = fold(text("status") or "")
    status = "closed" if status_word in CLOSED_WORDS else "open" if status_word in OPEN_WORDS else None
    return LogRow(
        sheet,
        line,
        ref,
        text("area"),
        text("text"),
        text("owner"),
        due,
        due_cell not in (None, ""),
        text("update"),
        status,
    )


def _date_of(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        return parse_date(value.strip())
    return None
