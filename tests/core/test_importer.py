"""Importing reports: one transaction per document, merged with what is already known."""

from __future__ import annotations

import asyncio
import threading
from datetime import date
from pathlib import Path

import pytest

from bot.record.exporter import export_data
from bot.record.importer import ReportError, import_batch, import_report, update_closes
from bot.record.reports.loader import load_bytes
from bot.record.reports.parser import parse_report
from storage.queries.search import Term, search_actions
from tests.fixtures import sql

FIRST = """\
## MHHS Testing and Migration Advisory Group (TMAG) Headline Report

Meeting number **TMAG 040**

Date and time **21 August 2024 1000-1200**

### Actions

Area\tAction Ref\tAction\tOwner\tDue Date\tUpdate
<b>Environments</b>\tTMAG40-01\tShare the booking calendar\tProgramme (Priya Natarajan)\t18/09/24\t
\tTMAG40-02\tConfirm DNO test windows\tDNO Representative (Sam Whitfield)\t18/09/24\t
<b>Migration</b>\tTMAG40-03\tFeed back on the cutover checklist\tTMAG members\t04/09/24\t

### Decisions

Area\tDecision Ref\tDescription
<b>Minutes</b>\tTMAG-DEC90\tApproval of the July minutes.

**Date of next TMAG: 18 September 2024**
"""

SECOND = """\
## MHHS Testing and Migration Advisory Group (TMAG) Headline Report

Meeting number **TMAG 041**

Date and time **18 September 2024 1000-1200**

### Actions

Area\tAction Ref\tAction\tOwner\tDue Date\tUpdate
<b>Actions from previous meeting(s)</b>\tTMAG40-01\tShare the booking calendar\tProgramme (Priya Natarajan)\t16/10/24\tCalendar in draft; due date moved to October
\tTMAG40-02\tConfirm DNO test windows\tDNO Representative (Sam Whitfield)\t18/09/24\tWindows confirmed at the meeting. Complete.
\tTMAG40-03\tFeed back on the cutover checklist\tTMAG members\t04/09/24\tNot yet complete - two responses outstanding
<b>Plan</b>\tTMAG41-01\tPublish the plan\tProgramme (PMO)\t02/10/24\t

### Decisions

Area\tDecision Ref\tDescription
<b>Minutes</b>\tTMAG-DEC91\tApproval of the August minutes.

**Date of next TMAG: 16 October 2024**
"""


TABLES = (
    "source_document",
    "meeting",
    "action",
    "action_event",
    "action_owner",
    "decision",
    "mention",
    "member",
    "owner_name",
)


def counts(url: str) -> dict[str, int]:
    return sql.counts(url, TABLES)


async def test_first_import_stores_everything(db, db_url, clock, write):
    summary = await import_report(db, write("tmag-040.txt", FIRST), clock=clock)
    assert summary.status == "imported"
    assert summary.actions_new == ["TMAG40-01", "TMAG40-02", "TMAG40-03"]
    assert summary.decisions_new == ["TMAG-DEC90"]
    assert summary.next_meetings == [("TMAG", date(2024, 9, 18), False)]
    data = await export_data(db)
    assert [(m["number"], m["date"], m["status"]) for m in data["meetings"]] == [
        ("40", "2024-08-21", "held"),
        (None, "2024-09-18", "scheduled"),
    ]
    action = next(a for a in data["actions"] if a["ref"] == "TMAG40-02")
    assert action["owner"] == "DNO Representative (Sam Whitfield)"
    assert action["owners"] == [{"kind": "person", "name": "Sam Whitfield", "role": "dno representative"}]
    assert [(u["kind"], u["text"], u["by"]) for u in action["updates"]] == [
        ("created", None, "TMAG 40 report")
    ]
    assert "Share the booking calendar" in summary.line() or "3 new" in summary.line()


async def test_importing_the_same_document_again_changes_nothing(db, db_url, clock, write):
    path = write("tmag-040.txt", FIRST)
    await import_report(db, path, clock=clock)
    before = counts(db_url)
    again = await import_report(db, path, clock=clock)
    assert again.status == "unchanged"
    assert "nothing changed" in again.line()
    assert counts(db_url) == before


