"""One way in: every platform and the command line take the same path from a message to an answer.

A turn is who (a chat user, resolved here once, or a person the console or command line already
knows), where (a platform, a personal chat or a channel), and what: the text they wrote, or the button
they pressed with its data. `take_turn` is the one function that answers it; Slack, Teams, the
console and `ask` only translate their messages into a turn and the outcome (bot/conversation/
outcome.py) back into blocks, cards or lines. Who is asking (links, questions, rights) is resolved here
for every platform; claims it makes are told to the secretariat here.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.conversation import commands
from bot.conversation.answers import action_item, ask
from bot.conversation.commands import changed, group_codes, question_shown
from bot.conversation.groups import which_group
from bot.conversation.layout import (
    ADD_UPDATE,
    CANCEL_UPLOAD,
    CONFIRM_CLAIM,
    CONFIRM_IDENTITY,
    CONFIRM_REPORTED,
    DENY_IDENTITY,
    IMPORT_UPLOAD,
    MARK_DONE,
    NOT_MINE,
    PAGE_TO,
    PREVIEW_UPLOAD,
    REJECT_CLAIM,
    UNDO,
    Piece,
    View,
    answer_pieces,
    change_pieces,
    changed_item,
)
from bot.conversation.outcome import Outcome, Shown, note, refusal
from bot.conversation.sharing import SharedFile, preview_pressed, share_file
from bot.conversation.statements import parse_statement
from bot.digests.views import digest_pieces
from bot.people import links
from bot.people.identity import Person
from bot.people.links import ChatUser, ProfileLookup
from bot.people.notices import tell_secretariat
from bot.record.changes import change_action, change_actions, confirm_reported, disown, undo_change
from bot.record.refs import find_refs
from bot.record.uploads import cancel_held, import_held
from bot.services import Services
from storage.queries import actions as action_queries

CLOSE_CHOSEN = "close_chosen"  # a message action's submission: refs and a note
REACT_DONE = "react_done"  # a ✅ reaction on a message about one action: ref
MAX_CHOSEN = 10
REF_TEXT = re.compile(r"[A-Za-z0-9 ._-]{1,40}")


@dataclass(frozen=True)
class Place:
    """Where a turn happens: the platform, a personal chat or a channel, and the channel's address (a
    Slack channel id, a Teams conversation reference) for `digest here`."""

    platform: str  # slack | teams | console | cli | email
    kind: str = "personal"  # personal | channel | home
    address: str | None = None


@dataclass
class Turn:
    place: Place
    user: ChatUser | None = None  # a chat user, resolved by the core
    lookup: ProfileLookup | None = None  # what the platform says of them, when the core asks
    person: Person | None = None  # or a person already known (the console's --as, the command line's)
    text: str | None = None
    verb: str | None = None  # a button pressed (bot/conversation/layout.py), with its data
    data: dict = field(default_factory=dict)
    # Where a change came from, for the audit trail (a permalink, "teams:card"); or how to find out,
    # asked only when a change is made (a permalink costs the platform a call).
    source: str | Callable[[], Awaitable[str]] = "console"
    overheard: bool = False  # a channel message not addressed to the bot: only "REF done" counts
    file: SharedFile | None = None  # a file shared with the bot (the text, if any, is its message)
    questions_only: bool = False  # `ask`: questions, never changes


async def take_turn(services: Services, turn: Turn) -> Outcome:
    """Answer a turn: who is asking, then what they wrote or pressed."""
    if turn.overheard and not await _may_be_statement(services, turn.text or ""):
        return Outcome()
    resolution = await _who(services, turn)
    person = resolution.person
    if not turn.overheard:
        await _settle_source(turn)
    if turn.file is not None:
        outcome = await share_file(
            services,
            person,
            turn.file,
            user=turn.user,
            sharer=_who_as(person, turn),
            where=turn.place.address or turn.place.platform,
            in_channel=turn.place.kind != "personal",
        )
    elif turn.verb is not None:
        outcome = await _press(services, person, turn)
    elif turn.overheard:
        outcome = await _statement(services, person, turn)
    else:
        outcome = await commands.run_text(services, turn.text or "", person, turn)
    said = []
    if resolution.told and not outcome.silent:
        said.append(Shown("note", [Piece("note", resolution.told)]))
    if resolution.question is not None:
        said.append(question_shown(resolution.question, turn.place.platform))
    outcome.shown = outcome.shown + said if outcome.replace else said + outcome.shown
    outcome.person = person
    return outcome


async def _settle_source(turn: Turn) -> None:
    if callable(turn.source):
        turn.source = await turn.source()


async def _who(services: Services, turn: Turn) -> links.Resolution:
    if turn.person is not None or turn.user is None:
        return links.Resolution(turn.person or Person(name="someone"))
    resolution = await links.resolve(services.db, services.clock, turn.user, turn.lookup)
    if resolution.notices:
        await tell_secretariat(services.db, resolution.notices, services.tellers)
    return resolution


# --- channel messages the bot overhears ---------------------------------------------------------


async def _may_be_statement(services: Services, text: str) -> bool:
    """Cheaply, before anyone is identified: could this channel message be "REF done"?"""
    return bool(re.search(r"\d", text)) and bool(await group_codes(services))


async def _statement(services: Services, person: Person, turn: Turn) -> Outcome:
    """ "TMAG22-01 done - uploaded" in a channel: the change (or why not: already closed, not theirs),
    told to its author alone, with Undo; anything else said in a channel is none of the bot's business."""
    codes = await group_codes(services)
    statement = parse_statement(" ".join((turn.text or "").split()), codes, which_group(codes, person))
    if statement is None:
        return Outcome()
    await _settle_source(turn)
    result = await change_action(
        services.db,
        statement.ref,
        statement.verb,
        person,
        services.clock,
        note=statement.note,
        source=turn.source,
    )
    return changed([result])


