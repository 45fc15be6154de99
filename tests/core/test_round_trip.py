"""The secretariat's formats, both ways: the action log in Excel, the next report's draft in Word, the
meetings as iCalendar. A round trip changes nothing; an edit changes exactly what was edited."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from bot.people.identity import CONFIRMED, identify
from bot.record.draft import draft_for, write_docx
from bot.record.exporter import export_data
from bot.record.importer import import_report
from bot.record.reports.loader import ReportError, load_bytes
from bot.record.workbook import apply_workbook, export_workbook, read_workbook
from tests.fixtures.world import build_world, clock_at

NOW = clock_at("2023-11-16T09:00")


@pytest.fixture
async def world(db, write):
    await build_world(db, write)
    return db


async def events(db) -> list[tuple]:
    async with db.read() as session:
        rows = await session.exec(
            text(
                "SELECT a.ref, e.kind, e.text, e.by, e.source FROM action_event e "
                "JOIN action a ON a.id = e.action_id ORDER BY e.id"
            )
        )
        return [tuple(r) for r in rows.all()]


async def secretary(db):
    async with db.read() as session:
        return await identify(session, "Ada Brooks", link=CONFIRMED)


async def read_back(db, data: bytes, name: str = "log.xlsx"):
    return await apply_workbook(db, name, read_workbook(name, data), await secretary(db), NOW)


# --- the action log ---------------------------------------------------------------------------------


async def test_the_workbook_has_the_secretariats_columns_real_dates_and_a_frozen_filtered_header(world):
    book = load_workbook(io.BytesIO(await export_workbook(world)))
    assert book.sheetnames == ["WMAG actions", "Decisions", "Members"]
    sheet = book["WMAG actions"]
    header = [c.value for c in sheet[1]]
    assert header == [
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
    rows = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["WMAG31-02"][4] == datetime(2023, 12, 20)  # a real date, moved by the second report
    assert rows["WMAG31-02"][5] == "Windows drafted; date moved to December"
    assert rows["WMAG31-03"][6] == "Closed" and rows["WMAG31-02"][6] == "Open"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:I")
    assert sheet["E2"].number_format == "DD/MM/YYYY" and sheet.column_dimensions["C"].width >= 40
    decisions = [r for r in book["Decisions"].iter_rows(min_row=2, values_only=True)]
    assert decisions[0][:3] == ("WMAG", "Environments", "WMAG-DEC12")


async def test_an_untouched_workbook_read_back_changes_nothing(world):
    before = await events(world)
    summary = await read_back(world, await export_workbook(world))
    assert not summary.changed and not summary.added and summary.unchanged >= 10
    assert await events(world) == before


async def test_edits_in_the_workbook_become_the_events_a_report_would_make_once(world):
    book = load_workbook(io.BytesIO(await export_workbook(world)))
    sheet = book["WMAG actions"]
    row = {sheet.cell(r, 2).value: r for r in range(2, sheet.max_row + 1)}
    sheet.cell(row["WMAG31-01"], 7).value = "Closed"
    sheet.cell(row["WMAG31-05"], 6).value = "Position shared by email on 20 November"
    sheet.cell(row["WMAG31-06"], 5).value = datetime(2024, 1, 17)
    sheet.cell(row["WMAG31-07"], 4).value = "Programme (Lena Ortiz)"
    sheet.append(
        [
            "Migration",
            "WMAG32-05",
            "Agree the rehearsal window",
            "Programme (PMO)",
            datetime(2024, 1, 10),
            None,
            "Open",
        ]
    )
    out = io.BytesIO()
    book.save(out)
    before = await events(world)
    summary = await read_back(world, out.getvalue(), "edited.xlsx")
    assert sorted(summary.changed) == ["WMAG31-01", "WMAG31-05", "WMAG31-06", "WMAG31-07"]
    assert summary.added == ["WMAG32-05"]
    made = (await events(world))[len(before) :]
    kinds = {(ref, kind) for ref, kind, *_ in made}
    assert kinds == {
        ("WMAG31-01", "closed"),
        ("WMAG31-05", "updated"),
        ("WMAG31-06", "due_moved"),
        ("WMAG31-07", "owner_changed"),
        ("WMAG32-05", "created"),
    }
    assert all(by == "Ada Brooks" and source == "workbook:edited.xlsx" for *_, by, source in made)
    data = {a["ref"]: a for a in (await export_data(world))["actions"]}
    assert data["WMAG31-01"]["status"] == "closed" and data["WMAG31-06"]["due"] == "2024-01-17"
    assert data["WMAG31-07"]["owner"] == "Programme (Lena Ortiz)"
    assert {o["name"] for o in data["WMAG31-07"]["owners"]} >= {"Lena Ortiz"}

    again = await read_back(world, out.getvalue(), "edited.xlsx")
    assert not again.changed and not again.added
    assert len(await events(world)) == len(before) + len(made)


async def test_a_workbook_that_is_not_an_action_log_is_one_line_and_changes_nothing(world):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Name", "Budget"])
    book.active.append(["Testing", 100])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ReportError, match="not an action log"):
        read_workbook("budget.xlsx", out.getvalue())
    with pytest.raises(ReportError, match="not a readable Excel workbook"):
        read_workbook("broken.xlsx", b"PK\x03\x04 not a zip")


async def members(db) -> dict[str, tuple]:
    async with db.read() as session:
        rows = await session.exec(text("SELECT name, organisation, role, email FROM member"))
        return {r[0]: tuple(r[1:]) for r in rows.all()}


async def test_the_members_sheet_round_trip_keeps_emails_out_unless_asked_and_applies_edits(world):
    plain = load_workbook(io.BytesIO(await export_workbook(world)))
    assert [c.value for c in plain["Members"][1]] == ["Name", "Initials", "Organisation", "Role"]
    before = await members(world)
    summary = await read_back(world, await export_workbook(world))
    assert summary.members.added == 0 and summary.members.changed == 0
    assert summary.members.unchanged == len(before) and await members(world) == before

    book = load_workbook(io.BytesIO(await export_workbook(world, personal=True)))
    sheet = book["Members"]
    assert [c.value for c in sheet[1]] == ["Name", "Initials", "Organisation", "Role", "Email"]
    row = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    sheet.cell(row["Sam Hatton"], 5).value = "sam.hatton@example.org"
    sheet.cell(row["Lena Ortiz"], 3).value = "Elexon"
    sheet.append(["Noor Haddad", "NH", "Northern Grid", "DNO Representative", "noor@example.org"])
    book["WMAG actions"].cell(2, 7).value = "Closed"
    out = io.BytesIO()
    book.save(out)
    summary = await read_back(world, out.getvalue(), "edited.xlsx")
    assert (summary.members.added, summary.members.changed) == (1, 2)
    assert "1 members added, 2 changed" in summary.line() and len(summary.changed) == 1
    now = await members(world)
    assert now["Sam Hatton"][2] == "sam.hatton@example.org" and now["Lena Ortiz"][0] == "Elexon"
    assert now["Noor Haddad"] == ("Northern Grid", "DNO Representative", "noor@example.org")

    again = await read_back(world, out.getvalue(), "edited.xlsx")
    assert (again.members.added, again.members.changed) == (0, 0) and "nothing changed" in again.line()


async def test_a_bad_members_row_refuses_the_whole_workbook(world):
    book = load_workbook(io.BytesIO(await export_workbook(world, personal=True)))
    book["Members"].append(["Cher", "", "", "", "cher@example.org"])
    book["Members"].append(["Tom Okafor", "", "", "", "not-an-email"])
    book["WMAG actions"].cell(2, 7).value = "Closed"
    out = io.BytesIO()
    book.save(out)
    before, people = await events(world), await members(world)
    with pytest.raises(ReportError, match=r"Members sheet.*2 bad row\(s\).*Cher"):
        await read_back(world, out.getvalue(), "edited.xlsx")
    assert await events(world) == before and await members(world) == people


async def test_only_the_secretariat_reads_the_log_back(world):
    async with world.read() as session:
        sam = await identify(session, "Sam Hatton", link=CONFIRMED)
    data = await export_workbook(world)
    with pytest.raises(ReportError, match="only the secretariat"):
        await apply_workbook(world, "log.xlsx", read_workbook("log.xlsx", data), sam, NOW)


# --- the draft -------------------------------------------------------------------------------------


async def test_the_draft_holds_what_the_secretariat_copies_over(world):
    draft = await draft_for(world, "WMAG", "next", NOW)
    assert draft.meeting.date == date(2023, 11, 29) and draft.number == "33"
    blocks = load_bytes("d.docx", write_docx(draft)).blocks
    cells = [b.cells for b in blocks]
    assert ["Meeting number", "WMAG 033", "Venue", "Virtual – MS Teams"] in cells
    assert ["Area", "Action Ref", "Action", "Owner", "Due Date", "Update"] in cells  # this meeting's, empty
    previous = [c for c in cells if len(c) == 7 and c[1].startswith("WMAG3")]
    refs = [c[1] for c in previous]
    assert "WMAG31-03" not in refs  # closed before the last meeting: the last report showed it
    assert {"WMAG31-01", "WMAG31-02", "WMAG32-01"} <= set(refs)
    row = next(c for c in previous if c[1] == "WMAG31-02")
    assert row[4:] == ["20/12/2023", "Windows drafted; date moved to December", "Open"]
    areas = [c[0] for c in previous]
    assert areas.count("Environments") == 1  # written once, blank below for "same as above"
    assert any("Date of next WMAG: 20 December 2023" in c[0] for c in cells)


async def test_the_untouched_draft_read_back_changes_nothing_and_an_edited_one_is_a_report(world, tmp_path):
    data = write_docx(await draft_for(world, "WMAG", "next", NOW))
    before = await events(world)
    summary = await import_report(world, name="draft.docx", data=data, clock=NOW)
    assert summary.status == "unchanged" and "untouched draft" in summary.line()
    assert await events(world) == before

    import docx

    document = docx.Document(io.BytesIO(data))
    table = document.tables[2]  # actions from previous meetings
    row = next(r for r in table.rows if r.cells[1].text == "WMAG31-02")
    row.cells[5].text = "Windows agreed with all DNOs. Complete."
    out = io.BytesIO()
    document.save(out)
    edited = await import_report(world, name="report-033.docx", data=out.getvalue(), clock=NOW)
    assert edited.status == "imported" and edited.actions_closed == ["WMAG31-02"]
    made = (await events(world))[len(before) :]
    assert [(ref, kind) for ref, kind, *_ in made] == [("WMAG31-02", "closed")]  # that row, nothing else


# --- the calendar ----------------------------------------------------------------------------------


async def test_the_calendar_is_london_time_with_stable_uids_and_cancellations(world):
    from icalendar import Calendar

    from bot.calendar.ics import group_calendar
    from bot.calendar.meetings import cancel_meeting

    first = Calendar.from_ical(await group_calendar(world, "WMAG", NOW))
    assert [tz["tzid"] for tz in first.walk("VTIMEZONE")] == ["Europe/London"]
    meetings = {str(e["uid"]): e for e in first.walk("VEVENT")}
    extraordinary = next(e for e in meetings.values() if e.decoded("dtstart").date() == date(2023, 11, 29))
    assert str(extraordinary["summary"]).startswith("Extraordinary WMAG")
    december = next(e for e in meetings.values() if e.decoded("dtstart").date() == date(2023, 12, 20))
    assert december["dtstart"].params["TZID"] == "Europe/London"
    assert december.decoded("dtstart").hour == 10 and str(december["status"]) == "CONFIRMED"

    ada = await secretary(world)
    assert (await cancel_meeting(world, ada, NOW, group_code="WMAG", day=date(2023, 12, 20))).ok
    second = Calendar.from_ical(await group_calendar(world, "WMAG", NOW))
    again = {str(e["uid"]): e for e in second.walk("VEVENT")}
    assert set(meetings) <= set(again)  # the same UIDs: subscribing again never duplicates
    assert str(again[str(december["uid"])]["status"]) == "CANCELLED"
