"""What a digest says in chat, message by message, the same on Slack and Teams.

The channel message: the meeting, the counts in the order they matter and the few actions that need
attention first. Its thread: the rest of what needs attention, what was reported done (with one button for
the secretariat to confirm them all), the actions with no news since their due date (briefly), open
actions by owner, and what was closed and decided since the last meeting. Each owner's direct message:
their own items. A platform renders each line (kind, text, ref) as its own elements; all text is plain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.conversation.render import shorten, when
from bot.digests.compose import (
    SHOWN,
    Digest,
    DigestAction,
    OwnedItems,
    and_more,
    brief,
    since_line,
    summary_line,
)

CHANNEL_SHOWN = 5  # actions the channel message itself lists; the thread has the rest
# How a member asks for their own items and the overdue ones, on each platform (said in digests).
ASKING = {
    "slack": ("/tmag mine", "/tmag overdue"),
    "teams": ("ask me: what is open for me", "ask me: what is overdue"),
    "email": ("ask the secretariat for the rest", "ask the secretariat for the rest"),
}
LISTED = SHOWN  # actions listed in full per thread message (their details are loaded)


@dataclass
class Message:
    """One message of a digest. lines: (kind, text, ref) with kind heading | title | item | text |
    context, and ref the action an item's Mark done closes. confirm: the group whose reported-done actions
    its button confirms."""

    lines: list[tuple[str, str, str | None]] = field(default_factory=list)
    confirm: str | None = None

    def add(self, kind: str, text: str, ref: str | None = None) -> Message:
        self.lines.append((kind, text, ref))
        return self


def action_line(action: DigestAction, today: date) -> tuple[str, str, str]:
    flag = "⚠️ " if action.overdue else ""
    details = " · ".join(x for x in (action.owner or "", f"due {when(action.due, today)}") if x)
    return "item", f"{flag}{action.ref}: {shorten(action.text, 300)}\n{details}", action.ref


def channel_message(digest: Digest, slot: str, mine: str = "/tmag mine") -> Message:
    title = digest.title()
    if slot == "reminder":
        return Message().add(
            "text",
            f"⏰ Today: {title}\n{digest.counts['attention']} overdue with news, "
            f"{digest.counts['reported']} reported done to confirm, "
            f"{digest.counts['no_news']} with no news since their due date. {mine} shows yours.",
        )
    lines = [f"🗓️ Digest for {title}", summary_line(digest), since_line(digest)]
    if digest.agenda:
        lines.append("Agenda: " + "; ".join(t for _, t, _, _ in digest.agenda))
    if digest.decisions_sought:
        lines.append("Decisions sought: " + "; ".join(digest.decisions_sought))
    message = Message().add("heading", "\n".join(lines))
    attention = digest.needing_attention
    if attention:
        message.add("title", "Needs attention")
        message.lines += [action_line(a, digest.today) for a in attention[:CHANNEL_SHOWN]]
    rest = digest.needing_attention_count - CHANNEL_SHOWN
    more = (
        f"{rest} more needing attention, and the details, in the thread"
        if rest > 0
        else "Details in the thread"
    )
    return message.add("context", f"{more}; owners get their own items by direct message.")


def thread_messages(digest: Digest, overdue: str = "/tmag overdue") -> list[Message]:
    today = digest.today
    messages: list[Message] = []
    later = digest.needing_attention[CHANNEL_SHOWN:][:LISTED]
    later_count = digest.needing_attention_count - CHANNEL_SHOWN
    if later_count > 0:
        message = Message().add("title", f"Also needing attention ({later_count})")
        message.lines += [action_line(a, today) for a in later]
        if later_count > len(later):
            message.add("context", f"{and_more(len(later), later_count).strip()} ({overdue})")
        messages.append(message)
    counts = digest.counts
    if digest.reported:
        listed = "\n".join(
            f"{a.ref}: {shorten(a.text, 80)} — {shorten(a.owner, 40)}" for a in digest.reported[:LISTED]
        )
        if counts["reported"] > len(digest.reported[:LISTED]):
            listed += "\n" + and_more(len(digest.reported[:LISTED]), counts["reported"]).strip()
        message = Message(confirm=digest.group).add(
            "title", f"Reported done, to confirm ({counts['reported']})"
        )
        message.add("text", listed).add(
            "context", "Only the secretariat can confirm; each confirmation is recorded."
        )
        messages.append(message)
    if digest.no_news:
        briefs = ", ".join(brief(a, today, a.owner) for a in digest.no_news)
        briefs += and_more(len(digest.no_news), counts["no_news"])
        messages.append(
            Message().add("title", f"No news since their due date ({counts['no_news']})").add("text", briefs)
        )
    owned = [
        f"{owner}: {', '.join(load.refs)}"
        + (f" … (+{load.count - len(load.refs)})" if load.count > len(load.refs) else "")
        if load.refs
        else f"{owner}: {load.count} open"  # beyond the most loaded owners, counted only
        for owner, load in digest.by_owner.items()
    ]
    for start in range(0, len(owned), 30):
        message = Message().add("title", "Open by owner") if start == 0 else Message()
        messages.append(message.add("text", "\n".join(owned[start : start + 30])))
    if digest.closed_since_last:
        refs = ", ".join(a.ref for a in digest.closed_since_last[:100])
        messages.append(
            Message().add("text", f"Closed since {digest.previous or 'the last meeting'}: {refs}")
        )
    if digest.decisions_since_last:
        lines = [f"{ref}: {shorten(text, 200)}" for ref, text, _ in digest.decisions_since_last[:20]]
        messages.append(
            Message().add("title", "Decided since the last meeting").add("text", "\n".join(lines))
        )
    return messages or [Message().add("text", "Nothing open. 🎉")]


def direct_message(digest: Digest, owned: OwnedItems, mine: str = "/tmag mine") -> Message:
    message = Message().add("text", f"Before {digest.title()}, these are yours ({owned.total}):")
    items = owned.items[:LISTED]
    message.lines += [action_line(a, digest.today) for a in items]
    if owned.total > len(items):
        message.add("context", f"{and_more(len(items), owned.total).strip()}: {mine}")
    return message
