"""Reading reports in every format the secretariat produces, with the mess real ones have."""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest

from bot.record.refs import find_refs
from bot.record.reports.loader import ReportError, load_bytes, load_report
from bot.record.reports.parser import parse_report


def parse(name: str, text: str | bytes, known: set[str] | None = None):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_report(load_bytes(name, data), known)


def by_ref(items):
    return {item.ref: item for item in items}


TAB_REPORT = """\
## MHHS Widget Migration Advisory Group (WMAG) Headline Report

Issue date: 03/11/23

Meeting number **WMAG 031**

Date and time **1 November 2023 1400-1530**

### Actions

Area\tAction Ref\tAction\tOwner\tDue Date\tUpdate
<b>Readiness &amp; planning</b>\tWMAG31-01\tCirculate the <i>readiness</i> tracker\tProgramme (Priya Natarajan)\t15/11/23\t
\tWMAG31-02\tConfirm the cutover window for smaller suppliers\tSmall Supplier rep (Olu Adeyemi)\tTBC\t
<b>Actions from previous meeting(s)</b>\tWMAG30-04\tShare the data cleansing plan\tProgramme (PMO)\t01/11/23\tAction remains ongoing.

### Decisions

Area\tDecision Ref\tDescription
<b>Minutes</b>\tWMAG- DEC88\tApproval of the minutes of 4 October 2023.

### Key Discussion Items

Area\tDiscussion
<b>Readiness &amp; planning</b>\t<p>Members asked for the tracker. The Programme took an action to circulate it <b>(ACTION WMAG31-01)</b>.</p> <p>The Chair approved the minutes. <b>(DECISION WMAG-DEC88)</b>.</p>

**Date of next Extraordinary WMAG: 22 November 2023**

**Date of next WMAG: 6 December 2023**
"""


def test_tab_report_reads_meeting_actions_decisions_and_next_meetings():
    report = parse("wmag-031.txt", TAB_REPORT)
    assert report.group == "WMAG"
    assert report.group_name == "Widget Migration Advisory Group"
    meeting = report.meeting
    assert (meeting.number, meeting.date, meeting.start, meeting.end) == (
        "31",
        date(2023, 11, 1),
        "14:00",
        "15:30",
    )
    assert meeting.extraordinary is False
    actions = by_ref(report.actions)
    assert list(actions) == ["WMAG31-01", "WMAG31-02", "WMAG30-04"]
    first = actions["WMAG31-01"]
    assert first.area == "Readiness & planning"
    assert first.text == "Circulate the readiness tracker"
    assert first.owner == "Programme (Priya Natarajan)"
    assert first.due == date(2023, 11, 15)
    # a blank Area repeats the one above; TBC is no date
    assert actions["WMAG31-02"].area == "Readiness & planning"
    assert actions["WMAG31-02"].due is None
    assert actions["WMAG30-04"].area == "Actions from previous meeting(s)"
    assert actions["WMAG30-04"].update == "Action remains ongoing."
    decision = report.decisions[0]
    assert (decision.ref, decision.area) == ("WMAG-DEC88", "Minutes")
    nexts = {(m.group, m.date, m.extraordinary) for m in report.next_meetings}
    assert nexts == {("WMAG", date(2023, 11, 22), True), ("WMAG", date(2023, 12, 6), False)}
    mentioned = {m.ref: m for m in report.mentions}
    assert "circulate it (ACTION WMAG31-01)" in mentioned["WMAG31-01"].text
    assert mentioned["WMAG31-01"].area == "Readiness & planning"
    assert "WMAG-DEC88" in mentioned


MARKDOWN_REPORT = """\
# Design Advisory Group (DAG) Headline Report

| | |
|---|---|
| Meeting number | **DAG 10.1** |
| Date and time | Wednesday 14 February 2024 10:00 - 12:30 |

## Actions

| Area | Action Ref | Action | Owner | Due Date | Update |
|---|---|---|---|---|---|
| **Design baseline** | DAG10.1-01 | Publish the change log | Programme (PMO) | 16/02/24 | |
| | DAG10.1-02 | Confirm the review windows \\| both of them | Large Supplier rep | TBC | |
| Change requests | DAG 10.1-3 | Circulate the CR042 impact assessment | DAG members | 28/02/2024 | Shared 20/02 – complete |

## Decisions

| Area | Dec Ref | Decision |
|---|---|---|
| Design baseline | DAG-DEC31 | The DAG approved version 3.2 of the design baseline. |

Date of next DAG: 13 March 2024
"""


