"""What every reader of a report produces (blocks of cells in reading order), and the error that says a
report cannot be read: shared by the loader and the format readers it calls."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

MAX_CELL_CHARS = 100_000  # one table cell or line: a report's longest (a discussion item) holds thousands


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
    format: str  # text | markdown | html | docx | pdf
    sha256: str
    blocks: list[Block] = field(default_factory=list)
    untouched_draft: bool = False  # a report draft this bot wrote, not edited since
    findings: str | None = None  # what a laid-out format (PDF) showed, page by page, for messages


DRAFT_MARK = "tmag-bot-draft:"  # a draft's Word identifier property: this, then a digest of its text


def blocks_digest(blocks: list[Block]) -> str:
    """A digest of what a document says, to tell an untouched draft from an edited one."""
    text = "\n".join("\t".join(block.cells) for block in blocks)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
