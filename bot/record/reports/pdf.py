"""PDF reports (Word documents saved as PDF, by Word, LibreOffice or a browser) into the blocks every
reader produces: lines, and table rows of cells, in reading order.

PDFium (through pypdfium2) gives each character with its box, and the page's drawings. Office suites
write a table as text runs per line, with shading as filled rectangles and borders as thin rectangles or
lines, or with nothing drawn at all; so tables are found by their layout, not by their rules:

- a table starts at a header row whose words, grouped into cells by the space between them (and by
  any border or shading edge crossing the row), name the columns of an action, decision, agenda,
  attendee or discussion table; a header may wrap over two or three lines;
- the columns are the bands the header's cells start; every word below falls in the band it starts in;
- a new row starts where the ref column holds a ref, where a border or shading edge crosses the first
  column, or where no cell's text flows on from the line above; a cell merged down over several rows
  (no border crossing it) keeps its text in the row it started in;
- the table runs on while its lines fit its columns, over a page break with or without the header row
  repeated, and ends at a heading, a gap, or a line running across the columns.

Other lines are paragraphs (lines wrapped by the page joined again) or, where their words sit in cells
apart, table rows; a cell wrapped onto the next line (a date and time, an address) stays in its cell.
A cell's lines are joined as a person reads them: with a space; a hyphen at a line's end kept ("14:00-"
+ "15:30"); a word broken at the cell's edge rejoined when its pieces are not words but the whole is
("Manageme" + "nt"). Running headers and footers (the same text on each page, page numbers) are left
out.
"""

from __future__ import annotations

import ctypes
import gzip
import json
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

from bot.record import refs
from bot.record.reports.blocks import Block, ReportError
from bot.record.reports.parser import MAJOR_SECTIONS, _continues_phrase, classify_header
from bot.record.text import fold

MAX_PAGES = 300  # a headline report runs to 5-30 pages
MAX_PAGE_CHARS = 200_000  # characters on one page (a dense page holds 6,000)
MAX_PAGE_OBJECTS = 50_000  # drawings and text objects on one page (a ruled table page holds a few hundred)
MAX_OBJECTS = 400_000  # ... and in the whole document
MAX_CHARS = 2_000_000  # characters in the whole document
FURNITURE_ZONE = 0.08  # the top and bottom of a page where running headers and footers sit...
FURNITURE_MOST = 50.0  # ...up to this many points from the edge (a page's margin is 54-72)
PAGE_NUMBER = re.compile(r"^(page\s*)?\d{1,4}(\s*(of|/)\s*\d{1,4})?$", re.IGNORECASE)
FOLDED = {
    "\x02": "-",  # PDFium's mark for a hyphen ending a line (read as U+FFFE in its text)
    "\ufffe": "-",
    "\xa0": " ",
    "\u202f": " ",
    "\u2007": " ",
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}


@dataclass
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


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
        return Counter(round(w.size, 1) for w in self.words).most_common(1)[0][0]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass
class Edge:
    """A horizontal border, rule or edge of a filled rectangle (at `at`, from `low` to `high`), or a
    vertical one (x at `at`, top to bottom from `low` to `high`)."""

    at: float
    low: float
    high: float


@dataclass
class Page:
    words: list[Word]
    across: list[Edge]  # horizontal
    down: list[Edge]  # vertical
    height: float
    width: float


def pdf_blocks(name: str, data: bytes) -> list[Block]:
    return read_pdf(name, data)[0]


def read_pdf(name: str, data: bytes) -> tuple[list[Block], str]:
    """The PDF's blocks, and what was found on its pages (for a message when the report cannot be read
    from them: "page 1: 38 lines, no table; page 2: an actions table of 12 rows...")."""
    pages = _read_pages(name, data)
    if not any(page.words for page in pages):
        raise ReportError(
            f"{name}: the PDF has no text to read (a scanned document?); send the Word document, or a "
            "PDF saved from Word"
        )
    furniture = _furniture(pages)
    body = _body_size(pages)
    kept = [
        [w for w in page.words if (number, round(w.top)) not in furniture]
        for number, page in enumerate(pages)
    ]
    # where the pages' text ends: a row broken over a page break reaches it
    reader = _Reader(body, max((w.bottom for words in kept for w in words), default=0.0))
    for number, (page, words) in enumerate(zip(pages, kept, strict=True)):
        reader.page(number + 1, words, page)
    blocks = reader.finish()
    return blocks, reader.findings(len(pages))


# --- reading the file ------------------------------------------------------------------------------


def _read_pages(name: str, data: bytes) -> list[Page]:
    # Here: PDFium loads a native library, which only PDF reports need.
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ReportError(f"{name}: the PDF is protected with a password; send it without one") from None
        raise ReportError(f"{name}: not a readable PDF ({_why(exc)})") from None
    try:
        count = len(document)
        if count > MAX_PAGES:
            raise ReportError(
                f"{name}: {count} pages is too long to be a report (the most I read is {MAX_PAGES})"
            )
        if count == 0:
            raise ReportError(f"{name}: not a readable PDF (it has no pages)")
        pages = []
        seen = [0, 0]
        for index in range(count):
            page = document[index]
            try:
                pages.append(_read_page(name, index + 1, page, seen))
            finally:
                page.close()
        return pages
    except pdfium.PdfiumError as exc:
        raise ReportError(f"{name}: not a readable PDF ({_why(exc)})") from None
    finally:
        document.close()


