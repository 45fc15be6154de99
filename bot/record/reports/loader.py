"""Turn a report file (text, markdown, HTML, Word or PDF) into one shape: blocks of cells in reading order."""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from pathlib import Path

from bot.record.reports.blocks import (
    DRAFT_MARK,
    MAX_CELL_CHARS,
    Block,
    ReportError,
    SourceFile,
    blocks_digest,
)
from bot.record.reports.pdf import read_pdf

__all__ = [
    "DRAFT_MARK",
    "MAX_CELL_CHARS",
    "Block",
    "ReportError",
    "SourceFile",
    "blocks_digest",
    "load_bytes",
    "load_report",
]


TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".csv", ".tsv", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
DOCX_SUFFIXES = {".docx"}
KNOWN_BINARY = {
    b"\xd0\xcf\x11\xe0": "old Word (.doc)",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
}
PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
MARKDOWN_HEADING_LINE = re.compile(r"^\s{0,3}#{1,6}\s")

# Bounds on what is read. Real headline reports and minutes hold 5-25 thousand characters of text, and
# their longest cell (a discussion item) a few thousand, so these leave ample room while keeping the
# time a hostile or broken file can cost to a second or two. Word documents carry images, hence the
# file limit (MAX_REPORT_MB, checked before anything is read) is far above the text limit.
DEFAULT_MAX_REPORT_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 1_000_000  # a report's text, tables included
MAX_MARKUP_CHARS = 2_000_000  # an HTML file, tags included (Word's HTML is mostly markup)


def max_report_bytes() -> int:
    """MAX_REPORT_MB from the environment (the secretariat may raise it), else 20 MB."""

    value = (os.environ.get("MAX_REPORT_MB") or "").strip()
    try:
        return int(float(value) * 1024 * 1024) if value else DEFAULT_MAX_REPORT_BYTES
    except ValueError:
        return DEFAULT_MAX_REPORT_BYTES


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_size(name: str, size: int, limit: int | None = None) -> None:
    """Refuse a file too large to be a report, before reading it."""
    limit = max_report_bytes() if limit is None else limit
    if size > limit:
        raise ReportError(
            f"{name}: too large to be a report ({_megabytes(size)}; the most I read is {_megabytes(limit)})"
        )


def _check_text(name: str, blocks: list[Block]) -> list[Block]:
    total = 0
    for block in blocks:
        for cell in block.cells:
            if len(cell) > MAX_CELL_CHARS:
                where = f"line {block.line}" if block.line else "a table cell"
                raise ReportError(
                    f"{name}: {where} holds {len(cell):,} characters, more than a report's cell "
                    f"({MAX_CELL_CHARS:,}); is this the right file?"
                )
            total += len(cell)
    if total > MAX_TEXT_CHARS:
        raise ReportError(
            f"{name}: too long to be a report ({total:,} characters of text; the most I read is "
            f"{MAX_TEXT_CHARS:,})"
        )
    return blocks


def load_report(path: Path | str) -> SourceFile:
    return load_bytes(Path(path).name, read_file(path))


def read_file(path: Path | str) -> bytes:
    """A report file's bytes (ReportError if it is missing, a folder, unreadable or too large)."""
    path = Path(path)
    try:
        if path.is_file():
            check_size(str(path), path.stat().st_size)
        return path.read_bytes()
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ReportError(f"{path}: is a folder, not a report") from None
    except OSError as exc:
        raise ReportError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def load_bytes(name: str, data: bytes) -> SourceFile:
    """Read a report from its bytes; the format comes from the content first, the name second."""
    source = _load_bytes(name, data)
    _check_text(name, source.blocks)
    return source


