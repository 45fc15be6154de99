"""What a digest says: the meeting (number, date, time, extraordinary, agenda, decisions sought), open
actions grouped by owner with due dates and the overdue ones first, what is due before the meeting, and
what was closed and decided since the previous meeting. Platform-free: Slack renders it, so does the CLI."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.answers import role_label
from bot.calendar import CalendarMeeting
from bot.clock import london_datetime
from bot.render import when
from bot.vocab import organisation_name
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
        return [a for a in self.open if a.overdue]

    @property
    def due_before_meeting(self) -> list[DigestAction]:
        return [a for a in self.open if a.due is not None and self.today <= a.due <= self.meeting.date]

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
    for action_id, ref, due in await digest_queries.open_action_rows(session, group.id):
        due_date = date.fromisoformat(due) if due else None
        actions[action_id] = DigestAction(action_id, ref, due_date, due_date is not None and due_date < today)
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
    await fill_details(session, digest.overdue[:SHOWN] + digest.due_before_meeting[:SHOWN])

    previous = await meeting_queries.last_held(session, group.id, meeting.date)
    if previous is not None:
        since = london_datetime(previous.date, previous.start)
        number = f" {previous.number}" if previous.number else ""
        digest.previous = f"{group.code}{number} on {previous.date:%d %b %Y}"
        closed = await digest_queries.closed_since(session, group.id, since)
        for action_id, ref, area, text, owner, due, _status in closed:
            digest.closed_since_last.append(DigestAction(action_id, ref, due, False, text, area, owner))
        for decision, held in await digest_queries.decisions_since(session, group.id, previous.date):
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


def render_digest(digest: Digest) -> str:
    """The digest as plain text (the command line's `digest`)."""
    today = digest.today
    lines = [f"Digest for {digest.title()}"]
    if digest.agenda:
        lines.append("Agenda: " + "; ".join(title for _, title, _, _ in digest.agenda))
    if digest.decisions_sought:
        lines.append("Decisions sought: " + "; ".join(digest.decisions_sought))
    lines.append(
        f"{len(digest.open)} open, {len(digest.overdue)} overdue, {len(digest.due_before_meeting)} due "
        f"before the meeting; since {digest.previous or 'the last meeting'}: "
        f"{len(digest.closed_since_last)} closed, {len(digest.decisions_since_last)} decisions."
    )
    if digest.overdue:
        lines.append("\nOverdue:")
        lines += [
            f"• {a.ref}: {a.text} — {a.owner or 'no owner'} — due {when(a.due, today)}"
            for a in digest.overdue
        ]
    if digest.due_before_meeting:
        lines.append("\nDue before the meeting:")
        lines += [f"• {a.ref}: {a.text} — due {when(a.due, today)}" for a in digest.due_before_meeting]
    if digest.by_owner:
        lines.append("\nOpen by owner:")
        for owner, refs in digest.by_owner.items():
            lines.append(f"  {owner}: {', '.join(refs)}")
    if digest.closed_since_last:
        lines.append("\nClosed since the last meeting: " + ", ".join(a.ref for a in digest.closed_since_last))
    if digest.decisions_since_last:
        lines.append("\nDecided since the last meeting:")
        lines += [f"• {ref}: {text}" for ref, text, _ in digest.decisions_since_last]
    return "\n".join(lines)