def _why(exc: Exception) -> str:
    found = re.search(r"PDFium: ([^).]+)", str(exc))
    return found.group(1).strip().lower() if found else exc.__class__.__name__


def _read_page(name: str, number: int, page, seen: list[int]) -> Page:
    """One page; `seen` counts the objects and characters of the pages before, against the limits."""
    # Here, as above: only PDF pages need PDFium.
    import pypdfium2.raw as pdfium_c

    objects = pdfium_c.FPDFPage_CountObjects(page.raw)
    seen[0] += max(objects, 0)
    if objects > MAX_PAGE_OBJECTS or seen[0] > MAX_OBJECTS:
        raise ReportError(
            f"too large to read: {name} (page {number} holds {objects:,} objects, "
            f"{seen[0]:,} with the pages before; a report's page holds a few hundred)"
        )
    width, height = page.get_size()
    text_page = page.get_textpage()
    seen[1] += max(text_page.count_chars(), 0)
    if seen[1] > MAX_CHARS:
        text_page.close()
        raise ReportError(f"too large to read: {name} ({seen[1]:,} characters by page {number})")
    try:
        words = _words(name, number, text_page, height, pdfium_c)
    finally:
        text_page.close()
    across, down = _drawings(name, number, page, height, pdfium_c)
    return Page(words, across, down, height, width)


def _words(name: str, number: int, text_page, height: float, pdfium_c) -> list[Word]:
    """The page's words: characters joined while they sit side by side on one line."""
    count = text_page.count_chars()
    if count > MAX_PAGE_CHARS:
        raise ReportError(
            f"too large to read: {name} (page {number} holds {count:,} characters; a report's page holds "
            "a few thousand)"
        )
    if count <= 0:
        return []
    text = text_page.get_text_range()
    raw = text_page.raw
    box = pdfium_c.FS_RECTF()
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    unicode_of = pdfium_c.FPDFText_GetUnicode
    loose_box = pdfium_c.FPDFText_GetLooseCharBox
    origin_of = pdfium_c.FPDFText_GetCharOrigin
    size_of = pdfium_c.FPDFText_GetFontSize
    same_length = len(text) == count
    words: list[Word] = []
    chars: list[str] = []
    x0 = x1 = baseline = size = last_left = 0.0

    def close() -> None:
        if chars:
            # Every word's box from its baseline and size, not its glyphs: lines of one cell stand as far
            # apart whatever letters they hold.
            words.append(Word("".join(chars), x0, x1, baseline - 0.8 * size, baseline + 0.25 * size, size))
            chars.clear()

    for index in range(count):
        char = text[index] if same_length else chr(unicode_of(raw, index) or 32)
        char = FOLDED.get(char, char)
        if char.isspace() or not char:
            close()
            continue
        if not loose_box(raw, index, ctypes.byref(box)) or not origin_of(
            raw, index, ctypes.byref(origin_x), ctypes.byref(origin_y)
        ):
            if chars and char == "-":  # a line-end hyphen PDFium adds without a box of its own
                chars.append(char)
            continue
        left, right = box.left, box.right
        char_baseline = height - origin_y.value
        char_size = size_of(raw, index) or (box.top - box.bottom)
        if right <= left and chars:  # a mark drawn without a width (a line-end hyphen)
            left = right = x1
        if chars and (
            abs(char_baseline - baseline) > 0.25 * char_size
            or left < last_left - 0.5  # back along the line (a ligature's letters share one box)
            or left - x1 > 0.22 * char_size
        ):
            close()
        if not chars:
            x0, baseline, size = left, char_baseline, char_size
        last_left = left
        if char == "\xad":  # a soft hyphen: where Word may break a word; only shown at a line's end
            char = "-"
        chars.append(char)
        x1 = max(x1, right) if len(chars) > 1 else right
    close()
    return words


def _drawings(name: str, number: int, page, height: float, pdfium_c) -> tuple[list[Edge], list[Edge]]:
    """Borders and shading: thin rectangles and lines are rules, filled rectangles give their four
    edges. Paths of many segments (a whole grid drawn at once) give each straight segment."""
    across: list[Edge] = []
    down: list[Edge] = []
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    red, green, blue, alpha = (ctypes.c_uint() for _ in range(4))
    seen = 0
    for item in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=2):
        seen += 1
        if seen > MAX_PAGE_OBJECTS:
            raise ReportError(
                f"too large to read: {name} (page {number} holds more than {MAX_PAGE_OBJECTS:,} drawings)"
            )
        left, bottom, right, top = item.get_bounds()
        top, bottom = height - top, height - bottom
        pdfium_c.FPDFPath_GetDrawMode(item.raw, ctypes.byref(fill), ctypes.byref(stroke))
        filled = bool(fill.value)
        if filled and not stroke.value:
            pdfium_c.FPDFPageObj_GetFillColor(item.raw, red, green, blue, alpha)
            if min(red.value, green.value, blue.value) >= 250 or alpha.value == 0:
                continue  # white on white: a page's background, not a border or shading
        width, tall = right - left, bottom - top
        if tall <= 2.5 and width >= 4:
            across.append(Edge((top + bottom) / 2, left, right))
        elif width <= 2.5 and tall >= 3:
            down.append(Edge((left + right) / 2, top, bottom))
        elif pdfium_c.FPDFPath_CountSegments(item.raw) <= 6:
            # a rectangle, filled (shading) or stroked (a box): its edges
            across += [Edge(top, left, right), Edge(bottom, left, right)]
            down += [Edge(left, top, bottom), Edge(right, top, bottom)]
        else:
            _segments(item, height, across, down, pdfium_c)
    return across, down


