"""PDF reports, as Word saves them: the same record as the Word document of the same report, whatever the
table rules, page breaks, running headers and footers; and a clear line for a PDF that cannot be read."""

from __future__ import annotations

import io
import random

import pytest

from bench.synthetic import people, realistic_report
from bot.record.importer import import_report
from bot.record.reports.loader import ReportError, load_bytes
from bot.record.reports.parser import parse_report
from tests.fixtures.formats import as_docx, as_pdf, record_of


def parse(name: str, data: bytes):
    return parse_report(load_bytes(name, data))


def long_reports(count: int):
    """Realistic reports long enough for tables to break over pages, due dates like 20/03/2024."""
    rng = random.Random(20)
    pool = people(60, rng)
    return [realistic_report(7 + i, rng, pool, actions=(20, 40), year_format="%Y") for i in range(count)]


@pytest.mark.parametrize("rules", ["grid", "horizontal"])
def test_long_reports_read_the_same_from_pdf_as_from_word(rules):
    for index, text in enumerate(long_reports(3)):
        pdf = as_pdf(text, rules, plain_header=index % 2 == 1)
        expected, got = parse("r.docx", as_docx(text)), parse("r.pdf", pdf)
        assert got.source.format == "pdf"
        assert len(got.actions) >= 20
        assert record_of(got) == record_of(expected)


def test_a_table_broken_over_pages_keeps_going_without_its_repeated_header_or_the_footer():
    text = long_reports(1)[0]
    source = load_bytes("r.pdf", as_pdf(text, "horizontal"))
    header = ["Area", "Action Ref", "Action", "Owner", "Due Date", "Update"]
    headers = [b for b in source.blocks if b.cells == header]
    assert len(headers) == 1  # repeated on every page in the PDF, read once
    table = headers[0].table
    rows = [b for b in source.blocks if b.table == table]
    assert len(rows) > 20 and all("Page" not in c and "MHHS-DEL1234" not in c for b in rows for c in b.cells)
    import pdfplumber

    assert len(pdfplumber.open(io.BytesIO(as_pdf(text, "horizontal"))).pages) > 2


def test_a_date_wrapped_in_a_narrow_column_is_one_date():
    text = long_reports(1)[0]
    dues = [b.cells[4] for b in load_bytes("r.pdf", as_pdf(text, "grid")).blocks if len(b.cells) == 6]
    assert any(len(d) == 10 for d in dues[1:])  # 20/03/2024, drawn as "20/03/202" over "4"
    assert all(" " not in d for d in dues[1:] if d[:1].isdigit())
    import pdfplumber

    words = pdfplumber.open(io.BytesIO(as_pdf(text, "grid"))).pages[0].extract_words()
    assert any(len(w["text"]) == 9 and w["text"].count("/") == 2 for w in words)  # it really wraps


def _drawing_only() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.rect(50, 50, 400, 600, fill=1)  # a scan: a picture of a page, no text
    page.showPage()
    page.save()
    return out.getvalue()


def _encrypted() -> bytes:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, encrypt=StandardEncryption("secret", canPrint=0))
    page.drawString(72, 720, "Meeting number TMAG 022")
    page.showPage()
    page.save()
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (_drawing_only, "no text to read"),
        (_encrypted, "password"),
        (lambda: as_pdf("Actions\n\nArea\tAction Ref\nX\tTMAG01-01\n")[:900], "not a readable PDF"),
        (lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF", "PDF"),
    ],
)
async def test_a_pdf_that_cannot_be_read_says_so_in_one_line_and_stores_nothing(
    db, clock, tmp_path, make, says
):
    from sqlalchemy import text as sql

    path = tmp_path / "report.pdf"
    path.write_bytes(make())
    with pytest.raises(ReportError) as raised:
        await import_report(db, path, clock=clock)
    message = str(raised.value)
    assert says in message and "\n" not in message and message.startswith("report.pdf: ")
    async with db.read() as session:
        assert (await session.exec(sql("SELECT count(*) FROM source_document"))).one()[0] == 0