async def test_a_later_report_updates_moves_due_dates_and_closes(db, clock, write):
    await import_report(db, write("tmag-040.txt", FIRST), clock=clock)
    summary = await import_report(db, write("tmag-041.txt", SECOND), clock=clock)
    assert summary.actions_new == ["TMAG41-01"]
    assert set(summary.actions_updated) == {"TMAG40-01", "TMAG40-02", "TMAG40-03"}
    assert summary.actions_closed == ["TMAG40-02"]
    data = await export_data(db)
    actions = {a["ref"]: a for a in data["actions"]}
    assert len(actions) == 4  # no duplicates
    moved = actions["TMAG40-01"]
    assert moved["due"] == "2024-10-16"
    assert moved["area"] == "Environments"  # where it was raised, not "Actions from previous meeting(s)"
    assert [(u["kind"], u["text"]) for u in moved["updates"]] == [
        ("created", None),
        ("due moved", "Due date moved from 2024-09-18 to 2024-10-16"),
        ("updated", "Calendar in draft; due date moved to October"),
    ]
    assert moved["updates"][-1]["source"] == "tmag-041.txt"
    assert moved["updates"][-1]["at"].startswith("2024-09-18T10:00")
    assert moved["updates"][1]["due"] == {"from": "2024-09-18", "to": "2024-10-16"}
    assert actions["TMAG40-02"]["status"] == "closed"
    assert actions["TMAG40-03"]["status"] == "open"  # "Not yet complete" does not close it
    held = {m["date"]: m for m in data["meetings"]}
    assert held["2024-09-18"]["status"] == "held"  # the scheduled meeting became the held one
    assert held["2024-09-18"]["number"] == "41"
    assert sum(1 for m in data["meetings"] if m["date"] == "2024-09-18") == 1


async def test_a_later_reports_new_wording_and_owner_reach_search_and_owner_lookups(db, db_url, clock, write):
    await import_report(db, write("tmag-040.txt", FIRST), clock=clock)
    await import_report(db, write("tmag-041.txt", SECOND), clock=clock)
    third = (
        SECOND.replace("TMAG 041", "TMAG 042")
        .replace("18 September 2024 1000", "16 October 2024 1000")
        .replace(
            "Feed back on the cutover checklist\tTMAG members",
            "Feed back on the cutover runbook\tProgramme (PMO)",
        )
        .replace(
            "Publish the plan\tProgramme (PMO)\t02/10/24\t",
            "Publish the plan\tProgramme (PMO)\t02/10/24\tPublished. Closed.",
        )
    )
    await import_report(db, write("tmag-042.txt", third), clock=clock)
    async with db.read() as session:
        found = {
            word: {a.ref for a, _, _ in await search_actions(session, [[Term(word)]])}
            for word in ("runbook", "checklist", "calendar")
        }
    assert found["runbook"] == {"TMAG40-03"}
    assert found["checklist"] == set()
    assert found["calendar"] == {"TMAG40-01"}  # only seen again: still found

    def owners(ref: str) -> list[tuple[str, str]]:
        return sql.rows(
            db_url,
            "SELECT o.name, o.status FROM action_owner o JOIN action a ON a.id = o.action_id WHERE a.ref = :ref",
            ref=ref,
        )

    assert owners("TMAG40-03") == [("PMO", "open")]  # was "TMAG members"
    assert owners("TMAG41-01") == [("PMO", "closed")]
    reported = {ref: str(on) for ref, on in sql.rows(db_url, "SELECT ref, reported_on FROM action")}
    assert reported["TMAG40-01"] == "2024-10-16"  # the latest report to list it, though nothing changed


async def test_an_older_report_imported_later_adds_history_but_does_not_wind_back(db, clock, write):
    await import_report(db, write("tmag-041.txt", SECOND), clock=clock)
    await import_report(db, write("tmag-040.txt", FIRST), clock=clock)
    data = await export_data(db)
    actions = {a["ref"]: a for a in data["actions"]}
    assert actions["TMAG40-01"]["due"] == "2024-10-16"
    assert actions["TMAG40-02"]["status"] == "closed"
    assert actions["TMAG40-01"]["area"] == "Actions from previous meeting(s)"  # first seen there


