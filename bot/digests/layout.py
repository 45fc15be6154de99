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
from bot.digests.compose import SHOWN, Digest, DigestAction, brief, owners_of, since_line, summary_line

CHANNEL_SHOWN = 5  # actions the channel message itself lists; the thread has the rest
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


def needing_attention(digest: Digest) -> list[DigestAction]:
    return digest.attention + [a for a in digest.due_before_meeting if not a.overdue]


def channel_message(digest: Digest, slot: str, mine: str = "/tmag mine") -> Message:
    title = digest.title()
    if slot == "reminder":
        return Message().add(
            "text",
            f"⏰ Today: {title}\n{len(digest.attention)} overdue with news, "
            f"{len(digest.reported)} reported done to confirm, "
            f"{len(digest.no_news)} with no news since their due date. {mine} shows yours.",
        )
    lines = [f"🗓️ Digest for {title}", summary_line(digest), since_line(digest)]
    if digest.agenda:
        lines.append("Agenda: " + "; ".join(t for _, t, _, _ in digest.agenda))
    if digest.decisions_sought:
        lines.append("Decisions sought: " + "; ".join(digest.decisions_sought))
    message = Message().add("heading", "\n".join(lines))
    attention = needing_attention(digest)
    if attention:
        message.add("title", "Needs attention")
        message.lines += [action_line(a, digest.today) for a in attention[:CHANNEL_SHOWN]]
    rest = len(attention) - CHANNEL_SHOWN
    more = (
        f"{rest} more needing attention, and the details, in the thread"
        if rest > 0
        else "Details in the thread"
    )
    return message.add("context", f"{more}; owners get their own items by direct message.")


def thread_messages(digest: Digest, overdue: str = "/tmag overdue") -> list[Message]:
    today = digest.today
    messages: list[Message] = []
    later = needing_attention(digest)[CHANNEL_SHOWN:]
    if later:
        message = Message().add("title", f"Also needing attention ({len(later)})")
        message.lines += [action_line(a, today) for a in later[:LISTED]]
        if len(later) > LISTED:
            message.add("context", f"… and {len(later) - LISTED} more ({overdue})")
        messages.append(message)
    owners = owners_of(digest)
    if digest.reported:
        listed = "\n".join(
            f"{a.ref}: {shorten(a.text, 80)} — {shorten(a.owner or owners.get(a.ref), 40)}"
            for a in digest.reported[:LISTED]
        )
        if len(digest.reported) > LISTED:
            listed += f"\n… and {len(digest.reported) - LISTED} more"
        message = Message(confirm=digest.group).add(
            "title", f"Reported done, to confirm ({len(digest.reported)})"
        )
        message.add("text", listed).add(
            "context", "Only the secretariat can confirm; each confirmation is recorded."
        )
        messages.append(message)
    if digest.no_news:
        briefs = ", ".join(brief(a, today, a.owner or owners.get(a.ref)) for a in digest.no_news)
        messages.append(
            Message()
            .add("title", f"No news since their due date ({len(digest.no_news)})")
            .add("text", briefs)
        )
    owned = [
        f"{owner}: {', '.join(refs[:15])}" + (f" … (+{len(refs) - 15})" if len(refs) > 15 else "")
        for owner, refs in digest.by_owner.items()
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


def direct_message(digest: Digest, items: list[DigestAction], mine: str = "/tmag mine") -> Message:
    message = Message().add("text", f"Before {digest.title()}, these are yours ({len(items)}):")
    message.lines += [action_line(a, digest.today) for a in items[:LISTED]]
    if len(items) > LISTED:
        message.add("context", f"… and {len(items) - LISTED} more: {mine}")
    return message