def test_markdown_pipe_tables_and_decimal_meeting_numbers():
    report = parse("dag.md", MARKDOWN_REPORT)
    assert report.group == "DAG"
    assert report.meeting.number == "10.1"
    assert (report.meeting.start, report.meeting.end) == ("10:00", "12:30")
    actions = by_ref(report.actions)
    assert list(actions) == ["DAG10.1-01", "DAG10.1-02", "DAG10.1-03"]
    assert actions["DAG10.1-01"].area == "Design baseline"
    assert actions["DAG10.1-02"].text == "Confirm the review windows | both of them"
    assert actions["DAG10.1-02"].due is None
    assert actions["DAG10.1-03"].update == "Shared 20/02 – complete"
    assert [d.ref for d in report.decisions] == ["DAG-DEC31"]
    assert [(m.group, m.date) for m in report.next_meetings] == [("DAG", date(2024, 3, 13))]


def test_row_broken_by_a_page_footer_inside_the_table_is_joined_again():
    text = """\
MHHS Testing and Migration Advisory Group (TMAG) Actions and Minutes
Meeting number\tTMAG 041\tVenue\tMS Teams
Date and time\t18 September 2024 1000-1200\tClassification\tPublic

Actions

Area\tAction Ref\tAction\tOwner\tDue Date
Environments\tTMAG41-01\tBook the SIT environment slots for the\tDominic Mooney\t16/10/24

MHHS-DEL2041 TMAG Minutes v1.0
Page 3 of 9

\t\tremaining participants in tranche two\t\t
\tTMAG41-02\tPublish the booking rules\tProgramme (PMO)\t02/10/24
Migration\tTMAG41-03\tShare the migration dashboard\tProgramme\t16/10/24

Decisions
"""
    report = parse("tmag-041.txt", text)
    actions = by_ref(report.actions)
    assert actions["TMAG41-01"].text == (
        "Book the SIT environment slots for the remaining participants in tranche two"
    )
    assert actions["TMAG41-02"].area == "Environments"
    assert actions["TMAG41-03"].area == "Migration"
    assert len(report.actions) == 3
    assert not report.warnings


def test_split_row_whose_area_continues_two_lines_later_takes_that_area():
    text = """\
MHHS Testing and Migration Advisory Group (TMAG) Actions and Minutes
Meeting number\tTMAG 012\tVenue\tMS Teams
Date and time\t14 December 2022 1000-1200\tClassification\tPublic

Actions

Area\tAction Ref\tAction\tOwner\tDue Date
Actions\tTMAG12-01\tMeet to agree the plan\tKate Goodman\t18/01/23
\tTMAG12-02\tUpdate the deliverables schedule with detail on\tKate Goodman\t18/01/23

Working group deliverables\t\tthe flows between working groups\t\t
\tTMAG12-03\tConsider merging working groups\tProgramme\t18/01/23
"""
    actions = by_ref(parse("tmag-012.txt", text).actions)
    assert actions["TMAG12-02"].text.endswith("detail on the flows between working groups")
    assert actions["TMAG12-02"].area == "Working group deliverables"
    assert actions["TMAG12-03"].area == "Working group deliverables"
    assert actions["TMAG12-01"].area == "Actions"


