"""Reading reports stays linear in their size, and what is too large is refused, clearly, before any harm.

Every report is read in a reading worker within a budget (READ_MEMORY_MB, READ_SECONDS): the bombs below
(a few kilobytes that would inflate to gigabytes, or keep a reader busy for minutes) end as one line,
"too large to read: ...", while the bot keeps answering.

Hostile or broken files (a role cell of thousands of words, a line repeating "next" and dates, HTML nested
thousands deep, a cell the size of a book) must be read or refused promptly. Each is read in a worker
process with a deadline, so a regression shows up as a failed test, not a hung run.
"""

from __future__ import annotations

import asyncio

import pytest

from bench.fuzz_reports import DeadlineReader, fuzz
from bot.people.vocab import constituency_key, role_keys
from bot.record.dates import find_dates
from bot.record.importer import import_report
from bot.record.reports.loader import MAX_CELL_CHARS, MAX_TEXT_CHARS, ReportError, load_bytes
from bot.record.reports.parser import excerpt, parse_report
from tests.core.test_importer import counts
from tests.fixtures.world import MINUTES_031

HANG = 10.0  # seconds: twenty times an honest read of these files on a slow machine


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    """Reads and imports each file into a database of its own, in a worker process with a deadline."""
    from storage.db import migrate

    url = f"sqlite:///{tmp_path_factory.mktemp('limits') / 'limits.db'}"
    migrate(url)
    worker = DeadlineReader(HANG, url)
    yield worker
    worker.close()


def read_in_time(reader: DeadlineReader, name: str, data: bytes) -> str:
    outcome, detail, _seconds = reader.read(name, data)
    assert outcome in ("read", "refused"), f"{name}: {outcome}: {detail}"
    return outcome


def test_a_long_role_cell_names_its_constituency_once():
    role = " ".join(["Large Supplier Representative"] * 20_000)
    assert constituency_key(role) == "large supplier"
    assert role_keys(role) == {"large supplier representative"}


def test_many_dates_in_one_cell_are_all_found_in_order():
    text = " and ".join(["20/09/23", "16 August 2023", "2023-08-30"] * 5_000)
    found = find_dates(text)
    assert len(found) == 15_000
    assert [start for _, start, _ in found] == sorted(start for _, start, _ in found)
    assert {day.isoformat() for day, _, _ in found} == {"2023-09-20", "2023-08-16", "2023-08-30"}


def test_a_minutes_file_with_a_100_kb_role_cell_is_read_in_time(reader):
    role = " ".join(["iDNO rep"] * 10_900)
    text = MINUTES_031.replace("Large Supplier Representative", role, 1)
    assert len(text) > 97_000  # one cell just under the limit on cells
    assert read_in_time(reader, "long-role.txt", text.encode()) == "read"


def test_a_line_saying_next_a_thousand_times_is_read_in_time(reader):
    line = " ".join(["Date of next WMAG: 15 November 2023."] * 2_500)
    assert read_in_time(reader, "nexts.txt", (MINUTES_031 + line + "\n").encode()) == "read"


def test_html_nested_thousands_deep_is_read_or_refused_in_time(reader):
    body = "<div>" * 5_000 + MINUTES_031.replace("\n", "<br>") + "</div>" * 5_000
    read_in_time(reader, "deep.html", f"<html><body>{body}</body></html>".encode())


def test_a_cell_larger_than_any_report_holds_is_refused_with_its_size():
    huge = "x" * (MAX_CELL_CHARS + 1)
    with pytest.raises(ReportError, match=r"line \d+ holds 100,001 characters"):
        load_bytes("huge.txt", (MINUTES_031 + huge + "\n").encode())


