"""PDF reports (Word documents saved as PDF) into the blocks every reader produces: lines, and table rows
of cells, in reading order.

pdfplumber gives each word with its position and font, and the page's ruling lines. Tables are found
from the rules: a run of horizontal rules of the same extent is a table, each band between two rules a
row. Columns come from the vertical rules when the table has them, else from the header row's words
(tables ruled only horizontally). Wrapped lines within a cell are joined ("20/03/202" + "4" is
20/03/2024), a table broken over pages continues with its repeated header row dropped, and the running
header and footer of each page ("Page 2", the document number) are left out.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

from bot.record.reports.loader import Block, ReportError

MAX_PAGES = 300  # a headline report runs to 5-30 pages
FURNITURE_ZONE = 0.06  # the top and bottom of a page where running headers and footers sit
SAME_LINE = 2.5  # points: words whose tops differ by less are on one line
SAME_RULE = 2.5  # points: horizontal edges closer than this are one rule
SAME_EXTENT = 4.0  # points: rules whose ends differ by less belong to one table
GAP_TOLERANCE = 1.8  # points: a row's text sits as far from its rules as the table's first row's
PAGE_NUMBER = re.compile(r"^(page\s*)?\d{1,4}(\s*(of|/)\s*\d{1,4})?$", re.IGNORECASE)
BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)


@dataclass
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool


@dataclass
class Line:
    words: list[Word]

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def size(self) -> float:
        return max(w.size for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass
class Rule:
    y: float
    x0: float
    x1: float


@dataclass
class Table:
    rules: list[Rule]
    columns: list[float] = field(default_factory=list)  # each cell's left edge (x)
    padding: float = 5.0  # between a cell's edge and its text
    rows: list[list[str]] = field(default_factory=list)

    @property
    def x0(self) -> float:
        return self.rules[0].x0

    @property
    def x1(self) -> float:
        return self.rules[0].x1

    @property
    def top(self) -> float:
        return self.rules[0].y

    @property
    def bottom(self) -> float:
        return self.rules[-1].y


@dataclass
class Item:
    """One thing on a page in reading order: a line of text, or a table."""

    top: float
    line: Line | None = None
    table: Table | None = None


def pdf_blocks(name: str, data: bytes) -> list[Block]:
    pages = _read_pages(name, data)
    if not any(words for words, _, _, _ in pages):
        raise ReportError(
            f"{name}: the PDF has no text to read (a scanned document?); send the Word document, or a "
            "PDF saved from Word"
        )
    furniture = _furniture(pages)
    body_size = _body_size(pages)
    blocks: list[Block] = []
    table_count = 0
    previous: Table | None = None  # the last table, if nothing came after it on its page
    for number, (words, horizontal, vertical, _height) in enumerate(pages):
        words = [w for w in words if (number, round(w.top)) not in furniture]
        rules = _rules(horizontal)
        items = _page_items(words, rules, vertical, body_size)
        for index, item in enumerate(items):
            if item.table is not None:
                table = item.table
                continued = (
                    index == 0
                    and previous is not None
                    and abs(table.x0 - previous.x0) <= SAME_EXTENT
                    and abs(table.x1 - previous.x1) <= SAME_EXTENT
                )
                if continued:
                    _fill(table, previous)
                    rows = table.rows
                    if rows and previous.rows and _same_row(rows[0], previous.rows[0]):
                        rows = rows[1:]  # the header row, repeated on the new page
                    table.rows = previous.rows[:1]  # so a third page can compare with the header too
                else:
                    table_count += 1
                    _fill(table, None)
                    rows = table.rows
                blocks += [
                    Block(cells if len(cells) > 1 else [*cells, ""], table=table_count)
                    for cells in rows
                    if any(c.strip() for c in cells)
                ]
                previous = table if index == len(items) - 1 else None
            else:
                previous = None
                blocks.append(_line_block(item.line, body_size))
    return blocks


# --- reading the file ------------------------------------------------------------------------------


def _read_pages(name: str, data: bytes) -> list[tuple[list[Word], list[dict], list[dict], float]]:
    """Each page's words, horizontal and vertical edges, and height."""
    import pdfplumber

    pages = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as document:
            if len(document.pages) > MAX_PAGES:
                raise ReportError(
                    f"{name}: {len(document.pages)} pages is too long to be a report "
                    f"(the most I read is {MAX_PAGES})"
                )
            for page in document.pages:
                words = [
                    Word(
                        w["text"],
                        w["x0"],
                        w["x1"],
                        w["top"],
                        w["bottom"],
                        round(float(w.get("size") or 0), 1),
                        bool(BOLD_FONT.search(w.get("fontname") or "")),
                    )
                    for w in page.extract_words(
                        x_tolerance=1.5, y_tolerance=SAME_LINE, extra_attrs=["fontname", "size"]
                    )
                ]
                edges = page.edges
                horizontal = [e for e in edges if e["orientation"] == "h" and e["x1"] - e["x0"] >= 15]
                vertical = [e for e in edges if e["orientation"] == "v" and e["bottom"] - e["top"] >= 4]
                pages.append((words, horizontal, vertical, float(page.height)))
    except ReportError:
        raise
    except Exception as exc:  # pdfminer raises many kinds for a damaged file, wrapped by pdfplumber
        if _protected(exc):
            raise ReportError(f"{name}: the PDF is protected with a password; send it without one") from None
        raise ReportError(f"{name}: not a readable PDF ({_cause(exc).__class__.__name__})") from None
    return pages


