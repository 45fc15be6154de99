"""What a digest says: the meeting (number, date, time, extraordinary, agenda, decisions sought); what
needs attention first (overdue with news, due before the meeting); what was reported done and awaits
confirmation; what has had no news since its due date (counted, listed briefly); open actions by owner;
and what was closed and decided since the previous meeting. Platform-free: Slack, Teams and the command
line each render it."""

from __future__ import annotations

import textwrap
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.calendar.cadence import CalendarMeeting
from bot.calendar.clock import london_datetime
from bot.conversation.answers import role_label
from bot.conversation.render import shorten, when
from bot.people.identity import member_role_keys
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
    text: str | None = None  # filled in (fill_details) only for the actions a digest shows in full
    area: str | None = None
    owner: str | None = None


LISTS = digest_queries.LISTS
BY_OWNER_LISTED = 15  # refs named per owner in "Open by owner" (the rest are counted)
BY_OWNER_NAMED = 30  # owners whose refs are named, the most loaded first (every owner is counted)


@dataclass
class OwnerLoad:
    """An owner's open actions in a digest: how many, and the first few refs (soonest due first)."""

    count: int
    refs: list[str]


@dataclass
class OwnedItems:
    """A member's own items for their direct message: the first LISTED in full, and how many in all."""

    items: list[DigestAction]
    total: int


@dataclass
class Digest:
    """A meeting's digest as it is shown: each list holds its first SHOWN actions (soonest due first) and
    `counts` how many there are in all, so a digest costs what it shows, not what is open."""

    group: str
    meeting: CalendarMeeting
    today: date
    previous: str | None = None  # "TMAG 22 on 16 Aug 2023"
    agenda: list[tuple[str | None, str, str | None, str | None]] = field(
        default_factory=list
    )  # item, title, kind, lead
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(("open", *LISTS), 0))
    open: list[DigestAction] = field(default_factory=list)
    overdue: list[DigestAction] = field(default_factory=list)  # past due, not reported done
    attention: list[DigestAction] = field(default_factory=list)  # overdue with news: looked at first
    no_news: list[DigestAction] = field(default_factory=list)  # overdue, nothing heard since due
    reported: list[DigestAction] = field(default_factory=list)  # reported done, to confirm
    due_before_meeting: list[DigestAction] = field(default_factory=list)
    closed_since_last: list[DigestAction] = field(default_factory=list)
    decisions_since_last: list[tuple[str, str, str | None]] = field(
        default_factory=list
    )  # ref, text, meeting
    by_owner: dict[str, OwnerLoad] = field(default_factory=dict)

    @property
    def needing_attention(self) -> list[DigestAction]:
        """Overdue with news, then due before the meeting (never overdue): the first of each."""
        return self.attention + self.due_before_meeting

    @property
    def needing_attention_count(self) -> int:
        return self.counts["attention"] + self.counts["due_before_meeting"]

    @property
    def decisions_sought(self) -> list[str]:
        return [title for _, title, kind, _ in self.agenda if (kind or "").lower().startswith("decision")]

    def title(self) -> str:
        number = f" {self.meeting.number}" if self.meeting.number else ""
        kind = " (extraordinary)" if self.meeting.extraordinary else ""
        start = f" at {self.meeting.start}" if self.meeting.start else ""
        return f"{self.group}{number}{kind}: {self.meeting.date:%A %d %B %Y}{start}"

    def to_json(self) -> dict:
        """The meeting, the counts, and each list's first SHOWN refs (by owner: the first few each)."""
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
            "counts": dict(self.counts),
            "listed_up_to": SHOWN,
            "open": [a.ref for a in self.open],
            "overdue": [a.ref for a in self.overdue],
            "attention": [a.ref for a in self.attention],
            "reported_done": [a.ref for a in self.reported],
            "no_news": [a.ref for a in self.no_news],
            "due_before_meeting": [a.ref for a in self.due_before_meeting],
            "closed_since_last": [a.ref for a in self.closed_since_last],
            "decisions_since_last": [ref for ref, _, _ in self.decisions_since_last],
            "by_owner": {owner: load.refs for owner, load in self.by_owner.items()},
            "by_owner_counts": {owner: load.count for owner, load in self.by_owner.items()},
        }


def _owner_label(
    kind: str, role_key: str | None, org_key: str | None, key: str, written: str, member_name: str | None
) -> str:
    """How a digest names an owner: a member by their name (whatever the report called them), a person
    no member matches as written, a role or an organisation by its usual name, a group as its members."""
    if kind == "person":
        return member_name or written
    if kind == "role":
        label = role_label(role_key or key)
        return label[4:] if label.startswith("the ") else label
    if kind == "organisation":
        return organisation_name(org_key or key) or written
    return f"{key} members"


def digest_action(row: tuple, today: date) -> DigestAction:
    """A digest's action from (id, ref, due, reported done)."""
    action_id, ref, due, reported = row
    due_date = date.fromisoformat(due) if isinstance(due, str) else due
    overdue = due_date is not None and due_date < today and not reported
    return DigestAction(action_id, ref, due_date, overdue, bool(reported))


async def owned_by(
    session: AsyncSession,
    group: Group,
    member,
    today: date,
    *,
    fill: bool = True,
    due_on: date | None = None,
) -> OwnedItems:
    """A member's own open items in a group, for their direct message: those naming them as an owner and
    those owned by a role they hold (soonest due first, each once), the first SHOWN in full. `due_on`:
    only those falling due that day (and not reported done), for a due-date reminder."""
    total, rows = await digest_queries.open_owned_by(
        session, group.id, member.id, sorted(member_role_keys(member)), SHOWN, due_on=due_on
    )
    owned = OwnedItems([digest_action(row, today) for row in rows], total)
    if fill:
        await fill_details(session, owned.items)
    return owned


