"""What the bot shows in chat, laid out once for every platform: pieces of text, in order, with the
buttons each offers.

A platform turns each piece into its own elements (Slack blocks, Adaptive Card elements) and each
button into its own (a Block Kit button, an Action.Execute); what is shown, in which order, how many per
page, where a page ends and what every button does are decided here. All text in the pieces is plain:
stored and user text as written, never markup (each platform shows it inertly).

A card that lists several items knows its view (an answer's question and page, a digest's part), so a
button pressed on one item shows the card again with that item changed and the rest as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.conversation.answers import Answer, Item
from bot.conversation.help import HELP
from bot.conversation.render import compact_line, detail_lines, meeting_line, member_line, shorten, when
from bot.digests.layout import Message
from bot.people.notices import ClaimNotice, Notice, UploadNotice

PAGE = 20  # items per message; the rest behind "Show more"
TITLED = ("named", "role", "organisation", "group", "closest", "no_news")
MAX_QUESTION = 1500  # characters of a question a button carries to show its answer again

# What a button asks for (each platform maps these to its own action ids and verbs).
MARK_DONE = "mark_done"  # ref (view), note
UNDO = "undo"  # event (view)
PAGE_TO = "page"  # view: the same answer at another page
CONFIRM_REPORTED = "confirm_reported"  # group (view)
IMPORT_UPLOAD = "import_upload"  # upload
CANCEL_UPLOAD = "cancel_upload"  # upload
PREVIEW_UPLOAD = "preview_upload"  # upload: a report offered to the secretariat, read now
CONFIRM_IDENTITY = "confirm_identity"  # member
DENY_IDENTITY = "deny_identity"  # member
CONFIRM_CLAIM = "confirm_claim"  # member, platform, user
REJECT_CLAIM = "reject_claim"  # member, platform, user
ADD_UPDATE = "add_update"  # ref, note (the page an email links to)
NOT_MINE = "not_mine"  # ref, note: the member says it is not theirs; the secretariat is told
VERBS = frozenset(
    {
        ADD_UPDATE,
        NOT_MINE,
        MARK_DONE,
        UNDO,
        PAGE_TO,
        CONFIRM_REPORTED,
        IMPORT_UPLOAD,
        CANCEL_UPLOAD,
        PREVIEW_UPLOAD,
        CONFIRM_IDENTITY,
        DENY_IDENTITY,
        CONFIRM_CLAIM,
        REJECT_CLAIM,
    }
)


@dataclass(frozen=True)
class View:
    """What a card shows, so that it can be shown again: an answer (its question and page), or a part
    of a digest (its group, meeting, slot and part)."""

    question: str | None = None
    offset: int = 0
    group: str | None = None
    meeting: str | None = None  # ISO date
    extraordinary: bool = False
    slot: str | None = None  # digest | reminder | due (whose `meeting` is the day its actions fall due)
    part: str | None = None  # channel | thread:N | dm:MEMBER_ID

    @property
    def is_digest(self) -> bool:
        return self.group is not None

    def at(self, offset: int) -> View:
        return View(self.question, offset)

    def to_data(self) -> dict:
        if self.is_digest:
            return {
                "g": self.group,
                "d": self.meeting,
                "x": int(self.extraordinary),
                "s": self.slot,
                "p": self.part,
            }
        return {"q": (self.question or "")[:MAX_QUESTION], "o": self.offset}

    @classmethod
    def from_data(cls, data) -> View | None:
        """A view as a button carried it; None for anything that is not one of ours."""
        if not isinstance(data, dict):
            return None
        if isinstance(data.get("q"), str) and _small(data.get("o")) is not None:
            return cls(data["q"][:MAX_QUESTION], _small(data["o"]))
        fields = [data.get(k) for k in ("g", "d", "s", "p")]
        if all(isinstance(f, str) and 0 < len(f) <= 40 for f in fields) and fields[2] in (
            "digest",
            "reminder",
            "due",
        ):
            return cls(
                group=fields[0].upper(),
                meeting=fields[1],
                extraordinary=bool(data.get("x")),
                slot=fields[2],
                part=fields[3],
            )
        return None


def _small(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 <= value <= 100_000:
        return value
    if isinstance(value, str) and value.isdigit() and len(value) <= 6:
        return int(value)
    return None


@dataclass(frozen=True)
class Button:
    label: str
    verb: str
    data: dict
    style: str | None = None  # primary | danger


@dataclass(frozen=True)
class Piece:
    """One piece of what the bot shows.

    kind: heading | title | item | brief | more | note | detail | pager | change | question | lead |
          section | text | context
    text: what it says (plain text; an item's two lines)
    ref: the action an item is about
    buttons: what can be pressed beside it
    """

    kind: str
    text: str
    ref: str | None = None
    buttons: tuple[Button, ...] = ()


def done_button(ref: str, view: View | None) -> Button:
    data = {"ref": ref} | ({"view": view.to_data()} if view else {})
    return Button("Mark done", MARK_DONE, data, "primary")


def undo_button(event_id: int, view: View | None = None, label: str = "Undo") -> Button:
    data = {"event": event_id} | ({"view": view.to_data()} if view else {})
    return Button(label, UNDO, data)


def item_text(item: Item, today: date) -> str:
    """An item as two short lines: what it is, and who and when."""
    if item.kind == "action":
        status = " (closed)" if item.status == "closed" else ""
        flag = "⚠️ " if item.overdue else ""
        lines = [f"{flag}{item.ref}{status}: {shorten(item.text, 300)}"]
        details = [item.owner] if item.owner else []
        if item.status == "open":
            details.append(
                f"due {when(item.due, today)}" if not item.reported_done else "reported done, to confirm"
            )
        if details:
            lines.append(" · ".join(details))
        return "\n".join(lines)
    if item.kind == "decision":
        where = f" (at {item.group} {item.meeting})" if item.meeting else ""
        return f"{item.ref}{where}: {item.text}"
    if item.kind == "member":
        return member_line(item).lstrip("• ")
    return meeting_line(item).lstrip("• ")


def done_ref(item: Item) -> str | None:
    """The ref a Mark done button on this item closes (open actions only)."""
    return item.ref if item.kind == "action" and item.status == "open" else None


def item_piece(item: Item, today: date, view: View | None) -> Piece:
    ref = done_ref(item)
    return Piece("item", item_text(item, today), item.ref, (done_button(ref, view),) if ref else ())


def answer_pieces(
    answer: Answer, today: date, *, offset: int = 0, page: int = PAGE, view: View | None = None
) -> list[Piece]:
    """The answer as pieces: heading, detail, each section's items (at most `page` from `offset`), brief
    lists on the first page, counts of what is not listed, the note, and the buttons to page back and
    on. `view` is the answer's question, which its buttons carry to show it again."""
    if answer.intent == "help":
        return [Piece("note", (answer.note + "\n" if answer.note else "") + HELP)]
    view = view.at(offset) if view else None
    pieces = [Piece("heading", answer.heading)]
    if answer.detail is not None:
        pieces += detail_pieces(answer, today, view)
    shown = position = 0
    more = False
    for section in answer.sections:
        if section.compact:  # a brief list: one piece, on the first page only
            if offset == 0 and section.items:
                pieces.append(Piece("title", section.title))
                pieces.append(Piece("brief", "\n".join(compact_line(i, today) for i in section.items)))
            continue
        titled = False
        for item in section.items:
            position += 1
            if position <= offset:
                continue
            if shown >= page:
                more = True
                break
            if not titled and (len(answer.sections) > 1 or section.reason in TITLED):
                pieces.append(Piece("title", section.title))
                titled = True
            pieces.append(item_piece(item, today, view))
            shown += 1
        if more:
            break
        if section.total > len(section.items) and shown:
            pieces.append(Piece("more", f"{section.more()} {section.title.lower()}"))
    pager = []
    if offset > 0 and view is not None:
        pager.append(Button("Show previous", PAGE_TO, {"view": view.at(max(0, offset - page)).to_data()}))
    if more and view is not None:
        pager.append(Button("Show more", PAGE_TO, {"view": view.at(offset + shown).to_data()}))
    if pager:
        pieces.append(Piece("pager", "", buttons=tuple(pager)))
    if answer.note:
        pieces.append(Piece("note", answer.note))
    return pieces


def detail_pieces(answer: Answer, today: date, view: View | None = None) -> list[Piece]:
    """`show REF`: the action (with Mark done while it is open) and then its details and history."""
    item = answer.detail.item
    lines = detail_lines(answer.detail, today)
    pieces = []
    if item.kind == "action":
        ref = done_ref(item)
        buttons = (done_button(ref, view),) if ref else ()
        pieces.append(Piece("item", f"{item.ref}: {lines[0]}", item.ref, buttons))
        lines = lines[1:]
    if lines:
        pieces.append(Piece("detail", "\n".join(line.rstrip() for line in lines)))
    return pieces


def message_pieces(message: Message, view: View | None = None) -> list[Piece]:
    """A digest message (bot.digests.layout) as pieces; its items' buttons carry its view."""
    kinds = {"heading": "lead", "title": "section", "text": "text", "context": "context"}
    pieces = []
    for kind, text, ref in message.lines:
        if kind == "item":
            buttons = (done_button(ref, view),) if ref else ()
            pieces.append(Piece("item", text, ref, buttons))
        else:
            pieces.append(Piece(kinds.get(kind, "text"), text))
    if message.confirm:
        data = {"group": message.confirm} | ({"view": view.to_data()} if view else {})
        confirm = Piece("pager", "", buttons=(Button("Confirm all as done", CONFIRM_REPORTED, data),))
        pieces.insert(len(pieces) - 1, confirm)
    return pieces


def change_pieces(results, view: View | None = None) -> list[Piece]:
    """Changes made or refused. The changes one request made are one change: a single Undo, after the
    last of them, takes them all back."""
    pieces = [
        Piece("change", f"✅ {r.message}" if r.ok and not r.undone else r.message, r.ref) for r in results
    ]
    made = [i for i, r in enumerate(results) if r.ok and r.event_id and not r.undone]
    if made:
        last, first = made[-1], results[made[0]]
        label = "Undo" if len(made) == 1 else f"Undo all {len(made)}"
        undo = undo_button(first.event_id, view, label)
        pieces[last] = Piece("change", pieces[last].text, pieces[last].ref, (undo,))
    return pieces


def changed_item(item: Item | None, ref: str, result, today: date, view: View | None) -> Piece:
    """An item a button just changed, as it is now: its new state, and Undo (or Mark done again)."""
    text = item_text(item, today) if item is not None else ref
    if result.ok and result.event_id and not result.undone:
        return Piece("item", f"✅ {text}", ref, (undo_button(result.event_id, view),))
    return item_piece(item, today, view) if item is not None else Piece("item", text, ref)


def notice_pieces(notice: Notice) -> list[Piece]:
    """What the secretariat is told (bot/people/notices.py), with what they can press."""
    if isinstance(notice, ClaimNotice):
        data = {"member": notice.member_id, "platform": notice.platform, "user": notice.user_id}
        buttons = (
            Button("Confirm", CONFIRM_CLAIM, data, "primary"),
            Button("Reject", REJECT_CLAIM, data, "danger"),
        )
        return [Piece("question", notice.text(), buttons=buttons)]
    if isinstance(notice, UploadNotice):
        data = {"upload": notice.upload_id}
        buttons = (
            Button("Preview", PREVIEW_UPLOAD, data, "primary"),
            Button("Import", IMPORT_UPLOAD, data),
            Button("Decline", CANCEL_UPLOAD, data, "danger"),
        )
        return [Piece("question", notice.text(), buttons=buttons)]
    return [Piece("note", notice.text())]


def help_pieces(note: str | None = None) -> list[Piece]:
    return [Piece("note", (note + "\n" if note else "") + HELP)]


def plain_text(pieces: list[Piece]) -> list[str]:
    """What the pieces say, as lines of plain text (the console; comparing what platforms show)."""
    return [piece.text for piece in pieces if piece.text]