def _load_bytes(name: str, data: bytes) -> SourceFile:
    check_size(name, len(data))
    if not data.strip():
        raise ReportError(f"{name}: the file is empty")
    digest = hashlib.sha256(data).hexdigest()
    suffix = Path(name).suffix.lower()
    if data[:4] == b"PK\x03\x04":
        check_archive(name, data)
        if suffix not in DOCX_SUFFIXES and not _is_docx(data):
            raise ReportError(f"{name}: unknown format (a zip archive that is not a Word .docx document)")
        blocks, identifier = _docx_blocks(name, data)
        source = SourceFile(name, "docx", digest, blocks)
        source.untouched_draft = identifier == DRAFT_MARK + blocks_digest(blocks)
        return source
    if data.startswith(b"%PDF"):
        blocks, findings = read_pdf(name, data)
        return SourceFile(name, "pdf", digest, blocks, findings=findings)
    for magic, kind in KNOWN_BINARY.items():
        if data.startswith(magic):
            raise ReportError(
                f"{name}: unknown format ({kind}); send the report as .docx, .pdf, .html, .md or .txt"
            )
    if suffix in DOCX_SUFFIXES:
        raise ReportError(f"{name}: not a Word document (the .docx file is damaged or renamed)")
    text = _decode(name, data)
    if suffix in HTML_SUFFIXES or re.match(r"\s*(<!doctype html|<html|<body|<table)", text, re.IGNORECASE):
        if len(text) > MAX_MARKUP_CHARS:
            raise ReportError(
                f"{name}: too long to be a report ({len(text):,} characters of HTML; the most I read is "
                f"{MAX_MARKUP_CHARS:,})"
            )
        try:
            return SourceFile(name, "html", digest, _html_blocks(name, text))
        except RecursionError:
            raise ReportError(f"{name}: the HTML is nested too deeply to be a report") from None
    if len(text) > MAX_TEXT_CHARS:
        raise ReportError(
            f"{name}: too long to be a report ({len(text):,} characters; "
            f"the most I read is {MAX_TEXT_CHARS:,})"
        )
    if suffix not in TEXT_SUFFIXES:
        raise ReportError(
            f"{name}: unknown format ({suffix}); send the report as .docx, .pdf, .html, .md or .txt"
        )
    return SourceFile(
        name, "markdown" if suffix in {".md", ".markdown"} else "text", digest, text_blocks(text)
    )


# An archive's parts as they inflate: a Word document's text is a few MB of XML however long the report
# (its images, stored as they are, inflate little); an action log's sheets, tens of MB at the most.
MAX_INFLATED_BYTES = 100 * 1024 * 1024  # all the parts together
MAX_INFLATED_XML_BYTES = 40 * 1024 * 1024  # the XML parts, which the readers hold in memory as trees
MAX_RATIO = 200  # inflated / stored, for a part past RATIO_FROM (XML of real documents: 5-30)
RATIO_FROM = 1024 * 1024
MAX_PARTS = 10_000


