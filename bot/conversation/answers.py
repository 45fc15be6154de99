"""Answering members' questions. Platform-free: the command line, the console and Slack all call `ask`.

"What is open for me" must be right: a member's named actions first, then those they hold by role, by
organisation, and as a member of the whole group, each in its own section and never another person's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from rapidfuzz import fuzz, process
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.calendar.cadence import DEFAULT_CADENCES, CalendarMeeting, describe_cadence
from bot.calendar.clock import Clock, to_london
from bot.calendar.schedule import groups_of, upcoming_meetings
from bot.conversation.groups import which_group
from bot.conversation.questions import Question, parse_question
from bot.conversation.render import render_text
from bot.people.identity import Person, identify, member_role_keys, person_for_member
from bot.people.matching import person_score
from bot.people.members import load_index, match_member
from bot.people.owners import classify
from bot.people.vocab import constituency_key, office_key, organisation_key, organisation_name
from bot.record.refs import Ref, meeting_number
from bot.record.text import fold
from storage.db import Database
from storage.models import Action, Decision, Group, Member
from storage.queries import actions as action_queries
from storage.queries import groups as group_queries
from storage.queries import meetings as meeting_queries
from storage.queries import members as member_queries
from storage.queries import ownership as ownership_queries
from storage.queries import search as search_queries

SECTION_LIMIT = 50  # items shown per list; the rest are counted
WHICH_GROUP = "Which group? Name it, e.g. {example}."
SHARED_LIMIT = 10  # in someone's own list, items they share with a role, organisation or group
_stemmers: dict = {}  # by language: each database stems its own way


@dataclass
class Item:
    kind: str  # action | decision | meeting
    ref: str | None
    reason: str
    score: float
    group: str | None = None
    text: str | None = None
    area: str | None = None
    owner: str | None = None
    due: date | None = None
    status: str | None = None
    overdue: bool = False
    reported_done: bool = False  # its latest update reports delivery: to confirm, not overdue
    no_news: bool = False  # overdue, and nothing heard of it since its due date though the group has met
    news_on: date | None = None  # the last day anything was heard of it
    meeting: str | None = None  # a decision's meeting number
    date: date | None = None  # a meeting's date
    number: str | None = None
    extraordinary: bool = False
    start: str | None = None
    end: str | None = None
    source: str | None = None
    name: str | None = None  # a member's
    role: str | None = None
    organisation: str | None = None
    attendance: str | None = None  # attended | apologies | represented

    def to_json(self) -> dict:
        out = {"kind": self.kind, "ref": self.ref, "reason": self.reason, "score": round(self.score, 1)}
        if self.kind == "action":
            out.update(
                group=self.group,
                text=self.text,
                area=self.area,
                owner=self.owner,
                due=self.due.isoformat() if self.due else None,
                status=self.status,
                overdue=self.overdue,
                reported_done=self.reported_done,
                no_news=self.no_news,
            )
        elif self.kind == "decision":
            out.update(group=self.group, text=self.text, area=self.area, meeting=self.meeting)
        elif self.kind == "member":
            out.update(
                group=self.group,
                name=self.name,
                role=self.role,
                organisation=self.organisation,
                attendance=self.attendance,
                meeting=self.meeting,
                date=self.date.isoformat() if self.date else None,
            )
        else:
            out.update(
                group=self.group,
                date=self.date.isoformat() if self.date else None,
                number=self.number,
                extraordinary=self.extraordinary,
                start=self.start,
                end=self.end,
                source=self.source,
            )
        return out


@dataclass
class Section:
    title: str
    reason: str
    items: list[Item]
    total: int
    compact: bool = False  # listed briefly: ref, owner, days overdue
    capped: bool = False  # the total was counted only so far: there are at least that many

    def __post_init__(self) -> None:
        if isinstance(self.total, ownership_queries.AtLeast):
            self.capped = True

    def more(self) -> str:
        """ "… and 12 more", "… and over 950 more": what the list leaves out."""
        return f"… and {'over ' if self.capped else ''}{self.total - len(self.items)} more"


@dataclass
class Event:
    kind: str
    text: str | None
    at: object
    by: str | None
    source: str | None
    recorded_at: object = None  # when it was really recorded (a change's time may have been given)
    from_report: bool = False


@dataclass
class Detail:
    """Everything about one action or decision: for `show REF`."""

    item: Item
    owners: list[str] = field(default_factory=list)
    history: list[Event] = field(default_factory=list)
    context: list[tuple[str | None, str | None, str]] = field(default_factory=list)  # meeting, area, text
    raised_at: str | None = None


@dataclass
class Answer:
    intent: str
    heading: str
    sections: list[Section] = field(default_factory=list)
    detail: Detail | None = None
    note: str | None = None
    text: str = ""

    @property
    def items(self) -> list[Item]:
        out = [item for section in self.sections for item in section.items]
        return ([self.detail.item] if self.detail else []) + out

    def to_json(self) -> dict:
        return {"intent": self.intent, "text": self.text, "items": [item.to_json() for item in self.items]}


# --- items --------------------------------------------------------------------------------------


def action_item(action: Action, group: Group, reason: str, today: date, score: float = 100.0) -> Item:
    """An action as answers show it: one reported done is not overdue (see mark_no_news for the rest)."""
    reported = bool(getattr(action, "reported_done", False)) and action.status == "open"
    overdue = action.status == "open" and not reported and action.due is not None and action.due < today
    return Item(
        "action",
        action.ref,
        reason,
        score,
        group=group.code,
        text=action.text,
        area=action.area,
        owner=action.owner,
        due=action.due,
        status=action.status,
        overdue=overdue,
        reported_done=reported,
        news_on=getattr(action, "news_on", None),
    )


def mark_no_news(items: list[Item], latest_reports: dict[str, date]) -> None:
    """Overdue items with nothing heard of them since their due date (no report listing them, no change
    in chat) though their group has met, with a report, since: "no news since due"."""
    for item in items:
        if item.overdue and item.due is not None:
            quiet = item.news_on is None or item.news_on <= item.due
            item.no_news = quiet and latest_reports.get(item.group or "", date.min) > item.due


def decision_item(
    decision: Decision, group: Group, reason: str, numbers: dict[int, str | None], score: float = 100.0
) -> Item:
    return Item(
        "decision",
        decision.ref,
        reason,
        score,
        group=group.code,
        text=decision.text,
        area=decision.area,
        meeting=numbers.get(decision.meeting_id),
    )


def meeting_item(meeting: CalendarMeeting, score: float = 100.0) -> Item:
    return Item(
        "meeting",
        None,
        "schedule",
        score,
        group=meeting.group,
        date=meeting.date,
        number=meeting.number,
        extraordinary=meeting.extraordinary,
        start=meeting.start,
        end=meeting.end,
        source=meeting.source,
    )


# --- caches -------------------------------------------------------------------------------------


async def cached(db: Database, session: AsyncSession, name: str, signature, build):
    """A value built from whole tables, rebuilt only when `signature` changes."""
    held = db.cache.get(name)
    if held is not None and held[0] == signature:
        return held[1]
    value = await build()
    db.cache[name] = (signature, value)
    return value


async def member_index(db: Database, session: AsyncSession, counters: dict[str, int] | None = None):
    counters = counters if counters is not None else await member_queries.change_counters(session)
    return await cached(db, session, "member-index", counters.get("members"), lambda: load_index(session))


async def role_holders(db: Database, session: AsyncSession) -> dict[str, list[int]]:
    """Who holds each role (by their role text, constituency or office): member ids by role key, worked
    out from every member once, again when members change (it was every member at every question)."""
    counters = await member_queries.change_counters(session)

    async def build() -> dict[str, list[int]]:
        holders: dict[str, list[int]] = {}
        for member in await member_queries.all_members(session):
            for key in member_role_keys(member):
                holders.setdefault(key, []).append(member.id)
        return holders

    return await cached(db, session, "role-holders", counters.get("members"), build)


async def group_codes(db: Database, session: AsyncSession, counters: dict[str, int]) -> set[str]:
    return await cached(
        db, session, "group-codes", counters.get("groups"), lambda: group_queries.group_codes(session)
    )


async def vocabulary(db: Database, session: AsyncSession, kind: str) -> tuple[set[str], list[str]]:
    """The index's words, rebuilt when rows are added (edits to existing text may wait for that)."""
    signature = await search_queries.newest_id(session, kind)

    async def build():
        terms = await search_queries.vocabulary(session, kind)
        return set(terms), terms

    return await cached(db, session, f"vocabulary-{kind}", signature, build)


