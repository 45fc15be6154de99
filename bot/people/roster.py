"""The members list the secretariat keeps: read from a CSV (`tmag-bot member import FILE.csv`) or the
action log workbook's Members sheet, each row a member's name, email, organisation and role.

Columns are found by their headings (any case; unknown columns ignored); a file with a bad row is
refused whole, every bad row named, so a roster is either all in or not at all.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.calendar.clock import Clock
from bot.people.members import MemberError, add_member, check_email
from bot.record.text import fold
from storage.db import Database
from storage.queries import members as member_queries

HEADINGS = {  # folded heading -> field
    "name": "name",
    "full name": "name",
    "member": "name",
    "email": "email",
    "e mail": "email",
    "email address": "email",
    "organisation": "organisation",
    "organization": "organisation",
    "org": "organisation",
    "company": "organisation",
    "role": "role",
    "constituency role": "role",
    "title": "role",
    "initials": "initials",
}
MAX_ROWS = 5000


class RosterError(ValueError):
    """A roster that cannot be taken: the message names every bad row."""


@dataclass(frozen=True)
class RosterRow:
    line: int
    name: str
    email: str | None
    organisation: str | None
    role: str | None
    initials: str | None = None


def roster_rows(records: list[list[str]], source: str) -> list[RosterRow]:
    """Rows of cells (a heading row first) as members; RosterError naming every bad row."""
    if not records:
        raise RosterError(f"{source}: it is empty")
    fields = {i: HEADINGS.get(fold(cell).replace("-", " ").strip()) for i, cell in enumerate(records[0])}
    if "name" not in fields.values():
        raise RosterError(f"{source}: no Name column in its first row ({', '.join(records[0])[:120]})")
    if len(records) - 1 > MAX_ROWS:
        raise RosterError(f"{source}: {len(records) - 1} rows; the most is {MAX_ROWS}")
    rows, bad, seen = [], [], {}
    for line, cells in enumerate(records[1:], start=2):
        values = {fields[i]: " ".join(c.split()) for i, c in enumerate(cells) if fields.get(i) and c.strip()}
        if not values:
            continue
        name = values.get("name", "")
        try:
            if len(fold(name).split()) < 2:
                raise MemberError(f"“{name}” needs a first name and a surname" if name else "no name")
            email = check_email(values["email"]) if values.get("email") else None
        except MemberError as exc:
            bad.append(f"row {line}: {exc}")
            continue
        if email and email in seen:
            bad.append(f"row {line}: {email} is also the email in row {seen[email]}")
            continue
        if email:
            seen[email] = line
        rows.append(
            RosterRow(
                line, name, email, values.get("organisation"), values.get("role"), values.get("initials")
            )
        )
    if bad:
        shown = "; ".join(bad[:10]) + (f"; and {len(bad) - 10} more" if len(bad) > 10 else "")
        raise RosterError(f"{source}: nothing imported, {len(bad)} bad row(s): {shown}")
    return rows


def read_csv(name: str, data: bytes) -> list[RosterRow]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return roster_rows([row for row in csv.reader(io.StringIO(text), dialect)], name)


@dataclass(frozen=True)
class RosterResult:
    added: int
    changed: int
    unchanged: int

    def line(self) -> str:
        return f"{self.added} members added, {self.changed} changed, {self.unchanged} unchanged"


async def apply_roster(
    session: AsyncSession, clock: Clock, rows: list[RosterRow], *, by: str
) -> RosterResult:
    """Each row added or completed as a member, in the caller's transaction (RosterError, naming the
    row, undoes it all). A row that says what the record already holds changes nothing."""

    def held(member) -> tuple:
        return (
            member.name,
            member.initials,
            member.organisation,
            member.role,
            member.email,
            bool(member.is_secretariat),
            bool(member.is_chair),
        )

    before = {m.id: held(m) for m in await member_queries.all_members(session)}
    added: set[int] = set()
    touched: set[int] = set()
    for row in rows:
        try:
            change = await add_member(
                session,
                clock,
                name=row.name,
                email=row.email,
                organisation=row.organisation,
                role=row.role,
                initials=row.initials,
                by=by,
            )
        except MemberError as exc:
            raise RosterError(f"row {row.line}: {exc}; nothing imported") from None
        (added if change.created else touched).add(change.member.id)
    after = {m.id: held(m) for m in await member_queries.all_members(session)}
    changed = {i for i in touched - added if before.get(i) != after.get(i)}
    return RosterResult(len(added), len(changed), len(touched - added - changed))


async def import_roster(db: Database, clock: Clock, rows: list[RosterRow], *, by: str) -> RosterResult:
    """A members list, all in one transaction."""
    return await db.transaction(lambda session: apply_roster(session, clock, rows, by=by))
