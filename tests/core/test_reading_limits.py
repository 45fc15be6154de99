"""Reading reports stays linear in their size, and what is too large is refused, clearly, before any harm.

Hostile or broken files (a role cell of thousands of words, a line repeating "next" and dates, HTML nested
thousands deep, a cell the size of a book) must be read or refused promptly. Each is read in a worker
process with a deadline, so a regression shows up as a failed test, not a hung run.
"""

from __future__ import annotations

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


def test_two_hundred_mutated_reports_are_each_read_or_refused_in_time():
    result = fuzz(200, seed=11, deadline=HANG)
    assert result.hangs == []
    assert result.errors == []
    assert result.outcomes["read"] > 50 and result.outcomes["refused"] > 10