# --- the entry point ----------------------------------------------------------------------------


async def ask(db: Database, text: str, asker: str | Person | None, clock: Clock) -> Answer:
    """Answer a member's question as they asked it."""
    async with db.read() as session:
        counters = await member_queries.change_counters(session)
        codes = await group_codes(db, session, counters)
        index = await member_index(db, session, counters)
        person = asker if isinstance(asker, Person) else await _identify(db, session, asker, index)
        group = await default_group(session, person, codes)
        # Groups with a known cadence are groups too, before any report of theirs arrives.
        question = parse_question(text, codes | DEFAULT_CADENCES.keys(), group, index.name_words)
        answer = await _dispatch(db, session, question, person, group, clock)
    answer.text = render_text(answer, clock.today())
    return answer


async def _identify(db: Database, session: AsyncSession, who: str | None, index) -> Person:

    member, guessed = await match_member(session, who, index) if who else (None, False)
    if member is not None:
        person = await person_for_member(session, member)
        person.guessed_from = who if guessed else None
        return person
    return await identify(session, who)


async def default_group(session: AsyncSession, person: Person | None, codes: set[str]) -> str | None:
    """The group a question is about when it does not say (bot/conversation/groups.py)."""
    return which_group(codes, person)


async def _dispatch(
    db, session, question: Question, person: Person, group: str | None, clock: Clock
) -> Answer:
    today = clock.today()
    intent = question.intent
    if intent in ("open", "overdue", "due_before_next", "reported"):
        return await _owned(db, session, question, person, group, clock)
    if intent in ("show", "who_owns"):
        return await _show(session, question.refs, intent, today)
    if intent == "decisions":
        return await _decisions(db, session, question, today)
    if intent == "decisions_at":
        return await _decisions_at(session, question, group, today)
    if intent == "search":
        found = await _search(db, session, question, today)
        if found.sections:
            return found
    if intent == "next_meeting":
        return await _next_meeting(session, question, group, clock)
    if intent in ("who_is", "attended", "chair"):
        return await _people(db, session, question, group, today)
    note = None
    if intent == "search":
        note = f"I found nothing about “{question.topic}”."
    return Answer("help", "Here is what I can do", note=note)