def _cause(exc: BaseException) -> BaseException:
    """pdfplumber wraps pdfminer's error: the one inside says what was wrong."""
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
    return inner or exc.__cause__ or exc


def _protected(exc: BaseException) -> bool:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    return isinstance(_cause(exc), PDFPasswordIncorrect | PDFEncryptionError) or isinstance(
        exc, PDFPasswordIncorrect | PDFEncryptionError
    )


def _lines(words: list[Word]) -> list[Line]:
    """Words in lines, top to bottom, each line left to right."""
    lines: list[Line] = []
    for word in sorted(words, key=lambda w: (w.top, w.x0)):
        if lines and abs(word.top - lines[-1].words[0].top) <= SAME_LINE:
            lines[-1].words.append(word)
        else:
            lines.append(Line([word]))
    for line in lines:
        line.words.sort(key=lambda w: w.x0)
    return lines


def _furniture(pages) -> set[tuple[int, int]]:
    """(page, rounded top) of the running header and footer lines: in the top or bottom of the page, and
    either a page number or the same text (numbers aside) on more than one page."""
    found: dict[str, list[tuple[int, int]]] = {}
    marked: set[tuple[int, int]] = set()
    for number, (words, _, _, height) in enumerate(pages):
        zone = height * FURNITURE_ZONE
        for line in _lines([w for w in words if w.bottom < zone or w.top > height - zone]):
            keys = [(number, round(w.top)) for w in line.words]
            if PAGE_NUMBER.match(line.text.strip()):
                marked.update(keys)
            found.setdefault(re.sub(r"\d+", "#", line.text.lower()), []).extend(keys)
    for keys in found.values():
        if len({page for page, _ in keys}) > 1 or len(pages) == 1:
            marked.update(keys)
    return marked


def _body_size(pages) -> float:
    sizes = Counter(w.size for words, _, _, _ in pages for w in words)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _rules(edges: list[dict]) -> list[Rule]:
    """Horizontal edges merged into rules (a drawn line, or the edges of a thin filled rectangle)."""
    rules: list[Rule] = []
    for edge in sorted(edges, key=lambda e: (e["top"], e["x0"])):
        for rule in reversed(rules[-4:]):
            if (
                abs(edge["top"] - rule.y) <= SAME_RULE
                and edge["x0"] <= rule.x1 + 2
                and edge["x1"] >= rule.x0 - 2
            ):
                rule.x0, rule.x1 = min(rule.x0, edge["x0"]), max(rule.x1, edge["x1"])
                break
        else:
            rules.append(Rule(edge["top"], edge["x0"], edge["x1"]))
    return rules


# --- a page ----------------------------------------------------------------------------------------


def _page_items(words: list[Word], rules: list[Rule], vertical: list[dict], body_size: float) -> list[Item]:
    tables = _tables(words, rules, vertical)
    items: list[Item] = []
    loose: list[Word] = []
    for word in words:
        middle = (word.top + word.bottom) / 2
        holder = next(
            (t for t in tables if t.top <= middle <= t.bottom and t.x0 - 2 <= word.x0 <= t.x1 + 2), None
        )
        if holder is None:
            loose.append(word)
    for table in tables:
        items.append(Item(table.top, table=table))
    for line in _paragraphs(_lines(loose), body_size):
        items.append(Item(line.top, line=line))
    items.sort(key=lambda item: item.top)
    return items