async def test_a_failure_part_way_through_writes_nothing(db, db_url, clock, write):
    await import_report(db, write("tmag-040.txt", FIRST), clock=clock)
    before = counts(db_url)
    # The database refuses the new action's owner: by then the document, meeting, the new action,
    # the updates to the others and their events have all been written inside the transaction.
    refused = "NEW.action_id = (SELECT id FROM action WHERE ref = 'TMAG41-01')"
    if sql.is_postgres(db_url):
        sql.execute(
            db_url,
            "CREATE FUNCTION refuse_owner() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN IF {refused} THEN RAISE EXCEPTION 'owner refused'; END IF; RETURN NEW; END $$",
            "CREATE TRIGGER refuse_owner BEFORE INSERT ON action_owner "
            "FOR EACH ROW EXECUTE FUNCTION refuse_owner()",
        )
    else:
        sql.execute(
            db_url,
            f"CREATE TRIGGER refuse_owner BEFORE INSERT ON action_owner WHEN {refused} "
            "BEGIN SELECT RAISE(ABORT, 'owner refused'); END",
        )
    with pytest.raises(Exception, match="owner refused"):
        await import_report(db, write("tmag-041.txt", SECOND), clock=clock)
    assert counts(db_url) == before


@pytest.mark.sqlite_only  # the worker thread's rollback; PostgreSQL's transactions run on the event loop
async def test_a_cancelled_import_writes_nothing(db, db_url, clock, write, monkeypatch):
    """Cancelling an import (a shutdown, a client gone) while its statements run in the worker thread
    must not let the rollback slip in between them, leaving the later ones to commit one by one."""
    from storage.queries.importing import ImportStore

    await import_report(db, write("tmag-040.txt", FIRST), clock=clock)
    before = counts(db_url), await export_data(db)
    reached, release = threading.Event(), threading.Event()
    update_actions = ImportStore.update_actions

    def paused_update_actions(self, states, now):
        reached.set()  # the document, meeting and new action are written; the known ones are next
        release.wait(10)
        return update_actions(self, states, now)

    monkeypatch.setattr(ImportStore, "update_actions", paused_update_actions)
    running = asyncio.create_task(import_report(db, write("tmag-041.txt", SECOND), clock=clock))
    assert await asyncio.to_thread(reached.wait, 10)
    running.cancel()
    await asyncio.sleep(0.05)  # give a wrongly early rollback its chance to run
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert (counts(db_url), await export_data(db)) == before
    monkeypatch.undo()
    summary = await import_report(db, write("tmag-041.txt", SECOND), clock=clock)
    assert summary.actions_new == ["TMAG41-01"]
    assert summary.actions_updated == ["TMAG40-01", "TMAG40-02", "TMAG40-03"]


async def test_bad_input_raises_and_writes_nothing(db, db_url, clock, write, tmp_path: Path):
    before = counts(db_url)
    with pytest.raises(ReportError):
        await import_report(db, write("notes.txt", "Nothing to see here.\n"), clock=clock)
    with pytest.raises(ReportError):
        await import_report(db, tmp_path / "missing.docx", clock=clock)
    assert counts(db_url) == before


@pytest.mark.parametrize(
    ("text", "closes"),
    [
        ("Closed", True),
        ("Complete", True),
        ("Completed - shared on 18/08", True),
        ("This action is now complete.", True),
        ("Uploaded to the Collaboration Base. Action closed.", True),
        ("Not yet complete", False),
        ("To be closed at the next meeting", False),
        ("Proposed closed", False),
        ("Action remains ongoing.", False),
        ("Will be completed by the end of the month", False),
        ("Awaiting the completed template", False),
        ("", False),
    ],
)
def test_which_updates_close_an_action(text, closes):
    assert update_closes(text) is closes


def _minutes(number: int, day: str, role: str) -> str:
    return f"""\
Widget Migration Advisory Group (WMAG) Actions and Minutes

Meeting number\tWMAG {number:03d}\tVenue\tVirtual – MS Teams
Date and time\t{day} 1000-1200\tClassification\tPublic

Attendees

Industry Participants

Nadia Quinn (NQ)\t{role}
Oscar Reyes (OR)\tDNO Representative

Actions

Area\tAction Ref\tAction\tOwner\tDue Date
Plan\tWMAG{number}-01\tPublish the plan\tProgramme (Oscar Reyes)\t15/12/23
"""