# --- open, overdue, due before the next meeting -------------------------------------------------


@dataclass
class Whose:
    """Whose actions a question is about: a person, a role, an organisation, a whole group, or all."""

    label: str
    person: Person | None = None
    role_key: str | None = None
    org_key: str | None = None
    group_code: str | None = None
    everyone: bool = False
    guessed: str | None = None  # the name as typed, when it was only close to the member's


async def resolve_whose(db, session, question: Question, asker: Person, group: str | None) -> Whose:
    target = question.target
    if target is None or target.kind == "me":
        return Whose(asker.display, person=asker, guessed=asker.guessed_from)
    if target.kind == "all":
        return Whose("everyone", everyone=True)
    phrase = target.phrase or ""
    codes = await group_queries.group_codes(session)
    part = classify(phrase, codes, group)
    if part and part.kind == "group":
        return Whose(f"{part.key} members", group_code=part.key)
    if (
        part
        and part.kind == "role"
        and (constituency_key(phrase) or part.key in {"pmo", "secretariat", "chair"})
    ):
        return Whose(role_label(part.key), role_key=part.key)
    if part and part.kind == "organisation" and organisation_key(phrase):
        return Whose(organisation_name(part.key), org_key=part.key)
    member, guessed = await _member_named(db, session, phrase)
    if member is not None:
        person = await person_for_member(session, member)
        return Whose(
            person.display, person=person, guessed=as_typed(question.text, phrase) if guessed else None
        )
    person = await identify(session, phrase.title())
    return Whose(person.display, person=person)


def as_typed(text: str, phrase: str) -> str:
    """A phrase read from the lowered question, in the case the asker typed it."""
    at = text.lower().find(phrase)
    return text[at : at + len(phrase)] if at >= 0 else phrase


def role_label(key: str) -> str:
    if key.endswith(" representative"):
        constituency = key.removesuffix(" representative")
        short = {"dno": "DNO", "idno": "iDNO"}.get(constituency, constituency.title())
        return f"the {short} representative"
    return {"pmo": "the PMO", "secretariat": "the secretariat", "chair": "the chair"}.get(key, key)


async def _member_named(db, session, phrase: str) -> tuple[Member | None, bool]:
    """A member by full name (typos forgiven), or by a first name or surname only one member has; and
    whether that was a guess (anything but the name as the member has it)."""

    index = await member_index(db, session)
    key = fold(phrase)
    if " " not in key and len(key) >= 3:
        matches = [i for i, name in index.names.items() if key in name.split()]
        if len(matches) == 1:
            return await member_queries.member_by_id(session, matches[0]), True
    return await match_member(session, phrase, index)


