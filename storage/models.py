"""The tables. Timestamps are aware UTC; dates are London calendar dates; times are "HH:MM" London."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Column, Computed, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator):
    """A moment stored as UTC without an offset, on every database (SQLite keeps it as text, PostgreSQL
    as `timestamp`), and read back as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def _fk(target: str, *, cascade: bool = False, nullable: bool = True, index: bool = True) -> Column:
    # index=False where a longer index starts with the column (migration 0008)
    return Column(
        Integer,
        ForeignKey(target, ondelete="CASCADE" if cascade else "SET NULL"),
        nullable=nullable,
        index=index,
    )


class Group(SQLModel, table=True):
    """An advisory or working group (TMAG, DAG, SITWG...), with the cadence of its ordinary meetings."""

    __tablename__ = "working_group"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True)
    name: str | None = None
    ref_prefix: str
    # "third Wednesday at 10:00": week 1-4 (or -1 for the last), weekday 0=Monday.
    cadence_week: int | None = None
    cadence_weekday: int | None = None
    cadence_time: str | None = None
    # Digests: posted to this Slack channel this many UK working days before each meeting at
    # digest_time, with a short reminder on the day at reminder_time (none if empty).
    channel_id: str | None = None
    # The Teams channel digests go to, as a conversation reference (JSON: service URL, conversation,
    # team and tenant ids), set by `digest here` in that channel.
    teams_channel: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The secret in the group's calendar subscription address (GET /calendar/CODE.ics?token=...).
    calendar_token: str | None = None
    # Where the secretariat is told of identity claims: a Slack channel id, a Teams channel (a
    # conversation reference, as JSON); with neither, each configured admin by direct message.
    secretariat_channel: str | None = None
    secretariat_teams_channel: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    digest_days_before: int = 2
    digest_time: str = "09:00"
    reminder_time: str | None = "08:30"
    # The whole digest by email to this address too (a mailing list's), as well as to the channel.
    digest_email: str | None = None
    # Owners are reminded of an action this many UK working days before it falls due, at digest_time
    # (none if empty): by chat where they can be reached there, else by email.
    due_reminder_days: int | None = 3


class SourceDocument(SQLModel, table=True):
    __tablename__ = "source_document"

    id: int | None = Field(default=None, primary_key=True)
    file_name: str
    sha256: str = Field(unique=True, index=True)
    format: str
    imported_at: datetime = Field(sa_type=UTCDateTime)
    imported_by: str | None = None


