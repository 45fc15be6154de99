"""What people type, the same in Slack (/tmag ..., mentions, DMs), Teams, the console and `ask`:

help · mine · open [for NAME] · overdue [for NAME] · show REF · who REF · decisions [TOPIC] · next [GROUP]
done REF [REF...] [note] · update REF TEXT · reopen REF · undo · iam NAME · iam nobody · whoami
email me · email me too · email off · email
digest [GROUP] · digest here [GROUP] · secretariat here [GROUP] · confirm reported [GROUP]
action add TEXT [owner: X] [due: DATE] [area: A] [ref: R] [group: G] · decision add TEXT [area: A]
[ref: R] [group: G] · meeting add|move|cancel ... · report draft [GROUP] [next|NUMBER|DATE]
and any free question ("what did we decide about the environments plan?", "who is the DNO rep").

Each is read into one call of the core; what comes back is what the person is shown (bot/conversation/
outcome.py), whichever platform shows it.
"""

from __future__ import annotations

import asyncio
import re

from bot.calendar.meetings import add_meeting, cancel_meeting, move_meeting
from bot.calendar.schedule import MeetingNotFound
from bot.conversation.answers import ask
from bot.conversation.groups import which_group
from bot.conversation.layout import (
    CONFIRM_IDENTITY,
    DENY_IDENTITY,
    Button,
    Piece,
    View,
    answer_pieces,
    change_pieces,
    help_pieces,
    message_pieces,
)
from bot.conversation.outcome import Outcome, ReplyFile, Shown, made, note, refusal
from bot.conversation.questions import MAX_COMMAND
from bot.conversation.statements import parse_statement
from bot.digests import reach
from bot.digests.layout import channel_message, thread_messages
from bot.digests.preview import next_digest
from bot.digests.settings import set_channel, set_secretariat_channel
from bot.digests.views import ASKING
from bot.people import links
from bot.people.identity import TRUSTED, Person
from bot.people.notices import tell_secretariat
from bot.record.changes import add_action, add_decision, change_actions, confirm_reported, undo_last
from bot.record.dates import find_dates, parse_date, parse_time_range
from bot.record.draft import draft_for, write_docx
from bot.record.refs import find_refs
from storage.queries import groups as group_queries
from storage.queries import members as member_queries

OPTION = re.compile(r"\b(owner|owners|due|area|ref|group)\s*:\s*", re.IGNORECASE)
CHANGE_WORDS = {"done", "close", "update", "reopen", "undo", "iam", "action", "decision", "meeting", "email"}
CONFIRM_REPORTED = re.compile(
    r"(?:confirm|close|done)\s+(?:all\s+)?(?:the\s+)?reported(?:\s+done)?(?:\s+(?P<group>[A-Za-z]{2,10}))?",
    re.IGNORECASE,
)
QUESTIONS_ONLY = (
    "I only answer questions here. Make changes with tmag-bot done, update or reopen, or in tmag-bot chat."
)


def options(text: str) -> tuple[str, dict[str, str]]:
    """ "Publish the plan owner: Programme (PMO) due: 20/09/23" -> ("Publish the plan", {...})."""
    parts = OPTION.split(text)
    head, found = parts[0].strip(), {}
    for name, value in zip(parts[1::2], parts[2::2], strict=False):
        found[name.lower().rstrip("s")] = value.strip()
    return head, found


async def group_codes(services) -> set[str]:
    async with services.db.read() as session:
        return await group_queries.group_codes(session)


async def leading_refs(services, text: str, person: Person | None) -> tuple[list[str], str]:
    """The action refs a change starts with ("TMAG04-01 TMAG06-02, TMAG06-04 and 07-1 - note"), and the
    note after them."""
    codes = await group_codes(services)
    refs: list[str] = []
    position = 0
    for ref, start, end in find_refs(text, codes, which_group(codes, person), loose=True):
        if ref.kind != "action" or not re.fullmatch(r"[\s,;&+]*(?:and\s+)?", text[position:start], re.I):
            break
        refs.append(ref.canonical)
        position = end
    return list(dict.fromkeys(refs)), text[position:]


async def is_change(services, text: str, person: Person | None) -> bool:
    """Whether a message asks for a change (not a question): `ask` answers questions only."""
    word = text.split(" ", 1)[0].lower()
    if word in CHANGE_WORDS or CONFIRM_REPORTED.fullmatch(text):
        return True
    if word in ("digest", "secretariat") and re.match(r"^\S+\s+here\b", text, re.IGNORECASE):
        return True
    if word == "report" and re.match(r"^report\s+draft\b", text, re.IGNORECASE):
        return True
    codes = await group_codes(services)
    return parse_statement(text, codes, which_group(codes, person)) is not None