async def test_a_members_details_come_from_their_newest_report_whatever_the_import_order(db, clock, write):
    """An attendee's role is what the newest report they attended says: an older report imported later
    (a back catalogue, a correction) fills gaps but never overwrites it."""
    from storage.queries import members as member_queries

    async def role_of(name):
        async with db.read() as session:
            members = {m.name: m for m in await member_queries.all_members(session)}
        return members[name].role

    await import_report(
        db, write("wmag-032.txt", _minutes(32, "15 November 2023", "iDNO Representative")), clock=clock
    )
    await import_report(
        db, write("wmag-031.txt", _minutes(31, "18 October 2023", "DNO Representative")), clock=clock
    )
    assert await role_of("Nadia Quinn") == "iDNO Representative"
    await import_report(
        db, write("wmag-033.txt", _minutes(33, "13 December 2023", "Consumer Representative")), clock=clock
    )
    assert await role_of("Nadia Quinn") == "Consumer Representative"


# --- a folder of reports in batches ------------------------------------------------------------

DESIGN_GROUP = """\
## MHHS Design Advisory Group (DAG) Headline Report

Meeting number **DAG 012**

Date and time **14 August 2024 1000-1200**

### Actions

Area\tAction Ref\tAction\tOwner\tDue Date\tUpdate
<b>Design</b>\tDAG12-01\tCirculate the design note\tProgramme (PMO)\t11/09/24\t
"""

NAMES_THE_DESIGN_ACTION = (
    FIRST + "\nMinutes\n\n2. Design\n\nThe group noted DAG12-01 from the design group.\n"
)


async def test_a_batch_stores_what_one_report_at_a_time_stores(db, db_url, clock, write, tmp_path):
    """Reports in one transaction share what they have read (owner names, members): the record comes
    out as importing them one by one makes it, attendance and members' newest details included."""
    paths = [write("tmag-040.txt", FIRST), write("tmag-041.txt", SECOND), write("again.txt", FIRST)]
    paths += [
        write(f"wmag-{number}.txt", _minutes(number, day, role))
        for number, day, role in (
            (32, "15 November 2023", "iDNO Representative"),
            (31, "18 October 2023", "DNO Representative"),  # older, imported later
            (33, "13 December 2023", "Consumer Representative"),
        )
    ]
    broken = write("minutes.pdf", b"%PDF-1.4 not a text report")
    batch = await import_batch(db, [paths[0], broken, *paths[1:]], clock=clock)
    assert batch.failure is None
    first, refused, second, again, *minutes = batch.outcomes
    assert [m.members_new for m in minutes] == [["Nadia Quinn", "Oscar Reyes"], [], []]
    assert first.actions_new == ["TMAG40-01", "TMAG40-02", "TMAG40-03"]
    assert isinstance(refused, ReportError) and "minutes.pdf" in str(refused)
    assert second.actions_closed == ["TMAG40-02"] and again.status == "unchanged"
    batched = await export_data(db)

    from storage.db import open_database

    one_by_one = await open_database(f"sqlite:///{tmp_path / 'one-by-one.db'}")
    try:
        for path in paths:
            await import_report(one_by_one, path, clock=clock)
        expected = await export_data(one_by_one)
    finally:
        await one_by_one.close()

    def without_times(data):
        for action in data["actions"]:
            for update in action["updates"]:
                update.pop("recorded_at")
        return data

    assert without_times(batched) == without_times(expected)
    attendance = (
        "SELECT m.name, mt.number, a.status, a.role FROM attendance a JOIN member m ON m.id = a.member_id "
        "JOIN meeting mt ON mt.id = a.meeting_id ORDER BY 1, 2"
    )
    owners = "SELECT o.name, o.kind, o.status, o.due_sort FROM action_owner o ORDER BY 1, 2, 3, 4"
    one_by_one_url = f"sqlite:///{tmp_path / 'one-by-one.db'}"
    for query in (attendance, owners):
        assert sql.rows(db_url, query) == sql.rows(one_by_one_url, query)
    assert len(sql.rows(db_url, attendance)) == 6