async def _owned(db, session, question: Question, asker: Person, group: str | None, clock: Clock) -> Answer:
    today = clock.today()
    whose = await resolve_whose(db, session, question, asker, group)
    due_before = today if question.intent == "overdue" else None
    due_by = None
    heading_when = ""
    if question.intent == "due_before_next":
        upcoming = [
            m
            for m in await upcoming_meetings(session, clock.now(), question.group or group)
            if m.date > today
        ]
        if not upcoming:
            return Answer(
                "due_before_next",
                "Due before the next meeting",
                note="I don't know when the next meeting is.",
            )
        nxt = upcoming[0]
        due_by = nxt.date
        heading_when = f" before the next {nxt.group} ({nxt.date:%d %b %Y})"
    filters = {"due_before": due_before, "due_on_or_before": due_by}
    intent = question.intent

    def read(connection) -> tuple[list[Section], dict[str, date]]:
        # Every list and count of the answer in one call on a connection of its own: its statements
        # run one after another in a worker thread, none of them waiting on the event loop.
        if whose.everyone:
            sections = _everyone_sections(connection, intent, today, filters)
        elif whose.person is not None:
            sections = person_sections(connection, whose.person, today, **filters)
        else:
            reason, values = (
                ("role", [whose.role_key])
                if whose.role_key
                else ("organisation", [whose.org_key])
                if whose.org_key
                else ("group", [whose.group_code])
            )
            sections = _sections_for(
                connection, reason, values, today, title=whose.label, qualified=True, **filters
            )
        return sections, meeting_queries.latest_held_dates(connection)

    sections, latest_held = await db.connection_read(read)
    kind = {"open": "Open", "overdue": "Overdue", "due_before_next": "Due", "reported": "Reported done"}[
        question.intent
    ]
    heading = f"{kind} for {whose.label}{heading_when}" if not whose.everyone else f"{kind}{heading_when}"
    if whose.guessed:
        heading += f" (taking “{whose.guessed}” as {whose.label})"
    items = [item for section in sections for item in section.items]
    mark_no_news(items, latest_held)
    reported: list[Item] = []
    reported_total = 0
    if question.intent == "overdue":
        sections, reported, reported_total = _attention_first(sections)
    elif question.intent == "reported":
        for section in sections:
            kept = [item for item in section.items if item.reported_done]
            section.total -= len(section.items) - len(kept)
            section.items = kept
    answer = Answer(question.intent, heading, sections=[s for s in sections if s.items])
    if reported:
        refs = ", ".join(i.ref for i in reported[:12]) + (" …" if reported_total > 12 else "")
        answer.note = (
            f"Not counted as overdue: {reported_total} reported done, to confirm ({refs}). "
            "The secretariat confirms them with: confirm reported."
        )
    if not answer.sections and not reported:
        answer.note = _nothing_for(whose, asker)
    return answer


def _everyone_sections(connection, intent: str, today: date, filters: dict) -> list[Section]:
    """Every open action, soonest due first; for "overdue", those reported done fetched apart, to be
    counted (they are not overdue)."""
    wanted = {"overdue": False, "reported": True}.get(intent)
    rows, total = ownership_queries.all_open(connection, limit=SECTION_LIMIT, reported_done=wanted, **filters)
    items = [action_item(a, g, "schedule", today) for a, g in rows]
    title = {"overdue": "With news since their due date", "reported": "Reported done, to confirm"}
    sections = [Section(title.get(intent, "All open actions"), "schedule", items, total)]
    if intent == "overdue":
        rows, total = ownership_queries.all_open(
            connection, limit=SECTION_LIMIT, reported_done=True, **filters
        )
        items = [action_item(a, g, "schedule", today) for a, g in rows]
        sections.append(Section("Reported done", "schedule", items, total))
    return sections


def _attention_first(sections: list[Section]) -> tuple[list[Section], list[Item], int]:
    """Overdue lists: actions with news first (in their sections), then those with no news since their
    due date in one brief list; those reported done are taken out (they are not overdue) and counted."""
    reported, quiet = [], []
    counted = 0  # reported done fetched apart (everyone's list) may be more than are listed
    kept: list[Section] = []
    for section in sections:
        if section.reason == "reported":
            reported += section.items
            counted = section.total
            continue
        news = []
        for item in section.items:
            if item.reported_done:
                reported.append(item)
            elif item.no_news:
                quiet.append(item)
            else:
                news.append(item)
        dropped = len(section.items) - len(news)
        total = max(len(news), section.total - dropped)
        kept.append(Section(section.title, section.reason, news, total, capped=section.capped))
    if quiet:
        quiet.sort(key=lambda i: (i.due or date.max, i.ref))
        kept.append(Section("No news since their due date", "no_news", quiet, len(quiet), compact=True))
    unique = list({item.ref: item for item in reported}.values())
    return kept, unique, max(counted, len(unique))


def _nothing_for(whose: Whose, asker: Person) -> str:
    """Why a list is empty. Only the asker is ever told how to link themselves."""
    person = whose.person
    if person is None or person.member or person.owner_name_ids:
        return "Nothing."
    if person is asker:
        return "Nothing — and I don't know you as a member yet. Tell me who you are with: iam First Last."
    return f"I don't know anyone called {whose.label} in the group's reports."