class Meeting(SQLModel, table=True):
    __table_args__ = (Index("ix_meeting_group_date", "group_id", "date"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(sa_column=_fk("working_group.id", cascade=True, nullable=False))
    number: str | None = None
    date: date
    start: str | None = None
    end: str | None = None
    extraordinary: bool = False
    status: str = "scheduled"  # held | scheduled | cancelled
    title: str | None = None
    venue: str | None = None
    source: str = "report"  # report | next-line | manual
    source_document_id: int | None = Field(default=None, sa_column=_fk("source_document.id"))
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class AgendaItem(SQLModel, table=True):
    __tablename__ = "agenda_item"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(sa_column=_fk("meeting.id", cascade=True, nullable=False))
    position: int
    item: str | None = None
    title: str
    objective: str | None = None
    kind: str | None = None  # Decision | Information | Discussion
    lead: str | None = None
    start: str | None = None
    end: str | None = None


class Action(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("group_id", "ref", name="uq_action_group_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(sa_column=_fk("working_group.id", cascade=True, nullable=False, index=False))
    ref: str = Field(index=True)
    area: str | None = None
    text: str
    owner: str | None = None  # the owner cell as written, tags removed
    due: date | None = None
    status: str = "open"  # open | closed
    meeting_id: int | None = Field(default=None, sa_column=_fk("meeting.id"))
    # The date of the newest report that set this action's fields, so an older report
    # imported later adds its history without winding the action back.
    reported_on: date | None = None
    # Its latest update reports delivery ("Issued alongside the headline report"): open until
    # confirmed, but not overdue.
    reported_done: bool = False
    # The last day anything was heard of it: a report listing it, a change made in chat.
    news_on: date | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    # The due date as text with undated actions last ("9999-12-31"), so lists sort by an index.
    due_sort: str | None = Field(
        default=None, sa_column=Column(String, Computed("coalesce(due, '9999-12-31')", persisted=False))
    )


class ActionOwner(SQLModel, table=True):
    """One parsed part of an owner cell: a person, a role, an organisation or a whole group."""

    __tablename__ = "action_owner"

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(sa_column=_fk("action.id", cascade=True, nullable=False))
    position: int
    kind: str  # person | role | organisation | group
    name: str
    key: str
    role_key: str | None = Field(default=None, index=True)
    org_key: str | None = Field(default=None, index=True)
    group_code: str | None = None
    owner_name_id: int | None = Field(default=None, sa_column=_fk("owner_name.id", index=False))
    # Copies of the action's status, sortable due date and group, so owner lookups and digests read
    # one index: written with the row by the importer, filled in by a trigger for rows inserted
    # without them, and kept in step with the action by another (migrations 0003, 0006 and 0008).
    status: str | None = None
    due_sort: str | None = None
    group_id: int | None = None


class OwnerName(SQLModel, table=True):
    """Each distinct person named in owner cells, and the member it resolves to (if any)."""

    __tablename__ = "owner_name"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)
    name: str
    member_id: int | None = Field(default=None, sa_column=_fk("member.id"))
    match_score: float | None = None


class ActionEvent(SQLModel, table=True):
    """The audit trail: who changed what, when, and from which document or message."""

    __tablename__ = "action_event"

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(sa_column=_fk("action.id", cascade=True, nullable=False))
    kind: str  # created | updated | closed | reopened | confirmed | due_moved | owner_changed
    text: str | None = None
    at: datetime = Field(
        sa_type=UTCDateTime
    )  # when it happened (a report's meeting time, or the moment of a message)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    by: str | None = None
    member_id: int | None = Field(default=None, sa_column=_fk("member.id"))
    slack_user_id: str | None = None  # who, when the change came from Slack
    teams_user_id: str | None = None  # who (their Entra object id), when it came from Teams
    source: str | None = None  # document file name, message permalink, "cli"...
    source_document_id: int | None = Field(default=None, sa_column=_fk("source_document.id"))
    # How the chat user who made the change was linked to the member (see Member.slack_link).
    link_kind: str | None = None
    # The change this event is part of: one request's events share it, and Undo takes them all back.
    change_id: str | None = Field(default=None, index=True)
    # An undo's event: the event it took back (so `undo` finds a person's latest change not yet undone).
    undoes: int | None = Field(default=None, index=True)
    status_before: str | None = None
    status_after: str | None = None
    due_before: date | None = None
    due_after: date | None = None


class Decision(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("group_id", "ref", name="uq_decision_group_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(sa_column=_fk("working_group.id", cascade=True, nullable=False))
    ref: str = Field(index=True)
    area: str | None = None
    text: str
    meeting_id: int | None = Field(default=None, sa_column=_fk("meeting.id"))
    source_document_id: int | None = Field(default=None, sa_column=_fk("source_document.id"))
    created_at: datetime = Field(sa_type=UTCDateTime)


class Mention(SQLModel, table=True):
    """A passage of discussion that names an action or decision: why it exists. Kept once per ref and
    passage (text_key is a digest of the passage's folded words)."""

    __table_args__ = (Index("uq_mention_ref_text", "ref", "text_key", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(sa_column=_fk("working_group.id", cascade=True, nullable=False))
    ref: str
    kind: str  # action | decision
    area: str | None = None
    text: str
    text_key: str
    meeting_id: int | None = Field(default=None, sa_column=_fk("meeting.id"))
    source_document_id: int | None = Field(default=None, sa_column=_fk("source_document.id"))


class Member(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    key: str = Field(index=True)
    initials: str | None = None
    role: str | None = None
    organisation: str | None = None
    constituency: str | None = None
    # Lower-case; set by the secretariat (member add --email, member import), never shown to others.
    email: str | None = Field(default=None, unique=True, index=True)
    slack_user_id: str | None = Field(default=None, unique=True, index=True)
    teams_user_id: str | None = Field(default=None, unique=True, index=True)  # their Entra object id
    # How each link was made: configured | verified | confirmed | claimed (bot/people/links.py).
    slack_link: str | None = None
    teams_link: str | None = None
    is_secretariat: bool = False
    is_chair: bool = False
    # How digests and reminders reach them (bot/digests/reach.py): auto (empty: by chat where they can
    # be reached there, else by email) | chat | email | both.
    notify: str | None = None
    # Their email refused by the mail server (its answer), and when; cleared when a message is accepted.
    email_failing: str | None = None
    email_failing_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


# A member's details as the importer reads, compares and writes them.
MEMBER_FIELDS = (
    "name",
    "key",
    "initials",
    "role",
    "organisation",
    "constituency",
    "is_secretariat",
    "is_chair",
)


class MemberEvent(SQLModel, table=True):
    """The audit trail of who is who: links claimed, verified, confirmed, rejected and removed, and
    secretariat or chair rights granted or revoked."""

    __tablename__ = "member_event"
    __table_args__ = (Index("ix_member_event_member_id", "member_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int | None = Field(default=None, sa_column=_fk("member.id", cascade=True, index=False))
    # claimed | verified | confirmed | configured | rejected | unlinked | granted | revoked
    kind: str
    platform: str | None = None  # slack | teams
    user_id: str | None = None  # the chat user the link is about
    link_kind: str | None = None  # the link's kind after the event
    text: str | None = None
    by: str | None = None  # who did it, as a name
    by_member_id: int | None = Field(default=None, sa_column=_fk("member.id"))
    by_user: str | None = None  # who did it, as "slack:U123" or "teams:<object id>"
    source: str | None = None
    at: datetime = Field(sa_type=UTCDateTime)


class MemberAlias(SQLModel, table=True):
    __tablename__ = "member_alias"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(sa_column=_fk("member.id", cascade=True, nullable=False))
    alias: str
    key: str = Field(unique=True, index=True)


class MemberGroup(SQLModel, table=True):
    __tablename__ = "member_group"

    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    )
    group_id: int = Field(
        sa_column=Column(Integer, ForeignKey("working_group.id", ondelete="CASCADE"), primary_key=True)
    )


class Attendance(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("meeting_id", "member_id", name="uq_attendance"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(sa_column=_fk("meeting.id", cascade=True, nullable=False))
    member_id: int = Field(sa_column=_fk("member.id", cascade=True, nullable=False))
    status: str = "attended"  # attended | apologies
    section: str | None = None
    role: str | None = None
    on_behalf_of: str | None = None


class HandledRequest(SQLModel, table=True):
    """Requests already applied, in any process: Slack's retries of an event ("event:Ev123") and signed
    requests replayed within their validity window ("slack:<signature digest>")."""

    __tablename__ = "handled_request"

    key: str = Field(primary_key=True)
    received_at: datetime = Field(sa_type=UTCDateTime)


class SlackUser(SQLModel, table=True):
    """A Slack user as Slack's profile knows them, and which member they are (once known)."""

    __tablename__ = "slack_user"

    user_id: str = Field(primary_key=True)
    real_name: str | None = None
    display_name: str | None = None
    email: str | None = None  # as Slack's profile gives it (with the users:read.email scope)
    member_id: int | None = Field(default=None, sa_column=_fk("member.id"))
    # "Are you Kate Goodman?" is asked once, when the profile name is close but not certain.
    asked_member_id: int | None = Field(default=None, sa_column=_fk("member.id"))
    asked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    declined: bool = False
    updated_at: datetime = Field(sa_type=UTCDateTime)


class TeamsUser(SQLModel, table=True):
    """A Teams user (by Entra object id) as Teams names them, which member they are (once known), and
    their personal chat with the bot (for digests by direct message)."""

    __tablename__ = "teams_user"

    user_id: str = Field(primary_key=True)
    name: str | None = None
    email: str | None = None  # their email or UPN, as Teams' member lookup gives it
    looked_up_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    member_id: int | None = Field(default=None, sa_column=_fk("member.id"))
    asked_member_id: int | None = Field(default=None, sa_column=_fk("member.id", index=False))
    asked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    declined: bool = False
    service_url: str | None = None
    tenant_id: str | None = None
    conversation_id: str | None = None
    updated_at: datetime = Field(sa_type=UTCDateTime)


class BotMessage(SQLModel, table=True):
    """A message the bot posted about one action, so a reaction on it knows which action."""

    __tablename__ = "bot_message"

    channel: str = Field(primary_key=True)
    ts: str = Field(primary_key=True)
    ref: str
    created_at: datetime = Field(sa_type=UTCDateTime)


class PendingUpload(SQLModel, table=True):
    """A report shared in a chat, held (not imported) until the secretariat imports or declines it."""

    __tablename__ = "pending_upload"

    id: int | None = Field(default=None, primary_key=True)
    file_id: str = Field(index=True)
    file_name: str
    data: bytes
    uploaded_by: str
    channel: str
    status: str = "pending"  # pending (previewed) | offered (unread) | importing | imported | cancelled
    decided_by: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)


class DigestRun(SQLModel, table=True):
    """One digest (or reminder) for one meeting: claimed here before anything is posted, so however many
    processes or restarts there are, it is posted once."""

    __tablename__ = "digest_run"
    __table_args__ = (
        UniqueConstraint("group_id", "meeting_date", "extraordinary", "slot", name="uq_digest_run_slot"),
    )

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(sa_column=_fk("working_group.id", cascade=True, nullable=False))
    meeting_date: date  # the meeting's date; for a due-date reminder, the date the actions fall due
    extraordinary: bool = False
    slot: str  # digest | reminder | due
    due_at: datetime = Field(sa_type=UTCDateTime)
    status: str = "claimed"  # claimed | sent | failed | skipped
    claimed_by: str | None = None
    # The claim's last heartbeat: a run whose claim has not been renewed for a lease is free again.
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = None
    updated_at: datetime = Field(sa_type=UTCDateTime)


class DigestPart(SQLModel, table=True):
    """One message of a digest run: the channel message ("slack:channel"), each thread reply
    ("slack:thread:0"...), each owner's direct message ("slack:dm:<member id>"). Claimed, then marked
    sent with what the platform returned before the next part is posted; a part claimed but never
    marked sent is looked up on the platform before it is posted again."""

    __tablename__ = "digest_part"
    __table_args__ = (UniqueConstraint("run_id", "key", name="uq_digest_part"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(sa_column=_fk("digest_run.id", cascade=True, nullable=False, index=False))
    key: str
    status: str = "pending"  # pending | claimed | sent | failed | unreachable | unconfirmed
    claimed_by: str | None = None
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    channel: str | None = None
    ts: str | None = None
    error: str | None = None
    # Email cannot be looked up once sent: its Message-ID is chosen when the part is first claimed (and
    # reused if it is sent again), and each send that may have reached the server is counted before it
    # is made, so a part is sent at most twice (bot/digests/runner.py).
    message_id: str | None = None
    sends: int = 0
    updated_at: datetime = Field(sa_type=UTCDateTime)