def test_html_report_reads_tables_as_tables():
    html = """<!doctype html><html><head><title>x</title><style>p{}</style></head><body>
    <h1>Programme Steering Group (PSG) Headline Report</h1>
    <table><tr><td>Meeting number</td><td><b>PSG 045</b></td></tr>
    <tr><td>Date and time</td><td>6 March 2024 10:00-11:30</td></tr></table>
    <h2>Actions</h2>
    <table>
      <tr><th>Area</th><th>Action Ref</th><th>Action</th><th>Owner</th><th>Due Date</th><th>Update</th></tr>
      <tr><td><p>Plan</p></td><td>PSG45-01</td><td><p>Publish the replan</p><p>with the risk register</p></td>
          <td>Programme (Alex Rivera)</td><td>20/03/2024</td><td>&nbsp;</td></tr>
      <tr><td></td><td>PSG45-02</td><td>Confirm Ofgem&#39;s view</td><td>Ofgem</td><td>TBC</td><td>Closed</td></tr>
    </table>
    <p>Date of next PSG: 3 April 2024</p>
    </body></html>"""
    report = parse("psg.html", html)
    assert report.source.format == "html"
    assert (report.group, report.meeting.number, report.meeting.start) == ("PSG", "45", "10:00")
    actions = by_ref(report.actions)
    assert actions["PSG45-01"].text == "Publish the replan with the risk register"
    assert actions["PSG45-02"].area == "Plan"
    assert actions["PSG45-02"].text == "Confirm Ofgem's view"
    assert actions["PSG45-02"].update == "Closed"
    assert report.next_meetings[0].date == date(2024, 4, 3)


def make_docx() -> bytes:
    document = docx.Document()
    document.add_heading("Cross Code Advisory Group (CCAG) Headline Report", level=1)
    document.add_paragraph("Meeting number\tCCAG 017")
    document.add_paragraph("Date and time\t24 January 2024 1000-1130")
    document.add_heading("Actions", level=2)
    table = document.add_table(rows=4, cols=6)
    rows = [
        ["Area", "Action Ref", "Action", "Owner", "Due Date", "Update"],
        ["Code changes", "CCAG17-01", "Draft the BSC legal text", "Elexon (Jo Marsh)", "07/02/24", ""],
        ["", "CCAG17-02", "Review the REC change", "RECCo representative", "28/02/2024", ""],
        [
            "Actions from previous meeting(s)",
            "CCAG16-03",
            "Publish the log",
            "Programme (PMO)",
            "24/01/24",
            "Complete",
        ],
    ]
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    # A vertically merged Area cell, as Word writes a repeated area
    table.cell(1, 0).merge(table.cell(2, 0))
    document.add_heading("Decisions", level=2)
    decisions = document.add_table(rows=2, cols=3)
    for cell, value in zip(decisions.rows[0].cells, ["Area", "Decision Ref", "Decision"], strict=True):
        cell.text = value
    for cell, value in zip(
        decisions.rows[1].cells, ["Code changes", "CCAG-DEC09", "Approved the plan."], strict=True
    ):
        cell.text = value
    document.add_paragraph("Date of next CCAG: 28 February 2024")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_word_document_tables_are_read_as_tables():
    report = parse("ccag-017.docx", make_docx())
    assert report.source.format == "docx"
    assert (report.group, report.meeting.number, report.meeting.date) == ("CCAG", "17", date(2024, 1, 24))
    actions = by_ref(report.actions)
    assert list(actions) == ["CCAG17-01", "CCAG17-02", "CCAG16-03"]
    assert actions["CCAG17-01"].area == "Code changes"
    assert actions["CCAG17-02"].area == "Code changes"  # a merged cell reads as the same area
    assert actions["CCAG17-02"].owner == "RECCo representative"
    assert actions["CCAG16-03"].update == "Complete"
    assert [d.ref for d in report.decisions] == ["CCAG-DEC09"]
    assert report.next_meetings[0].date == date(2024, 2, 28)


SLIDE_PACK = """\
Testing and Migration Advisory Group (TMAG) #27 – extraordinary meeting 7 February 2024

Agenda

#\tItem\tObjective\tТуре\tLead\tTime\tPage
1\tWelcome\t\t\tChair\t10:00-10:05 5 mins\t2
2\tCutover approach\tApprove v1.0 of the cutover approach\tDecision\tProgramme (Jo Marsh)\t10:05-10:40 35 mins\t3
3\tSummary and next steps\tLook ahead to the next TMAG\tInformation\tChair and Secretariat\t10:40-10:50\t9
4\tAppendix\tLegal advice\t\t\t\t

Key Sections

#1\tScope\t#3\tRisks
#2\tApproach\t#4\tDates

- 2. Date of next TMAG: 21 February 2024
"""