def person_sections(
    connection,
    person: Person,
    today: date,
    *,
    due_before=None,
    due_on_or_before=None,
    status: str | None = "open",
) -> list[Section]:
    """A person's actions in the order they matter: named, then by role, organisation, whole group.
    Each action appears once, under its strongest reason."""
    wanted = [
        ("named", person.owner_name_ids, "Named"),
        ("role", sorted(person.role_keys), "By role"),
        ("organisation", [person.org_key] if person.org_key else [], "For your organisation"),
        ("group", sorted(person.group_codes), "For the whole group"),
    ]
    seen: set[int] = set()
    sections = []
    for reason, values, title in wanted:
        if not values:
            continue
        # Shared sections list a few: read a few more than that first, and as many as could repeat
        # what is already listed only if too many of those did.
        # Named lists are capped too (a programme lead may be named on thousands): listed to
        # SECTION_LIMIT, the rest counted.
        for limit in (SECTION_LIMIT,) if reason == "named" else (SHARED_LIMIT * 3, SHARED_LIMIT + len(seen)):
            rows, total = ownership_queries.actions_owned(
                connection,
                reason,
                values,
                status=status,
                due_before=due_before,
                due_on_or_before=due_on_or_before,
                limit=limit,
            )
            fresh = sum(1 for action, _ in rows if action.id not in seen)
            if reason == "named" or fresh >= SHARED_LIMIT or len(rows) < limit:
                break
        items = []
        for action, group in rows:
            if action.id in seen:
                total -= 1
                continue
            seen.add(action.id)
            items.append(action_item(action, group, reason, today))
        if reason != "named":
            title = _section_title(reason, person, values)
        sections.append(Section(title, reason, items[:SHARED_LIMIT] if reason != "named" else items, total))
    return sections


def _section_title(reason: str, person: Person, values: list) -> str:
    if reason == "role":
        return "By role (" + ", ".join(role_label(v) for v in values) + ")"
    if reason == "organisation":
        return f"For {organisation_name(values[0])}"
    return "For " + ", ".join(f"{v} members" for v in values)


def _sections_for(
    connection,
    reason: str,
    values: list,
    today: date,
    *,
    title: str,
    qualified: bool,
    due_before=None,
    due_on_or_before=None,
) -> list[Section]:
    """Actions of a role, organisation or group, including people named for it ("iDNO rep (Stacey Buck)")."""
    window = {"due_before": due_before, "due_on_or_before": due_on_or_before, "limit": SECTION_LIMIT}
    rows, total = ownership_queries.actions_owned(connection, reason, values, **window)
    items = [action_item(a, g, reason, today) for a, g in rows]
    sections = [Section(f"For {title}", reason, items, total)]
    if qualified and reason in ("role", "organisation"):
        more, _ = ownership_queries.actions_qualified_by(connection, reason, values, **window)
        have = {i.ref for i in items}
        extra = [action_item(a, g, reason, today) for a, g in more if a.ref not in have]
        if extra:
            sections.append(Section(f"Named people acting for {title}", reason, extra, len(extra)))
    return sections


# --- show and who owns --------------------------------------------------------------------------


async def _show(session, refs: list[Ref], intent: str, today: date) -> Answer:
    ref = refs[0]
    if ref.kind == "decision":
        found = await action_queries.decision_by_ref(session, ref.canonical)
        if found is None:
            return Answer(intent, ref.canonical, note=f"I don't know {ref.canonical}.")
        decision, group = found
        meeting = (
            await meeting_queries.meeting_by_id(session, decision.meeting_id) if decision.meeting_id else None
        )
        item = decision_item(
            decision, group, "ref", {decision.meeting_id: meeting.number if meeting else None}
        )
        detail = Detail(item, raised_at=_meeting_label(group.code, meeting))
        detail.context = await _context(session, ref.canonical)
        return Answer("show", decision.ref, detail=detail)
    found = await action_queries.action_by_ref(session, ref.canonical)
    if found is None:
        return Answer(intent, ref.canonical, note=f"I don't know {ref.canonical}.")
    action, group = found
    item = action_item(action, group, "ref", today)
    detail = Detail(item)
    for owner, name in await ownership_queries.owner_rows_with_names(session, action.id):
        detail.owners.append(await _owner_label(session, owner, name))
    if intent == "show":
        events = (await action_queries.events_of(session, [action.id])).get(action.id, [])
        detail.history = [
            Event(e.kind, e.text, e.at, e.by, e.source, e.recorded_at, e.source_document_id is not None)
            for e in events
        ]
        detail.context = await _context(session, action.ref)
        detail.raised_at = await _raised_at(session, action, group, events)
    return Answer(intent, action.ref, detail=detail)


REF_MEETING = re.compile(r"^[A-Z&]+?(\d{1,3}(?:\.\d{1,2})?)-\d{1,3}$")


