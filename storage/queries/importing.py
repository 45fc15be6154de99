"""The importer's reads and writes: SQLAlchemy Core statements on the session's own connection and
transaction, the same for SQLite and PostgreSQL.

A report takes some twenty statements; through the ORM each costs SQLAlchemy's unit-of-work besides the
round trip. Here each is one Core statement (compiled once and cached), many rows at a time: executemany
for plain inserts and updates, INSERT ... RETURNING for rows whose ids are needed. The importer runs a
whole report as one synchronous call on the session's connection (Session.run_sync), so none of its
statements waits on the event loop between them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Integer, String, bindparam, cast, delete, insert, null, select, update
from sqlalchemy.engine import Connection

from storage.models import (
    Action,
    ActionEvent,
    ActionOwner,
    AgendaItem,
    Attendance,
    Decision,
    Group,
    Meeting,
    Member,
    MemberAlias,
    MemberGroup,
    Mention,
    OwnerName,
    SourceDocument,
)
from storage.queries.dialect import upsert

CHUNK = 500  # values per IN list (SQLite caps bound values per statement)
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


class ImportStore:
    """Statements on one connection inside its transaction. Made inside Session.run_sync, and used
    only there: the session's own calls share the connection."""

    def __init__(self, connection: Connection, *, writing: bool = True) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        self._groups: dict[str, tuple[int, str | None]] | None = None
        if writing and not connection.in_transaction():  # plain statements would each commit on their own
            raise RuntimeError("the import store needs a connection inside a transaction")

    @classmethod
    def of(cls, sync_session) -> ImportStore:
        """The store on a (synchronous, run_sync) session's connection."""
        return cls(sync_session.connection())

    def _upsert(self, table):
        return upsert(self.connection, table)

    def _in(self, query, column, values: list) -> list:
        """`query` with `column IN values`, run in chunks."""
        out: list = []
        for start in range(0, len(values), CHUNK):
            out += self.connection.execute(query.where(column.in_(values[start : start + CHUNK]))).all()
        return out

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
        statement = (
            self._upsert(DOCUMENTS)
            .values(file_name=file_name, sha256=sha256, format=fmt, imported_at=at, imported_by=by)
            .on_conflict_do_nothing(index_elements=["sha256"])
            .returning(DOCUMENTS.c.id)
        )
        return self.connection.execute(statement).scalar()

    def groups(self) -> dict[str, tuple[int, str | None]]:
        """code -> (id, name) of every group, read once per transaction and kept in step here."""
        if self._groups is None:
            query = select(GROUPS.c.code, GROUPS.c.id, GROUPS.c.name)
            self._groups = {code: (group_id, name) for code, group_id, name in self.connection.execute(query)}
        return self._groups

    def group_codes(self) -> set[str]:
        return set(self.groups())

    def known_groups_and_document(self, sha256: str) -> tuple[set[str], bool]:
        """The group codes, and whether this content was imported before, in one statement (a report is
        parsed against the codes, and not at all if it was)."""
        rows = self.connection.execute(
            select(GROUPS.c.code, cast(null(), Integer).label("document")).union_all(
                select(cast(null(), String), DOCUMENTS.c.id).where(DOCUMENTS.c.sha256 == sha256)
            )
        ).all()
        return {code for code, _ in rows if code is not None}, any(doc is not None for _, doc in rows)

    def ensure_group(self, code: str, name: str | None, cadence: tuple[int, int, str] | None) -> int:
        found = self.groups().get(code)
        if found:
            group_id, known_name = found
            if name and not known_name:
                self.connection.execute(update(GROUPS).where(GROUPS.c.id == group_id).values(name=name))
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
        """The group's meetings with this number (or, without one, on this day), oldest first. Only those
        are read: a group's whole list grows by a meeting a report, and reading it all for every report
        made a folder of reports slower the more of them there were."""
        m = MEETINGS.c
        query = select(m.id, m.number, m.date, m.start, m.end, m.extraordinary, m.status, m.title, m.venue)
        which = m.number == number if number is not None else m.date == on
        rows = self.connection.execute(query.where(m.group_id == group_id, which).order_by(m.id)).all()
        return [MeetingRow(*row) for row in rows]

    def save_meeting(self, group_id: int, meeting: MeetingRow | None, values: dict, now: datetime) -> int:
        """Insert a meeting, or update the given one with `values`; its id."""
        if meeting is None:
            statement = (
                insert(MEETINGS)
                .values(group_id=group_id, **values, created_at=now, updated_at=now)
                .returning(MEETINGS.c.id)
            )
            return self.connection.execute(statement).scalar_one()
        self.connection.execute(
            update(MEETINGS).where(MEETINGS.c.id == meeting.id).values(**values, updated_at=now)
        )
        for name, value in values.items():
            if name in MeetingRow.__dataclass_fields__:
                setattr(meeting, name, value)
        return meeting.id

    def replace_agenda(self, meeting_id: int, items: list[Sequence]) -> None:
        """items: (position, item, title, objective, kind, lead, start, end)."""
        self.connection.execute(delete(AGENDA).where(AGENDA.c.meeting_id == meeting_id))
        names = ("position", "item", "title", "objective", "kind", "lead", "start", "end")
        self._many(
            insert(AGENDA),
            [{"meeting_id": meeting_id, **dict(zip(names, item, strict=True))} for item in items],
        )

    # --- actions ------------------------------------------------------------------------------

    def actions(self, group_id: int, refs: list[str]) -> dict[str, ActionState]:
        a = ACTIONS.c
        query = select(
            a.id, a.ref, a.area, a.text, a.owner, a.due, a.status, a.reported_on, a.reported_done, a.news_on
        ).where(a.group_id == group_id)
        return {
            r[1]: ActionState(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8]), r[9])
            for r in self._in(query, a.ref, refs)
        }

    def history_texts(self, action_ids: list[int]) -> dict[int, list[str]]:
        """What updates, closes and reopenings already said, per action."""
        e = EVENTS.c
        query = select(e.action_id, e.text).where(
            e.kind.in_(("updated", "closed", "reopened")), e.text.is_not(None)
        )
        out: dict[int, list[str]] = {}
        for action_id, text in self._in(query, e.action_id, action_ids):
            out.setdefault(action_id, []).append(text)
        return out

    ACTION_COLUMNS = (
        "group_id",
        "ref",
        "area",
        "text",
        "owner",
        "due",
        "status",
        "meeting_id",
        "reported_on",
        "reported_done",
        "news_on",
        "created_at",
        "updated_at",
    )

    def insert_actions(self, rows: list[Sequence]) -> list[tuple[int, int, str]]:
        """Rows in ACTION_COLUMNS order; returns (id, group id, ref) of each."""
        if not rows:
            return []
        statement = insert(ACTIONS).returning(
            ACTIONS.c.id, ACTIONS.c.group_id, ACTIONS.c.ref, sort_by_parameter_order=True
        )
        values = [dict(zip(self.ACTION_COLUMNS, row, strict=True)) for row in rows]
        return [tuple(r) for r in self.connection.execute(statement, values).all()]

    def update_actions(self, states: Iterable[ActionState], now: datetime) -> None:
        """Write back the actions a report touched, each column group only where it changed: triggers
        rewrite the search index on any write to the wording and the owner rows on any write to the
        state, and most actions in a later report are only listed again, or only moved or closed."""
        states = list(states)
        target = ACTIONS.c.id == bindparam("action_id")
        if self.dialect == "postgresql":
            # One statement for all: PostgreSQL rewrites a whole row (and its search column) on any
            # update anyway, and its triggers fire only WHEN a watched column really changed.
            self._many(
                update(ACTIONS)
                .where(target)
                .values(
                    area=bindparam("area"),
                    text=bindparam("text"),
                    owner=bindparam("owner"),
                    due=bindparam("due"),
                    status=bindparam("status"),
                    reported_on=bindparam("reported_on"),
                    reported_done=bindparam("reported_done"),
                    news_on=bindparam("news_on"),
                    updated_at=now,
                ),
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
                    }
                    for s in states
                ],
            )
            return
        self._many(
            update(ACTIONS)
            .where(target)
            .values(area=bindparam("area"), text=bindparam("text"), owner=bindparam("owner")),
            [
                {"action_id": s.id, "area": s.area, "text": s.text, "owner": s.owner}
                for s in states
                if s.wording_changed
            ],
        )
        self._many(
            update(ACTIONS).where(target).values(due=bindparam("due"), status=bindparam("status")),
            [{"action_id": s.id, "due": s.due, "status": s.status} for s in states if s.state_changed],
        )
        self._many(
            update(ACTIONS)
            .where(target)
            .values(
                reported_on=bindparam("reported_on"),
                reported_done=bindparam("reported_done"),
                news_on=bindparam("news_on"),
                updated_at=now,
            ),
            [
                {
                    "action_id": s.id,
                    "reported_on": s.reported_on,
                    "reported_done": s.reported_done,
                    "news_on": s.news_on,
                }
                for s in states
            ],
        )

    EVENT_COLUMNS = (
        "action_id",
        "kind",
        "text",
        "at",
        "recorded_at",
        "by",
        "source",
        "source_document_id",
        "status_before",
        "status_after",
        "due_before",
        "due_after",
    )

    def insert_events(self, rows: list[Sequence]) -> None:
        self._many(insert(EVENTS), [dict(zip(self.EVENT_COLUMNS, row, strict=True)) for row in rows])

    def delete_owners(self, action_ids: list[int]) -> None:
        for start in range(0, len(action_ids), CHUNK):
            chunk = action_ids[start : start + CHUNK]
            self.connection.execute(delete(OWNERS).where(OWNERS.c.action_id.in_(chunk)))

    def owner_name_ids(self, keys: list[str]) -> dict[str, int]:
        return {key: name_id for name_id, key in self._in(select(NAMES.c.id, NAMES.c.key), NAMES.c.key, keys)}

    def insert_owner_names(self, rows: list[tuple[str, str]]) -> dict[str, int]:
        """(key, name) rows; returns key -> id."""
        if not rows:
            return {}
        statement = insert(NAMES).returning(NAMES.c.id, NAMES.c.key, sort_by_parameter_order=True)
        found = self.connection.execute(statement, [{"key": key, "name": name} for key, name in rows]).all()
        return {key: name_id for name_id, key in found}

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

    def insert_owners(self, rows: list[Sequence]) -> None:
        """Owner rows, each with a copy of its action's status, due date and group (the owner lookups
        and digests index them), read here in one statement."""
        if not rows:
            return
        if self.dialect == "postgresql":
            # Its trigger copies the state in as each row goes in; the foreign key refuses a row whose
            # action is missing.
            self._many(insert(OWNERS), [dict(zip(self.OWNER_COLUMNS, row, strict=True)) for row in rows])
            return
        ids = list({row[0] for row in rows})
        a = ACTIONS.c
        state = {r[0]: r[1:] for r in self._in(select(a.id, a.status, a.due_sort, a.group_id), a.id, ids)}
        missing = [i for i in ids if i not in state]
        if missing:  # a row whose action is missing would vanish silently
            raise RuntimeError(f"owner rows name no stored action: {missing[:5]}")
        values = []
        for row in rows:
            status, due_sort, group_id = state[row[0]]
            values.append(
                dict(zip(self.OWNER_COLUMNS, row, strict=True))
                | {"status": status, "due_sort": due_sort, "group_id": group_id}
            )
        self._many(insert(OWNERS), values)

    # --- decisions and discussion -----------------------------------------------------------------

    def decisions(self, group_id: int, refs: list[str]) -> dict[str, tuple[int, str, str | None]]:
        d = DECISIONS.c
        query = select(d.id, d.ref, d.text, d.area).where(d.group_id == group_id)
        return {
            ref: (decision_id, text, area) for decision_id, ref, text, area in self._in(query, d.ref, refs)
        }

    def insert_decisions(self, rows: list[Sequence]) -> None:
        """(group_id, ref, area, text, meeting_id, source_document_id, created_at) rows."""
        names = ("group_id", "ref", "area", "text", "meeting_id", "source_document_id", "created_at")
        self._many(insert(DECISIONS), [dict(zip(names, row, strict=True)) for row in rows])

    def update_decisions(self, rows: list[Sequence]) -> None:
        """(text, area, id) rows."""
        self._many(
            update(DECISIONS)
            .where(DECISIONS.c.id == bindparam("decision_id"))
            .values(text=bindparam("text"), area=bindparam("area")),
            [{"text": text, "area": area, "decision_id": decision_id} for text, area, decision_id in rows],
        )

    def insert_mentions(self, rows: list[Sequence]) -> None:
        """(group_id, ref, kind, area, text, text_key, meeting_id, source_document_id) rows; a passage
        already kept for its ref is skipped."""
        names = ("group_id", "ref", "kind", "area", "text", "text_key", "meeting_id", "source_document_id")
        self._many(
            self._upsert(MENTIONS).on_conflict_do_nothing(index_elements=["ref", "text_key"]),
            [dict(zip(names, row, strict=True)) for row in rows],
        )

    # --- people: members, their groups and attendance, and who owner names mean -------------------

    def members(self) -> list[tuple[int, str, str | None]]:
        """(id, folded name, initials) of every member, in name order (as the async index loads them)."""
        m = MEMBERS.c
        return [
            tuple(r) for r in self.connection.execute(select(m.id, m.key, m.initials).order_by(m.name, m.id))
        ]

    def aliases(self) -> list[tuple[int, str]]:
        return [tuple(r) for r in self.connection.execute(select(ALIASES.c.member_id, ALIASES.c.alias))]

    MEMBER_COLUMNS = (
        "name",
        "key",
        "initials",
        "role",
        "organisation",
        "constituency",
        "is_secretariat",
        "is_chair",
    )

    def member_details(self, member_ids: list[int]) -> dict[int, dict]:
        m = MEMBERS.c
        query = select(m.id, *(m[name] for name in self.MEMBER_COLUMNS))
        return {
            r[0]: dict(zip(self.MEMBER_COLUMNS, r[1:], strict=True))
            for r in self._in(query, m.id, member_ids)
        }

    def attended_after(self, member_ids: list[int], day: date) -> set[int]:
        """Those of the members who attended (or sent apologies to) a meeting after `day`: a report's
        details of them are then not the newest. Looked up by meeting (few are later than a report being
        imported), not by member (whose attendance grows with every report)."""
        a, m = ATTENDANCE.c, MEETINGS.c
        later = select(m.id).where(m.date > day).scalar_subquery()
        query = select(a.member_id).where(a.meeting_id.in_(later)).distinct()
        return {row[0] for row in self._in(query, a.member_id, member_ids)}

    def insert_members(self, rows: list[dict]) -> list[int]:
        """New members (each a dict of their columns); their ids, in order."""
        if not rows:
            return []
        statement = insert(MEMBERS).returning(MEMBERS.c.id, sort_by_parameter_order=True)
        return list(self.connection.execute(statement, rows).scalars())

    def update_members(self, changes: dict[int, dict], now: datetime) -> None:
        """member id -> changed columns; one statement per shape of change."""
        shapes: dict[tuple, list[dict]] = {}
        for member_id, values in changes.items():
            shapes.setdefault(tuple(sorted(values)), []).append({"member_id": member_id, **values})
        for names, rows in shapes.items():
            statement = (
                update(MEMBERS)
                .where(MEMBERS.c.id == bindparam("member_id"))
                .values(**{name: bindparam(name) for name in names}, updated_at=now)
            )
            self._many(statement, rows)

    def add_to_group(self, member_ids: list[int], group_id: int) -> None:
        self._many(
            self._upsert(MEMBER_GROUPS).on_conflict_do_nothing(index_elements=["member_id", "group_id"]),
            [{"member_id": member_id, "group_id": group_id} for member_id in dict.fromkeys(member_ids)],
        )

    def attendance_of(self, meeting_id: int) -> set[int]:
        a = ATTENDANCE.c
        return set(self.connection.execute(select(a.member_id).where(a.meeting_id == meeting_id)).scalars())

    def insert_attendance(self, rows: list[dict]) -> None:
        self._many(insert(ATTENDANCE), rows)

    def owner_names(
        self, name_ids: list[int] | None = None
    ) -> dict[int, tuple[str, int | None, float | None]]:
        """id -> (key, member id, score) of the given owner names, or of all of them."""
        n = NAMES.c
        query = select(n.id, n.key, n.member_id, n.match_score)
        rows = self.connection.execute(query).all() if name_ids is None else self._in(query, n.id, name_ids)
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def update_owner_names(self, rows: list[tuple[int, int | None, float | None]]) -> None:
        """(id, member id, score) rows."""
        self._many(
            update(NAMES)
            .where(NAMES.c.id == bindparam("name_id"))
            .values(member_id=bindparam("member_id"), match_score=bindparam("score")),
            [{"name_id": i, "member_id": member_id, "score": score} for i, member_id, score in rows],
        )


def _group_defaults() -> dict:
    """A new group's settings, as the model's defaults give them."""
    return {
        column.name: column.default.arg
        for column in GROUPS.columns
        if column.default is not None and not callable(column.default.arg)
    }