def _segments(item, height: float, across: list[Edge], down: list[Edge], pdfium_c) -> None:
    matrix = item.get_matrix()
    x, y = ctypes.c_float(), ctypes.c_float()
    previous = None
    for index in range(min(pdfium_c.FPDFPath_CountSegments(item.raw), 5_000)):
        segment = pdfium_c.FPDFPath_GetPathSegment(item.raw, index)
        if not pdfium_c.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y)):
            continue
        point = matrix.on_point(x.value, y.value)
        point = (point[0], height - point[1])
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        if kind == pdfium_c.FPDF_SEGMENT_LINETO and previous is not None:
            (ax, ay), (bx, by) = previous, point
            if abs(ay - by) <= 1 and abs(ax - bx) >= 4:
                across.append(Edge((ay + by) / 2, min(ax, bx), max(ax, bx)))
            elif abs(ax - bx) <= 1 and abs(ay - by) >= 3:
                down.append(Edge((ax + bx) / 2, min(ay, by), max(ay, by)))
        previous = point


def _lines(words: list[Word]) -> list[Line]:
    """Words in lines, top to bottom, each line left to right."""
    lines: list[Line] = []
    for word in sorted(words, key=lambda w: (w.bottom - 0.25 * w.size, w.x0)):
        last = lines[-1] if lines else None
        baseline = word.bottom - 0.25 * word.size
        first = last.words[0] if last is not None else None
        if first is not None and abs(baseline - (first.bottom - 0.25 * first.size)) <= 0.3 * max(
            word.size, 4
        ):
            last.words.append(word)
        else:
            lines.append(Line([word]))
    for line in lines:
        line.words.sort(key=lambda w: w.x0)
    lines.sort(key=lambda line: line.top)
    return lines


def _furniture(pages: list[Page]) -> set[tuple[int, int]]:
    """(page, rounded top) of the running header and footer lines: in the top or bottom of the page, and
    either a page number or the same text (numbers aside) on more than one page."""
    found: dict[str, list[tuple[int, int]]] = {}
    marked: set[tuple[int, int]] = set()
    for number, page in enumerate(pages):
        zone = min(page.height * FURNITURE_ZONE, FURNITURE_MOST)
        edge = [w for w in page.words if w.middle < zone or w.middle > page.height - zone]
        for line in _lines(edge):
            keys = [(number, round(w.top)) for w in line.words]
            if PAGE_NUMBER.match(line.text.strip()):
                marked.update(keys)
            found.setdefault(re.sub(r"\d+", "#", line.text.lower()), []).extend(keys)
    for keys in found.values():
        if len({page for page, _ in keys}) > 1 or len(pages) == 1:
            marked.update(keys)
    return marked


def _body_size(pages: list[Page]) -> float:
    sizes = Counter(round(w.size, 1) for page in pages for w in page.words)
    return sizes.most_common(1)[0][0] if sizes else 10.0


# --- a cell's lines joined as a person reads them -------------------------------------------------------


@cache
def _lexicon() -> dict[str, int]:
    """English words and how often each is seen (pyspellchecker's list), to tell a word broken at a
    cell's edge from two words."""

    try:
        data = (files("spellchecker") / "resources" / "en.json.gz").read_bytes()
        return json.loads(gzip.decompress(data))
    except (OSError, ValueError, ModuleNotFoundError):
        # Here: its word list is large, and only this fallback needs it.
        from spellchecker import SpellChecker

        return dict(SpellChecker(language="en").word_frequency.dictionary)


BROKEN_NUMBER = re.compile(r"[\d/.:-]$")


class Joiner:
    """Joins a cell's lines. Knows the document's own words, which count as words besides English."""

    def __init__(self) -> None:
        self.own: set[str] = set()

    def learn(self, words: list[Word]) -> None:
        for word in words:
            key = word.text.strip(".,;:()[]'\"").lower()
            if key.isalpha():
                self.own.add(key)

    def known(self, word: str) -> bool:
        return word in self.own or _lexicon().get(word, 0) >= COMMON

    def join(self, lines: list[list[Word]], limit: float | None = None) -> str:
        text = ""
        previous: list[Word] | None = None
        for words in lines:
            piece = " ".join(w.text for w in words)
            if previous is None:
                text = piece
            else:
                text += self.glue(previous, words, limit) + piece
            previous = words
        return text

    def glue(self, above: list[Word], below: list[Word], limit: float | None = None) -> str:
        """What goes between two lines of a cell: nothing inside a word or number broken at the cell's
        edge (`limit`: where the cell's text can reach, when known) or after a line-end hyphen; else a
        space."""
        last, first = above[-1].text, below[0].text
        if last.endswith("-") and len(last) > 1 and first[:1].isalnum():
            return ""  # a range or a compound broken after its hyphen: "14:00-" + "15:30"
        room = None if limit is None else limit - above[-1].x1
        if room is not None and room > 0.7 * above[-1].size:
            return " "  # room for another letter on the line above: it was not broken at the edge
        if first[:1] in ",.;:!?)]}" or (last[-1:] in "([/" and last[:-1].isalpha()):
            return ""  # a line never starts with these, nor ends with these, unless a word was broken
        number = re.match(r"[\d/.:]+", first)
        if last[-1:].isdigit() and number:
            joined = last + number.group(0)
            whole = re.search(r"[\d/.:]+$", joined).group(0)
            return "" if _complete(whole) and not _complete(re.search(r"[\d/.:]+$", last).group(0)) else " "
        head = re.search(r"[A-Za-z]+$", last)
        tail = re.match(r"[a-z]+|[A-Z]{1,2}\b", first) if head is not None else None
        if head is None or tail is None or (tail.group(0).isupper() and not head.group(0)[-1].isupper()):
            return " "
        if len(head.group(0)) > 1 and head.group(0).isupper() and tail.group(0).islower():
            return " "  # "MHHS" + "assumption": no word is capitals, then small letters
        head_word, tail_word = _is_word(head.group(0)), _is_word(tail.group(0))
        if head_word and tail_word:
            return " "  # two words ("environment" + "refresh")
        if self.known((head.group(0) + tail.group(0)).lower()):
            return ""  # "Manageme" + "nt", "Programm" + "e" (the report's own word)
        # A word nobody knows ("onboardi" + "ng"): two pieces that are no words, the first to the edge.
        to_the_edge = room is not None and room <= 0.6 * above[-1].size
        # (a line below that is one word to the edge starts a broken word of its own)
        starts_another = (
            limit is not None and len(below) == 1 and limit - below[-1].x1 <= 0.6 * below[-1].size
        )
        return "" if to_the_edge and not starts_another and not head_word and not tail_word else " "


