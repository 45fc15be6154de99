"""An answer laid out for a chat platform: the same pieces, in the same order, on Slack and on Teams.

A platform turns each piece into its own elements (Slack blocks, Adaptive Card elements); what is shown,
in which order, how many per page and where a page ends is decided here once. All text in the pieces is
plain: stored and user text as written, never markup (each platform shows it inertly).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.conversation.answers import Answer, Item
from bot.conversation.help import HELP
from bot.conversation.render import compact_line, detail_lines, meeting_line, member_line, shorten, when

PAGE = 20  # items per message; the rest behind "Show more"
TITLED = ("named", "role", "organisation", "group", "closest", "no_news")


@dataclass(frozen=True)
class Piece:
    """One piece of an answer as shown in chat.

    kind: heading | title | item | brief | more | note | next_page | detail
    text: what it says (plain text; an item's two lines)
    ref: the action it is about, when it offers Mark done
    offset: where the next page starts (next_page)
    """

    kind: str
    text: str
    ref: str | None = None
    offset: int | None = None


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


def answer_pieces(answer: Answer, today: date, *, offset: int = 0, page: int = PAGE) -> list[Piece]:
    """The answer as pieces: heading, detail, each section's items (at most `page` from `offset`), brief
    lists on the first page, counts of what is not listed, the note, and where the next page starts."""
    if answer.intent == "help":
        return [Piece("note", (answer.note + "\n" if answer.note else "") + HELP)]
    pieces = [Piece("heading", answer.heading)]
    if answer.detail is not None:
        pieces += detail_pieces(answer, today)
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
            pieces.append(Piece("item", item_text(item, today), done_ref(item)))
            shown += 1
        if more:
            break
        if section.total > len(section.items) and shown:
            pieces.append(Piece("more", f"{section.more()} {section.title.lower()}"))
    if more:
        pieces.append(Piece("next_page", "Show more", offset=offset + shown))
    if answer.note:
        pieces.append(Piece("note", answer.note))
    return pieces


def detail_pieces(answer: Answer, today: date) -> list[Piece]:
    """`show REF`: the action (with Mark done while it is open) and then its details and history."""
    item = answer.detail.item
    lines = detail_lines(answer.detail, today)
    pieces = []
    if item.kind == "action":
        pieces.append(Piece("item", f"{item.ref}: {lines[0]}", done_ref(item)))
        lines = lines[1:]
    if lines:
        pieces.append(Piece("detail", "\n".join(line.rstrip() for line in lines)))
    return pieces