async def run_text(services, text: str, person: Person, turn) -> Outcome:
    """A message's command or question, answered."""
    text = " ".join((text or "").split())
    if len(text) > MAX_COMMAND:
        return refusal(f"That is too long for me ({len(text)} characters; the most is {MAX_COMMAND}).")
    if not text or text.lower() in {"help", "?", "commands"}:
        return Outcome([Shown("help", help_pieces())])
    if turn.questions_only and await is_change(services, text, person):
        return refusal(QUESTIONS_ONLY)
    word, _, rest = text.partition(" ")
    word, rest = word.lower(), rest.strip()
    if found := CONFIRM_REPORTED.fullmatch(text):
        code = found["group"].upper() if found["group"] else None
        result = await confirm_reported(
            services.db, person, services.clock, group_code=code, source=turn.source
        )
        return changed([result])
    simple = {
        "mine": "what is open for me",
        "show": f"show {rest}",
        "next": f"when is the next {rest or 'meeting'}",
        "decisions": f"what did we decide about {rest}" if rest else "recent decisions",
    }
    if word in simple:
        return await question(services, simple[word], person, shown_as=text)
    if word in ("open", "overdue"):
        wanted = (
            f"what is {word} {rest}" if rest else f"what is {word}" + (" for me" if word == "open" else "")
        )
        return await question(services, wanted, person, shown_as=text)
    if word == "who" and (await leading_refs(services, rest, person))[0]:
        return await question(services, f"who owns {rest}", person, shown_as=text)
    if word in ("done", "close"):
        return await change(services, "close", rest, person, turn)
    if word in ("update", "reopen"):
        return await change(services, word, rest, person, turn)
    if word == "undo":
        return changed([await undo_last(services.db, person, services.clock, source=turn.source)])
    if word == "iam":
        return await iam(services, rest, person, turn)
    if word == "whoami":
        return note(links.whoami(person, turn.place.platform))
    if word == "email":
        return await email_choice(services, rest, person, turn)
    if word == "digest":
        return await digest(services, rest, person, turn)
    if word == "secretariat" and re.match(r"^here\b", rest, re.IGNORECASE):
        return await secretariat_here(services, rest[4:].strip(), person, turn)
    if word == "action" and rest.lower().startswith("add"):
        return await _add_action(services, rest[3:].strip(), person, turn)
    if word == "decision" and rest.lower().startswith("add"):
        return await _add_decision(services, rest[3:].strip(), person)
    if word == "meeting":
        return await meeting_command(services, rest, person)
    if word == "report" and re.match(r"^draft\b", rest, re.IGNORECASE):
        return await report_draft(services, rest[5:].strip(), person)
    codes = await group_codes(services)
    statement = parse_statement(text, codes, which_group(codes, person))
    if statement is not None:
        return await change(services, statement.verb, f"{statement.ref} {statement.note or ''}", person, turn)
    return await question(services, text, person)


EMAIL_CHOICES = {"me": reach.EMAIL, "me only": reach.EMAIL, "me too": reach.BOTH, "off": reach.CHAT}


async def email_choice(services, rest: str, person: Person, turn) -> Outcome:
    """`email me` (digests and reminders by email only), `email me too` (chat and email), `email off`
    (chat only); `email` alone says how they reach you now. A claimed link cannot choose for the member
    it claims."""
    wanted = EMAIL_CHOICES.get(" ".join(rest.lower().split()))
    if rest and wanted is None:
        return refusal("Try: email me · email me too · email off")
    if person.member is None:
        return refusal(
            "You are not linked to a member of the group's reports. Say who you are: iam FIRST LAST."
        )
    if person.link not in TRUSTED:
        return refusal(
            f"You are linked to {person.member.name} by your own word: once the secretariat confirms it, "
            "you can choose how digests and reminders reach you."
        )
    async with services.db.read() as session:  # as it is now (the person may have been read before)
        member = await member_queries.member_by_id(session, person.member.id) or person.member
    if wanted is None:
        where = f" Your address on record: {reach.masked(member.email)}." if member.email else ""
        return note(
            f"Digests and reminders reach you {reach.choice_words(reach.choice(member))}.{where} "
            "Change it with email me, email me too or email off."
        )
    ok, message = await reach.set_notify(
        services.db, services.clock, member.id, wanted, by=person, source=turn.place.platform
    )
    if ok and wanted in (reach.EMAIL, reach.BOTH):
        message += f" They go to {reach.masked(member.email)}."
    return note(message) if ok else refusal(message)