SHORT_WORDS = frozenset(
    [
        "a",
        "i",
        "am",
        "an",
        "as",
        "at",
        "be",
        "by",
        "do",
        "go",
        "he",
        "if",
        "in",
        "is",
        "it",
        "me",
        "my",
        "no",
        "of",
        "oh",
        "ok",
        "on",
        "or",
        "so",
        "to",
        "up",
        "us",
        "we",
    ]
)
COMMON = 100  # how often a word of the list is seen before it counts as one (the list holds oddities)


def _is_word(text: str) -> bool:
    key = text.lower()
    if len(key) <= 2:
        return key in SHORT_WORDS
    return _lexicon().get(key, 0) >= COMMON


COMPLETE = re.compile(r"\d{1,2}[/.]\d{1,2}[/.](\d{2}|\d{4})|\d{1,2}:\d{2}|\d{3,4}|\d{1,2}(st|nd|rd|th)?")


def _complete(token: str) -> bool:
    """A date, time or plain number read whole (so not the first piece of one broken over lines)."""
    return bool(COMPLETE.fullmatch(token))


# --- tables ---------------------------------------------------------------------------------------


@dataclass
class Column:
    start: float  # where the band starts (x)
    header: str


@dataclass
class Fragment:
    """The words of one line that fall in one column."""

    column: int
    words: list[Word]

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass
class TableLine:
    fragments: list[Fragment]
    page: int
    first_on_page: bool


@dataclass
class Table:
    kind: str
    columns: list[Column]
    left: float
    right: float
    key: int  # the ref column (a ref starts a row), else the first
    size: float  # the body text's size
    number: int
    lines: list[TableLine] = field(default_factory=list)
    edges: dict[int, list[Edge]] = field(default_factory=dict)  # each page's borders and shading edges
    header_keys: list[str] = field(default_factory=list)
    last_bottom: float | None = None  # the last line's bottom on this page (None: none yet on it)
    absorbed: int = 0  # lines above its header row's first line that belong to the header row

    def column_of(self, word: Word) -> int:
        index = 0
        for position, column in enumerate(self.columns):
            if word.x0 >= column.start - 1.5:
                index = position
        return index

    def fits(self, line: Line) -> bool:
        """A line of this table: within its sides, no word across a column's start."""
        if line.x0 < self.left - 4 or line.x1 > self.right + 8:
            return False
        starts = [c.start for c in self.columns[1:]]
        return not any(w.x0 < s - 1.5 and w.x1 > s + 2 for w in line.words for s in starts)

    def fragments(self, line: Line) -> list[Fragment]:
        by_column: dict[int, list[Word]] = {}
        for word in line.words:
            by_column.setdefault(self.column_of(word), []).append(word)
        return [Fragment(column, words) for column, words in sorted(by_column.items())]

    def on_page(self, number: int, page: Page) -> None:
        self.edges[number] = [e for e in page.across if e.high >= self.left - 2 and e.low <= self.right + 2]
        self.last_bottom = None


PARTIAL_REF = re.compile(r"[A-Z][A-Za-z]{1,9}\s?-?\s?(?:DEC)?\d{1,3}(?:\.\d{1,2})?-?")


def _starts_ref(text: str) -> bool:
    """A ref, or the first part of one wrapped in a narrow column ("TMAG01-")."""
    return _is_ref(text) or bool(PARTIAL_REF.fullmatch(text.strip()))


def _names_another_section(fragments: list[Fragment], table: Table) -> bool:

    if len(fragments) != 1 or fragments[0].column != 0:
        return False
    section = MAJOR_SECTIONS.get(fold(fragments[0].text))
    return section is not None and section != table.kind


def _is_ref(text: str) -> bool:

    text = text.strip()
    return bool(
        re.fullmatch(r"#?\d{1,3}\.?", text) or refs.parse_action_cell(text) or refs.parse_decision_cell(text)
    )


def _cells_of(words: list[Word], down: list[float]) -> list[list[Word]]:
    """Words (of one or more lines) grouped into cells: side by side with little space between them, and
    no border between them."""
    cells: list[list[Word]] = []
    right = -1e9
    for word in sorted(words, key=lambda w: w.x0):
        gap = max(5.0, 0.7 * word.size)
        crossing = any(right - 1 <= x <= word.x0 + 1 for x in down)
        if cells and word.x0 <= right + gap and not crossing:
            cells[-1].append(word)
            right = max(right, word.x1)
        else:
            cells.append([word])
            right = word.x1
    return cells


