"""Read a report's blocks into its meeting, actions, decisions, attendees, agenda and discussion.

Reports are written by hand and exported from Word, so nothing is taken for granted: tables are
found by their header row, an Area cell left blank repeats the one above, a row broken over lines
or pages is joined again, page footers inside a table are skipped, and refs are read however they
are spelled. The group comes from the report itself (its title, meeting number and refs).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from bot.people.vocab import constituency_key, organisation_key, organisation_name
from bot.record import refs as refmod
from bot.record.dates import find_dates, parse_date, parse_time_range
from bot.record.reports.blocks import MAX_CELL_CHARS, Block, ReportError, SourceFile
from bot.record.text import clean_cell, clean_paragraphs, fold, plain_dashes


@dataclass
class ParsedAction:
    ref: str
    group: str
    area: str | None
    text: str
    owner: str | None
    due: date | None
    due_text: str | None
    update: str | None
    status: str | None = None  # from a Status column, when the table has one
    area_carried: bool = False


@dataclass
class ParsedDecision:
    ref: str
    group: str
    area: str | None
    text: str


@dataclass
class ParsedMeeting:
    group: str
    number: str | None
    date: date
    start: str | None
    end: str | None
    extraordinary: bool
    title: str | None = None
    venue: str | None = None


@dataclass
class NextMeeting:
    group: str
    date: date
    start: str | None
    end: str | None
    extraordinary: bool


@dataclass
class ParsedAttendee:
    name: str
    initials: str | None
    role: str | None
    organisation: str | None
    constituency: str | None
    section: str | None
    on_behalf_of: str | None = None
    status: str = "attended"  # attended | apologies


@dataclass
class ParsedAgendaItem:
    position: int
    item: str | None
    title: str
    objective: str | None
    kind: str | None
    lead: str | None
    start: str | None
    end: str | None


@dataclass
class ParsedMention:
    ref: str
    kind: str
    group: str
    area: str | None
    text: str


@dataclass
class ParsedReport:
    source: SourceFile
    group: str
    group_name: str | None
    meeting: ParsedMeeting
    next_meetings: list[NextMeeting] = field(default_factory=list)
    actions: list[ParsedAction] = field(default_factory=list)
    decisions: list[ParsedDecision] = field(default_factory=list)
    attendees: list[ParsedAttendee] = field(default_factory=list)
    agenda: list[ParsedAgendaItem] = field(default_factory=list)
    mentions: list[ParsedMention] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --- vocabulary of headers and sections ---------------------------------------------------------

REF_HEADERS = {
    "action ref",
    "action reference",
    "action no",
    "action number",
    "action id",
    "action ref no",
    "ref",
    "ref no",
    "reference",
    "id",
    "no",
    "number",
    "#",
    "action #",
}
DECISION_REF_HEADERS = {
    "decision ref",
    "dec ref",
    "decision reference",
    "decision no",
    "decision number",
    "decision id",
    "dec no",
    "dec id",
    "decision #",
}
AREA_HEADERS = {
    "area",
    "topic",
    "workstream",
    "category",
    "theme",
    "section",
    "agenda item",
    "item",
    "subject",
    "meeting item",
    "agenda area",
}
ACTION_TEXT_HEADERS = {
    "action",
    "actions",
    "description",
    "action description",
    "detail",
    "details",
    "action detail",
    "task",
    "action details",
}
DECISION_TEXT_HEADERS = {
    "decision",
    "decisions",
    "description",
    "decision description",
    "detail",
    "details",
    "outcome",
    "decision made",
    "decision details",
}
OWNER_HEADERS = {
    "owner",
    "owners",
    "owner s",
    "action owner",
    "action owners",
    "action owner s",
    "responsible",
    "assigned to",
    "actionee",
    "actionees",
    "who",
    "by whom",
    "responsibility",
    "lead",
}
DUE_HEADERS = {
    "due date",
    "due",
    "target date",
    "deadline",
    "date due",
    "due by",
    "by when",
    "target",
    "completion date",
    "due date dd mm yy",
    "date",
}
UPDATE_HEADERS = {
    "update",
    "updates",
    "status update",
    "comments",
    "comment",
    "progress",
    "notes",
    "latest update",
    "commentary",
    "update comments",
    "progress update",
    "update notes",
}
STATUS_HEADERS = {"status", "rag", "rag status", "open closed", "state", "action status"}
DISCUSSION_HEADERS = {
    "discussion",
    "summary",
    "discussion summary",
    "key discussion",
    "minutes",
    "discussion points",
    "key points",
}
AGENDA_NUMBER_HEADERS = {"#", "no", "item no", "number", "item number", "ref"}
AGENDA_TITLE_HEADERS = {"item", "title", "agenda item", "topic", "subject", "item title"}
AGENDA_OBJECTIVE_HEADERS = {"objective", "objectives", "description", "purpose", "outcome"}
AGENDA_KIND_HEADERS = {"type", "item type", "decision information", "for", "category"}
AGENDA_LEAD_HEADERS = {"lead", "presenter", "owner", "speaker", "led by", "presented by"}
TIME_HEADERS = {"time", "timing", "timings", "duration", "slot", "time slot"}
NAME_HEADERS = {"name", "attendee", "attendees", "member", "members", "full name"}
ROLE_HEADERS = {"role", "constituency", "representing", "position", "job title", "capacity"}
ORG_HEADERS = {"organisation", "organization", "company", "org", "organisation role"}
INITIALS_HEADERS = {"initials", "initial"}

ALL_HEADERS = (
    REF_HEADERS
    | DECISION_REF_HEADERS
    | AREA_HEADERS
    | ACTION_TEXT_HEADERS
    | DECISION_TEXT_HEADERS
    | OWNER_HEADERS
    | DUE_HEADERS
    | UPDATE_HEADERS
    | STATUS_HEADERS
    | DISCUSSION_HEADERS
    | AGENDA_TITLE_HEADERS
    | AGENDA_OBJECTIVE_HEADERS
    | AGENDA_KIND_HEADERS
    | AGENDA_LEAD_HEADERS
    | TIME_HEADERS
    | NAME_HEADERS
    | ROLE_HEADERS
    | ORG_HEADERS
    | INITIALS_HEADERS
    | {"page", "raid area", "description", "mins", "duration"}
)

MAJOR_SECTIONS = {
    "actions": "actions",
    "action log": "actions",
    "new actions": "actions",
    "action": "actions",
    "actions from previous meeting s": "actions",
    "previous actions": "actions",
    "outstanding actions": "actions",
    "actions and decisions": "actions",
    "action summary": "actions",
    "summary of actions": "actions",
    "decisions": "decisions",
    "decision log": "decisions",
    "decision": "decisions",
    "summary of decisions": "decisions",
    "key discussion items": "discussion",
    "discussion": "discussion",
    "discussion items": "discussion",
    "key discussion points": "discussion",
    "minutes": "minutes",
    "meeting minutes": "minutes",
    "raid items": "raid",
    "raid": "raid",
    "risks and issues": "raid",
    "agenda": "agenda",
    "attendees": "attendees",
    "attendance": "attendees",
    "present": "attendees",
    "members present": "attendees",
    "participants": "attendees",
    "attendees and apologies": "attendees",
    "summary and next steps": "minutes",
    "next steps": "minutes",
    "aob": "minutes",
    "any other business": "minutes",
}
ATTENDEE_SUBSECTIONS = {
    "chair",
    "chairs",
    "chairperson",
    "industry participants",
    "industry members",
    "participants",
    "members",
    "mhhs im members",
    "mhhs programme",
    "programme",
    "programme attendees",
    "other attendees",
    "observers",
    "in attendance",
    "secretariat",
    "code bodies",
    "representatives",
    "industry representatives",
    "attendees",
    "apologies",
    "programme team",
    "mhhsp",
    "mhhs im",
    "guests",
    "presenters",
    "ofgem",
    "elexon",
    "also in attendance",
    "invited",
    "speakers",
}
SUBSECTION_WORDS = {
    "members",
    "participants",
    "attendees",
    "apologies",
    "observers",
    "representatives",
    "attendance",
    "presenters",
    "guests",
    "secretariat",
    "invited",
    "industry",
}
PROGRAMME_SECTIONS = {
    "mhhs im members",
    "mhhs programme",
    "programme",
    "programme attendees",
    "programme team",
    "mhhsp",
    "mhhs im",
    "secretariat",
    "chair",
    "chairs",
    "chairperson",
}

FOOTER = re.compile(
    r"^(?:page\s*\d+(?:\s*(?:of|/)\s*\d+)?|\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?|"
    r".*(?:©|\(c\)\s*\d{4}|copyright|all rights reserved|uncontrolled (?:when|if) printed).*|"
    r"classification\s*:?\s*(?:public|internal|confidential|restricted).{0,40}|"
    r"mhhs[-_ ]?(?:del|doc|prog|tmp)\w*.{0,80}|version\s*\d+(?:\.\d+)*|v\d+(?:\.\d+)+|"
    r"(?:headline report|minutes)\s*(?:v(?:ersion)?\s*\d+(?:\.\d+)*)?\s*(?:page\s*\d+.*)?)$",
    re.IGNORECASE,
)
SEPARATOR_ROW = re.compile(r"^[\s\-=_:|+]*$")
NEXT_WORD = re.compile(r"\bnext\b", re.IGNORECASE)
STANDALONE_MENTION = re.compile(r"^\s*(?:ACTION|DECISION)\b", re.IGNORECASE)
NAME_WITH_INITIALS = re.compile(r"^(?P<name>[^()]+?)\s*\((?P<initials>[A-Za-z]{1,6})\)\s*(?P<rest>.*)$")
NAME_SEPARATOR = re.compile(r"\s+-\s+|\s*[,:;|]\s*")
ON_BEHALF_OF = re.compile(r"\bon\s+behalf\s+of\s+(?P<obo>[A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*){0,3})")
BRACKETED = re.compile(r"\(.*?\)")
REPRESENTS = re.compile(r"\b(rep|representative|constituency)\b", re.IGNORECASE)
MAX_TITLE = 400  # characters; a longer line at the top of a report is prose

TITLE_GROUP = re.compile(r"\(([A-Z][A-Za-z&]{1,9})\)")
GROUP_NAME = re.compile(
    r"((?:[A-Z][\w&-]*\s+(?:(?:and|of|&|the|for)\s+)?){1,7}?(?:Advisory\s+)?(?:Group|Board|Forum|Committee|Panel))\b"
)
NAME_LIKE = re.compile(
    r"^[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|der|le|la|da|di|o'))*\s+[A-Z][\w'’.-]+$"
)


def header_key(cell: str) -> str:
    return "#" if cell.strip() == "#" else fold(cell)


def _is_footer(text: str) -> bool:
    return bool(FOOTER.match(text.strip())) or bool(SEPARATOR_ROW.match(text))


# --- tables ---------------------------------------------------------------------------------------


@dataclass
class TableLayout:
    kind: str  # actions | decisions | agenda | attendees | discussion | other
    columns: dict[str, int]
    header: list[str]
    width: int


def classify_header(cells: list[str], section: str | None) -> TableLayout | None:
    keys = [header_key(c) for c in cells]
    known = [k for k in keys if k]
    if len(known) < 2 or any(len(c) > 45 for c in cells):
        return None
    recognised = sum(1 for k in known if k in ALL_HEADERS or k.startswith("raid"))
    if recognised < max(2, (len(known) * 2 + 2) // 3):
        return None

    def first(options: set[str], *, exclude: set[int] = frozenset()) -> int | None:
        return next((i for i, k in enumerate(keys) if k in options and i not in exclude), None)

    width = len(cells)
    has_action_ref = any(k in REF_HEADERS and k.startswith("action") for k in keys)
    has_decision_ref = any(k in DECISION_REF_HEADERS for k in keys)
    generic_ref = first(REF_HEADERS - {"#"})
    owner, due = first(OWNER_HEADERS), first(DUE_HEADERS)
    decision_text = first(
        {"decision", "decisions", "decision description", "decision made", "decision details"}
    )

    if (
        has_decision_ref
        or (generic_ref is not None and decision_text is not None and owner is None)
        or (generic_ref is not None and section == "decisions" and owner is None and due is None)
    ):
        ref = first(DECISION_REF_HEADERS) if has_decision_ref else generic_ref
        text = first(DECISION_TEXT_HEADERS, exclude={ref})
        if text is None:
            return None
        columns = {"ref": ref, "text": text}
        area = first(AREA_HEADERS, exclude={ref, text})
        if area is not None:
            columns["area"] = area
        return TableLayout("decisions", columns, cells, width)

    ref = first(REF_HEADERS) if has_action_ref or generic_ref is not None else None
    if ref is not None and (has_action_ref or owner is not None or due is not None):
        taken = {ref}
        columns = {"ref": ref}
        text = first(ACTION_TEXT_HEADERS, exclude=taken)
        if text is None:
            return None
        columns["text"] = text
        taken.add(text)
        for name, options in (
            ("owner", OWNER_HEADERS),
            ("due", DUE_HEADERS),
            ("update", UPDATE_HEADERS),
            ("status", STATUS_HEADERS),
            ("area", AREA_HEADERS),
        ):
            index = first(options, exclude=taken)
            if index is not None:
                columns[name] = index
                taken.add(index)
        return TableLayout("actions", columns, cells, width)

    time, lead = first(TIME_HEADERS), first(AGENDA_LEAD_HEADERS)
    title = first(AGENDA_TITLE_HEADERS)
    if title is not None and (time is not None or lead is not None):
        taken = {title}
        columns = {"title": title}
        for name, options in (
            ("number", AGENDA_NUMBER_HEADERS),
            ("objective", AGENDA_OBJECTIVE_HEADERS),
            ("kind", AGENDA_KIND_HEADERS),
            ("lead", AGENDA_LEAD_HEADERS),
            ("time", TIME_HEADERS),
        ):
            index = first(options, exclude=taken)
            if index is not None:
                columns[name] = index
                taken.add(index)
        if "number" not in columns and title > 0 and not keys[0]:
            columns["number"] = 0  # an unlabelled first column of item numbers
        return TableLayout("agenda", columns, cells, width)

    name = first(NAME_HEADERS)
    if name is not None and (first(ROLE_HEADERS) is not None or first(ORG_HEADERS) is not None):
        columns = {"name": name}
        for key, options in (
            ("role", ROLE_HEADERS),
            ("organisation", ORG_HEADERS),
            ("initials", INITIALS_HEADERS),
        ):
            index = first(options, exclude={name})
            if index is not None:
                columns[key] = index
        return TableLayout("attendees", columns, cells, width)

    discussion = first(DISCUSSION_HEADERS)
    if discussion is not None:
        columns = {"text": discussion}
        area = first(AREA_HEADERS, exclude={discussion})
        if area is not None:
            columns["area"] = area
        return TableLayout("discussion", columns, cells, width)
    if keys and (keys[0].startswith("raid") or first({"description"}) is not None):
        columns = {"text": first({"description"}) or len(cells) - 1, "area": 0}
        return TableLayout("other", columns, cells, width)
    return None


# --- the parser ---------------------------------------------------------------------------------


class ReportParser:
    def __init__(self, source: SourceFile, known_groups: set[str] | None = None) -> None:
        self.source = source
        self.known_groups = {g.upper() for g in known_groups or set()}
        self.warnings: list[str] = []
        self.mention_keys: set[tuple] = set()  # mentions already kept
        # Blocks read as rows of an action or decision table: what they say of a "next" meeting is an
        # action's wording or its due date, never an announcement.
        self.record_blocks: set[int] = set()
        self.rows: list[tuple[Block, list[str]]] = []
        for block in source.blocks:
            self.rows.append((block, [clean_cell(c) for c in block.cells]))

    # -- helpers
    def _findings(self) -> str:
        """For a PDF, what its pages showed: where the tables were looked for, and what was there."""
        return f" ({self.source.findings})" if self.source.findings else ""

    def _where(self, block: Block) -> str:
        return f"line {block.line}" if block.line else "a table row"

    # -- top of the document
    def _header_region(self) -> list[tuple[Block, list[str]]]:
        """The lines before the first section or table: title, number, date, venue."""
        region = []
        for block, cells in self.rows:
            text = " ".join(c for c in cells if c)
            if not text:
                continue
            if len(cells) == 1 and fold(text) in MAJOR_SECTIONS and fold(text) not in {"agenda"}:
                break
            if block.is_row and classify_header(cells, None) is not None:
                break
            region.append((block, cells))
            if len(region) >= 25:
                break
        return region

    def _labels(self, region: list[tuple[Block, list[str]]]) -> dict[str, str]:
        """Label -> value from "Label<tab>Value" pairs, "Label: value" and "Label **value**" lines."""
        labels: dict[str, str] = {}
        patterns = {
            "number": r"meeting\s+(?:number|no\.?|ref(?:erence)?|#)|number|meeting",
            "datetime": r"(?:meeting\s+)?date\s*(?:and|&)\s*time|(?:meeting\s+)?date|when",
            "time": r"(?:meeting\s+)?time",
            "venue": r"venue|location",
            "type": r"meeting\s+type|type",
            "title": r"meeting\s+title|title",
        }
        for block, cells in region:
            filled = sum(1 for c in cells if c.strip())
            line: str | None = None  # the block read as one labelled line, when it is one
            if not block.is_row or filled == 1:
                line = plain_dashes(clean_cell(next((c for c in block.cells if c.strip()), "")))
            for i, cell in enumerate(cells):
                key = fold(cell)
                if not key:
                    continue
                for name, pattern in patterns.items():
                    if name in labels:
                        continue
                    if (
                        block.is_row
                        and re.fullmatch(pattern, key)
                        and i + 1 < len(cells)
                        and cells[i + 1].strip()
                    ):
                        labels[name] = cells[i + 1]
                        break
                    if line is not None:
                        found = re.match(
                            rf"^\s*(?:{pattern})\s*(?::|-|\*\*|<b>|\s)\s*(?P<value>.+)$", line, re.IGNORECASE
                        )
                        if found and not re.match(r"^(?:of\s+next|issue)", found["value"], re.IGNORECASE):
                            if re.match(r"^\s*(?:issue|date\s+of\s+next|next)", cell, re.IGNORECASE):
                                continue
                            labels[name] = found["value"]
                            break
        return labels

    def _title(self, region: list[tuple[Block, list[str]]]) -> str | None:
        for block, cells in region:
            text = " ".join(c for c in cells if c)
            if len(text) > MAX_TITLE:
                continue  # prose, not a title
            if re.search(
                r"(group|board|forum|committee|panel|tmag|meeting|minutes|report)", text, re.I
            ) and not (block.is_row and len([c for c in cells if c]) > 2):
                return text
        return None

    def _group(self, title: str | None, labels: dict[str, str]) -> tuple[str, str | None]:
        name = None
        if title:
            found = GROUP_NAME.search(title)
            if found:
                name = " ".join(found.group(1).split())
                name = re.sub(r"^(?:MHHS|The)\s+", "", name)
        candidates: list[str] = []
        if title:
            candidates += [m.group(1).upper() for m in TITLE_GROUP.finditer(title)]
        number_label = labels.get("number", "")
        found = re.match(r"\s*([A-Za-z]{2,10})\s*-?\s*#?\s*\d", plain_dashes(number_label))
        if found:
            candidates.append(found.group(1).upper())
        prefixes = Counter()
        for _block, cells in self.rows:
            for cell in cells[:3]:
                ref = refmod.parse_action_cell(cell) or refmod.parse_decision_cell(cell)
                if ref:
                    prefixes[ref.group] += 1
        candidates += [p for p, _ in prefixes.most_common()]
        if title and not candidates:
            for known in sorted(self.known_groups, key=len, reverse=True):
                if re.search(rf"\b{re.escape(known)}\b", title, re.IGNORECASE):
                    candidates.append(known)
        if name and not candidates:
            initials = "".join(
                w[0] for w in name.split() if w[0].isupper() and w.lower() not in {"and", "of", "the"}
            )
            candidates.append(initials.upper())
        if not candidates:
            raise ReportError(
                f"{self.source.name}: no meeting found (the report names no group, meeting or refs)"
                + self._findings()
            )
        return candidates[0], name

    def _meeting(self, group: str, title: str | None, labels: dict[str, str], region) -> ParsedMeeting:
        number = None
        for text in (labels.get("number"), title):
            if not text:
                continue
            text = plain_dashes(text)
            found = re.search(
                rf"(?:\b{re.escape(group)}\s*-?\s*|#\s*|\bno\.?\s*|\bmeeting\s+)(\d{{1,3}}(?:\.\d{{1,2}})?)\b",
                text,
                re.IGNORECASE,
            )
            if not found and text is labels.get("number"):
                found = re.search(r"\b(\d{1,3}(?:\.\d{1,2})?)\b", text)
            if found:
                number = refmod.meeting_number(found.group(1))
                break
        when_text = labels.get("datetime") or ""
        day = parse_date(when_text)
        start, end = parse_time_range(when_text)
        if day is None and title:
            day = parse_date(title)
            if start is None:
                years = [found.end() for found in re.finditer(r"\d{4}", title)]
                start, end = parse_time_range(title[years[-1] :] if years else title)
        if day is None:
            for _block, cells in region:
                text = " ".join(c for c in cells if c)
                if re.search(r"\b(issue|issued|published|version|date of next|next)\b", text, re.IGNORECASE):
                    continue
                day = parse_date(text)
                if day:
                    break
        if start is None and labels.get("time"):
            start, end = parse_time_range(labels["time"])
        if day is None:
            raise ReportError(
                f"{self.source.name}: no meeting found (no meeting date in the report's heading)"
                + self._findings()
            )
        extraordinary = False
        for _block, cells in region:
            text = " ".join(c for c in cells if c)
            if re.search(r"\bextra[- ]?ordinary\b", text, re.IGNORECASE) and not re.search(
                r"\bnext\b", text, re.I
            ):
                extraordinary = True
        venue = labels.get("venue")
        return ParsedMeeting(group, number, day, start, end, extraordinary, title, venue)

    # -- next meetings
    def _next_meetings(self, group: str, held: date) -> list[NextMeeting]:
        """ "Date of next TMAG: 20 September 2023", "Date of next Extraordinary TMAG: 30 August 2023".

        Only what announces a meeting counts: the lines of the report and its header, agenda and
        discussion, never an action or decision (a row of their tables, or an "ACTION ..." line), whose
        due date is no meeting whatever the action says ("... ahead of the next CCAG", due 21/05/24)."""
        found: dict[tuple[str, date], NextMeeting] = {}
        groups = self.known_groups | {group}
        for block, cells in self.rows:
            if id(block) in self.record_blocks:
                continue
            line = " ".join(c for c in cells if c)
            if STANDALONE_MENTION.match(line):
                continue
            if not NEXT_WORD.search(line):  # a dash is a word boundary before and after plain_dashes
                continue
            line = plain_dashes(line)
            dates = find_dates(line)  # once per line: a line may say "next" many times
            starts = [start for _, start, _ in dates]
            for match in NEXT_WORD.finditer(line):
                at = bisect_left(starts, match.end())
                if at == len(dates):
                    break
                day, date_start, date_end = dates[at]
                what = line[match.end() : date_start]
                if len(what) > 120 or len(what.split()) > 7 or day <= held:
                    continue
                named = [g for g in groups if re.search(rf"\b{re.escape(g)}\b", what, re.IGNORECASE)]
                if not named and not re.search(r"\bmeeting\b", what, re.IGNORECASE):
                    continue
                start, end = parse_time_range(line[date_end : date_end + 40])
                target = named[0].upper() if named else group
                extraordinary = bool(re.search(r"\bextra[- ]?ordinary\b", what, re.IGNORECASE))
                found[(target, day)] = NextMeeting(target, day, start, end, extraordinary)
        return list(found.values())

    # -- body
    def parse(self) -> ParsedReport:
        region = self._header_region()
        labels = self._labels(region)
        title = self._title(region)
        group, group_name = self._group(title, labels)
        meeting = self._meeting(group, title, labels, region)
        self.known_groups.add(group)
        report = ParsedReport(self.source, group, group_name, meeting)
        self._body(report)
        report.next_meetings = self._next_meetings(group, meeting.date)
        if meeting.start is None and report.agenda:
            starts = [a.start for a in report.agenda if a.start]
            ends = [a.end for a in report.agenda if a.end]
            meeting.start = min(starts) if starts else None
            meeting.end = max(ends) if ends else None
        if not (report.actions or report.decisions or report.agenda or report.attendees or report.mentions):
            raise ReportError(
                f"{self.source.name}: no actions, decisions, agenda or attendees found in the report"
                + self._findings()
            )
        report.warnings = self.warnings
        return report

    def _body(self, report: ParsedReport) -> None:
        section: str | None = None
        layout: TableLayout | None = None
        table_id: int | None = None
        carry_area: str | None = None
        discussion_area: str | None = None
        current_action: ParsedAction | None = None
        current_decision: ParsedDecision | None = None
        attendee_section: str | None = None
        previous_paragraph: str | None = None
        last_layout: TableLayout | None = None
        group = report.group

        def close_table() -> None:
            nonlocal layout, table_id, current_action, current_decision, carry_area
            layout, table_id, current_action, current_decision, carry_area = None, None, None, None, None

        for block, cells in self.rows:
            nonempty = [c for c in cells if c]
            if not nonempty:
                continue
            single = not block.is_row or (
                len(nonempty) == 1 and cells[0] == nonempty[0] and block.table is None
            )
            text = " ".join(nonempty)
            folded = fold(text)

            # A section heading ends whatever table came before.
            # A row of a table in progress that holds only a label is the table's, not a heading; so is a
            # line naming the table's own kind ("Actions from previous meeting(s)" inside the actions).
            in_table_row = layout is not None and (block.is_row or block.table is not None)
            if (
                single
                and layout is not None
                and MAJOR_SECTIONS.get(folded) == layout.kind
                and not block.heading
            ):
                if folded not in {"actions", "decisions"}:
                    carry_area = text
                    current_action = current_decision = None
                continue
            if (
                single
                and not in_table_row
                and (folded in MAJOR_SECTIONS or (block.heading and len(text) < 80))
            ):
                close_table()
                if folded in MAJOR_SECTIONS:
                    section = MAJOR_SECTIONS[folded]
                    attendee_section = None
                elif block.heading:
                    section = "minutes" if section in (None, "attendees", "agenda") else section
                    discussion_area = text
                continue

            # A docx/HTML table ends with the table.
            if layout is not None and block.table != table_id:
                same_shape = (
                    block.table is not None and last_layout is not None and len(cells) == last_layout.width
                )
                close_table()
                if same_shape and classify_header(cells, section) is None:
                    layout, table_id = last_layout, block.table  # a table split in two in Word

            if block.is_row:
                header = classify_header(cells, section)
                if header is not None:
                    if layout is not None and header.kind == layout.kind and block.table in (None, table_id):
                        continue  # the header repeated after a page break
                    close_table()
                    layout, table_id, last_layout = header, block.table, header
                    if header.kind in {"actions", "decisions", "agenda", "attendees"}:
                        section = header.kind
                    continue

            if layout is not None:
                if (single and _is_footer(text)) or all(SEPARATOR_ROW.match(c) for c in nonempty):
                    continue
                if block.is_row:
                    if layout.kind in {"actions", "decisions"}:
                        self.record_blocks.add(id(block))
                    if layout.kind == "actions":
                        current_action, carry_area = self._action_row(
                            block, cells, layout, group, report, current_action, carry_area
                        )
                    elif layout.kind == "decisions":
                        current_decision, carry_area = self._decision_row(
                            block, cells, layout, group, report, current_decision, carry_area
                        )
                    elif layout.kind == "agenda":
                        self._agenda_row(cells, layout, report)
                    elif layout.kind == "attendees":
                        self._attendee_row(cells, layout, report, attendee_section)
                    else:
                        area_index = layout.columns.get("area")
                        if area_index is not None and area_index < len(cells) and cells[area_index]:
                            discussion_area = cells[area_index]
                        for index, raw in enumerate(block.cells):
                            if index != area_index:
                                previous_paragraph = self._mentions(
                                    raw, discussion_area, group, report, previous_paragraph
                                )
                    continue
                if layout.kind in {"actions", "decisions"}:
                    # A line without cells inside an action table: the wrapped end of the row above,
                    # or prose between rows (kept below for its refs); the table goes on either way.
                    record = current_action if layout.kind == "actions" else current_decision
                    if record is not None and _continues(record.text, text):
                        record.text = f"{record.text} {text}"
                        continue
                else:
                    close_table()

            if section == "attendees" and layout is None:
                attendee_section = self._attendee_line(block, cells, report, attendee_section)
                continue

            # Running text: numbered minute headings set the area; refs in it are discussion context.
            if (
                single
                and re.match(r"^\d{1,2}\.?\s+[A-Z]", text)
                and len(text) < 90
                and not text.endswith(".")
            ):
                discussion_area = re.sub(r"^\d{1,2}\.?\s+", "", text)
            for raw in block.cells:
                previous_paragraph = self._mentions(raw, discussion_area, group, report, previous_paragraph)

    # -- actions
    def _fit_cells(self, cells: list[str], layout: TableLayout, parse_ref) -> list[str]:
        """Put a row's cells under the right headers when a text row lost or gained leading cells."""
        ref_index = layout.columns["ref"]
        if ref_index < len(cells) and parse_ref(cells[ref_index]):
            fitted = list(cells)
        else:
            found = next((i for i, c in enumerate(cells[: layout.width + 1]) if c and parse_ref(c)), None)
            if found is None:
                fitted = list(cells)
            elif found < ref_index:
                fitted = [""] * (ref_index - found) + list(cells)
            else:
                fitted = list(cells[found - ref_index :])
        if len(fitted) < layout.width:
            fitted += [""] * (layout.width - len(fitted))
        elif len(fitted) > layout.width:
            extra = [c for c in fitted[layout.width :] if c]
            fitted = fitted[: layout.width]
            if extra:
                fitted[-1] = " ".join([fitted[-1], *extra]).strip()
        return fitted

    def _numbered(self, cell: str, report: ParsedReport, kind: str):
        """A ref cell holding only a number ("3") names the third action or decision of this meeting."""
        found = re.fullmatch(r"\s*#?(\d{1,3})\.?\s*", cell)
        if not found:
            return None
        if kind == "decision":
            return refmod.Ref("decision", report.group, refmod.decision_ref(report.group, found.group(1)))
        if report.meeting.number is None:
            return None
        canonical = refmod.action_ref(report.group, report.meeting.number, found.group(1))
        return refmod.Ref("action", report.group, canonical)

    def _action_row(self, block, cells, layout, group, report, current, carry_area):
        def parse(cell: str):
            return refmod.parse_action_cell(cell, group) or self._numbered(cell, report, "action")

        cells = self._fit_cells(cells, layout, parse)
        col = layout.columns
        get = lambda name: cells[col[name]].strip() if name in col else ""  # noqa: E731
        raw_ref = get("ref")
        ref = parse(raw_ref) if raw_ref else None
        area_cell = get("area")
        if ref is not None:
            area = area_cell or carry_area
            update = get("update") or None
            due_text = get("due") or None
            action = ParsedAction(
                ref=ref.canonical,
                group=ref.group,
                area=area or None,
                text=get("text"),
                owner=get("owner") or None,
                due=parse_date(due_text),
                due_text=due_text,
                update=update,
                status=_status_word(get("status")),
                area_carried=not area_cell,
            )
            report.actions.append(action)
            return action, area or None
        if all(not c for c in cells):
            return current, carry_area
        if current is None:
            # A row of its own before any ref: an area label such as "Actions from previous meeting(s)".
            if area_cell and not any(get(n) for n in ("text", "owner", "due", "update")):
                return None, area_cell
            row = " | ".join(c for c in cells if c)
            self.warnings.append(f"{self._where(block)}: a row with no action ref was left out: {row[:80]}")
            return current, carry_area
        if get("owner") and get("due") and get("text"):
            self.warnings.append(
                f"{self._where(block)}: a row with no action ref was left out: {get('text')[:80]}"
            )
            return current, carry_area
        only_area = area_cell and not any(get(n) for n in ("text", "owner", "due", "update", "status"))
        if only_area and not (not current.area_carried and _continues_phrase(current.area or "", area_cell)):
            # A row holding only an area: the label for the rows below ("Actions from previous meeting(s)").
            return current, area_cell
        # The rest of the row above, broken over lines or a page.
        for name in ("text", "owner", "due", "update", "status"):
            value = get(name)
            if not value:
                continue
            if name == "due":
                current.due_text = " ".join(filter(None, [current.due_text, value]))
                current.due = current.due or parse_date(value)
            elif name == "status":
                current.status = current.status or _status_word(value)
            else:
                setattr(current, name, " ".join(filter(None, [getattr(current, name), value])))
        if area_cell:
            if current.area_carried:
                current.area, current.area_carried = area_cell, False
                carry_area = area_cell
            else:
                current.area = " ".join(filter(None, [current.area, area_cell]))
                carry_area = current.area
        return current, carry_area

    # -- decisions
    def _decision_row(self, block, cells, layout, group, report, current, carry_area):
        def parse(cell: str):
            return refmod.parse_decision_cell(cell, group) or self._numbered(cell, report, "decision")

        cells = self._fit_cells(cells, layout, parse)
        col = layout.columns
        get = lambda name: cells[col[name]].strip() if name in col else ""  # noqa: E731
        ref = parse(get("ref")) if get("ref") else None
        area_cell = get("area")
        if ref is not None:
            area = area_cell or carry_area
            decision = ParsedDecision(ref.canonical, ref.group, area or None, get("text"))
            report.decisions.append(decision)
            return decision, area or None
        if current is None:
            if area_cell and not get("text"):
                return None, area_cell
            if get("text"):
                self.warnings.append(
                    f"{self._where(block)}: a decision row with no ref was left out: {get('text')[:80]}"
                )
            return current, carry_area
        if get("text"):
            current.text = " ".join(filter(None, [current.text, get("text")]))
        if area_cell:
            current.area = (
                " ".join(filter(None, [current.area, area_cell]))
                if current.area != carry_area or not carry_area
                else area_cell
            )
        return current, carry_area

    # -- agenda
    def _agenda_row(self, cells, layout, report) -> None:
        col = layout.columns
        get = lambda name: cells[col[name]].strip() if name in col and col[name] < len(cells) else ""  # noqa: E731
        title = get("title")
        number = get("number")
        time_text = get("time")
        start, end = parse_time_range(time_text)
        kind = get("kind") or None
        lead = get("lead") or None
        if not title or not (start or lead):
            return
        if kind:
            kind = kind.strip().capitalize()
        report.agenda.append(
            ParsedAgendaItem(
                len(report.agenda) + 1,
                number or None,
                title,
                get("objective") or None,
                kind,
                lead,
                start,
                end,
            )
        )

    # -- attendees
    def _attendee_row(self, cells, layout, report, subsection) -> None:
        col = layout.columns
        get = lambda name: cells[col[name]].strip() if name in col and col[name] < len(cells) else ""  # noqa: E731
        name_text = get("name")
        if not name_text:
            return
        parsed = _split_attendee(name_text)
        if parsed is None:
            return
        name, initials, obo, _ = parsed
        initials = get("initials") or initials
        role = get("role") or None
        organisation = get("organisation") or None
        report.attendees.append(_attendee(name, initials, role, organisation, subsection, obo))

    def _attendee_line(self, block, cells, report, subsection: str | None) -> str | None:
        nonempty = [c for c in cells if c]
        text = " ".join(nonempty)
        folded = fold(text)
        heading_words = set(folded.split()) & SUBSECTION_WORDS
        if len(nonempty) == 1 and (
            folded in ATTENDEE_SUBSECTIONS
            or (heading_words and "(" not in text)
            or (not NAME_LIKE.match(text) and "(" not in text and not re.search(r"\s[-–—]\s", text))
        ):
            return text if len(text) < 60 else subsection
        head = nonempty[0]
        rest = " ".join(nonempty[1:]) or None
        parsed = _split_attendee(head)
        if parsed is None:
            return subsection
        name, initials, obo, inline_role = parsed
        role = rest or inline_role
        status = "apologies" if subsection and fold(subsection) == "apologies" else "attended"
        attendee = _attendee(name, initials, role, None, subsection, obo)
        attendee.status = status
        report.attendees.append(attendee)
        if obo and NAME_LIKE.match(obo):
            # The member represented is a member too, with the same role (their deputy attended).
            report.attendees.append(
                ParsedAttendee(
                    obo,
                    None,
                    role,
                    attendee.organisation,
                    attendee.constituency,
                    subsection,
                    None,
                    "represented",
                )
            )
        return subsection

    # -- discussion context
    def _mentions(
        self, raw: str, area: str | None, group: str, report: ParsedReport, previous: str | None
    ) -> str | None:
        for paragraph in clean_paragraphs(raw):
            found = list(refmod.find_refs(paragraph, self.known_groups | {group}, group))
            standalone = bool(STANDALONE_MENTION.match(paragraph))
            if found:
                seen = set()
                for ref, start, end in found:
                    if ref.canonical in seen:
                        continue
                    seen.add(ref.canonical)
                    context = excerpt(paragraph, start, end)
                    if standalone and previous:
                        context = f"{excerpt(previous, len(previous), len(previous))}\n{context}"
                    key = (ref.canonical, ref.kind, ref.group, area, context)
                    if key not in self.mention_keys:
                        self.mention_keys.add(key)
                        report.mentions.append(ParsedMention(*key))
            if not standalone:
                previous = paragraph  # "ACTION X – ..." lines take the discussion before them as context
        return previous


