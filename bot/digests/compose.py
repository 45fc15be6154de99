"""What a digest says: the meeting (number, date, time, extraordinary, agenda, decisions sought); what
needs attention first (overdue with news, due before the meeting); what was reported done and awaits
confirmation; what has had no news since its due date (counted, listed briefly); open actions by owner;
and what was closed and decided since the previous meeting. Platform-free: Slack, Teams and the command
line each render it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.calendar.cadence import CalendarMeeting
from bot.calendar.clock import london_datetime
from bot.conversation.answers import role_label
from bot.conversation.render import shorten, when
from bot.people.vocab import organisation_name
from storage.models import Group
from storage.queries import digests as digest_queries
from storage.queries import meetings as meeting_queries

SHOWN = 40  # actions shown in full per list (the rest are counted)


@dataclass(slots=True)
class DigestAction:
    id: int
    ref: str
    due: date | None
    overdue: bool
    reported_done: bool = False
    no_news: bool = False
    text: str | None = None  # filled in (fill_details) only for the actions a digest shows in full
    area: str | None = None
    owner: str | None = None
    members: set[int] | None = None  # members named as owners
    roles: set[str] | None = None  # role keys that own it


@dataclass
class Digest:
    group: str
    meeting: CalendarMeeting
    today: date
    previous: str | None = None  # "TMAG 22 on 16 Aug 2023"
    agenda: list[tuple[str | None, str, str | None, str | None]] = field(
        default_factory=list
    )  # item, title, kind, lead
    open: list[DigestAction] = field(default_factory=list)
    closed_since_last: list[DigestAction] = field(default_factory=list)
    decisions_since_last: list[tuple[str, str, str | None]] = field(
        default_factory=list
    )  # ref, text, meeting
    by_owner: dict[str, list[str]] = field(default_factory=dict)

    @property
    def overdue(self) -> list[DigestAction]:
        """Past due and not reported done (with news or without)."""
        return [a for a in self.open if a.overdue]

    @property
    def attention(self) -> list[DigestAction]:
        """Overdue with news since their due date: what the meeting should look at first."""
        return [a for a in self.open if a.overdue and not a.no_news]

    @property
    def no_news(self) -> list[DigestAction]:
        return [a for a in self.open if a.no_news]

    @property
    def reported(self) -> list[DigestAction]:
        return [a for a in self.open if a.reported_done]

    @property
    def due_before_meeting(self) -> list[DigestAction]:
        return [
            a
            for a in self.open
            if a.due is not None and not a.reported_done and self.today <= a.due <= self.meeting.date
        ]

    @property
    def decisions_sought(self) -> list[str]:
        return [title for _, title, kind, _ in self.agenda if (kind or "").lower().startswith("decision")]

    def title(self) -> str:
        number = f" {self.meeting.number}" if self.meeting.number else ""
        kind = " (extraordinary)" if self.meeting.extraordinary else ""
        start = f" at {self.meeting.start}" if self.meeting.start else ""
        return f"{self.group}{number}{kind}: {self.meeting.date:%A %d %B %Y}{start}"

    def to_json(self) -> dict:
        meeting = self.meeting
        return {
            "meeting": {
                "group": self.group,
                "number": meeting.number,
                "date": meeting.date.isoformat(),
                "start": meeting.start,
                "end": meeting.end,
                "extraordinary": meeting.extraordinary,
                "source": meeting.source,
                "agenda": [title for _, title, _, _ in self.agenda],
                "decisions_sought": self.decisions_sought,
            },
            "open": [a.ref for a in self.open],
            "overdue": [a.ref for a in self.overdue],
            "attention": [a.ref for a in self.attention],
            "reported_done": [a.ref for a in self.reported],
            "no_news": [a.ref for a in self.no_news],
            "due_before_meeting": [a.ref for a in self.due_before_meeting],
            "closed_since_last": [a.ref for a in self.closed_since_last],
            "decisions_since_last": [ref for ref, _, _ in self.decisions_since_last],
            "by_owner": self.by_owner,
        }


def _owner_label(
    kind: str, name: str, key: str, role_key: str | None, org_key: str | None, member_name: str | None
) -> str:
    if kind == "person":
        return member_name or name
    if kind == "role":
        label = role_label(role_key or key)
        return label[4:] if label.startswith("the ") else label
    if kind == "organisation":
        return organisation_name(org_key or key) or name
    return f"{key} members"


async def compose_digest(
    session: AsyncSession, group: Group, meeting: CalendarMeeting, today: date
) -> Digest:
    digest = Digest(group.code, meeting, today)
    actions: dict[int, DigestAction] = {}
    reported_meeting = await meeting_queries.last_held(session, group.id, today + timedelta(days=1))
    latest_report = reported_meeting.date if reported_meeting else date.min
    for action_id, ref, due, reported, news in await digest_queries.open_action_rows(session, group.id):
        due_date = date.fromisoformat(due) if due else None
        overdue = due_date is not None and due_date < today and not reported
        # Overdue with nothing heard since the due date, though the group has met (with a report) since.
        quiet = overdue and (news is None or news <= due) and latest_report > due_date
        actions[action_id] = DigestAction(action_id, ref, due_date, overdue, bool(reported), quiet)
    members = await digest_queries.resolved_owner_names(session)
    by_owner: dict[str, dict[str, None]] = defaultdict(dict)  # owner -> refs, soonest due first, once each
    labels: dict[tuple, str] = {}
    owned: set[int] = set()
    # Owner rows come soonest due first too, so each owner's list needs no sorting.
    owner_rows = await digest_queries.open_owner_rows(session, group.id)
    for action_id, kind, name, key, role_key, org_key, name_id in owner_rows:
        action = actions.get(action_id)
        if action is None:
            continue  # another group's
        resolved = members.get(name_id) if name_id is not None else None
        if kind == "person":
            label = resolved[1] if resolved else name
            if resolved:
                action.members = (action.members or set()) | {resolved[0]}
        else:
            label_key = (kind, name, key, role_key, org_key)
            label = labels.get(label_key)
            if label is None:
                label = labels[label_key] = _owner_label(kind, name, key, role_key, org_key, None)
            if kind == "role" and role_key:
                action.roles = (action.roles or set()) | {role_key}
        by_owner[label][action.ref] = None
        owned.add(action_id)
    for action_id in actions.keys() - owned:
        by_owner["No owner stated"][actions[action_id].ref] = None
    digest.open = list(actions.values())  # soonest due first: the overdue lead
    digest.by_owner = {owner: list(refs) for owner, refs in sorted(by_owner.items())}
    shown = digest.attention[:SHOWN] + digest.due_before_meeting[:SHOWN] + digest.reported[:SHOWN]
    await fill_details(session, shown + digest.no_news[:SHOWN])

    previous = await meeting_queries.last_held(session, group.id, meeting.date)
    if previous is not None:
        since = london_datetime(previous.date, previous.start)
        number = f" {previous.number}" if previous.number else ""
        digest.previous = f"{group.code}{number} on {previous.date:%d %b %Y}"
        # Up to this meeting, not past it: a digest of a meeting already held counts only what came before.
        until = meeting.starts_at
        closed = await digest_queries.closed_since(session, group.id, since, until)
        for action_id, ref, area, text, owner, due, _status in closed:
            digest.closed_since_last.append(
                DigestAction(action_id, ref, due, False, text=text, area=area, owner=owner)
            )
        for decision, held in await digest_queries.decisions_since(
            session, group.id, previous.date, meeting.date
        ):
            digest.decisions_since_last.append((decision.ref, decision.text, held.number if held else None))
    if meeting.meeting_id is not None:
        agenda = await meeting_queries.agenda_of(session, meeting.meeting_id)
        digest.agenda = [(a.item, a.title, a.kind, a.lead) for a in agenda]
    return digest


async def fill_details(session: AsyncSession, actions: list[DigestAction]) -> None:
    """Read the text, area and owner cell of the actions about to be shown."""
    missing = [a for a in actions if a.text is None]
    if not missing:
        return
    details = await digest_queries.action_details(session, [a.id for a in missing])
    for action in missing:
        action.text, action.area, action.owner = details.get(action.id, ("", None, None))


ATTENTION_SHOWN = 8  # actions listed in full where the digest is first read (the rest are counted)


def summary_line(digest: Digest) -> str:
    """The counts, in the order they matter."""
    return (
        f"{len(digest.open)} open — {len(digest.attention)} overdue with news · "
        f"{len(digest.due_before_meeting)} due before the meeting · {len(digest.reported)} reported done "
        f"(to confirm) · {len(digest.no_news)} with no news since their due date."
    )


def since_line(digest: Digest) -> str:
    return (
        f"Since {digest.previous or 'the last meeting'}: {len(digest.closed_since_last)} closed, "
        f"{len(digest.decisions_since_last)} decided."
    )


def brief(action: DigestAction, today: date, owner: str | None = None) -> str:
    """ "TMAG04-02 (TMAG members, 514 days)": a no-news action in a brief list."""
    days = (today - action.due).days if action.due else 0
    who = f"{shorten(owner, 40)}, " if owner else ""
    return f"{action.ref} ({who}{days} days)"


def owners_of(digest: Digest) -> dict[str, str]:
    """ref -> the first owner the digest lists it under (for brief lists)."""
    out: dict[str, str] = {}
    for owner, refs in digest.by_owner.items():
        for ref in refs:
            out.setdefault(ref, owner)
    return out


def render_digest(digest: Digest, width: int = 110) -> str:
    """The digest as plain text (the command line's `digest`): one screen, what needs attention first."""
    import textwrap

    today = digest.today
    lines = [f"Digest for {digest.title()}", summary_line(digest), since_line(digest)]
    if digest.agenda:
        lines.append(shorten("Agenda: " + "; ".join(title for _, title, _, _ in digest.agenda), width * 2))
    if digest.decisions_sought:
        lines.append(shorten("Decisions sought: " + "; ".join(digest.decisions_sought), width * 2))
    attention = digest.attention + [a for a in digest.due_before_meeting if not a.overdue]
    if attention:
        lines.append("\nNeeds attention:")
        for action in attention[:ATTENTION_SHOWN]:
            lines.append(
                f"• {action.ref}: {shorten(action.text, 90)} — {shorten(action.owner, 40) or 'no owner'} — "
                f"due {when(action.due, today)}"
            )
        if len(attention) > ATTENTION_SHOWN:
            lines.append(f"  … and {len(attention) - ATTENTION_SHOWN} more (tmag-bot ask overdue)")
    owners = owners_of(digest)
    if digest.reported:
        refs = ", ".join(a.ref for a in digest.reported)
        lines.append("")
        lines += textwrap.wrap(
            f"Reported done, to confirm ({len(digest.reported)}): {refs}. "
            f"The secretariat confirms them with: confirm reported {digest.group}",
            width,
            subsequent_indent="  ",
        )
    if digest.no_news:
        lines.append("")
        lines += textwrap.wrap(
            f"No news since their due date ({len(digest.no_news)}): "
            + ", ".join(brief(a, today, a.owner or owners.get(a.ref)) for a in digest.no_news),
            width,
            subsequent_indent="  ",
        )
    if digest.decisions_since_last:
        lines.append(f"\nDecided since {digest.previous or 'the last meeting'}:")
        lines += [f"• {ref}: {shorten(text, 100)}" for ref, text, _ in digest.decisions_since_last[:8]]
        if len(digest.decisions_since_last) > 8:
            lines.append(f"  … and {len(digest.decisions_since_last) - 8} more")
    if digest.closed_since_last:
        closed = "Closed since the last meeting: " + ", ".join(a.ref for a in digest.closed_since_last)
        lines += ["", *textwrap.wrap(closed, width, subsequent_indent="  ")]
    if digest.by_owner:
        counts = sorted(digest.by_owner.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        owned = "Open by owner: " + " · ".join(f"{owner} {len(refs)}" for owner, refs in counts)
        lines += ["", *textwrap.wrap(owned, width, subsequent_indent="  ")]
    return "\n".join(lines)