def _cell_text(words: list[Word], joiner: Joiner) -> str:
    return joiner.join([line.words for line in _lines(words)])


class _Reader:
    """Walks the pages' lines in order, turning them into blocks."""

    def __init__(self, body: float, text_bottom: float) -> None:
        self.body = body
        self.text_bottom = text_bottom
        self.blocks: list[Block] = []
        self.table_count = 0
        self.open: Table | None = None  # a table that reached the end of its page: it may go on
        self.joiner = Joiner()
        self.lines: Counter[int] = Counter()  # lines on each page
        self.pending_loose: list[Line] = []  # the page's lines passed over since the last table
        self.down: list[Edge] = []  # the page's vertical borders
        self.found: dict[int, list[str]] = {}  # the tables whose header is on each page

    def findings(self, pages: int, most: int = 6) -> str:
        parts = []
        for number in range(1, min(pages, most) + 1):
            tables = self.found.get(number)
            what = ", ".join(tables) if tables else "no table header"
            parts.append(f"page {number}: {self.lines[number]} lines, {what}")
        if pages > most:
            parts.append(f"{pages - most} more pages")
        return "; ".join(parts)

    def page(self, number: int, words: list[Word], page: Page) -> None:
        self.joiner.learn(words)
        lines = _lines(words)
        self.lines[number] += len(lines)
        self.down = page.down
        loose: list[Line] = []
        table = self.open
        if table is not None:
            table.on_page(number, page)
        index = 0
        while index < len(lines):
            self.pending_loose = loose
            header = self._header(lines, index, page)
            if header is not None:
                found, used = header
                if found.absorbed:
                    del loose[len(loose) - found.absorbed :]  # part of the header row after all
                if table is not None and _same_header(found, table) and table.last_bottom is None:
                    index += used  # the header row repeated on a new page: the same table
                    continue
                self._close(table)
                self._flush(loose)
                table = found
                self.table_count += 1
                table.number = self.table_count
                header = ", ".join(c.header for c in table.columns)
                self.found.setdefault(number, []).append(f"a table headed {header} ({table.kind})")
                table.on_page(number, page)
                table.last_bottom = lines[index + used - 1].bottom
                self.blocks.append(Block([c.header for c in table.columns], table=table.number))
                index += used
                continue
            line = lines[index]
            if table is not None and (self._continues(table, line) or self._resumes(table, lines, index)):
                first = table.last_bottom is None
                table.lines.append(TableLine(table.fragments(line), number, first))
                table.last_bottom = line.bottom
                index += 1
                continue
            if table is not None:
                self._close(table)
                table = None
            loose.append(line)
            index += 1
        self._flush(loose)
        self.open = table  # still open at the page's end: it may go on over the page break

    def finish(self) -> list[Block]:
        self._close(self.open)
        self.open = None
        return self.blocks

    # -- header rows
    def _header(self, lines: list[Line], index: int, page: Page) -> tuple[Table, int] | None:

        first = lines[index]
        if len(first.words) < 2 or first.size > 1.15 * self.body or len(_cells_of(first.words, [])) < 2:
            return None  # a header row's first line names two columns at least
        best: tuple[int, Table, int] | None = None
        for used in (1, 2, 3):
            if index + used > len(lines):
                break
            group = lines[index : index + used]
            if used > 1 and group[-1].top - group[-2].bottom > 0.5 * first.size:
                break
            words = [w for line in group for w in line.words]
            top, bottom = group[0].top, group[-1].bottom
            down = [e.at for e in page.down if e.low - 2 <= top and e.high + 2 >= bottom]
            cells = _cells_of(words, down)
            if len(cells) < 2:
                continue
            texts = [_cell_text(cell, self.joiner) for cell in cells]
            layout = classify_header(texts, None)
            if layout is None:
                continue
            recognised = len(layout.columns)
            if best is None or recognised > best[0]:
                best = (recognised, self._table(layout, cells, texts, page, top, bottom), used)
        if best is None:
            return None
        return self._boxed_header(lines, index, best[2], page, best[1]) or (best[1], best[2])

    def _boxed_header(
        self, lines: list[Line], index: int, used: int, page: Page, found: Table
    ) -> tuple[Table, int] | None:
        """A header row between two borders holds every word between them: a cell whose words are
        centred in the row (a browser's table) sits above or below the row's other words."""

        top, bottom = lines[index].top, lines[index + used - 1].bottom
        spans = [e for e in page.across if e.low <= found.columns[0].start + 4 <= e.high]
        above = [e.at for e in spans if top - 2 * found.size <= e.at <= top + 1]
        below = [e.at for e in spans if bottom - 1 <= e.at <= bottom + 2 * found.size]
        if not above or not below:
            return None
        low, high = max(above), min(below)
        inside = [i for i, line in enumerate(lines) if low < (line.top + line.bottom) / 2 < high]
        if (
            not inside
            or inside[0] < index - len(self.pending_loose)
            or inside == list(range(index, index + used))
        ):
            return None
        words = [w for i in inside for w in lines[i].words]
        down = [e.at for e in page.down if e.low - 2 <= low + 1 and e.high + 2 >= high - 1]
        cells = _cells_of(words, down)
        texts = [_cell_text(cell, self.joiner) for cell in cells]
        layout = classify_header(texts, None)
        if layout is None or len(layout.columns) < len(
            classify_header([c.header for c in found.columns], None).columns
        ):
            return None
        table = self._table(layout, cells, texts, page, low, high)
        table.absorbed = index - inside[0]  # lines already passed over, above the row's first line
        return table, inside[-1] + 1 - index

    def _table(
        self, layout, cells: list[list[Word]], texts: list[str], page: Page, top: float, bottom: float
    ) -> Table:
        columns = [Column(min(w.x0 for w in cell), text) for cell, text in zip(cells, texts, strict=True)]
        beside = [e.at for e in page.down if e.low - 2 <= top and e.high + 2 >= bottom]
        lefts = [x for x in beside if x < columns[0].start]
        left = max(lefts) if lefts else columns[0].start - 6
        last = max(w.x1 for w in cells[-1])
        rights = [x for x in beside if x > last]
        right = min(rights) if rights else page.width - 20
        for column in columns[1:]:
            # a border or shading edge just left of a header cell is where its band starts
            near = [x for x in beside if column.start - 14 <= x <= column.start]
            column.start = max(near) + 1 if near else column.start - 2
        key = layout.columns.get("ref", 0) if layout.kind in {"actions", "decisions"} else 0
        size = Counter(round(w.size, 1) for cell in cells for w in cell).most_common(1)[0][0]
        table = Table(layout.kind, columns, left, right, key, size, 0)
        table.header_keys = [_key(t) for t in texts]
        return table

    # -- table rows
    def _continues(self, table: Table, line: Line) -> bool:
        if line.size > 1.15 * max(table.size, self.body) or not table.fits(line):
            return False
        fragments = table.fragments(line)
        if _names_another_section(fragments, table):
            return False  # "Decisions", "Minutes" right under the table: the next part of the report
        if table.last_bottom is None:  # the first line on a new page
            return True
        gap = line.top - table.last_bottom
        if gap <= 1.0 * table.size:
            return True
        key = next((f for f in fragments if f.column == table.key), None)
        if table.kind in {"actions", "decisions"} and key is not None and _starts_ref(key.words[0].text):
            return gap <= 6 * table.size  # a row after some space: rows spaced apart
        if len(fragments) > 1 and gap <= 2.5 * table.size:
            return True  # a row of several cells, after the space a cell's paragraph leaves below it
        # rows set apart by borders: a border between, with the text just below it (not a paragraph set
        # off below the table's bottom border)
        edges = table.edges.get(table.lines[-1].page if table.lines else -1, [])
        return gap <= 3 * table.size and any(
            table.last_bottom <= e.at <= line.top and line.top - e.at <= 0.8 * table.size for e in edges
        )

    def _resumes(self, table: Table, lines: list[Line], index: int, most: int = 6) -> bool:
        """Whether the table goes on past a line set apart from it: a label row ("Actions from previous
        meeting(s)", wrapped word by word in a narrow column) after a cell's paragraph spacing, with a
        row starting with a ref within a few lines, each within the table's columns."""
        if table.kind not in {"actions", "decisions"} or table.last_bottom is None:
            return False
        bottom = table.last_bottom
        for line in lines[index : index + most]:
            fragments = table.fragments(line)
            if (
                line.size > 1.15 * max(table.size, self.body)
                or not table.fits(line)
                or _names_another_section(fragments, table)
                or line.top - bottom > 2.5 * table.size
            ):
                return False
            key = next((f for f in fragments if f.column == table.key), None)
            if key is not None and _starts_ref(key.words[0].text):
                return True
            bottom = line.bottom
        return False

    def _close(self, table: Table | None) -> None:
        if table is None:
            return
        if table.lines:
            for cells in _rows(table, self.joiner, self.text_bottom):
                if any(c.strip() for c in cells):
                    self.blocks.append(Block(cells, table=table.number))
            table.lines = []
        if self.open is table:
            self.open = None

    # -- lines outside tables
    def _flush(self, lines: list[Line]) -> None:
        if lines:
            self.blocks += _loose_blocks(lines, self.body, self.joiner, self.down)
            lines.clear()


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9#]+", " ", text.lower()).split())