def _tables(words: list[Word], rules: list[Rule], vertical: list[dict]) -> list[Table]:
    """Runs of rules of one extent, split where a band between two rules cannot be a row of the table
    above: a new table's header row starts the next."""
    runs: list[list[Rule]] = []
    for rule in sorted(rules, key=lambda r: r.y):
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and abs(rule.x0 - last.x0) <= SAME_EXTENT
            and abs(rule.x1 - last.x1) <= SAME_EXTENT
            and rule.y - last.y > SAME_RULE
        ):
            runs[-1].append(rule)
        else:
            runs.append([rule])
    tables = []
    for run in runs:
        ruled = _any_verticals(vertical, run)
        current: list[Rule] = [run[0]]
        shape: Shape | None = None
        for upper, lower in pairwise(run):
            band = _band_words(words, upper, lower)
            crossing = _verticals_crossing(vertical, upper, lower)
            if shape is None:
                if band and (crossing or not ruled):
                    shape = Shape.of(band, crossing, upper, lower)
                    current.append(lower)
                else:
                    current = [lower]
                continue
            if shape.fits(band, crossing, upper, lower, ruled=ruled):
                if len(shape.columns) == 1 and len(current) == 2:
                    # A first row of one cell (a title across the table): the columns come from the next.
                    shape.columns, shape.padding = _columns(band, crossing, upper)
                current.append(lower)
                continue
            if len(current) > 1:
                tables.append(Table(current, shape.columns, shape.padding))
            # The band may be the header row of the next table, else it is what lies between two tables.
            if band and (crossing or not ruled) and len(Shape.of(band, crossing, upper, lower).columns) > 1:
                current, shape = [upper, lower], Shape.of(band, crossing, upper, lower)
            else:
                current, shape = [lower], None
        if len(current) > 1 and shape is not None:
            tables.append(Table(current, shape.columns, shape.padding))
    for table in tables:
        # rows are kept as their words until the table's columns are settled (see _fill)
        table.rows = [_band_words(words, a, b) for a, b in pairwise(table.rules)]
    return tables


@dataclass
class Shape:
    """A table's columns and the space between its rules and its text, from its first row."""

    columns: list[float]  # each cell's left edge
    padding: float
    top_gap: float
    bottom_gap: float

    @classmethod
    def of(cls, band: list[Word], crossing: list[float], upper: Rule, lower: Rule) -> Shape:
        top, bottom = _text_span(band)
        columns, padding = _columns(band, crossing, upper)
        return cls(columns, padding, top - upper.y, lower.y - bottom)

    def fits(self, band: list[Word], crossing: list[float], upper: Rule, lower: Rule, *, ruled: bool) -> bool:
        """Whether the band is a row of this table: not empty, crossed by the table's cell borders if it
        has any, its text as far from the rules as the first row's (prose between two tables sits
        elsewhere), and no word straddling a column boundary (prose runs across columns)."""
        if not band or (ruled and not crossing):
            return False
        top, bottom = _text_span(band)
        top, bottom = top - upper.y, lower.y - bottom
        if abs(top - self.top_gap) > GAP_TOLERANCE or abs(bottom - self.bottom_gap) > GAP_TOLERANCE:
            return False
        return not any(w.x0 < b < w.x1 - 1 for w in band for b in self.columns[1:])