def test_slide_pack_agenda_gives_the_meeting_its_times_and_kinds():
    report = parse("tmag-027.txt", SLIDE_PACK)
    meeting = report.meeting
    assert (meeting.number, meeting.date, meeting.extraordinary) == ("27", date(2024, 2, 7), True)
    assert (meeting.start, meeting.end) == ("10:00", "10:50")
    assert [(a.item, a.title, a.kind, a.lead) for a in report.agenda] == [
        ("1", "Welcome", None, "Chair"),
        ("2", "Cutover approach", "Decision", "Programme (Jo Marsh)"),
        ("3", "Summary and next steps", "Information", "Chair and Secretariat"),
    ]
    assert [(m.date, m.extraordinary) for m in report.next_meetings] == [(date(2024, 2, 21), False)]


MINUTES_WITH_ATTENDEES = """\
MHHS Testing and Migration Advisory Group (TMAG) Actions and Minutes

Meeting number\tTMAG 050\tVenue\tVirtual – MS Teams
Date and time\t18 June 2025 1000-1200\tClassification\tPublic

Attendees

Chair

Rowan Pike (RP) MHHS TMAG Chair

Industry Participants

Lena Ortiz (LO) on behalf of Sam Whitfield\tDNO Representative
Priya\u00a0Natarajan (PN)\tiDNO Representative
Tom Okafor\tLarge Supplier Representative

MHHS IM members

Ada Brooks (AB)\tPMO Governance & Secretariat Lead

Apologies

Chen Wei – Consumer Representative

Actions

Area\tAction Ref\tAction\tOwner\tDue Date
Actions\tTMAG50-01\tMeet to discuss the plan\tLena Ortiz\t16/07/25

Minutes

2. Minutes and Actions

RP invited comments on the actions. PN noted progress on TMAG49-02.

ACTION TMAG50-01 – Lena Ortiz to meet to discuss the plan
"""


def test_attendees_with_initials_roles_on_behalf_of_and_apologies():
    report = parse("tmag-050.txt", MINUTES_WITH_ATTENDEES)
    people = {a.name: a for a in report.attendees}
    assert people["Rowan Pike"].initials == "RP"
    assert people["Rowan Pike"].role == "MHHS TMAG Chair"
    assert people["Lena Ortiz"].on_behalf_of == "Sam Whitfield"
    assert people["Lena Ortiz"].role == "DNO Representative"
    assert people["Sam Whitfield"].status == "represented"
    assert people["Priya Natarajan"].constituency == "idno"
    assert people["Tom Okafor"].initials is None
    assert people["Ada Brooks"].organisation == "Programme"
    assert people["Chen Wei"].status == "apologies"
    assert people["Chen Wei"].role == "Consumer Representative"
    mention = next(m for m in report.mentions if m.ref == "TMAG50-01")
    assert mention.area == "Minutes and Actions"
    assert mention.text.startswith("RP invited comments")  # the discussion before the ACTION line
    assert {m.ref for m in report.mentions} == {"TMAG49-02", "TMAG50-01"}


def test_look_alike_letters_and_odd_spaces_are_normalised():
    text = TAB_REPORT.replace("Circulate the", "Circulate\u00a0thе")  # Cyrillic е, non-breaking space
    report = parse("wmag.txt", text)
    assert by_ref(report.actions)["WMAG31-01"].text == "Circulate the readiness tracker"