def test_a_text_longer_than_any_report_is_refused():
    line = "A sentence of minutes that goes on.\n"
    with pytest.raises(ReportError, match="too long to be a report"):
        load_bytes("long.txt", (line * (MAX_TEXT_CHARS // len(line) + 2)).encode())


async def test_a_file_over_the_size_limit_is_refused_before_it_is_read(db, db_url, clock, write, monkeypatch):
    path = write("big.txt", MINUTES_031 + " " * 3_000)
    monkeypatch.setenv("MAX_REPORT_MB", "0.001")  # 1 kB
    before = counts(db_url)
    with pytest.raises(
        ReportError, match=r"too large to be a report \(0\.0 MB; the most I read is 0\.0 MB\)"
    ):
        await import_report(db, path, clock=clock)
    assert counts(db_url) == before


def test_a_passage_naming_thousands_of_refs_keeps_a_window_around_each():
    paragraph = " ".join(f"Item {n} was discussed (ACTION WMAG31-{n % 90 + 1:02d})." for n in range(2_000))
    report = parse_report(load_bytes("refs.txt", (MINUTES_031 + "\n" + paragraph + "\n").encode()))
    kept = [m for m in report.mentions if m.ref == "WMAG31-05"]
    assert kept and all(len(m.text) <= 1_300 for m in kept)
    assert all("WMAG31-05" in m.text for m in kept)


def test_an_excerpt_keeps_whole_sentences_around_the_ref():
    text = "First point. " * 200 + "The Programme took an action (ACTION X1). " + "Last point. " * 200
    start = text.index("ACTION X1")
    kept = excerpt(text, start, start + 9, limit=200)
    assert "The Programme took an action (ACTION X1)." in kept
    assert kept.startswith("… ") and kept.endswith(" …") and len(kept) <= 210


@pytest.mark.e2e  # reading worker processes, bombs and hundreds of files
def test_two_hundred_mutated_reports_are_each_read_or_refused_in_time():
    result = fuzz(200, seed=11, deadline=HANG)
    assert result.hangs == []
    assert result.errors == []
    assert result.outcomes["read"] > 50 and result.outcomes["refused"] > 10


# --- bombs: small files that would inflate or work without end, read within the budget ---------------


def _zeros_deflated(megabytes: int) -> bytes:
    """A zlib stream of that many MB of zeros, built from one compressed MB repeated (a few KB a GB)."""
    import struct
    import zlib

    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = compressor.compress(bytes(1 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    size = megabytes << 20
    return b"\x78\xda" + one * megabytes + b"\x03\x00" + struct.pack(">I", ((size % 65521) << 16) | 1)


def _pdf(objects: list[bytes]) -> bytes:
    import io

    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    table = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, table))
    return out.getvalue()


def _stream(data: bytes, filters: bytes) -> bytes:
    return b"<</Length %d/Filter %s>>\nstream\n" % (len(data), filters) + data + b"\nendstream"


def _pages_sharing(content: bytes, pages: int) -> bytes:
    kids = b" ".join(b"%d 0 R" % (4 + i) for i in range(pages))
    page = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 3 0 R/Resources<<>>>>"
    return _pdf(
        [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[%s]/Count %d>>" % (kids, pages), content]
        + [page] * pages
    )


def pdf_deflated_twice() -> bytes:
    """One page whose stream inflates to 4.2 GB, deflated twice."""
    import zlib

    inner = _zeros_deflated(4300)
    return _pages_sharing(_stream(zlib.compress(inner, 9), b"[/FlateDecode/FlateDecode]"), 1)


def pdf_pages_sharing_a_huge_stream(pages: int = 50, operators: int = 300_000) -> bytes:
    """Pages that all draw one stream of some 4 MB of line operators (16 KB stored)."""
    import zlib

    return _pages_sharing(_stream(zlib.compress(b"0 0 m 1 1 l S\n" * operators, 9), b"/FlateDecode"), pages)


def _zipped(parts: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx_of_empty_paragraphs(count: int = 5_000_000) -> bytes:
    """A Word document of millions of empty paragraphs (some 80 KB; 2.5 GB in python-docx)."""
    import io
    import zipfile

    from tests.fixtures.formats import as_docx

    with zipfile.ZipFile(io.BytesIO(as_docx("Meeting number TMAG 001\n"))) as source:
        parts = {item.filename: source.read(item) for item in source.infolist()}
    body = parts["word/document.xml"]
    parts["word/document.xml"] = body.replace(b"<w:body>", b"<w:body>" + b"<w:p/>" * count, 1)
    return _zipped(parts)


def xlsx_of_a_huge_sheet(rows: int = 5_000_000) -> bytes:
    """An action log whose one sheet holds millions of rows."""
    import io
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Area", "Action Ref", "Action", "Owner", "Due Date", "Update"])
    out = io.BytesIO()
    book.save(out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as source:
        parts = {item.filename: source.read(item) for item in source.infolist()}
    sheet = next(name for name in parts if name.startswith("xl/worksheets/sheet"))
    row = b"<row><c/></row>"
    parts[sheet] = parts[sheet].replace(b"</sheetData>", row * rows + b"</sheetData>", 1)
    return _zipped(parts)


BOMBS = {
    "deflated-twice.pdf": (pdf_deflated_twice, "needed more than"),
    "shared-stream.pdf": (pdf_pages_sharing_a_huge_stream, "objects"),
    "empty-paragraphs.docx": (docx_of_empty_paragraphs, "inflates"),
}
BOUND = 60.0  # seconds: generous; each bomb ends within READ_SECONDS (20 by default)


@pytest.mark.e2e  # reading worker processes, bombs and hundreds of files
@pytest.mark.parametrize("name", list(BOMBS))
async def test_a_bomb_is_refused_within_the_budget_and_changes_nothing(name, db, db_url, clock, write):
    make, says = BOMBS[name]
    data = make()
    assert len(data) < 100_000  # a few kilobytes
    path = write(name, data)
    before = counts(db_url)
    with pytest.raises(ReportError) as refused:
        await asyncio.wait_for(import_report(db, path, clock=clock), BOUND)
    message = str(refused.value)
    assert message.startswith(f"too large to read: {name} (") and says in message and "\n" not in message
    assert counts(db_url) == before


def test_an_action_log_that_inflates_past_the_limits_is_refused_unopened():
    from bot.record.workbook import read_workbook

    data = xlsx_of_a_huge_sheet()
    assert len(data) < 200_000
    with pytest.raises(
        ReportError, match=r"^too large to read: log\.xlsx \(xl/worksheets/sheet\d?\.xml inflates"
    ):
        read_workbook("log.xlsx", data)


@pytest.mark.e2e  # reading worker processes, bombs and hundreds of files
async def test_a_report_that_takes_longer_than_its_time_is_stopped_and_the_next_is_read(
    db, clock, write, monkeypatch
):
    from bot.record.reports.reading import reading_pool

    monkeypatch.setenv("READ_SECONDS", "1")
    slow = write("slow.pdf", pdf_pages_sharing_a_huge_stream(pages=300, operators=45_000))
    with pytest.raises(
        ReportError, match=r"^too large to read: slow\.pdf \(reading it took more than 1 s\)$"
    ):
        await asyncio.wait_for(import_report(db, slow, clock=clock), BOUND)
    assert reading_pool().seconds == 1
    summary = await asyncio.wait_for(
        import_report(db, write("wmag-031.txt", MINUTES_031), clock=clock), BOUND
    )
    assert summary.status == "imported"  # the worker that overran was replaced


@pytest.mark.e2e  # reading worker processes, bombs and hundreds of files
async def test_questions_are_answered_while_bombs_are_read(db, clock, write, monkeypatch):
    from bot.conversation.answers import ask
    from bot.record.uploads import hold_upload
    from tests.fixtures.world import build_world, clock_at

    monkeypatch.setenv("READ_SECONDS", "3")
    await build_world(db, write)
    now = clock_at("2023-11-16T09:00")
    slow = pdf_pages_sharing_a_huge_stream(pages=300, operators=45_000)  # keeps a worker busy 3 s
    shares = [
        asyncio.create_task(
            hold_upload(
                db,
                name=f"share-{i}.pdf" if i % 3 else f"share-{i}.docx",
                data=slow if i % 3 else docx_of_empty_paragraphs(),
                file_id=f"F{i}",
                uploaded_by="U1",
                channel="C1",
                clock=clock,
            )
        )
        for i in range(6)
    ]
    await asyncio.sleep(0.5)
    answer = await asyncio.wait_for(ask(db, "what is open for me", "Lena Ortiz", now), 1.0)
    assert answer.intent == "open" and answer.items
    assert not all(share.done() for share in shares)  # answered while the bombs were being read
    outcomes = await asyncio.wait_for(asyncio.gather(*shares, return_exceptions=True), BOUND)
    assert all(isinstance(o, ReportError) and str(o).startswith("too large to read") for o in outcomes)