async def question(services, text: str, person: Person, *, shown_as: str | None = None) -> Outcome:
    """A question's answer: its first page, whose buttons carry the question to show it again."""
    answer = await ask(services.db, text, person, services.clock)
    if answer.intent == "help":
        return Outcome([Shown("help", help_pieces(answer.note), answer=answer)])
    pieces = answer_pieces(answer, services.clock.today(), view=View(shown_as or text))
    return Outcome([Shown("answer", pieces, answer=answer)])


def changed(results) -> Outcome:
    """Changes made (each with Undo) or refused."""
    kind = "change" if any(r.ok for r in results) else "refusal"
    return Outcome([Shown(kind, change_pieces(results), changes=list(results))])


async def change(services, verb: str, refs_and_note: str, person: Person, turn) -> Outcome:
    refs, said = await leading_refs(services, refs_and_note, person)
    said = re.sub(r"^[-:–—]\s*", "", said.strip())
    if not refs:
        ref = refs_and_note.split(" ", 1)[0]
        if not ref:
            return refusal(f"Which action? {verb} REF")
        refs = [ref]  # not a ref as written: change_action says what is wrong with it
    results = await change_actions(
        services.db, refs, verb, person, services.clock, note=said or None, source=turn.source
    )
    return changed(results)


async def iam(services, name: str, person: Person, turn) -> Outcome:
    """`iam NAME` on a chat platform: a claim (bot/people/links.py). The console's is its own."""
    if turn.user is None:
        return refusal("Say who you are with --as NAME.")
    outcome = await links.claim(services.db, services.clock, turn.user, name, turn.lookup, by=person)
    await tell_secretariat(services.db, outcome.notices, services.tellers)
    if outcome.question is not None:
        return Outcome([question_shown(outcome.question, turn.place.platform)])
    return note(outcome.message) if outcome.ok else refusal(outcome.message)


def question_shown(question: links.IdentityQuestion, platform: str) -> Shown:
    """ "Are you Kate Goodman?" with Yes and No."""

    data = {"member": question.member_id}
    buttons = (
        Button(f"Yes, I'm {question.member_name}", CONFIRM_IDENTITY, data, "primary"),
        Button("No", DENY_IDENTITY, data),
    )
    return Shown("question", [Piece("question", question.text(platform), buttons=buttons)])


async def digest(services, rest: str, person: Person, turn) -> Outcome:
    """`digest [GROUP]`: the next meeting's digest as it will be posted; `digest here [GROUP]` points a
    group's digests at this channel (the secretariat's)."""

    words = rest.split()
    here = bool(words) and words[0].lower() == "here"
    codes = await group_codes(services)
    named = [w.upper() for w in words if w.lower() not in {"here", "next"}]
    code = which_group(codes, person, named) or (named[0] if named else None)
    if here:
        if turn.place.kind != "channel" or not turn.place.address:
            return refusal(
                "digest here works in a Slack or Teams channel (mention me there); from the command line: "
                "tmag-bot group set GROUP --channel ID."
            )
        if not code:
            return refusal(f"Which group? digest here GROUP ({', '.join(sorted(codes))}).")
        ok, message = await set_channel(services.db, person, code, turn.place.platform, turn.place.address)
        return made(message) if ok else refusal(message)
    if not code:
        return refusal(f"Which group? digest GROUP ({', '.join(sorted(codes)) or 'none known yet'}).")
    found = await next_digest(services.db, code, services.clock)
    if found is None:
        return note(f"I know of no upcoming {code} meeting.")
    mine, overdue = ASKING.get(turn.place.platform, ASKING["slack"])
    pieces = message_pieces(channel_message(found, "digest", mine))
    for message in thread_messages(found, overdue):
        pieces += message_pieces(message)
    return Outcome([Shown("answer", pieces)])


async def secretariat_here(services, rest: str, person: Person, turn) -> Outcome:
    """`secretariat here [GROUP]`: identity claims are told in this channel."""
    if turn.place.kind != "channel" or not turn.place.address:
        return refusal("secretariat here works in a Slack or Teams channel (mention me there).")
    codes = await group_codes(services)
    code = which_group(codes, person, [w.upper() for w in rest.split()])
    if not code:
        return refusal(f"Which group? secretariat here GROUP ({', '.join(sorted(codes))}).")
    ok, message = await set_secretariat_channel(
        services.db, person, code, turn.place.platform, turn.place.address
    )
    return made(message) if ok else refusal(message)