async def actions_named(services: Services, text: str, person: Person | None) -> list[tuple[str, str]]:
    """The known actions a message names (ref, text), for the message action "Mark action done"."""
    codes = await group_codes(services)
    refs = [
        r.canonical
        for r, _, _ in find_refs(text or "", codes, which_group(codes, person), loose=True)
        if r.kind == "action"
    ]
    found = []
    async with services.db.read() as session:
        for ref in dict.fromkeys(refs):
            known = await action_queries.action_by_ref(session, ref)
            if known is not None:
                found.append((ref, known[0].text))
    return found


# --- buttons --------------------------------------------------------------------------------------


async def _press(services: Services, person: Person, turn: Turn) -> Outcome:
    """A button: the change it asks for, and the card shown again with that change (its other items as
    they were), or in its place what became of it."""
    verb, data = turn.verb, turn.data if isinstance(turn.data, dict) else {}
    view = View.from_data(data.get("view"))
    db, clock = services.db, services.clock
    if verb in (MARK_DONE, REACT_DONE) and _ref(data.get("ref")):
        ref = _ref(data["ref"])
        before = await render(services, person, view, turn) if view else None
        note_text = (data["note"].strip() or None) if isinstance(data.get("note"), str) else None
        result = await change_action(db, ref, "close", person, clock, note=note_text, source=turn.source)
        if verb == REACT_DONE and not result.ok and result.status == "closed":
            return Outcome()  # already closed: nothing to say
        if before is not None:
            return Outcome([await _patched(services, before, ref, result, view)], replace=True)
        return _changed_in_place([result])
    if verb == ADD_UPDATE and _ref(data.get("ref")):
        said = data.get("note") if isinstance(data.get("note"), str) else ""
        result = await change_action(
            db, _ref(data["ref"]), "update", person, clock, note=said.strip() or None, source=turn.source
        )
        return _changed_in_place([result])
    if verb == NOT_MINE and _ref(data.get("ref")):
        said = data.get("note") if isinstance(data.get("note"), str) else None
        result, notice = await disown(db, _ref(data["ref"]), person, clock, note=said, source=turn.source)
        if notice is not None:
            await tell_secretariat(db, [notice], services.tellers)
        return _changed_in_place([result])
    if verb == UNDO and _number(data.get("event")) is not None:
        result = await undo_change(db, _number(data["event"]), person, clock, source=turn.source)
        after = await render(services, person, view, turn) if view and result.ok else None
        if after is not None:
            return Outcome(
                [Shown("answer", [Piece("note", result.message), *after], changes=[result])], replace=True
            )
        if view is not None and not result.ok:
            before = await render(services, person, view, turn)
            if before is not None:
                return Outcome(
                    [Shown("answer", [Piece("note", result.message), *before], changes=[result])],
                    replace=True,
                )
        return _changed_in_place([result])
    if verb == PAGE_TO and view is not None:
        pieces = await render(services, person, view, turn)
        if pieces is None:
            return Outcome(
                [Shown("note", [Piece("note", "That list is no longer there; ask again.")])], replace=True
            )
        return Outcome([Shown("answer", pieces)], replace=True)
    if (
        verb == CONFIRM_REPORTED
        and isinstance(data.get("group"), str)
        and re.fullmatch(r"[A-Za-z]{2,10}", data["group"])
    ):
        before = await render(services, person, view, turn) if view else None
        result = await confirm_reported(
            db, person, clock, group_code=data["group"].upper(), source=turn.source
        )
        if before is not None:
            return Outcome(
                [Shown("answer", [*change_pieces([result], view), *before], changes=[result])], replace=True
            )
        return _changed_in_place([result])
    if verb == CLOSE_CHOSEN:
        chosen = data.get("refs") if isinstance(data.get("refs"), list) else []
        refs = [r for r in (_ref(c) for c in chosen[:MAX_CHOSEN]) if r]
        if not refs:
            return refusal("Choose at least one action.")
        said = data.get("note") if isinstance(data.get("note"), str) else None
        results = await change_actions(
            db, refs, "close", person, clock, note=(said or "").strip()[:2000] or None, source=turn.source
        )
        return changed(results)
    if verb == PREVIEW_UPLOAD and _number(data.get("upload")) is not None:
        return await preview_pressed(services, person, _number(data["upload"]))
    if verb in (IMPORT_UPLOAD, CANCEL_UPLOAD) and _number(data.get("upload")) is not None:
        upload_id, who = _number(data["upload"]), _who_as(person, turn)
        if verb == IMPORT_UPLOAD:
            done, message = await import_held(db, upload_id, person, who, clock)
        else:
            done, message = await cancel_held(db, upload_id, person, who)
        outcome = note(message) if done or message.startswith("Not imported") else refusal(message)
        outcome.replace = outcome.shown[0].kind == "note"
        return outcome
    if verb in (CONFIRM_IDENTITY, DENY_IDENTITY) and _number(data.get("member")) is not None:
        if turn.user is None:
            return refusal("That question is for a chat user.")
        answered = await links.answer_question(
            db,
            clock,
            turn.user,
            _number(data["member"]),
            verb == CONFIRM_IDENTITY,
            turn.lookup,
            by=person,
            command="/tmag iam" if turn.place.platform == "slack" else "iam",
        )
        await tell_secretariat(db, answered.notices, services.tellers)
        return Outcome([Shown("note", [Piece("note", answered.message)])], replace=True)
    if (
        verb in (CONFIRM_CLAIM, REJECT_CLAIM)
        and _number(data.get("member")) is not None
        and data.get("platform") in links.PLATFORM_NAMES
        and isinstance(data.get("user"), str)
        and REF_TEXT.fullmatch(data["user"].replace(":", ""))
    ):
        decided = await links.review_claim(
            db,
            clock,
            person,
            _number(data["member"]),
            data["platform"],
            data["user"],
            verb == CONFIRM_CLAIM,
            source=f"{turn.place.platform}:claim",
        )
        return Outcome(
            [Shown("note" if decided.ok else "refusal", [Piece("note", decided.message)])], replace=decided.ok
        )
    return refusal("That button is not one of mine.")