async def test_a_report_a_group_added_earlier_in_the_batch_names_is_read_again(db, db_url, clock, write):
    later = load_bytes("tmag-040.txt", NAMES_THE_DESIGN_ACTION.encode())
    assert not [m for m in parse_report(later, {"TMAG"}).mentions if m.ref == "DAG12-01"]  # read before
    paths = [write("dag-012.txt", DESIGN_GROUP), write("tmag-040.txt", NAMES_THE_DESIGN_ACTION)]
    batch = await import_batch(db, paths, clock=clock)
    assert batch.failure is None and [o.group for o in batch.outcomes] == ["DAG", "TMAG"]
    mentions = sql.rows(db_url, "SELECT ref, text FROM mention WHERE ref = 'DAG12-01'")
    assert mentions == [("DAG12-01", "The group noted DAG12-01 from the design group.")]


async def test_a_report_that_fails_midway_leaves_nothing_and_stops_the_batch(db, db_url, clock, write):
    """The database refuses one of the second report's rows: the first report stays, nothing of the
    second is kept (not its document, meeting or other actions), the third is not started."""
    sql.refuse_action(db_url, "TMAG41-01", "refused")
    paths = [write("tmag-040.txt", FIRST), write("tmag-041.txt", SECOND), write("dag-012.txt", DESIGN_GROUP)]
    batch = await import_batch(db, paths, clock=clock)
    assert "refused" in str(batch.failure)
    assert [o.file_name for o in batch.outcomes] == ["tmag-040.txt"]
    assert sql.rows(db_url, "SELECT file_name FROM source_document") == [("tmag-040.txt",)]
    assert sql.rows(db_url, "SELECT number FROM meeting WHERE number IS NOT NULL") == [("40",)]
    assert sql.rows(db_url, "SELECT status FROM action WHERE ref = 'TMAG40-02'") == [("open",)]
    assert sql.rows(db_url, "SELECT count(*) FROM working_group WHERE code = 'DAG'") == [(0,)]


async def test_an_import_store_forgets_what_a_rolled_back_report_wrote(db, db_url):
    """A batch shares one store; a report rolled back to its savepoint must not leave the next one
    using a group or an owner name that is gone."""
    from sqlalchemy import create_engine

    from storage.queries.importing import ImportStore

    engine = create_engine(sql.sync_url(db_url))
    try:
        with engine.connect() as connection, connection.begin():
            store = ImportStore(connection)
            assert "XYZ" not in store.group_codes()
            savepoint = connection.begin_nested()
            store.ensure_group("XYZ", None, None)
            store.insert_owner_names([("kate goodman", "Kate Goodman")])
            assert "XYZ" in store.group_codes() and store.owner_name_ids(["kate goodman"])
            savepoint.rollback()
            store.forget()
            assert "XYZ" not in store.group_codes()
            assert store.owner_name_ids(["kate goodman"]) == {}
    finally:
        engine.dispose()


# --- meetings come only from what announces one ---------------------------------------------------

CCAG_AHEAD = """\
## MHHS Cross Code Advisory Group (CCAG) Headline Report

Meeting number **CCAG 031**

Date and time **24 April 2024 1400-1530**

### Actions

Area\tAction Ref\tAction\tOwner\tDue Date\tUpdate
<b>Change</b>\tCCAG31-01\tConfirm the consolidated change log ahead of the next CCAG\tProgramme (PMO)\t21/05/24\t
\tCCAG31-02\tCirculate the draft terms ahead of the next CCAG meeting\tProgramme (Kate Goodman)\t15/05/24\tTo be discussed at the next CCAG on 12/06/2024
\tCCAG31-03\tShare the impact assessment before the next CCAG\tCCAG members\t03/06/24\t
<b>Planning</b>\tCCAG31-04\tPublish the release plan ahead of next CCAG\tProgramme (Ravi Shah)\t07/06/24\t

### Decisions

Area\tDecision Ref\tDescription
<b>Minutes</b>\tCCAG-DEC60\tApproval of the March minutes, to be revisited at the next CCAG on 19/06/2024.

ACTION CCAG31-01 – Programme to confirm the log before the next CCAG on 20 May 2024

**Date of next CCAG: 22 May 2024**
"""


