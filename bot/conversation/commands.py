"""The commands members type, the same in Slack (/tmag ...), mentions, DMs and the console.

help · mine · open [for NAME] · overdue [for NAME] · show REF · who REF · decisions [TOPIC] · next [GROUP]
done REF [note] · update REF TEXT · reopen REF · iam NAME · action add TEXT [owner: X] [due: DATE]
[area: A] [ref: R] [group: G] · decision add TEXT [area: A] [ref: R] [group: G] · meeting add|move|cancel ...
and any free question ("what did we decide about the environments plan?").
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

from bot.calendar.clock import Clock
from bot.calendar.meetings import add_meeting, cancel_meeting, move_meeting
from bot.conversation.answers import Answer, ask
from bot.conversation.help import HELP
from bot.conversation.questions import MAX_COMMAND
from bot.conversation.statements import parse_statement
from bot.people.identity import Person
from bot.record.changes import ChangeResult, add_action, add_decision, change_actions, confirm_reported
from bot.record.dates import find_dates, parse_date, parse_time_range
from bot.record.refs import find_refs
from storage.db import Database
from storage.queries import groups as group_queries

OPTION = re.compile(r"\b(owner|owners|due|area|ref|group)\s*:\s*", re.IGNORECASE)


@dataclass
class Reply:
    text: str
    kind: str = "answer"  # answer | change | help | iam | error
    answer: Answer | None = None
    change: ChangeResult | None = None
    iam: str | None = None  # the name someone says they are
    changes: list[ChangeResult] = field(default_factory=list)  # several at once: done REF REF ... note
    file: ReplyFile | None = None  # a document for the person who asked (report draft)


@dataclass
class ReplyFile:
    name: str
    data: bytes
    title: str
    # What makes it again (the platform may only send it once the person accepts): group, meeting, now.
    recipe: dict[str, str] = field(default_factory=dict)


def options(text: str) -> tuple[str, dict[str, str]]:
    """ "Publish the plan owner: Programme (PMO) due: 20/09/23" -> ("Publish the plan", {...})."""
    parts = OPTION.split(text)
    head, found = parts[0].strip(), {}
    for name, value in zip(parts[1::2], parts[2::2], strict=False):
        found[name.lower().rstrip("s")] = value.strip()
    return head, found


async def leading_refs(db: Database, text: str) -> tuple[list[str], str]:
    """The action refs a change starts with ("TMAG04-01 TMAG06-02, TMAG06-04 and 07-1 - note"), and the
    note after them."""
    async with db.read() as session:
        codes = await group_queries.group_codes(session)
    default = next(iter(codes)) if len(codes) == 1 else ("TMAG" if "TMAG" in codes else None)
    refs: list[str] = []
    position = 0
    for ref, start, end in find_refs(text, codes, default, loose=True):
        if ref.kind != "action" or not re.fullmatch(r"[\s,;&+]*(?:and\s+)?", text[position:start], re.I):
            break
        refs.append(ref.canonical)
        position = end
    return list(dict.fromkeys(refs)), text[position:]


async def default_group_code(db: Database, person: Person) -> str | None:
    async with db.read() as session:
        codes = await group_queries.group_codes(session)
    if len(person.group_codes) == 1:
        return next(iter(person.group_codes))
    if len(codes) == 1:
        return next(iter(codes))
    return "TMAG" if "TMAG" in codes or not codes else sorted(codes)[0]


async def run_command(
    db: Database, text: str, person: Person, clock: Clock, *, source: str = "console"
) -> Reply:
    text = " ".join((text or "").split())
    if len(text) > MAX_COMMAND:
        return Reply(f"That is too long for me ({len(text)} characters; the most is {MAX_COMMAND}).", "error")
    if not text or text.lower() in {"help", "?", "commands"}:
        return Reply(HELP, "help")
    word, _, rest = text.partition(" ")
    word = word.lower()
    rest = rest.strip()

    async def question(q: str) -> Reply:
        answer = await ask(db, q, person, clock)
        return Reply(answer.text, "help" if answer.intent == "help" else "answer", answer=answer)

    async def change(verb: str, refs_and_note: str) -> Reply:
        refs, note = await leading_refs(db, refs_and_note)
        note = re.sub(r"^[-:–—]\s*", "", note.strip())
        if not refs:
            ref = refs_and_note.split(" ", 1)[0]
            if not ref:
                return Reply(f"Which action? {verb} REF", "error")
            refs = [ref]  # not a ref as written: change_action says what is wrong with it
        results = await change_actions(db, refs, verb, person, clock, note=note or None, source=source)
        text = "\n".join(r.message for r in results)
        kind = "change" if any(r.ok for r in results) else "error"
        return Reply(text, kind, change=results[0], changes=results)

    if re.fullmatch(
        r"(?:confirm|close|done)\s+(?:all\s+)?(?:the\s+)?reported(?:\s+done)?(?:\s+[A-Za-z]{2,10})?",
        text,
        re.I,
    ):
        code = text.split()[-1].upper() if not text.lower().endswith(("reported", "done")) else None
        result = await confirm_reported(db, person, clock, group_code=code, source=source)
        return Reply(result.message, "change" if result.ok else "error", change=result)

    if word == "mine":
        return await question("what is open for me")
    if word in ("open", "overdue"):
        return await question(
            f"what is {word} {rest}" if rest else f"what is {word}" + (" for me" if word == "open" else "")
        )
    if word == "show":
        return await question(f"show {rest}")
    if word == "who":
        return await question(f"who owns {rest}")
    if word == "decisions":
        return await question(f"what did we decide about {rest}" if rest else "recent decisions")
    if word == "next":
        return await question(f"when is the next {rest or 'meeting'}")
    if word in ("done", "close"):
        return await change("close", rest)
    if word == "update":
        return await change("update", rest)
    if word == "reopen":
        return await change("reopen", rest)
    if word == "iam":
        if not rest:
            return Reply("Tell me who you are: iam FIRST LAST", "error")
        return Reply(rest, "iam", iam=rest)
    if word == "action" and rest.lower().startswith("add"):
        return await _add_action(db, rest[3:].strip(), person, clock, source)
    if word == "decision" and rest.lower().startswith("add"):
        return await _add_decision(db, rest[3:].strip(), person, clock)
    if word == "meeting":
        return await meeting_command(db, rest, person, clock)
    if word == "report" and re.match(r"^draft\b", rest, re.IGNORECASE):
        return await report_draft(db, rest[5:].strip(), person, clock)
    async with db.read() as session:
        codes = await group_queries.group_codes(session)
    statement = parse_statement(text, codes, await default_group_code(db, person))
    if statement is not None:
        return await change(statement.verb, f"{statement.ref} {statement.note or ''}")
    return await question(text)


async def report_draft(db: Database, text: str, person: Person, clock: Clock) -> Reply:
    """`report draft [GROUP] [next|NUMBER|DATE]`: the secretariat's Word draft of a meeting's report."""
    from bot.calendar.schedule import MeetingNotFound
    from bot.record.draft import draft_for, write_docx

    if not person.is_secretariat:
        return Reply("Only the secretariat can draft the report.", "error")
    words = text.split()
    async with db.read() as session:
        codes = await group_queries.group_codes(session)
    group = next((w.upper() for w in words if w.upper() in codes), None) or await default_group_code(
        db, person
    )
    wanted = next((w for w in words if w.upper() not in codes), "next")
    try:
        draft = await draft_for(db, group, wanted, clock)
    except MeetingNotFound as exc:
        return Reply(f"{str(exc)[:1].upper()}{str(exc)[1:]}.", "error")
    data = await asyncio.to_thread(write_docx, draft)
    open_count = sum(1 for row in draft.previous if row.status == "Open")
    when = f"{draft.meeting.date:%A %d %B %Y}"
    return Reply(
        f"Here is the draft headline report for {draft.group_code} on {when}: {open_count} open "
        f"actions carried over, {len(draft.previous) - open_count} closed since the last meeting. "
        "Check every row, add the meeting's actions and decisions, then publish it.",
        "file",
        file=ReplyFile(
            draft.file_name,
            data,
            f"{draft.group_code} headline report draft",
            {
                "group": draft.group_code,
                "meeting": draft.meeting.date.isoformat(),
                "now": clock.now().isoformat(),
            },
        ),
    )


async def _add_action(db, text: str, person: Person, clock: Clock, source: str) -> Reply:
    body, found = options(text)
    due = None
    if found.get("due"):
        due = parse_date(found["due"])
        if due is None:
            return Reply(f"“{found['due']}” is not a date (try 20/09/23 or 20 September 2023).", "error")
    group = (found.get("group") or await default_group_code(db, person) or "TMAG").upper()
    result = await add_action(
        db,
        person,
        clock,
        text=body,
        group_code=group,
        owner=found.get("owner"),
        due=due,
        area=found.get("area"),
        ref=found.get("ref"),
        source=source,
    )
    return Reply(result.message, "change" if result.ok else "error", change=result)


async def _add_decision(db, text: str, person: Person, clock: Clock) -> Reply:
    body, found = options(text)
    group = (found.get("group") or await default_group_code(db, person) or "TMAG").upper()
    result = await add_decision(
        db, person, clock, text=body, group_code=group, area=found.get("area"), ref=found.get("ref")
    )
    return Reply(result.message, "change" if result.ok else "error", change=result)


def _group_of(text: str) -> tuple[str | None, str]:
    found = re.search(r"\bgroup\s+([A-Za-z]{2,10})\b", text, re.IGNORECASE)
    if found:
        return found.group(1).upper(), (text[: found.start()] + text[found.end() :]).strip()
    return None, text


async def meeting_command(db: Database, text: str, person: Person, clock: Clock) -> Reply:
    """`meeting add 2023-08-30 10:00 extraordinary [group TMAG]`, `meeting move 2023-09-20 to 2023-09-27
    [14:00]`, `meeting cancel 2023-09-20`: for the secretariat, from Slack, Teams or the console."""
    verb, _, rest = text.strip().partition(" ")
    code, rest = _group_of(rest)
    code = code or await default_group_code(db, person) or "TMAG"
    dates = find_dates(rest)
    usage = "meeting add DATE [TIME] [extraordinary] · meeting move DATE to DATE [TIME] · meeting cancel DATE"
    if verb.lower() not in ("add", "move", "cancel") or not dates:
        return Reply(f"Try: {usage}", "error")
    if verb.lower() == "add":
        start, end = parse_time_range(rest[dates[0][2] :])
        result = await add_meeting(
            db,
            person,
            clock,
            group_code=code,
            day=dates[0][0],
            start=start,
            end=end,
            extraordinary=bool(re.search(r"extra[- ]?ordinary", rest, re.IGNORECASE)),
        )
    elif verb.lower() == "move":
        if len(dates) < 2:
            return Reply("Move it to when? meeting move DATE to DATE [TIME]", "error")
        start, _ = parse_time_range(rest[dates[1][2] :])
        result = await move_meeting(
            db, person, clock, group_code=code, day=dates[0][0], to=dates[1][0], start=start
        )
    else:
        result = await cancel_meeting(db, person, clock, group_code=code, day=dates[0][0])
    return Reply(result.message, "change" if result.ok else "error")