MENTION_CHARS = 1200  # the discussion kept around a ref: a paragraph, or the sentences near it


def excerpt(text: str, start: int, end: int, limit: int = MENTION_CHARS) -> str:
    """The text around text[start:end]: all of it if short, else whole sentences within `limit`."""
    if len(text) <= limit:
        return text
    half = max(0, (limit - (end - start)) // 2)
    low, high = max(0, start - half), min(len(text), end + half)
    cut = text.find(". ", low, start)
    low = cut + 2 if cut != -1 else low
    cut = text.rfind(". ", end, high)
    high = cut + 1 if cut != -1 else high
    return ("… " if low > 0 else "") + text[low:high].strip() + (" …" if high < len(text) else "")


def _continues_phrase(before: str, more: str) -> bool:
    """Whether an area cell reads as the end of the one above ("E2E Testing and" + "Integration Strategy")."""
    return bool(before) and (
        more[:1].islower() or bool(re.search(r"(\b(and|of|for|the|to|&)|[/,(-])$", before[-12:]))
    )


def _continues(before: str, line: str) -> bool:
    """Whether a loose line reads as the wrapped end of the cell above."""
    return (
        bool(before)
        and len(line) < 300
        and len(before) < MAX_CELL_CHARS
        and (line[:1].islower() or before.rstrip("\n")[-1:] not in ".!?:)")
    )


def _status_word(text: str | None) -> str | None:
    folded = fold(text)
    if not folded:
        return None
    if folded in {"closed", "complete", "completed", "done", "c", "green complete"}:
        return "closed"
    if folded in {"open", "ongoing", "in progress", "o", "not started", "overdue", "amber", "red", "green"}:
        return "open"
    return None


def _split_attendee(text: str) -> tuple[str, str | None, str | None, str | None] | None:
    """ "Chris Butterfield (CB) on behalf of Martin Hanley" -> name, initials, on behalf of, inline role.

    Also "Justin Andrews (JA) MHHS DAG Chair", "Adrian Ackroyd – MHHS Test Manager", "Stacey Buck".
    """
    text = " ".join(plain_dashes(text).replace("’", "'").split())
    initials = obo = role = None
    found = NAME_WITH_INITIALS.match(text)
    if found:
        name, initials, rest = found["name"], found["initials"], found["rest"]
    else:
        parts = NAME_SEPARATOR.split(text, maxsplit=1)
        name, rest = parts[0], parts[1] if len(parts) > 1 else ""
    behalf = ON_BEHALF_OF.search(f"{name} {rest}")
    if behalf:
        obo = behalf["obo"]
        name = re.sub(r"\s*\bon\s+behalf\s+of\b.*$", "", name)
        rest = re.sub(r"^.*?\bon\s+behalf\s+of\s+" + re.escape(obo), "", rest).strip()
    role = rest.strip(" -,:;|") or None
    words = name.split()
    if len(words) > 3 and not found:
        # "Name Surname Role words" with no separator: the role starts at the first unnamelike word
        cut = next(
            (i for i, w in enumerate(words[2:], 2) if w.isupper() or w.lower() in {"rep", "representative"}),
            2,
        )
        name, role = " ".join(words[:cut]), " ".join(words[cut:] + ([role] if role else []))
        words = name.split()
    if not words or not name[:1].isascii() or not name[:1].isupper() or len(words) > 4:
        return None
    return name.strip(), initials, obo, role


def _attendee(name, initials, role, organisation, section, obo) -> ParsedAttendee:
    constituency = None
    org_key = organisation_key(organisation) if organisation else None
    if role:
        inner = BRACKETED.sub("", role)
        constituency = constituency_key(inner) if REPRESENTS.search(inner) else None
        if org_key is None:
            head = re.sub(r"\b(representative|rep)\b.*$", "", inner, flags=re.I).strip()
            org_key = organisation_key(head) or organisation_key(inner.split()[0] if inner.split() else "")
    if org_key is None and section and fold(section) in PROGRAMME_SECTIONS:
        org_key = "programme"
    org = (
        organisation
        if organisation and not org_key
        else organisation_name(org_key)
        if org_key
        else organisation
    )
    return ParsedAttendee(name, initials, role, org, constituency, section, obo)


def parse_report(source: SourceFile, known_groups: set[str] | None = None) -> ParsedReport:
    return ReportParser(source, known_groups).parse()