async def _raised_at(session, action: Action, group: Group, events: list) -> str | None:
    """The meeting an action was raised at: the one its ref names (TMAG20-02 was raised at TMAG 20),
    when the ref carries a meeting number; else the earliest report that lists it. Never the order in
    which reports happened to be imported."""
    found = REF_MEETING.match(action.ref)
    if found and float(found.group(1)) > 0:
        number = meeting_number(found.group(1))
        meeting = await meeting_queries.meeting_by_number(session, group.id, number)
        return _meeting_label(group.code, meeting) or f"{group.code} {number}"
    reported = [e for e in events if e.source_document_id is not None and e.at is not None]
    if not reported:
        return None
    first = min(reported, key=lambda e: e.at)
    held = to_london(first.at).date()
    meetings = await meeting_queries.meetings_on(session, group.id, held)
    return (
        _meeting_label(group.code, meetings[0]) if meetings else f"the {group.code} report of {held:%d %b %Y}"
    )


async def _owner_label(session, owner, name) -> str:
    if owner.kind == "person":
        label = owner.name
        if name is not None and name.member_id is not None:
            member = await member_queries.member_by_id(session, name.member_id)
            if member is not None and fold(member.name) != owner.key:
                label = f"{owner.name} (member {member.name})"
        qualifiers = [
            q
            for q in (
                role_label(owner.role_key) if owner.role_key else None,
                organisation_name(owner.org_key) if owner.org_key else None,
            )
            if q
        ]
        return label + (f", {', '.join(qualifiers)}" if qualifiers else "")
    if owner.kind == "role":
        return role_label(owner.role_key or owner.key) + (
            f" ({organisation_name(owner.org_key)})" if owner.org_key else ""
        )
    if owner.kind == "organisation":
        return f"{organisation_name(owner.key)} (organisation)"
    return f"all {owner.group_code} members"


def _meeting_label(code: str, meeting) -> str | None:
    if meeting is None:
        return None
    number = f" {meeting.number}" if meeting.number else ""
    return f"{code}{number} on {meeting.date:%d %b %Y}"


async def _context(session, ref: str) -> list[tuple[str | None, str | None, str]]:
    mentions = (await action_queries.mentions_of(session, [ref])).get(ref, [])
    out = []
    for mention in mentions:
        meeting = (
            await meeting_queries.meeting_by_id(session, mention.meeting_id) if mention.meeting_id else None
        )
        label = (meeting.number or meeting.date.isoformat()) if meeting else None
        out.append((label, mention.area, mention.text))
    return out


# --- decisions, search --------------------------------------------------------------------------


def _stem(language: str, word: str) -> str:
    if language not in _stemmers:
        import snowballstemmer  # here: only topic searches stem

        _stemmers[language] = snowballstemmer.stemmer(language)
    return _stemmers[language].stemWord(word)


async def fts_queries(db, session, topic: str, kind: str) -> tuple[list[search_queries.Search], bool]:
    """Searches for a topic, strictest first: every word (or the indexed word it was probably meant to
    be, for a typo) must match; then any of them. And whether every word of the topic is in the index
    (or close to a word that is): if not, nothing can match it well."""
    terms, ordered = await vocabulary(db, session, kind)
    language = search_queries.stemmer_language(session)
    groups: list[list[search_queries.Term]] = []
    words = re.findall(r"[a-z0-9]+", topic.lower())
    for word in words:
        stem = _stem(language, word)
        if stem in terms or word in terms:
            groups.append([search_queries.Term(word)])
        elif len(stem) >= 4:
            close = process.extract(stem, ordered, scorer=fuzz.ratio, score_cutoff=80, limit=3)
            if close:
                groups.append([search_queries.Term(term, prefix=True) for term, _, _ in close])
    if not groups:
        return [], False
    anything = [list(dict.fromkeys(term for group in groups for term in group))]
    return ([groups, anything] if len(groups) > 1 else [anything]), len(groups) == len(words)


async def _fts_search(db, session, topic: str, kind: str, limit: int) -> tuple[list, list]:
    """(good matches, closest others). Good matches hold every word of the topic; when fewer than three
    do, those holding any of its words follow as the closest."""
    search = search_queries.search_actions if kind == "action" else search_queries.search_decisions
    queries, covered = await fts_queries(db, session, topic, kind)
    if not queries:
        return [], []
    strict = await search(session, queries[0], limit=limit) if covered else []
    if len(strict) >= 3 or (len(queries) == 1 and covered):
        return strict, []
    seen = {row[0].id for row in strict}
    loose = [row for row in await search(session, queries[-1], limit=limit) if row[0].id not in seen]
    return strict, loose


def _blend(topic: str, rank: float, best: float, text: str) -> float:
    """bm25 (relative to the best hit) blended with how closely the words read alike."""
    relative = rank / best if best else 0.0
    return round(100 * (0.7 * relative + 0.3 * fuzz.token_set_ratio(topic, text) / 100), 1)


