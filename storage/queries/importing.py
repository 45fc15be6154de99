"""The importer's reads and writes: SQLAlchemy Core statements on the session's own connection and
transaction, the same for SQLite and PostgreSQL.

A report takes some twenty statements; through the ORM each costs SQLAlchemy's unit-of-work besides the
round trip. Here each is one Core statement, many rows at a time: executemany for plain inserts and
updates, INSERT ... RETURNING for rows whose ids are needed. The importer runs a whole report as one
synchronous call on the session's connection (Session.run_sync), so none of its statements waits on the
event loop between them.

Every statement is built once, below, with its values as bound parameters. Building one (select(...)
.where(...)) costs SQLAlchemy five times what running it against a warm compiled cache does, and a
folder of reports runs some 27,000 of them; a statement object built once also keeps its cache key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache

from sqlalchemy import String, bindparam, cast, delete, insert, null, or_, select, update
from sqlalchemy.engine import Connection

from storage.models import (
    MEMBER_FIELDS,
    Action,
    ActionEvent,
    ActionOwner,
    AgendaItem,
    Attendance,
    Decision,
    DigestPart,
    DigestRun,
    Group,
    Meeting,
    Member,
    MemberAlias,
    MemberEvent,
    MemberGroup,
    Mention,
    OwnerName,
    SourceDocument,
)
from storage.queries.dialect import upsert_for

CHUNK = 500  # values per IN list (SQLite caps bound values per statement)
NO_DUE_DATE = "9999-12-31"  # an undated action's sortable due date (Action.due_sort)
ACTIONS, EVENTS, OWNERS = Action.__table__, ActionEvent.__table__, ActionOwner.__table__
NAMES, DECISIONS, MENTIONS = OwnerName.__table__, Decision.__table__, Mention.__table__
MEETINGS, AGENDA, GROUPS, DOCUMENTS = (
    Meeting.__table__,
    AgendaItem.__table__,
    Group.__table__,
    SourceDocument.__table__,
)
MEMBERS, ALIASES, MEMBER_GROUPS = Member.__table__, MemberAlias.__table__, MemberGroup.__table__
ATTENDANCE = Attendance.__table__


def _listed(column):
    """`column IN :values`, the list bound when the statement runs (in chunks of CHUNK)."""
    return column.in_(bindparam("values", expanding=True))


_a, _e, _d, _m, _n = ACTIONS.c, EVENTS.c, DECISIONS.c, MEETINGS.c, NAMES.c
GROUP_ROWS = select(GROUPS.c.code, GROUPS.c.id, GROUPS.c.name)
GROUP_CODES_AND_DOCUMENTS = select(GROUPS.c.code, cast(null(), String).label("sha256")).union_all(
    select(cast(null(), String), DOCUMENTS.c.sha256).where(_listed(DOCUMENTS.c.sha256))
)
UPDATE_GROUP_NAME = update(GROUPS).where(GROUPS.c.id == bindparam("group_id"))
_MEETING_ROWS = select(
    _m.id,
    _m.number,
    _m.date,
    _m.start,
    _m.end,
    _m.extraordinary,
    _m.status,
    _m.title,
    _m.venue,
    _m.source_document_id,
)
MEETINGS_NUMBERED = _MEETING_ROWS.where(
    _m.group_id == bindparam("group_id"), _m.number == bindparam("number")
).order_by(_m.id)
MEETINGS_ON = _MEETING_ROWS.where(_m.group_id == bindparam("group_id"), _m.date == bindparam("on")).order_by(
    _m.id
)
MEETINGS_NUMBERED_OR_ON = _MEETING_ROWS.where(
    _m.group_id == bindparam("group_id"), or_(_m.number == bindparam("number"), _m.date == bindparam("on"))
).order_by(_m.id)
INSERT_MEETING = insert(MEETINGS).returning(_m.id)
# Its SET clause is the columns each call passes (SQLAlchemy compiles and caches one per set of names).
UPDATE_MEETING = update(MEETINGS).where(_m.id == bindparam("meeting_id"))
# Meetings a document announced ("Date of next TMAG: ..."), not yet held.
ANNOUNCED_BY = select(_m.id, _m.group_id, _m.date).where(
    _m.status == "scheduled", _m.source == "next-line", _listed(_m.source_document_id)
)
REPOINT_MEETINGS = update(MEETINGS).where(_listed(_m.id)).values(source_document_id=bindparam("document_id"))
DELETE_MEETINGS = delete(MEETINGS).where(_listed(_m.id))
MEETING_LEFT_ON = select(_m.id).where(_m.group_id == bindparam("group_id"), _m.date == bindparam("on"))
_RUNS = DigestRun.__table__
UNSENT_RUNS = select(_RUNS.c.id).where(
    _RUNS.c.group_id == bindparam("group_id"),
    _RUNS.c.meeting_date == bindparam("on"),
    _RUNS.c.status != "sent",
)
DELETE_PARTS_OF_RUNS = delete(DigestPart.__table__).where(_listed(DigestPart.__table__.c.run_id))
DELETE_RUNS = delete(_RUNS).where(_listed(_RUNS.c.id))
DOCUMENT_BY_SHA = select(DOCUMENTS.c.id).where(DOCUMENTS.c.sha256 == bindparam("sha256"))
DELETE_AGENDA = delete(AGENDA).where(AGENDA.c.meeting_id == bindparam("meeting_id"))
INSERT_AGENDA = insert(AGENDA)
ACTION_ROWS = select(
    _a.id, _a.ref, _a.area, _a.text, _a.owner, _a.due, _a.status, _a.reported_on, _a.reported_done, _a.news_on
).where(_a.group_id == bindparam("group_id"), _listed(_a.ref))
HISTORY_TEXTS = select(_e.action_id, _e.text).where(
    _e.kind.in_(("updated", "closed", "reopened")), _e.text.is_not(None), _listed(_e.action_id)
)
# No sort_by_parameter_order: each row comes back with its group and ref, so any order does, and SQLite
# (whose RETURNING order is not guaranteed) would otherwise insert one row per statement.
INSERT_ACTIONS = insert(ACTIONS).returning(_a.id, _a.group_id, _a.ref)
UPDATE_ACTION = update(ACTIONS).where(_a.id == bindparam("action_id"))
INSERT_EVENTS = insert(EVENTS)
DELETE_OWNERS = delete(OWNERS).where(_listed(OWNERS.c.action_id))
OWNER_NAME_IDS = select(_n.id, _n.key).where(_listed(_n.key))
INSERT_OWNER_NAMES = insert(NAMES).returning(_n.id, _n.key)
ACTION_STATES = select(_a.id, _a.status, _a.due_sort, _a.group_id).where(_listed(_a.id))
# Tables with triggers (owner rows, decisions with their search index) take their rows as one multi-row
# INSERT rather than an executemany: SQLite runs a triggered statement's set-up once per statement, and
# one statement of 900 rows measured 9-11 us a row against 30-49 us a row one at a time. SQLAlchemy
# writes multi-row INSERTs ("insertmanyvalues") for an executemany with RETURNING; the ids are unused.
INSERT_OWNERS = insert(OWNERS).returning(OWNERS.c.id)
DECISION_ROWS = select(_d.id, _d.ref, _d.text, _d.area).where(
    _d.group_id == bindparam("group_id"), _listed(_d.ref)
)
INSERT_DECISIONS = insert(DECISIONS).returning(DECISIONS.c.id)  # multi-row: see INSERT_OWNERS
UPDATE_DECISION = update(DECISIONS).where(_d.id == bindparam("decision_id"))
MEMBER_ROWS = select(MEMBERS.c.id, MEMBERS.c.key, MEMBERS.c.initials).order_by(MEMBERS.c.name, MEMBERS.c.id)
ALIAS_ROWS = select(ALIASES.c.member_id, ALIASES.c.alias)
MEMBER_DETAILS = select(MEMBERS.c.id, *(MEMBERS.c[name] for name in MEMBER_FIELDS)).where(
    _listed(MEMBERS.c.id)
)
# Looked up by meeting (few are later than a report being imported), not by member (whose attendance
# grows with every report): "+ 0" keeps SQLite's planner off the member index, which it otherwise
# prefers.
ATTENDED_AFTER = (
    select(ATTENDANCE.c.member_id)
    .where(
        ATTENDANCE.c.meeting_id.in_(select(_m.id).where(_m.date > bindparam("day")).scalar_subquery()),
        _listed(ATTENDANCE.c.member_id + 0),
    )
    .distinct()
)
INSERT_MEMBERS = insert(MEMBERS).returning(MEMBERS.c.id, sort_by_parameter_order=True)
INSERT_MEMBER_EVENTS = insert(MemberEvent.__table__)
UPDATE_MEMBER = update(MEMBERS).where(MEMBERS.c.id == bindparam("member_id"))
_OWNER_NAME_ROWS = select(_n.id, _n.key, _n.member_id, _n.match_score)
OWNER_NAME_ROWS = _OWNER_NAME_ROWS.where(_listed(_n.id))
UPDATE_OWNER_NAME = (
    update(NAMES)
    .where(_n.id == bindparam("name_id"))
    .values(member_id=bindparam("member_id"), match_score=bindparam("score"))
)


@cache
def _claim_document(dialect: str):
    return (
        upsert_for(dialect, DOCUMENTS)
        .on_conflict_do_nothing(index_elements=["sha256"])
        .returning(DOCUMENTS.c.id)
    )


@cache
def _insert_mentions(dialect: str):
    return upsert_for(dialect, MENTIONS).on_conflict_do_nothing(index_elements=["ref", "text_key"])


@cache
def _insert_attendance(dialect: str):
    return upsert_for(dialect, ATTENDANCE).on_conflict_do_nothing(index_elements=["meeting_id", "member_id"])


@cache
def _add_to_group(dialect: str):
    return upsert_for(dialect, MEMBER_GROUPS).on_conflict_do_nothing(index_elements=["member_id", "group_id"])


def stamp(moment: datetime) -> datetime:
    """A moment as every timestamp is stored: UTC."""
    return moment.astimezone(UTC)


@dataclass
class ActionState:
    """A known action as the importer merges a later report into it."""

    id: int
    ref: str
    area: str | None
    text: str
    owner: str | None
    due: date | None
    status: str
    reported_on: date | None
    reported_done: bool = False
    news_on: date | None = None
    # What a later report changed, besides the report date: the wording (area, text, owner; the search
    # index follows it) and the state (due date, status; the owner rows carry copies of it).
    wording_changed: bool = False
    state_changed: bool = False


@dataclass
class MeetingRow:
    id: int
    number: str | None
    date: date
    start: str | None
    end: str | None
    extraordinary: bool
    status: str
    title: str | None
    venue: str | None
    source_document_id: int | None = None


class ImportStore:
    """Statements on one connection inside its transaction. Made inside Session.run_sync, and used
    only there: the session's own calls share the connection."""

    def __init__(self, connection: Connection, *, writing: bool = True) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        self._groups: dict[str, tuple[int, str | None]] | None = None
        # Read once per store and kept in step by its own writes: a batch of reports shares one store
        # in one transaction, in which nobody else writes these (SQLite's lock; on PostgreSQL a
        # concurrent insert of the same key fails ours, and the batch runs again).
        self._owner_name_ids: dict[str, int] = {}
        self._member_rows: list[tuple[int, str, str | None]] | None = None
        self._alias_rows: list[tuple[int, str]] | None = None
        if writing and not connection.in_transaction():  # plain statements would each commit on their own
            raise RuntimeError("the import store needs a connection inside a transaction")

    def forget(self) -> None:
        """Drop what was read and kept: after rolling back to a savepoint, some of it may be gone."""
        self._groups = self._member_rows = self._alias_rows = None
        self._owner_name_ids = {}

    @classmethod
    def of(cls, sync_session) -> ImportStore:
        """The store on a (synchronous, run_sync) session's connection."""
        return cls(sync_session.connection())

    def _in(self, statement, values: list, **params) -> list:
        """A statement with `IN :values` (see _listed), run in chunks; all its rows."""
        out: list = []
        for start in range(0, len(values), CHUNK):
            out += self.connection.execute(
                statement, {"values": values[start : start + CHUNK], **params}
            ).all()
        return out

    def _write_in(self, statement, values: list, **params) -> None:
        """An UPDATE or DELETE with `IN :values`, in chunks."""
        for start in range(0, len(values), CHUNK):
            self.connection.execute(statement, {"values": values[start : start + CHUNK], **params})

    def _many(self, statement, rows: list[dict]) -> None:
        if rows:
            self.connection.execute(statement, rows)

    def lock_group(self, code: str) -> None:
        """On PostgreSQL, one import of a group at a time (SQLite has one writer anyway): two reports
        merging into the same actions at once would each miss the other's changes."""
        if self.dialect == "postgresql":
            self.connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock(hashtext('import:{code}'))")

    # --- documents and groups ---------------------------------------------------------------

    def claim_document(
        self, file_name: str, sha256: str, fmt: str, at: datetime, by: str | None
    ) -> int | None:
        """Record a document about to be imported: its id, or None if that content was imported before."""
        values = {
            "file_name": file_name,
            "sha256": sha256,
            "format": fmt,
            "imported_at": at,
            "imported_by": by,
        }
        return self.connection.execute(_claim_document(self.dialect), values).scalar()

    def groups(self) -> dict[str, tuple[int, str | None]]:
        """code -> (id, name) of every group, read once per transaction and kept in step here."""
        if self._groups is None:
            rows = self.connection.execute(GROUP_ROWS)
            self._groups = {code: (group_id, name) for code, group_id, name in rows}
        return self._groups

    def group_codes(self) -> set[str]:
        return set(self.groups())

    def known_groups_and_documents(self, shas: list[str]) -> tuple[set[str], set[str]]:
        """The group codes, and which of these contents were imported before, in one statement (a report
        is parsed against the codes, and not at all if it was)."""
        codes: set[str] = set()
        imported: set[str] = set()
        for start in range(0, max(len(shas), 1), CHUNK):
            chunk = shas[start : start + CHUNK]
            for code, sha in self.connection.execute(GROUP_CODES_AND_DOCUMENTS, {"values": chunk}):
                if code is not None:
                    codes.add(code)
                else:
                    imported.add(sha)
        return codes, imported

    def ensure_group(self, code: str, name: str | None, cadence: tuple[int, int, str] | None) -> int:
        found = self.groups().get(code)
        if found:
            group_id, known_name = found
            if name and not known_name:
                self.connection.execute(UPDATE_GROUP_NAME, {"group_id": group_id, "name": name})
                self._groups[code] = (group_id, name)
            return group_id
        week, weekday, time = cadence or (None, None, None)
        statement = (
            insert(GROUPS)
            .values(
                code=code,
                name=name,
                ref_prefix=code,
                cadence_week=week,
                cadence_weekday=weekday,
                cadence_time=time,
                **_group_defaults(),
            )
            .returning(GROUPS.c.id)
        )
        group_id = self.connection.execute(statement).scalar_one()
        self._groups[code] = (group_id, name)
        return group_id

    # --- meetings ---------------------------------------------------------------------------

    def meetings(
        self, group_id: int, *, number: str | None = None, on: date | None = None
    ) -> list[MeetingRow]:
        """The group's meetings with this number or on this day (either, or both), oldest first. Only
        those are read: a group's whole list grows by a meeting a report, and reading it all for every
        report made a folder of reports slower the more of them there were."""
        if number is not None and on is not None:
            params = {"group_id": group_id, "number": number, "on": on}
            rows = self.connection.execute(MEETINGS_NUMBERED_OR_ON, params)
        elif number is not None:
            rows = self.connection.execute(MEETINGS_NUMBERED, {"group_id": group_id, "number": number})
        else:
            rows = self.connection.execute(MEETINGS_ON, {"group_id": group_id, "on": on})
        return [MeetingRow(*row) for row in rows]

    def save_meeting(self, group_id: int, meeting: MeetingRow | None, values: dict, now: datetime) -> int:
        """Insert a meeting, or update the given one with `values`; its id."""
        if meeting is None:
            row = {"group_id": group_id, **values, "created_at": now, "updated_at": now}
            return self.connection.execute(INSERT_MEETING, row).scalar_one()
        self.connection.execute(UPDATE_MEETING, {"meeting_id": meeting.id, **values, "updated_at": now})
        for name, value in values.items():
            if name in MeetingRow.__dataclass_fields__:
                setattr(meeting, name, value)
        return meeting.id

    def drop_unannounced(
        self, documents: list[int], announced: set[tuple[int, date]], document_id: int
    ) -> list[tuple[int, date]]:
        """The meetings these documents announced and that are still to come, against what the report
        now announces (group id, date): each announced again is the report's `document_id`'s from now
        on; the rest are deleted, with their digests and reminders not yet sent (unless another meeting
        of the group is on that day). Returns (group id, date) of those deleted."""
        rows = self._in(ANNOUNCED_BY, documents)
        kept = [row.id for row in rows if (row.group_id, row.date) in announced]
        gone = [row for row in rows if (row.group_id, row.date) not in announced]
        if kept:
            self._write_in(REPOINT_MEETINGS, kept, document_id=document_id)
        if not gone:
            return []
        self._write_in(DELETE_MEETINGS, [row.id for row in gone])
        for row in gone:
            day = {"group_id": row.group_id, "on": row.date}
            if self.connection.execute(MEETING_LEFT_ON, day).first() is not None:
                continue
            runs = [run_id for (run_id,) in self.connection.execute(UNSENT_RUNS, day)]
            if runs:
                self._write_in(DELETE_PARTS_OF_RUNS, runs)
                self._write_in(DELETE_RUNS, runs)
        return [(row.group_id, row.date) for row in gone]

    def document_id(self, sha256: str) -> int | None:
        return self.connection.execute(DOCUMENT_BY_SHA, {"sha256": sha256}).scalar()

    def replace_agenda(self, meeting_id: int, items: list[Sequence]) -> None:
        """items: (position, item, title, objective, kind, lead, start, end)."""
        self.connection.execute(DELETE_AGENDA, {"meeting_id": meeting_id})
        names = ("position", "item", "title", "objective", "kind", "lead", "start", "end")
        self._many(
            INSERT_AGENDA,
            [{"meeting_id": meeting_id, **dict(zip(names, item, strict=True))} for item in items],
        )

    # --- actions ------------------------------------------------------------------------------

    def actions(self, group_id: int, refs: list[str]) -> dict[str, ActionState]:
        return {
            r[1]: ActionState(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8]), r[9])
            for r in self._in(ACTION_ROWS, refs, group_id=group_id)
        }

    def history_texts(self, action_ids: list[int]) -> dict[int, list[str]]:
        """What updates, closes and reopenings already said, per action."""
        out: dict[int, list[str]] = {}
        for action_id, text in self._in(HISTORY_TEXTS, action_ids):
            out.setdefault(action_id, []).append(text)
        return out

    def insert_actions(self, rows: list[dict]) -> list[tuple[int, int, str]]:
        """New actions, each its columns; returns (id, group id, ref) of each, in no particular order."""
        if not rows:
            return []
        return [tuple(r) for r in self.connection.execute(INSERT_ACTIONS, rows).all()]

    def update_actions(self, states: Iterable[ActionState], now: datetime) -> None:
        """Write back the actions a report touched, each column group only where it changed: triggers
        rewrite the search index on any write to the wording and the owner rows on any write to the
        state, and most actions in a later report are only listed again, or only moved or closed."""
        states = list(states)
        if self.dialect == "postgresql":
            # One statement for all: PostgreSQL rewrites a whole row (and its search column) on any
            # update anyway, and its triggers fire only WHEN a watched column really changed.
            self._many(
                UPDATE_ACTION,
                [
                    {
                        "action_id": s.id,
                        "area": s.area,
                        "text": s.text,
                        "owner": s.owner,
                        "due": s.due,
                        "status": s.status,
                        "reported_on": s.reported_on,
                        "reported_done": s.reported_done,
                        "news_on": s.news_on,
                        "updated_at": now,
                    }
                    for s in states
                ],
            )
            return
        self._many(
            UPDATE_ACTION,
            [
                {"action_id": s.id, "area": s.area, "text": s.text, "owner": s.owner}
                for s in states
                if s.wording_changed
            ],
        )
        self._many(
            UPDATE_ACTION,
            [{"action_id": s.id, "due": s.due, "status": s.status} for s in states if s.state_changed],
        )
        self._many(
            UPDATE_ACTION,
            [
                {
                    "action_id": s.id,
                    "reported_on": s.reported_on,
                    "reported_done": s.reported_done,
                    "news_on": s.news_on,
                    "updated_at": now,
                }
                for s in states
            ],
        )

    def insert_events(self, rows: list[dict]) -> None:
        """Audit events, each its columns (bot/record/audit.py event_row)."""
        self._many(INSERT_EVENTS, rows)

    def delete_owners(self, action_ids: list[int]) -> None:
        for start in range(0, len(action_ids), CHUNK):
            self.connection.execute(DELETE_OWNERS, {"values": action_ids[start : start + CHUNK]})

    def owner_name_ids(self, keys: list[str]) -> dict[str, int]:
        unknown = [key for key in keys if key not in self._owner_name_ids]
        self._owner_name_ids.update({key: name_id for name_id, key in self._in(OWNER_NAME_IDS, unknown)})
        return {key: self._owner_name_ids[key] for key in keys if key in self._owner_name_ids}

    def insert_owner_names(self, rows: list[tuple[str, str]]) -> dict[str, int]:
        """(key, name) rows; returns key -> id."""
        if not rows:
            return {}
        found = self.connection.execute(
            INSERT_OWNER_NAMES, [{"key": key, "name": name} for key, name in rows]
        )
        created = {key: name_id for name_id, key in found}
        self._owner_name_ids.update(created)
        return created

    OWNER_COLUMNS = (
        "action_id",
        "position",
        "kind",
        "name",
        "key",
        "role_key",
        "org_key",
        "group_code",
        "owner_name_id",
    )

    def insert_owners(
        self, rows: list[Sequence], states: dict[int, tuple[str, date | None, int]] | None = None
    ) -> None:
        """Owner rows, each with a copy of its action's status, due date and group (the owner lookups
        and digests index them): from `states` (action id -> status, due, group id, as the actions now
        stand) where the caller knows them, else read here in one statement."""
        if not rows:
            return
        if self.dialect == "postgresql":
            # Its trigger copies the state in as each row goes in; the foreign key refuses a row whose
            # action is missing.
            self._many(INSERT_OWNERS, [dict(zip(self.OWNER_COLUMNS, row, strict=True)) for row in rows])
            return
        states = states or {}
        state = {
            action_id: (status, due.isoformat() if due else NO_DUE_DATE, group_id)
            for action_id, (status, due, group_id) in states.items()
        }
        unknown = list({row[0] for row in rows} - set(state))
        state |= {r[0]: r[1:] for r in self._in(ACTION_STATES, unknown)}
        missing = [i for i in unknown if i not in state]
        if missing:  # a row whose action is missing would vanish silently
            raise RuntimeError(f"owner rows name no stored action: {missing[:5]}")
        values = []
        for row in rows:
            status, due_sort, group_id = state[row[0]]
            values.append(
                dict(zip(self.OWNER_COLUMNS, row, strict=True))
                | {"status": status, "due_sort": due_sort, "group_id": group_id}
            )
        self._many(INSERT_OWNERS, values)

    # --- decisions and discussion -----------------------------------------------------------------

    def decisions(self, group_id: int, refs: list[str]) -> dict[str, tuple[int, str, str | None]]:
        rows = self._in(DECISION_ROWS, refs, group_id=group_id)
        return {ref: (decision_id, text, area) for decision_id, ref, text, area in rows}

    def insert_decisions(self, rows: list[dict]) -> None:
        """New decisions, each its columns."""
        self._many(INSERT_DECISIONS, rows)

    def update_decisions(self, rows: list[Sequence]) -> None:
        """(text, area, id) rows."""
        self._many(
            UPDATE_DECISION,
            [{"text": text, "area": area, "decision_id": decision_id} for text, area, decision_id in rows],
        )

    def insert_mentions(self, rows: list[dict]) -> None:
        """Passages of discussion, each its columns; a passage already kept for its ref is skipped."""
        self._many(_insert_mentions(self.dialect), rows)

    # --- people: members, their groups and attendance, and who owner names mean -------------------

    def members(self) -> list[tuple[int, str, str | None]]:
        """(id, folded name, initials) of every member, in name order (as the async index loads them)."""
        if self._member_rows is None:
            self._member_rows = [tuple(r) for r in self.connection.execute(MEMBER_ROWS)]
        return self._member_rows

    def aliases(self) -> list[tuple[int, str]]:
        if self._alias_rows is None:
            self._alias_rows = [tuple(r) for r in self.connection.execute(ALIAS_ROWS)]
        return self._alias_rows

    def member_details(self, member_ids: list[int]) -> dict[int, dict]:
        return {
            r[0]: dict(zip(MEMBER_FIELDS, r[1:], strict=True)) for r in self._in(MEMBER_DETAILS, member_ids)
        }

    def attended_after(self, member_ids: list[int], day: date) -> set[int]:
        """Those of the members who attended (or sent apologies to) a meeting after `day`: a report's
        details of them are then not the newest."""
        return {row[0] for row in self._in(ATTENDED_AFTER, member_ids, day=day)}

    def insert_members(self, rows: list[dict]) -> list[int]:
        """New members (each a dict of their columns); their ids, in order."""
        if not rows:
            return []
        self._member_rows = None
        return list(self.connection.execute(INSERT_MEMBERS, rows).scalars())

    # What a report can change of a known member (see member_changes).
    DETAIL_COLUMNS = ("initials", "role", "organisation", "constituency", "is_secretariat", "is_chair")

    def update_members(self, changes: dict[int, dict], current: dict[int, dict], now: datetime) -> None:
        """Write the members with changes (id -> changed columns): their details as `current` holds
        them (id -> DETAIL_COLUMNS and more), all in one statement whatever changed (one per shape of
        change was three statements a report)."""
        if any("initials" in changed for changed in changes.values()):
            self._member_rows = None  # the member index reads initials
        rows = [
            {"member_id": member_id, **{name: current[member_id][name] for name in self.DETAIL_COLUMNS}}
            for member_id in changes
        ]
        self._many(UPDATE_MEMBER, [row | {"updated_at": now} for row in rows])

    def insert_member_events(self, rows: list[dict]) -> None:
        """Identity audit events (rights a report's roles grant)."""
        self._many(INSERT_MEMBER_EVENTS, rows)

    def add_to_group(self, member_ids: list[int], group_id: int) -> None:
        self._many(
            _add_to_group(self.dialect),
            [{"member_id": member_id, "group_id": group_id} for member_id in dict.fromkeys(member_ids)],
        )

    def insert_attendance(self, rows: list[dict]) -> None:
        """Attendance rows; a member already recorded at that meeting keeps what was recorded."""
        self._many(_insert_attendance(self.dialect), rows)

    def owner_names(
        self, name_ids: list[int] | None = None
    ) -> dict[int, tuple[str, int | None, float | None]]:
        """id -> (key, member id, score) of the given owner names, or of all of them."""
        if name_ids is None:
            rows = self.connection.execute(_OWNER_NAME_ROWS).all()
        else:
            rows = self._in(OWNER_NAME_ROWS, name_ids)
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def update_owner_names(self, rows: list[tuple[int, int | None, float | None]]) -> None:
        """(id, member id, score) rows."""
        self._many(
            UPDATE_OWNER_NAME,
            [{"name_id": i, "member_id": member_id, "score": score} for i, member_id, score in rows],
        )


def _group_defaults() -> dict:
    """A new group's settings, as the model's defaults give them."""
    return {
        column.name: column.default.arg
        for column in GROUPS.columns
        if column.default is not None and not callable(column.default.arg)
    }