def check_archive(name: str, data: bytes) -> None:
    """Refuse, unopened, a .docx or .xlsx whose parts would inflate past the limits (a zip bomb): the
    sizes come from the archive's directory, and what is read later stops at them."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        return  # not a readable archive: the reader says so
    if len(parts) > MAX_PARTS:
        raise ReportError(f"too large to read: {name} ({len(parts):,} parts in the archive)")
    total = xml = 0
    for part in parts:
        total += part.file_size
        if part.filename.endswith((".xml", ".rels", ".vml")):
            xml += part.file_size
        if part.file_size > RATIO_FROM and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise ReportError(
                f"too large to read: {name} ({part.filename} inflates from {part.compress_size / 1024:,.0f} "
                f"KB to {_megabytes(part.file_size)})"
            )
    if total > MAX_INFLATED_BYTES or xml > MAX_INFLATED_XML_BYTES:
        raise ReportError(f"too large to read: {name} (its parts inflate to {_megabytes(total)})")


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _decode(name: str, data: bytes) -> str:
    if b"\x00" in data[:4096]:
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ReportError(f"{name}: unknown format (binary data, not a text report)") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
    if controls > len(text) / 100:
        raise ReportError(f"{name}: unknown format (binary data, not a text report)")
    return text


def _pipe_cells(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    cells = re.split(r"(?<!\\)\|", body)
    return [cell.replace("\\|", "|").strip() for cell in cells]


def text_blocks(text: str) -> list[Block]:
    """Plain text and markdown: tab- or pipe-separated rows, everything else a line."""
    blocks: list[Block] = []
    for number, raw in enumerate(
        text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n"), 1
    ):
        line = raw.rstrip(" \r\n")  # trailing tabs are empty cells, and keep a row a row
        stripped = line.strip()
        if stripped.startswith("|") and stripped.count("|") >= 2:
            if PIPE_SEPARATOR.match(stripped):
                continue
            blocks.append(Block(_pipe_cells(line), line=number))
        elif "\t" in line:
            blocks.append(Block(line.split("\t"), line=number))
        else:
            heading = bool(MARKDOWN_HEADING_LINE.match(line))
            blocks.append(Block([line], heading=heading, line=number))
    return blocks


# --- HTML -----------------------------------------------------------------------------------------

_HTML_BLOCKS = {
    "p",
    "div",
    "section",
    "article",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "header",
    "footer",
    "main",
    "body",
    "pre",
    "tr",
    "center",
}


def _html_blocks(name: str, text: str) -> list[Block]:
    """Block elements become lines, table rows become rows; inline markup stays in the cells. One pass
    over the tree, without recursion, so deep or broken nesting costs no more than flat markup."""
    # Here: BeautifulSoup and lxml load slowly, and only HTML reports need them.
    from bs4 import BeautifulSoup, NavigableString, Tag

    soup = BeautifulSoup(text, "html.parser")
    for dead in soup(["script", "style", "head", "title", "noscript", "template"]):
        dead.decompose()
    blocks: list[Block] = []
    table_count = 0
    pending: list[str] = []

    def flush() -> None:
        line = "".join(pending).strip()
        pending.clear()
        if line:
            blocks.append(Block([line]))

    body = soup.body or soup
    # Elements holding a table or a block element, found bottom-up in one pass (children come after
    # their parent in document order, so in reverse they come first).
    structured: set[int] = set()
    for node in reversed(list(body.descendants)):
        holds_blocks = isinstance(node, Tag) and (
            node.name == "table" or node.name in _HTML_BLOCKS or id(node) in structured
        )
        if holds_blocks and node.parent is not None:
            structured.add(id(node.parent))
    end = object()
    stack: list[tuple] = [(iter(body.children), False)]
    while stack:
        children, flush_after = stack[-1]
        child = next(children, end)
        if child is end:
            stack.pop()
            if flush_after:
                flush()
            continue
        if isinstance(child, NavigableString):
            if child.__class__.__name__ in ("Comment", "Doctype", "Declaration", "ProcessingInstruction"):
                continue
            pending.append(str(child).replace("\n", " "))
        elif not isinstance(child, Tag):
            continue
        elif child.name == "table":
            flush()
            table_count += 1
            for row in child.find_all("tr"):
                if row.find_parent("table") is not child:
                    continue  # rows of a nested table stay inside their cell
                cells = [cell.decode_contents() for cell in row.find_all(["td", "th"], recursive=False)]
                if any(cell.strip() for cell in cells):
                    blocks.append(Block(cells if len(cells) > 1 else [*cells, ""], table=table_count))
        elif child.name == "br":
            flush()
        elif child.name in _HTML_BLOCKS:
            flush()
            if id(child) in structured:
                stack.append((iter(child.children), True))
            else:
                inner = child.decode_contents().strip()
                if inner:
                    blocks.append(Block([inner], heading=child.name.startswith("h") and len(child.name) == 2))
        else:
            pending.append(str(child))
    flush()
    return blocks


# --- Word ---------------------------------------------------------------------------------------


def _docx_blocks(name: str, data: bytes) -> tuple[list[Block], str]:
    """The document's blocks, and its identifier property (a draft of ours carries its mark there)."""
    # Here: python-docx loads slowly, and only Word reports need it.
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several kinds for a damaged package
        raise ReportError(f"{name}: not a readable Word document ({exc.__class__.__name__})") from None
    blocks: list[Block] = []
    table_count = 0

    def cell_text(cell) -> str:
        parts = [p.text for p in cell.paragraphs]
        for inner in cell.tables:  # a table inside a cell reads as its rows
            parts.extend("\t".join(c.text for c in row.cells) for row in inner.rows)
        return "\n".join(parts)

    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            paragraph = Paragraph(child, document)
            text = paragraph.text
            if not text.strip():
                blocks.append(Block([""]))
                continue
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            heading = style.lower().startswith(("heading", "title"))
            # a tab separates cells (as in "Meeting number<tab>TMAG 022"); a soft line break does not
            cells = text.split("\t") if "\t" in text else [" ".join(text.split("\n"))]
            blocks.append(Block(cells, heading=heading))
        elif child.tag == qn("w:tbl"):
            table_count += 1
            table = Table(child, document)
            for row in table.rows:
                cells, seen = [], set()
                for cell in row.cells:
                    if id(cell._tc) in seen:
                        continue  # a cell merged across columns is listed once per column
                    seen.add(id(cell._tc))
                    cells.append(cell_text(cell))
                if any(cell.strip() for cell in cells):
                    blocks.append(Block(cells if len(cells) > 1 else [*cells, ""], table=table_count))
    return blocks, document.core_properties.identifier or ""
