"""What a reading worker process runs (see reading.py): loading a report file and parsing it, and reading
an action log workbook. Each returns plain data, sent back to the host."""

from __future__ import annotations

from pathlib import Path

from bot.record.reports.blocks import ReportError, SourceFile
from bot.record.reports.loader import load_bytes, load_report
from bot.record.reports.parser import ParsedReport, parse_report


def warm() -> None:
    """Import and start the readers before the worker's memory is capped, so their own set-up (PDFium's
    allocator, lxml) is not counted against a report."""
    import bs4  # noqa: F401
    import docx  # noqa: F401
    import pypdfium2 as pdfium

    from bot.record.reports import pdf  # noqa: F401

    document = pdfium.PdfDocument(_EMPTY_PDF)
    page = document[0]
    page.get_textpage().close()
    page.close()
    document.close()


_EMPTY_PDF = b"".join(
    [
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n",
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n",
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n",
        b"trailer<</Root 1 0 R>>\n%%EOF\n",
    ]
)


def load(path: str | None, name: str | None, data: bytes | None) -> SourceFile:
    return load_bytes(name or "report", data) if data is not None else load_report(Path(path))


def read(
    path: str | None, name: str | None, data: bytes | None, codes: set[str], keep_blocks: bool = False
) -> tuple[SourceFile, ParsedReport | ReportError | None]:
    """The file loaded (ReportError if it cannot be), and parsed against the known groups: the report, or
    why it cannot be parsed (the caller decides: a report imported before needs no parse), or None for
    an untouched draft of ours. The blocks are dropped once parsed unless asked for: the host needs only
    what was parsed from them, and has the file to read again."""
    source = load(path, name, data)
    if source.untouched_draft:
        parsed = None
    else:
        try:
            parsed = parse_report(source, codes)
        except ReportError as exc:
            parsed = exc
    if not keep_blocks:
        source.blocks = []
    return source, parsed


def workbook(name: str, data: bytes):
    from bot.record.reports.action_log import read_rows

    return read_rows(name, data)