def _text_span(band: list[Word]) -> tuple[float, float]:
    """Where a band's text starts and ends: the middle of its first line's tops and of its last line's
    bottoms (one odd glyph, a symbol or a missing character, has a box of its own size)."""
    first = min(w.top for w in band)
    last = max(w.bottom for w in band)
    tops = sorted(w.top for w in band if w.top - first <= SAME_LINE)
    bottoms = sorted(w.bottom for w in band if last - w.bottom <= SAME_LINE)
    return tops[len(tops) // 2], bottoms[len(bottoms) // 2]


def _band_words(words: list[Word], upper: Rule, lower: Rule) -> list[Word]:
    return [
        w
        for w in words
        if upper.y <= (w.top + w.bottom) / 2 <= lower.y and upper.x0 - 2 <= w.x0 <= upper.x1 + 2
    ]


def _any_verticals(vertical: list[dict], run: list[Rule]) -> bool:
    return any(
        run[0].x0 - 2 <= e["x0"] <= run[0].x1 + 2 and e["top"] < run[-1].y and e["bottom"] > run[0].y
        for e in vertical
    )


def _verticals_crossing(vertical: list[dict], upper: Rule, lower: Rule) -> list[float]:
    """x of the vertical rules that run through the band between two rules (its cell borders)."""
    middle = (upper.y + lower.y) / 2
    xs = sorted(
        e["x0"]
        for e in vertical
        if e["top"] <= middle <= e["bottom"] and upper.x0 - 2 <= e["x0"] <= upper.x1 + 2
    )
    merged: list[float] = []
    for x in xs:
        if not merged or x - merged[-1] > 2:
            merged.append(x)
    return merged


def _columns(band: list[Word], crossing: list[float], rule: Rule) -> tuple[list[float], float]:
    """Each cell's left edge, and the padding between an edge and the text: from the vertical rules of
    the header row when there are any, else from its words (a header cell's words sit close together,
    columns further apart, and every cell's text is as far from its edge as the first cell's)."""
    inner = [x for x in crossing if rule.x0 + 3 < x < rule.x1 - 3]
    if crossing:
        edges = [rule.x0, *inner]
        first = [w.x0 for w in band if w.x0 < (edges[1] if len(edges) > 1 else rule.x1)]
        padding = min(first) - rule.x0 if first else 5.0
        return edges, max(0.0, min(padding, 12.0))
    cells: list[list[float]] = []  # [x0, x1] of each header cell, from its words on every line
    for word in sorted(band, key=lambda w: w.x0):
        gap = max(6.0, 0.9 * (word.size or 9))
        if cells and word.x0 <= cells[-1][1] + gap:
            cells[-1][1] = max(cells[-1][1], word.x1)
        else:
            cells.append([word.x0, word.x1])
    if not cells:
        return [rule.x0], 5.0
    padding = max(0.0, min(cells[0][0] - rule.x0, 12.0))
    return [rule.x0] + [cell[0] - padding for cell in cells[1:]], padding


def _fill(table: Table, continues: Table | None) -> None:
    """Turn each row's words into cells under the table's columns (or those of the table it continues
    from the page before)."""
    if continues is not None:
        table.columns, table.padding = continues.columns, continues.padding
    columns = table.columns or [table.x0]
    rows = []
    for band in table.rows:
        cells: list[list[Word]] = [[] for _ in columns]
        for word in band:
            index = max((i for i, edge in enumerate(columns) if word.x0 >= edge - 1), default=0)
            cells[index].append(word)
        limits = [
            edge - table.padding for edge in [*columns[1:], table.x1]
        ]  # where each cell's text must end
        rows.append([_cell_text(words, limit) for words, limit in zip(cells, limits, strict=True)])
    table.rows = rows


def _cell_text(words: list[Word], limit: float) -> str:
    """A cell's lines joined: with a space, except inside a word broken at the cell's edge ("20/03/202"
    + "4") or after a hyphen ("cross-" + "industry")."""
    text = ""
    previous: Line | None = None
    for line in _lines(words):
        if previous is None:
            text = line.text
        else:
            last, first = previous.words[-1].text, line.words[0].text
            size = previous.size or 9
            # A word too long for the cell is broken where the cell ends: the line above runs to within
            # a character of the edge, in the middle of a number or a word.
            room = limit - previous.x1
            broken = (room <= size and bool(re.search(r"[\d/]$", last)) and first[:1].isdigit()) or (
                room <= 0.6 * size
                and len(previous.words) == 1
                and last[-1:].isalpha()
                and first[:1].islower()
            )
            hyphen = last.endswith("-") and len(last) > 1 and first[:1].isalnum()
            text += ("" if broken or hyphen else " ") + line.text
        previous = line
    return text


def _same_row(cells: list[str], other: list[str]) -> bool:
    return [" ".join(c.split()).lower() for c in cells] == [" ".join(c.split()).lower() for c in other]


# --- lines outside tables ------------------------------------------------------------------------


def _paragraphs(lines: list[Line], body_size: float) -> list[Line]:
    """Lines of one paragraph wrapped by the page joined back into one (as Word holds them)."""
    if not lines:
        return []
    right = max(line.x1 for line in lines)
    joined: list[Line] = []
    for line in lines:
        last = joined[-1] if joined else None
        if (
            last is not None
            and abs(line.x0 - last.x0) <= 2
            and abs(line.size - last.size) < 0.5
            and line.top - last.bottom <= 0.6 * line.size
            and last.x1 >= right - 4 * line.size  # the line above ran to the margin: it wrapped
            and not _gaps(last, body_size)
            and not _gaps(line, body_size)
        ):
            last.words += line.words
            continue
        joined.append(Line(list(line.words)))
    return joined


def _gaps(line: Line, body_size: float) -> list[int]:
    """Where a line's words are far apart: the cells of a table drawn without rules."""
    gap = max(10.0, 1.2 * (line.size or body_size))
    return [i for i in range(1, len(line.words)) if line.words[i].x0 - line.words[i - 1].x1 > gap]


def _line_block(line: Line, body_size: float) -> Block:
    splits = _gaps(line, body_size)
    heading = line.size >= 1.2 * body_size and len(line.text) < 120
    if not splits:
        return Block([line.text], heading=heading)
    cells, start = [], 0
    for split in [*splits, len(line.words)]:
        cells.append(" ".join(w.text for w in line.words[start:split]))
        start = split
    return Block(cells, heading=False)