async def compose_digest(
    session: AsyncSession, group: Group, meeting: CalendarMeeting, today: date
) -> Digest:
    """Counts and per-owner roll-ups in SQL; only the actions shown are read."""
    digest = Digest(group.code, meeting, today)
    reported_meeting = await meeting_queries.last_held(session, group.id, today + timedelta(days=1))
    latest_report = reported_meeting.date if reported_meeting else date.min
    dates = {"today": today, "meeting_date": meeting.date, "latest_report": latest_report}
    digest.counts = await digest_queries.open_counts(session, group.id, **dates)
    shown: dict[int, DigestAction] = {}  # one object per action, whichever lists hold it
    for name in ("open", *LISTS):
        count = digest.counts[name]
        rows = await digest_queries.open_listed(session, group.id, name, SHOWN, **dates) if count else []
        setattr(digest, name, [shown.setdefault(row[0], digest_action(row, today)) for row in rows])
    await fill_details(session, list(shown.values()))
    digest.by_owner = await _by_owner(session, group.id)

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


async def _by_owner(session: AsyncSession, group_id: int) -> dict[str, OwnerLoad]:
    """Owner label -> their load, by label. Every owner is counted; the BY_OWNER_NAMED most loaded have
    their first refs named too. Owners that read the same (two spellings of one member) are one line,
    their counts added (an action naming both is counted under each)."""
    loads: dict[str, OwnerLoad] = {}
    owners: dict[str, list[tuple]] = defaultdict(list)  # label -> the owner keys it stands for
    labels: dict[tuple, str] = {}  # the same role or organisation comes back under many spellings
    for row in await digest_queries.open_by_owner(session, group_id):
        kind, name_id, role_key, org_key, key, written, count, member_name = row
        said = (kind, role_key, org_key, key, written, member_name)
        label = labels.get(said)
        if label is None:
            label = labels[said] = _owner_label(*said)
        loads.setdefault(label, OwnerLoad(0, [])).count += count
        owners[label].append((kind, name_id, role_key, org_key, key))
    named = sorted(loads, key=lambda label: (-loads[label].count, label))[:BY_OWNER_NAMED]
    keys = [(label, owner) for label in named for owner in owners[label]]
    found = await digest_queries.owner_refs(session, group_id, [owner for _, owner in keys], BY_OWNER_LISTED)
    refs: dict[str, list[tuple]] = defaultdict(list)
    for (label, _), rows in zip(keys, found, strict=True):
        refs[label] += rows
    for label, rows in refs.items():
        loads[label].refs = list(dict.fromkeys(ref for _, ref in sorted(rows)))[:BY_OWNER_LISTED]
    unowned, refs = await digest_queries.open_without_owner(session, group_id, BY_OWNER_LISTED)
    if unowned:
        loads["No owner stated"] = OwnerLoad(unowned, refs)
    return dict(sorted(loads.items()))


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
    counts = digest.counts
    return (
        f"{counts['open']} open — {counts['attention']} overdue with news · "
        f"{counts['due_before_meeting']} due before the meeting · {counts['reported']} reported done "
        f"(to confirm) · {counts['no_news']} with no news since their due date."
    )


def and_more(listed: int, total: int) -> str:
    """ " … and N more" when a list shows fewer than there are; "" when it shows them all."""
    return f" … and {total - listed} more" if total > listed else ""


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


def render_digest(digest: Digest, width: int = 110) -> str:
    """The digest as plain text (the command line's `digest`): one screen, what needs attention first."""

    today = digest.today
    lines = [f"Digest for {digest.title()}", summary_line(digest), since_line(digest)]
    if digest.agenda:
        lines.append(shorten("Agenda: " + "; ".join(title for _, title, _, _ in digest.agenda), width * 2))
    if digest.decisions_sought:
        lines.append(shorten("Decisions sought: " + "; ".join(digest.decisions_sought), width * 2))
    attention = digest.needing_attention[:ATTENTION_SHOWN]
    if attention:
        lines.append("\nNeeds attention:")
        for action in attention:
            lines.append(
                f"• {action.ref}: {shorten(action.text, 90)} — {shorten(action.owner, 40) or 'no owner'} — "
                f"due {when(action.due, today)}"
            )
        more = and_more(len(attention), digest.needing_attention_count)
        if more:
            lines.append(f" {more} (tmag-bot ask overdue)")
    counts = digest.counts
    if digest.reported:
        refs = ", ".join(a.ref for a in digest.reported) + and_more(len(digest.reported), counts["reported"])
        lines.append("")
        lines += textwrap.wrap(
            f"Reported done, to confirm ({counts['reported']}): {refs}. "
            f"The secretariat confirms them with: confirm reported {digest.group}",
            width,
            subsequent_indent="  ",
        )
    if digest.no_news:
        lines.append("")
        lines += textwrap.wrap(
            f"No news since their due date ({counts['no_news']}): "
            + ", ".join(brief(a, today, a.owner) for a in digest.no_news)
            + and_more(len(digest.no_news), counts["no_news"]),
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
        loads = sorted(digest.by_owner.items(), key=lambda kv: (-kv[1].count, kv[0]))
        owned = "Open by owner: " + " · ".join(f"{owner} {load.count}" for owner, load in loads)
        lines += ["", *textwrap.wrap(owned, width, subsequent_indent="  ")]
    return "\n".join(lines)