def test_loose_refs_in_cells_are_made_canonical():
    text = TAB_REPORT.replace("\tWMAG31-02\t", "\tWMAG 31-2\t").replace("WMAG- DEC88", "DEC 88")
    report = parse("wmag.txt", text)
    assert "WMAG31-02" in by_ref(report.actions)
    assert [d.ref for d in report.decisions] == ["WMAG-DEC88"]


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ("See TIMG03-02 and SMWG-DEC12.", ["SMWG-DEC12", "TIMG03-02"]),
        ("tımg 03-02 was closed", ["TIMG03-02"]),  # a dotless i
        ("TİMG03-02 was closed", ["TIMG03-02"]),  # a dotted capital I
        ("ſmwg03-01 (a long s)", ["SMWG03-01"]),
        ("The K in TAK03-01 is a Kelvin sign", ["TAK03-01"]),
        ("tımg-dec 5, then DEC 41 as a member asks it", ["TIMG-DEC05", "TIMG-DEC41"]),
        ("Dates 03-02 and 2023, but no group", []),
    ],
)
def test_refs_in_running_text_are_found_and_spelled_as_their_group_whatever_letters_write_them(text, refs):
    """Text is searched for a group's name before the patterns run: letters the patterns treat as the
    same (ignoring case) must not hide a ref from that search, and the ref found is spelled as its
    group is (or it would name no stored action)."""
    found = find_refs(text.replace("TAK", "TA\u212a"), {"TIMG", "SMWG", "TAK"}, "TIMG", loose=True)
    assert sorted(ref.canonical for ref, _, _ in found) == refs


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"   \n", "empty"),
        ("scan.pdf", b"%PDF-1.7 binary", "not a readable PDF"),
        ("sheet.xlsx", b"PK\x03\x04rest-of-a-zip", "unknown format"),
        ("broken.docx", b"PK\x03\x04not really a zip", "Word"),
        ("notes.txt", b"Some notes with no meeting and no tables at all.\n", "no meeting"),
        ("data.bin", bytes(range(256)) * 8, "unknown format"),
    ],
)
def test_unreadable_reports_are_refused_with_a_clear_reason(name, data, message):
    with pytest.raises(ReportError) as raised:
        parse(name, data)
    assert message in str(raised.value)
    assert name in str(raised.value)


def test_a_meeting_with_no_tables_is_refused():
    text = (
        "MHHS Testing and Migration Advisory Group (TMAG) Headline Report\nMeeting number TMAG 060\n"
        "Date and time 15 January 2025 1000-1200\n\nThe meeting was cancelled.\n"
    )
    with pytest.raises(ReportError, match="no actions, decisions, agenda or attendees"):
        parse("tmag-060.txt", text)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(ReportError, match="no such file"):
        load_report(tmp_path / "nowhere.txt")


@pytest.mark.parametrize(
    "label", ["<b>Actions from previous meeting(s)</b>\t\t\t\t\t", "Actions from previous meeting(s)"]
)
def test_a_row_holding_only_an_area_labels_the_rows_below_it(label):
    text = TAB_REPORT.replace("<b>Actions from previous meeting(s)</b>\tWMAG30-04", f"{label}\n\tWMAG30-04")
    actions = by_ref(parse("wmag.txt", text).actions)
    assert actions["WMAG31-02"].area == "Readiness & planning"  # untouched by the label row
    assert actions["WMAG30-04"].area == "Actions from previous meeting(s)"


def test_numbered_rows_take_the_meetings_number():
    text = (
        TAB_REPORT.replace("\tWMAG31-01\t", "\t1\t")
        .replace("\tWMAG31-02\t", "\t2.\t")
        .replace("WMAG- DEC88", "88")
    )
    report = parse("wmag.txt", text)
    assert [a.ref for a in report.actions][:2] == ["WMAG31-01", "WMAG31-02"]
    assert [d.ref for d in report.decisions] == ["WMAG-DEC88"]


@pytest.mark.parametrize("source", ["TAB_REPORT", "MINUTES_WITH_ATTENDEES", "SLIDE_PACK"])
@pytest.mark.parametrize("fmt", ["docx", "html", "pdf-grid", "pdf-horizontal"])
def test_word_html_and_pdf_exports_read_the_same_as_text(source, fmt):
    from tests.fixtures.formats import as_docx, as_html, as_pdf, record_of

    text = globals()[source]
    expected = parse("r.txt", text)
    if fmt == "docx":
        data = as_docx(text)
    elif fmt == "html":
        data = as_html(text).encode()
    else:
        data = as_pdf(text, fmt.split("-")[1])
    got = parse(f"r.{fmt.split('-')[0]}", data)
    assert got.source.format == fmt.split("-")[0]
    assert record_of(got) == record_of(expected)