async def _decisions(db, session, question: Question, today: date) -> Answer:
    numbers: dict[int, str | None] = {}
    if not question.topic:
        rows = await action_queries.recent_decisions(session, SECTION_LIMIT)
        items = [decision_item(d, g, "topic", await _numbers(session, d, numbers), 100.0) for d, g in rows]
        return Answer(
            "decisions",
            "Recent decisions",
            sections=[Section("Recent decisions", "topic", items, len(items))],
        )
    strict, loose = await _fts_search(db, session, question.topic, "decision", SECTION_LIMIT)
    heading = f"Decisions about “{question.topic}”"
    if not strict and not loose:
        return Answer("decisions", heading, note=f"I found no decision about “{question.topic}”.")

    async def ranked(rows: list) -> list[Item]:
        best = rows[0][2] if rows else 0
        items = [
            decision_item(
                d,
                g,
                "topic",
                await _numbers(session, d, numbers),
                _blend(question.topic, rank, best, f"{d.area or ''} {d.text}"),
            )
            for d, g, rank in rows
        ]
        return sorted(items, key=lambda i: -i.score)

    return _matches(
        "decisions",
        heading,
        "Decisions",
        "decision",
        question.topic,
        await ranked(strict),
        await ranked(loose),
    )


def _matches(
    intent: str, heading: str, title: str, what: str, topic: str, good: list[Item], closest: list[Item]
) -> Answer:
    """Good matches, then (or, when there are none, with a caveat) the closest ones."""
    sections = [Section(title, "topic", good, len(good))] if good else []
    if closest:
        sections.append(Section("Closest matches", "closest", closest, len(closest)))
    if not good:
        heading = f"No {what} clearly matches “{topic}”"
    return Answer(intent, heading, sections=sections)


async def _numbers(session, decision: Decision, cache: dict[int, str | None]) -> dict[int, str | None]:
    if decision.meeting_id is not None and decision.meeting_id not in cache:
        meeting = await meeting_queries.meeting_by_id(session, decision.meeting_id)
        cache[decision.meeting_id] = meeting.number if meeting else None
    return cache


async def _decisions_at(session, question: Question, group: str | None, today: date) -> Answer:
    code = question.group or group
    if not code:
        return Answer("decisions_at", "Decisions", note=WHICH_GROUP.format(example="decisions at GROUP 22"))
    target = await group_queries.group_by_code(session, code)
    if target is None:
        return Answer("decisions_at", "Decisions", note="I don't know that group.")
    if question.last_meeting:
        meeting = await meeting_queries.last_held(session, target.id, today + timedelta(days=1))
    else:
        meeting = await meeting_queries.meeting_by_number(session, target.id, question.meeting_number)
    if meeting is None:
        which = "the last meeting" if question.last_meeting else f"{code} {question.meeting_number}"
        return Answer("decisions_at", "Decisions", note=f"I have no report of {which}.")
    rows = await action_queries.decisions_of_meeting(session, meeting.id)
    label = _meeting_label(target.code, meeting)
    items = [decision_item(d, g, "ref", {meeting.id: meeting.number}) for d, g in rows]
    answer = Answer(
        "decisions_at",
        f"Decisions at {label}",
        sections=[Section(f"Decisions at {label}", "ref", items, len(items))],
    )
    if not items:
        answer.sections, answer.note = [], f"No decisions were recorded at {label}."
    return answer


async def _search(db, session, question: Question, today: date) -> Answer:
    topic = question.topic or ""
    strict, loose = await _fts_search(db, session, topic, "action", SECTION_LIMIT)
    heading = f"Actions about “{topic}”"
    if not strict and not loose:
        return Answer("search", heading)

    def ranked(rows: list) -> list[Item]:
        best = rows[0][2] if rows else 0
        items = [
            action_item(a, g, "topic", today, _blend(topic, rank, best, f"{a.area or ''} {a.text}"))
            for a, g, rank in rows
        ]
        return sorted(items, key=lambda i: (i.status != "open", -i.score))

    return _matches("search", heading, "Actions", "action", topic, ranked(strict), ranked(loose))


# --- people ---------------------------------------------------------------------------------------


def member_item(member: Member, reason: str, group: str | None, seen=None, score: float = 100.0) -> Item:
    """A member, with the meeting they were last seen at (an Attendance and its Meeting), if given."""
    attendance, meeting = seen or (None, None)
    return Item(
        "member",
        None,
        reason,
        score,
        group=group,
        name=member.name,
        role=(attendance.role if attendance and attendance.role else None) or member.role,
        organisation=member.organisation,
        attendance=attendance.status if attendance else None,
        meeting=meeting.number if meeting else None,
        date=meeting.date if meeting else None,
        owner=attendance.on_behalf_of if attendance else None,
    )


