"""Turn a report file (text, markdown, HTML or Word) into one shape: blocks of cells in reading order."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path


class ReportError(Exception):
    """A report that cannot be read: the message is shown to the person as it is."""


@dataclass
class Block:
    """A line of text (one cell) or a table row (several). Cells keep their markup until parsed."""

    cells: list[str]
    heading: bool = False
    table: int | None = None  # which docx/HTML table the row came from; text tables have none
    line: int = 0

    @property
    def is_row(self) -> bool:
        return len(self.cells) > 1


@dataclass
class SourceFile:
    name: str
    format: str  # text | markdown | html | docx
    sha256: str
    blocks: list[Block] = field(default_factory=list)


TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".csv", ".tsv", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
DOCX_SUFFIXES = {".docx"}
KNOWN_BINARY = {
    b"%PDF": "PDF",
    b"\xd0\xcf\x11\xe0": "old Word (.doc)",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
}
PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def load_report(path: Path | str) -> SourceFile:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ReportError(f"{path}: is a folder, not a report") from None
    except OSError as exc:
        raise ReportError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return load_bytes(path.name, data)


def load_bytes(name: str, data: bytes) -> SourceFile:
    """Read a report from its bytes; the format comes from the content first, the name second."""
    if not data.strip():
        raise ReportError(f"{name}: the file is empty")
    digest = hashlib.sha256(data).hexdigest()
    suffix = Path(name).suffix.lower()
    if data[:4] == b"PK\x03\x04":
        if suffix not in DOCX_SUFFIXES and not _is_docx(data):
            raise ReportError(f"{name}: unknown format (a zip archive that is not a Word .docx document)")
        return SourceFile(name, "docx", digest, _docx_blocks(name, data))
    for magic, kind in KNOWN_BINARY.items():
        if data.startswith(magic):
            raise ReportError(
                f"{name}: unknown format ({kind}); send the report as .docx, .html, .md or .txt"
            )
    if suffix in DOCX_SUFFIXES:
        raise ReportError(f"{name}: not a Word document (the .docx file is damaged or renamed)")
    text = _decode(name, data)
    if suffix in HTML_SUFFIXES or re.match(r"\s*(<!doctype html|<html|<body|<table)", text, re.IGNORECASE):
        return SourceFile(name, "html", digest, _html_blocks(text))
    if suffix not in TEXT_SUFFIXES:
        raise ReportError(f"{name}: unknown format ({suffix}); send the report as .docx, .html, .md or .txt")
    return SourceFile(
        name, "markdown" if suffix in {".md", ".markdown"} else "text", digest, text_blocks(text)
    )


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
            heading = bool(re.match(r"^\s{0,3}#{1,6}\s", line))
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


def _html_blocks(text: str) -> list[Block]:
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

    def walk(node: Tag) -> None:
        nonlocal table_count
        for child in node.children:
            if isinstance(child, NavigableString):
                if child.__class__.__name__ in ("Comment", "Doctype", "Declaration", "ProcessingInstruction"):
                    continue
                pending.append(str(child).replace("\n", " "))
            elif not isinstance(child, Tag):
                continue
            elif child.name == "table":
                flush()
                table_count += 1
                table_id = table_count
                for row in child.find_all("tr"):
                    if row.find_parent("table") is not child:
                        continue  # rows of a nested table stay inside their cell
                    cells = [cell.decode_contents() for cell in row.find_all(["td", "th"], recursive=False)]
                    if any(cell.strip() for cell in cells):
                        blocks.append(Block(cells if len(cells) > 1 else [*cells, ""], table=table_id))
            elif child.name == "br":
                flush()
            elif child.name in _HTML_BLOCKS:
                flush()
                has_structure = child.find(["table", *_HTML_BLOCKS]) is not None
                if has_structure:
                    walk(child)
                    flush()
                else:
                    inner = child.decode_contents().strip()
                    if inner:
                        blocks.append(
                            Block([inner], heading=child.name.startswith("h") and len(child.name) == 2)
                        )
            else:
                pending.append(str(child))

    body = soup.body or soup
    walk(body)
    flush()
    return blocks


# --- Word ---------------------------------------------------------------------------------------


def _docx_blocks(name: str, data: bytes) -> list[Block]:
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
    return blocks