async def report_draft(services, text: str, person: Person) -> Outcome:
    """`report draft [GROUP] [next|NUMBER|DATE]`: the secretariat's Word draft of a meeting's report."""

    if not person.is_secretariat:
        return refusal("Only the secretariat can draft the report.")
    words = text.split()
    codes = await group_codes(services)
    group = which_group(codes, person, [w.upper() for w in words])
    if not group:
        return refusal(f"Which group? report draft GROUP ({', '.join(sorted(codes))}).")
    wanted = next((w for w in words if w.upper() not in codes), "next")
    clock = services.clock
    try:
        draft = await draft_for(services.db, group, wanted, clock)
    except MeetingNotFound as exc:
        return refusal(f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
    data = await asyncio.to_thread(write_docx, draft)
    open_count = sum(1 for row in draft.previous if row.status == "Open")
    when = f"{draft.meeting.date:%A %d %B %Y}"
    said = (
        f"Here is the draft headline report for {draft.group_code} on {when}: {open_count} open "
        f"actions carried over, {len(draft.previous) - open_count} closed since the last meeting. "
        "Check every row, add the meeting's actions and decisions, then publish it."
    )
    recipe = {
        "group": draft.group_code,
        "meeting": draft.meeting.date.isoformat(),
        "now": clock.now().isoformat(),
    }
    file = ReplyFile(draft.file_name, data, f"{draft.group_code} headline report draft", recipe)
    outcome = note(said)
    outcome.shown[0].kind, outcome.shown[0].file = "file", file
    return outcome


async def _add_action(services, text: str, person: Person, turn) -> Outcome:
    body, found = options(text)
    due = None
    if found.get("due"):
        due = parse_date(found["due"])
        if due is None:
            return refusal(f"“{found['due']}” is not a date (try 20/09/23 or 20 September 2023).")
    group = await _group_for_change(services, person, found.get("group"))
    if group is None:
        return refusal(_which("action add TEXT", await group_codes(services)))
    result = await add_action(
        services.db,
        person,
        services.clock,
        text=body,
        group_code=group,
        owner=found.get("owner"),
        due=due,
        area=found.get("area"),
        ref=found.get("ref"),
        source=turn.source,
    )
    return made(result.message) if result.ok else refusal(result.message)


async def _add_decision(services, text: str, person: Person) -> Outcome:
    body, found = options(text)
    group = await _group_for_change(services, person, found.get("group"))
    if group is None:
        return refusal(_which("decision add TEXT", await group_codes(services)))
    result = await add_decision(
        services.db,
        person,
        services.clock,
        text=body,
        group_code=group,
        area=found.get("area"),
        ref=found.get("ref"),
    )
    return made(result.message) if result.ok else refusal(result.message)


async def _group_for_change(services, person: Person, named: str | None) -> str | None:
    if named:
        return named.upper()
    return which_group(await group_codes(services), person)


def _which(usage: str, codes: set[str]) -> str:
    return f"Which group? {usage} group: CODE ({', '.join(sorted(codes)) or 'none known yet'})."


def _group_of(text: str) -> tuple[str | None, str]:
    found = re.search(r"\bgroup\s+([A-Za-z]{2,10})\b", text, re.IGNORECASE)
    if found:
        return found.group(1).upper(), (text[: found.start()] + text[found.end() :]).strip()
    return None, text


async def meeting_command(services, text: str, person: Person) -> Outcome:
    """`meeting add 2023-08-30 10:00 extraordinary [group G]`, `meeting move 2023-09-20 to 2023-09-27
    [14:00]`, `meeting cancel 2023-09-20`: for the secretariat, from Slack, Teams or the console."""
    verb, _, rest = text.strip().partition(" ")
    code, rest = _group_of(rest)
    code = code or which_group(await group_codes(services), person)
    dates = find_dates(rest)
    usage = "meeting add DATE [TIME] [extraordinary] · meeting move DATE to DATE [TIME] · meeting cancel DATE"
    if verb.lower() not in ("add", "move", "cancel") or not dates:
        return refusal(f"Try: {usage}")
    if not code:
        return refusal(
            _which(f"meeting {verb.lower()} DATE", await group_codes(services)).replace(" group:", " group")
        )
    db, clock = services.db, services.clock
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
            return refusal("Move it to when? meeting move DATE to DATE [TIME]")
        start, _ = parse_time_range(rest[dates[1][2] :])
        result = await move_meeting(
            db, person, clock, group_code=code, day=dates[0][0], to=dates[1][0], start=start
        )
    else:
        result = await cancel_meeting(db, person, clock, group_code=code, day=dates[0][0])
    return made(result.message) if result.ok else refusal(result.message)