async def _people(db, session, question: Question, group: str | None, today: date) -> Answer:
    """Who holds a role, who attended a meeting, who chairs a group: from the members the reports name
    and the attendance they record."""
    code = question.group or group
    target = (await groups_of(session, code) or [None])[0] if code else None
    group_id = target.id if target is not None else None
    if not code and question.intent in ("attended", "chair"):
        example = "who attended GROUP 7" if question.intent == "attended" else "who chairs GROUP"
        return Answer(question.intent, "Which group?", note=WHICH_GROUP.format(example=example))
    if question.intent == "attended":
        if group_id is None:
            return Answer("attended", "Attendance", note=f"I have no report of a {code} meeting.")
        if question.meeting_number:
            meeting = await meeting_queries.meeting_by_number(session, group_id, question.meeting_number)
        else:
            meeting = await meeting_queries.last_held(session, group_id, today + timedelta(days=1))
        which = f"{code} {question.meeting_number}" if question.meeting_number else f"the last {code} meeting"
        if meeting is None:
            return Answer("attended", f"Who attended {which}", note=f"I have no report of {which}.")
        label = _meeting_label(code, meeting)
        rows = await member_queries.attendance_at(session, meeting.id)
        if not rows:
            return Answer(
                "attended", f"Who attended {label}", note=f"The report of {label} lists no attendees."
            )
        sections = []
        for status, title in (
            ("attended", "Attended"),
            ("apologies", "Apologies"),
            ("represented", "Represented"),
        ):
            items = [member_item(m, status, code, (a, meeting)) for m, a in rows if a.status == status]
            if items:
                sections.append(Section(title, status, items, len(items)))
        return Answer("attended", f"Who attended {label}", sections=sections)
    if question.intent == "chair":
        rows = await member_queries.chairs(session, group_id)
        items = [member_item(m, "chair", code, seen) for m, seen in rows]
        if not items:
            return Answer("chair", f"Who chairs {code}", note=f"No report of {code} names its chair.")
        heading = f"Who chairs {code}" + (f": {items[0].name}" if items else "")
        return Answer("chair", heading, sections=[Section("Chair", "chair", items, len(items))])
    # Who is the DNO rep / who represents large suppliers / who is Kate Goodman.
    phrase = (question.target.phrase if question.target else "") or ""
    part = classify(phrase, await group_queries.group_codes(session), code)
    if part is not None and part.kind == "role" and (constituency_key(phrase) or office_key(phrase)):
        label = role_label(part.key)
        holders = (await role_holders(db, session)).get(part.key, [])
        rows, total = await member_queries.members_seen(session, holders, SECTION_LIMIT)
        items = [member_item(m, "role", code, seen) for m, seen in rows]
        heading = f"Who is {label}"
        if not items:
            return Answer("who_is", heading, note=f"No report names {label}.")
        return Answer(
            "who_is", heading, sections=[Section(label[0].upper() + label[1:], "role", items, total)]
        )
    member, guessed = await _member_named(db, session, phrase)
    if member is None:
        return Answer(
            "who_is", f"Who is {phrase}", note=f"I don't know anyone called {phrase} in the group's reports."
        )
    seen = await member_queries.last_seen(session, member.id)
    item = member_item(member, "named", code, seen)
    typed = as_typed(question.text, phrase)
    heading = f"Who is {member.name}" + (f" (taking “{typed}” as {member.name})" if guessed else "")
    return Answer("who_is", heading, sections=[Section("Member", "member", [item], 1)])


# --- meetings -----------------------------------------------------------------------------------


async def _next_meeting(session, question: Question, group: str | None, clock: Clock) -> Answer:
    code = question.group or group
    meetings = await upcoming_meetings(session, clock.now(), code)
    if question.extraordinary:
        meetings = [m for m in meetings if m.extraordinary]
    what = f"next {'extraordinary ' if question.extraordinary else ''}{code or 'meeting'}"
    if not meetings:
        return Answer("next_meeting", f"The {what}", note=f"I don't know of a {what}.")
    items = [meeting_item(m, 100.0 if i == 0 else 90.0 - i) for i, m in enumerate(meetings[:5])]
    answer = Answer(
        "next_meeting", f"The {what}", sections=[Section("Upcoming", "schedule", items, len(meetings))]
    )
    group_row = (await groups_of(session, code) or [None])[0] if code else None
    usual = describe_cadence(group_row) if group_row else None
    if usual and any(m.source == "cadence" for m in meetings[:5]):
        answer.note = f"{code} usually meets on {usual}; dates not yet confirmed by a report are marked."
    return answer


__all__ = ["Answer", "Detail", "Item", "Section", "ask", "person_score"]
