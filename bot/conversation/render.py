"""Answers as plain text: for the command line and the console (Slack builds blocks from the same answer)."""

from __future__ import annotations

from datetime import date

from bot.calendar.clock import to_london
from bot.conversation.help import HELP


def when(day: date | None, today: date) -> str:
    if day is None:
        return "no due date"
    text = f"{day:%d %b %Y}"
    delta = (day - today).days
    if delta < 0:
        return f"{text} (overdue by {-delta} day{'s' if delta != -1 else ''})"
    if delta == 0:
        return f"{text} (today)"
    return f"{text} (in {delta} day{'s' if delta != 1 else ''})"


LIST_TEXT = 160  # characters of an action's text in a list (show REF gives all of it)


def shorten(text: str | None, limit: int = LIST_TEXT) -> str:
    """At most `limit` characters, cut at a word, an ellipsis marking the cut."""
    text = text or ""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,;:-") + "…"


def days_overdue(item, today: date) -> str:
    days = (today - item.due).days if item.due else 0
    return f"{days} day{'s' if days != 1 else ''} overdue"


def action_line(item, today: date) -> str:
    owner = f" — {shorten(item.owner, 60)}" if item.owner else ""
    status = " [closed]" if item.status == "closed" else ""
    due = f" — due {when(item.due, today)}" if item.status == "open" else ""
    if item.reported_done:
        due = (
            f" — due {item.due:%d %b %Y}, reported done, to confirm"
            if item.due
            else " — reported done, to confirm"
        )
    return f"• {item.ref}{status}: {shorten(item.text)}{owner}{due}"


def compact_line(item, today: date) -> str:
    """An action in a brief list: ref, owner, how long overdue."""
    owner = f" — {shorten(item.owner, 50)}" if item.owner else ""
    return f"• {item.ref}{owner} — {days_overdue(item, today)}"


def decision_line(item) -> str:
    meeting = f" (at {item.group} {item.meeting})" if item.meeting else ""
    return f"• {item.ref}{meeting}: {item.text}"


def meeting_line(item) -> str:
    times = f" {item.start}" + (f"-{item.end}" if item.end else "") if item.start else ""
    number = f" {item.number}" if item.number else ""
    kind = " (extraordinary)" if item.extraordinary else ""
    source = " — usual cadence, not yet confirmed" if item.source == "cadence" else ""
    return f"• {item.group}{number}{kind}: {item.date:%A %d %B %Y}{times}{source}"


def member_line(item) -> str:
    """ "• Ian Hatton — DNO Representative, Elexon (at TMAG 7 on 20 Jul 2022)"."""
    about = ", ".join(x for x in (item.role, item.organisation) if x)
    where = ""
    if item.date:
        number = f" {item.meeting}" if item.meeting else ""
        verb = {"apologies": "sent apologies to", "represented": "represented at"}.get(item.attendance, "at")
        where = f" ({verb} {item.group}{number} on {item.date:%d %b %Y})"
    deputy = f", on behalf of {item.owner}" if item.owner else ""
    return f"• {item.name}" + (f" — {about}" if about else "") + deputy + where


def item_line(item, today: date) -> str:
    if item.kind == "action":
        return action_line(item, today)
    if item.kind == "decision":
        return decision_line(item)
    if item.kind == "member":
        return member_line(item)
    return meeting_line(item)


def given(event) -> str:
    """A change whose time was given (--now), not taken from the clock: said so, with when it was
    really recorded. A report's events carry their meeting's time, which is no such thing."""
    if event.from_report or not event.at or not event.recorded_at:
        return ""
    at, recorded = to_london(event.at), to_london(event.recorded_at)
    if abs((recorded - at).total_seconds()) < 120:
        return ""
    return f" (time given; recorded {recorded:%d %b %Y %H:%M})"


def render_text(answer, today: date) -> str:
    if answer.intent == "help":
        return f"{answer.note}\n{HELP}" if answer.note else HELP
    lines = [answer.heading]
    if answer.detail is not None:
        lines += detail_lines(answer.detail, today)
    for section in answer.sections:
        if len(answer.sections) > 1 or section.reason in (
            "named",
            "role",
            "organisation",
            "group",
            "no_news",
        ):
            lines.append(f"\n{section.title}:")
        lines += [(compact_line if section.compact else item_line)(item, today) for item in section.items]
        if section.total > len(section.items):
            lines.append(f"  {section.more()}")
    if answer.note:
        lines.append(answer.note)
    return "\n".join(lines)


def detail_lines(detail, today: date) -> list[str]:
    item = detail.item
    lines = []
    if item.kind == "action":
        lines.append(f"{item.text}")
        lines.append(
            f"Status: {item.status}" + (f" · due {when(item.due, today)}" if item.status == "open" else "")
        )
        if item.area:
            lines.append(f"Area: {item.area}")
        lines.append(f"Owner: {item.owner or 'not stated'}")
        if detail.owners:
            lines.append("Owned by: " + "; ".join(detail.owners))
    else:
        lines.append(item.text or "")
        if item.area:
            lines.append(f"Area: {item.area}")
    if detail.raised_at:
        lines.append(f"{'Raised' if item.kind == 'action' else 'Decided'} at {detail.raised_at}")
    if detail.history:
        lines.append("History:")
        for event in detail.history:
            stamp = f"{to_london(event.at):%d %b %Y}" if event.at else ""
            who = f" by {event.by}" if event.by else ""
            text = f": {event.text}" if event.text else ""
            kind = event.kind.replace("_", " ")
            lines.append(f"  {stamp} {kind}{who}{text}{given(event)}")
    if detail.context:
        lines.append("Why it exists (from the discussion):")
        for meeting, area, text in detail.context[:3]:
            where = " · ".join(x for x in (meeting and f"meeting {meeting}", area) if x)
            # Quoted as a person writes a quotation, not with a markdown marker ("> ") that chat shows raw.
            lines.append(f"  “{text}”" + (f" ({where})" if where else ""))
    return lines