def _same_header(found: Table, table: Table) -> bool:
    return found.kind == table.kind and found.header_keys == table.header_keys


def _rows(table: Table, joiner: Joiner, text_bottom: float = 1e9) -> list[list[str]]:
    """The table's lines into rows of cells. A row starts where the ref column starts a ref, where a
    border or shading edge crosses the ref column, or where no cell's text flows on from the line above;
    a row broken over a page goes on unless a ref starts one. A cell merged down over rows (bordered
    tables: no border across it) keeps the text that flows on from it."""
    key_column = table.columns[table.key]
    key_middle = key_column.start + 6
    keyed = table.kind in {"actions", "decisions"}
    starts = _ref_starts(table) if keyed else set()
    rows: list[dict[int, list[Fragment]]] = []
    latest: dict[int, tuple[Fragment, int, int]] = {}  # column -> (its latest fragment, row, page)
    previous_bottom = 0.0
    ruled_pages = _ruled_pages(table, key_middle)
    broken: list[tuple[int, int]] = []  # (row, column) of cells that may go on from the page before
    # On a page where borders cross the ref column, a row is the band between two of them, whatever
    # line its words are on (a browser centres a cell's words in its row).
    borders = {
        page: sorted({e.at for e in table.edges.get(page, []) if e.low - 1 <= key_middle <= e.high + 1})
        for page in ruled_pages
    }

    def band_of(fragment: Fragment, page: int) -> tuple[int, int]:
        return page, bisect_left(borders[page], (fragment.top + fragment.bottom) / 2)

    ref_bands = {
        band_of(f, line.page)
        for line in table.lines
        if line.page in ruled_pages
        for f in line.fragments
        if f.column == table.key and id(f) in starts
    }
    first_bands: dict[int, tuple[int, int]] = {}
    for line in table.lines:
        if line.page in ruled_pages:
            for f in line.fragments:
                first_bands[line.page] = min(
                    first_bands.get(line.page, band_of(f, line.page)), band_of(f, line.page)
                )
    first_page = table.lines[0].page if table.lines else 0
    # the pages whose last row was broken by the page's end (it reaches where the pages' text ends): on
    # the next, a row goes on unless a ref starts one; else the row before ended on its page
    last_bottom: dict[int, float] = {}
    for line in table.lines:
        last_bottom[line.page] = max(f.bottom for f in line.fragments)
    broke = {page + 1 for page, bottom in last_bottom.items() if bottom >= text_bottom - 2.5 * table.size}
    running: dict[int, set[int]] = {}  # the columns whose text ran to the end of each page
    for line in table.lines:
        for f in line.fragments:
            if f.bottom >= last_bottom[line.page] - 0.5 * table.size:
                running.setdefault(line.page + 1, set()).add(f.column)
    band_rows: dict[tuple[int, int], int] = {}
    for line in table.lines:
        fragments = line.fragments
        edges = table.edges.get(line.page, [])
        ruled = line.page in ruled_pages
        if ruled:
            for fragment in fragments:
                band = band_of(fragment, line.page)
                if band not in band_rows:
                    page_goes_on = (
                        rows
                        and keyed
                        and line.page in broke
                        and fragment.column in running.get(line.page, set())
                        and band == first_bands.get(line.page)
                        and band not in ref_bands
                    )
                    if not page_goes_on:
                        rows.append({})
                        if band == first_bands.get(line.page) and line.page != first_page:
                            broken.extend(
                                (len(rows) - 1, c)
                                for c, (_, row, _) in latest.items()
                                if c != table.key and row == len(rows) - 2
                            )
                    band_rows[band] = len(rows) - 1
                target = band_rows[band]
                above = latest.get(fragment.column)
                if (
                    fragment.column != table.key
                    and above is not None
                    and above[2] == line.page
                    and above[1] < target
                    and fragment.top - above[0].bottom <= 0.6 * fragment.words[0].size
                    and not _border_in_column(edges, fragment, above[0])
                ):
                    target = above[1]  # a cell merged down: no border across it
                rows[target].setdefault(fragment.column, []).append(fragment)
                latest[fragment.column] = (fragment, target, line.page)
            previous_bottom = max(f.bottom for f in fragments)
            continue
        top = min(f.top for f in fragments)
        key = next((f for f in fragments if f.column == table.key), None)
        starts_ref = key is not None and id(key) in starts
        flows = {
            f.column
            for f in fragments
            if f.column in latest
            and latest[f.column][2] == line.page
            and f.top - latest[f.column][0].bottom <= 0.6 * f.words[0].size
        }
        if not rows:
            new_row = True
        elif line.first_on_page:
            new_row = (starts_ref if keyed else key is not None) or line.page not in broke
        else:
            border = any(
                e.low - 1 <= key_middle <= e.high + 1 and previous_bottom - 1 <= e.at <= top + 1
                for e in edges
            )
            new_row = starts_ref or border or not flows
        if new_row:
            rows.append({})
        row_index = len(rows) - 1
        if new_row and line.first_on_page:
            broken += [
                (row_index, f.column)
                for f in fragments
                if f.column != table.key and latest.get(f.column, (None, -1, 0))[1] == row_index - 1
            ]
        for fragment in fragments:
            target = row_index
            if (
                fragment.column != table.key
                and fragment.column in flows
                and latest[fragment.column][1] < row_index
                and (
                    not _border_in_column(edges, fragment, latest[fragment.column][0])
                    if ruled
                    else _unfinished_label(rows[latest[fragment.column][1]], fragment)
                )
            ):
                target = latest[fragment.column][1]  # a cell merged down: no border across it
            rows[target].setdefault(fragment.column, []).append(fragment)
            latest[fragment.column] = (fragment, target, line.page)
        previous_bottom = max(f.bottom for f in fragments)
    width = len(table.columns)
    # where each column's text reaches: its longest line (a word broken at the edge reaches it too)
    reach = [
        max((f.words[-1].x1 for line in table.lines for f in line.fragments if f.column == i), default=None)
        for i in range(width)
    ]
    cells = [[joiner.join([f.words for f in row.get(i, [])], reach[i]) for i in range(width)] for row in rows]
    # A cell merged down over a page break goes on at the top of the next page, under the repeated
    # header, with nothing drawn to show it: its two parts are one when they read as a cell found
    # elsewhere in the column ("DIP Onboarding / DCC PKI" + "Certificates").
    for row, column in broken:
        joined = f"{cells[row - 1][column]} {cells[row][column]}"
        if any(joined.lower() == other[column].lower() for other in cells):
            cells[row - 1][column], cells[row][column] = joined, ""
    return cells