async def test_actions_about_the_next_meeting_leave_only_the_announced_meetings_and_the_cadence(
    db, db_url, clock, write
):
    from datetime import datetime

    from bot.calendar.clock import LONDON
    from bot.calendar.schedule import upcoming_meetings

    summary = await import_report(db, write("ccag-031.txt", CCAG_AHEAD), clock=clock)
    assert summary.next_meetings == [("CCAG", date(2024, 5, 22), False)]
    assert sql.rows(db_url, "SELECT CAST(date AS VARCHAR), status FROM meeting ORDER BY date") == [
        ("2024-04-24", "held"),
        ("2024-05-22", "scheduled"),
    ]
    async with db.read() as session:
        calendar = await upcoming_meetings(session, datetime(2024, 4, 25, 9, tzinfo=LONDON), "CCAG")
    days = [(m.date.isoformat(), m.source) for m in calendar if m.date < date(2024, 8, 1)]
    # 22 May as announced; June and July from the CCAG's cadence (the fourth Wednesday)
    assert days == [("2024-05-22", "next-line"), ("2024-06-26", "cadence"), ("2024-07-24", "cadence")]


def _phantom(db_url: str, day: str, *, sent: str | None = None) -> None:
    """A meeting an earlier reading took from the report's action rows, with a digest claimed for it."""
    now = "2024-04-25 09:00:00"
    sql.execute(
        db_url,
        "INSERT INTO meeting (group_id, date, extraordinary, status, source, source_document_id, created_at,"
        f" updated_at) SELECT group_id, '{day}', false, 'scheduled', 'next-line', source_document_id, "
        f"'{now}', '{now}' FROM meeting WHERE status = 'held'",
        "INSERT INTO digest_run (group_id, meeting_date, extraordinary, slot, due_at, status, attempts, "
        f"updated_at) SELECT group_id, '{day}', false, 'digest', '{now}', '{sent or 'failed'}', 1, '{now}' "
        "FROM meeting WHERE status = 'held'",
    )


def _scheduled(db_url: str) -> list[str]:
    return [
        d
        for (d,) in sql.rows(
            db_url, "SELECT CAST(date AS VARCHAR) FROM meeting WHERE status = 'scheduled' ORDER BY date"
        )
    ]


async def test_importing_a_report_again_removes_the_meetings_it_does_not_announce(db, db_url, clock, write):
    path = write("ccag-031.txt", CCAG_AHEAD)
    await import_report(db, path, clock=clock)
    _phantom(db_url, "2024-05-21")
    _phantom(db_url, "2024-06-07", sent="sent")  # a digest already posted stays in the record
    assert _scheduled(db_url) == ["2024-05-21", "2024-05-22", "2024-06-07"]
    again = await import_report(db, path, clock=clock)
    assert again.status == "unchanged"
    assert again.meetings_removed == [("CCAG", date(2024, 5, 21)), ("CCAG", date(2024, 6, 7))]
    assert "CCAG 2024-05-21" in again.line()
    assert _scheduled(db_url) == ["2024-05-22"]
    assert sql.rows(db_url, "SELECT CAST(meeting_date AS VARCHAR), status FROM digest_run") == [
        ("2024-06-07", "sent")
    ]
    third = await import_report(db, path, clock=clock)
    assert third.meetings_removed == [] and "nothing changed" in third.line()


async def test_a_batch_importing_a_report_again_removes_the_meetings_it_does_not_announce(
    db, db_url, clock, write
):
    path = write("ccag-031.txt", CCAG_AHEAD)
    await import_report(db, path, clock=clock)
    _phantom(db_url, "2024-06-03")
    batch = await import_batch(db, [path, write("tmag-040.txt", FIRST)], clock=clock)
    assert [o.status for o in batch.outcomes] == ["unchanged", "imported"]
    assert batch.outcomes[0].meetings_removed == [("CCAG", date(2024, 6, 3))]
    assert "2024-06-03" not in _scheduled(db_url)


async def test_a_new_version_of_a_report_removes_the_meetings_only_the_old_one_announced(
    db, db_url, clock, write
):
    await import_report(db, write("ccag-031.txt", CCAG_AHEAD), clock=clock)
    revised = CCAG_AHEAD.replace("22 May 2024", "29 May 2024")
    summary = await import_report(db, write("ccag-031-v2.txt", revised), clock=clock)
    assert summary.status == "imported"
    assert summary.meetings_removed == [("CCAG", date(2024, 5, 22))]
    assert _scheduled(db_url) == ["2024-05-29"]
    # announced again by a third version: kept, and it is that version's to remove from then on
    third = await import_report(db, write("ccag-031-v3.txt", revised + "\n"), clock=clock)
    assert third.meetings_removed == [] and _scheduled(db_url) == ["2024-05-29"]