def _changed_in_place(results) -> Outcome:
    outcome = changed(results)
    outcome.replace = True
    return outcome


async def render(services: Services, person: Person, view: View | None, turn: Turn) -> list[Piece] | None:
    """What a card shows now: an answer's page asked again as this person, or a digest part composed
    again; None when it no longer exists."""
    if view is None:
        return None
    if view.is_digest:
        return await digest_pieces(services.db, view, services.clock, turn.place.platform)
    answer = await ask(services.db, view.question or "", person, services.clock)
    return answer_pieces(answer, services.clock.today(), offset=view.offset, view=view)


async def _patched(services: Services, before: list[Piece], ref: str, result, view: View) -> Shown:
    """The card as it was, with the item just changed shown as it is now (and Undo), or the refusal
    said above it."""
    item = await _item(services, ref)
    pieces = [
        changed_item(item, ref, result, services.clock.today(), view)
        if piece.ref == ref and piece.kind == "item"
        else piece
        for piece in before
    ]
    if not result.ok or not any(p.ref == ref and p.kind == "item" for p in before):
        pieces = [*change_pieces([result], view), *pieces]
    return Shown("answer", pieces, changes=[result])


async def _item(services: Services, ref: str):

    async with services.db.read() as session:
        found = await action_queries.action_by_ref(session, ref)
    if found is None:
        return None
    action, group = found
    return action_item(action, group, "named", services.clock.today())


def _ref(value) -> str | None:
    return value.strip() if isinstance(value, str) and REF_TEXT.fullmatch(value.strip()) else None


def _number(value) -> int | None:
    """An id from a button's data: a whole number of at most 12 digits (anything else is not ours)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 <= value < 10**12:
        return value
    if isinstance(value, str) and value.isdigit() and len(value) <= 12:
        return int(value)
    return None


def _who_as(person: Person, turn: Turn) -> str:
    """Who decided an upload, as the upload records its sharer ("U0ADA", "teams:<object id>")."""
    if turn.user is None:
        return person.display
    return turn.user.user_id if turn.user.platform == "slack" else f"{turn.user.platform}:{turn.user.user_id}"