def _unfinished_label(row: dict[int, list[Fragment]], below: Fragment) -> bool:
    """A row holding only a label in one column whose words read on ("Actions from" + "previous
    meeting(s)"): a cell merged down over the rows below, in a table with no borders to show it."""

    if set(row) != {below.column}:
        return False
    text = " ".join(f.text for f in row[below.column])
    return _continues_phrase(text, below.text) or bool(re.search(r"\b(from|on|in|with|by)$", text))


def _ruled_pages(table: Table, key_middle: float) -> set[int]:
    """The pages on which the table has borders or shading edges across its ref column, between its
    lines."""
    spans: dict[int, tuple[float, float]] = {}
    for line in table.lines:
        top, bottom = min(f.top for f in line.fragments), max(f.bottom for f in line.fragments)
        low, high = spans.get(line.page, (top, bottom))
        spans[line.page] = (min(low, top), max(high, bottom))
    return {
        page
        for page, (top, bottom) in spans.items()
        if any(e.low <= key_middle <= e.high and top < e.at < bottom for e in table.edges.get(page, []))
    }


def _ref_starts(table: Table) -> set[int]:
    """The ref column's fragments that start a ref: a ref on its own, or the start of one wrapped over
    lines ("TMAG33-" + "01", on the next line or at the top of the next page), not its end."""
    column = [
        (f, line.page, line.first_on_page)
        for line in table.lines
        for f in line.fragments
        if f.column == table.key
    ]
    starts: set[int] = set()
    skip = False
    for index, (fragment, page, _) in enumerate(column):
        if skip:
            skip = False
            continue
        following = column[index + 1] if index + 1 < len(column) else None
        wrapped = following is not None and (
            (following[1] == page and following[0].top - fragment.bottom <= 0.6 * fragment.words[0].size)
            or (following[1] == page + 1 and following[2])
        )
        if wrapped and not _is_ref(fragment.text) and _is_ref(fragment.text + following[0].text):
            starts.add(id(fragment))
            skip = True
        elif _is_ref(fragment.words[0].text) or _is_ref(fragment.text):
            starts.add(id(fragment))
    return starts


def _border_in_column(edges: list[Edge], fragment: Fragment, above: Fragment) -> bool:
    left = min(w.x0 for w in fragment.words)
    return any(
        e.low - 1 <= left + 2 <= e.high + 1 and above.bottom - 1 <= e.at <= fragment.top + 1 for e in edges
    )


# --- lines outside tables ------------------------------------------------------------------------


def _gaps(line: Line) -> list[int]:
    """Where a line's words are far apart: the cells of a table drawn without rules."""
    gap = max(6.0, 0.9 * line.size)
    return [i for i in range(1, len(line.words)) if line.words[i].x0 - line.words[i - 1].x1 > gap]


def _split(line: Line, down: list[Edge] = ()) -> list[list[Word]]:
    """A line's words in cells: apart where they stand far apart, or with a border between them."""
    middle = (line.top + line.bottom) / 2
    borders = [e.at for e in down if e.low <= middle <= e.high]
    splits = set(_gaps(line))
    for i in range(1, len(line.words)):
        if any(line.words[i - 1].x1 - 1 <= x <= line.words[i].x0 + 1 for x in borders):
            splits.add(i)
    cells, start = [], 0
    for split in [*sorted(splits), len(line.words)]:
        cells.append(line.words[start:split])
        start = split
    return cells


def _loose_blocks(lines: list[Line], body: float, joiner: Joiner, down: list[Edge] = ()) -> list[Block]:
    """Lines outside the tables found by their headers: rows of cells set apart (a header block laid
    out as a table, ruled or not), each cell's wrapped lines kept in it, and paragraphs."""
    right = max(line.x1 for line in lines)
    blocks: list[Block] = []
    row: list[list[list[Word]]] | None = None  # the current row's cells, each a list of lines
    starts: list[float] = []  # where the current row's cells start
    row_bottom = 0.0
    paragraph: list[Line] = []

    def close_paragraph() -> None:
        if paragraph:
            text = joiner.join([line.words for line in paragraph])
            heading = paragraph[0].size >= 1.2 * body and len(text) < 200
            blocks.append(Block([text], heading=heading))
            paragraph.clear()

    def close_row() -> None:
        nonlocal row
        if row is not None:
            blocks.append(Block([joiner.join(cell) for cell in row]))
            row = None

    for line in lines:
        cells = _split(line, down)
        if row is not None and line.top - row_bottom <= 0.8 * line.size:
            # a cell of the row above wrapped: its words start where one of its cells (not the first)
            # starts
            places = [_place(cell, starts) for cell in cells]
            # (the first cell goes on too when its words read on: "Meeting Date" + "and Time")
            if all(
                p is not None and (p > 0 or cell[0].text[:1].islower())
                for p, cell in zip(places, cells, strict=True)
            ):
                for place, cell in zip(places, cells, strict=True):
                    row[place].append(cell)
                row_bottom = line.bottom
                continue
        if len(cells) > 1:
            close_paragraph()
            close_row()
            row = [[cell] for cell in cells]
            starts = [cell[0].x0 for cell in cells]
            row_bottom = line.bottom
            continue
        close_row()
        last = paragraph[-1] if paragraph else None
        if (
            last is not None
            and abs(line.x0 - last.x0) <= 2
            and abs(line.size - last.size) < 0.5
            and line.top - last.bottom <= 0.6 * line.size
            and last.x1 >= right - 4 * line.size  # the line above ran to the margin: it wrapped
        ):
            paragraph.append(line)
            continue
        close_paragraph()
        paragraph.append(line)
    close_paragraph()
    close_row()
    return blocks


def _place(cell: list[Word], starts: list[float]) -> int | None:
    x = cell[0].x0
    for index, start in enumerate(starts):
        if abs(x - start) <= 3:
            return index
    return None
