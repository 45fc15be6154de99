"""Text that breaks exports: control characters, NULs, lone surrogates and XML's non-characters in notes,
names, owners and areas are removed where text is stored, so every export (JSON, CSV, Excel) and the
report draft can be written whatever was typed, on SQLite and PostgreSQL; and whatever an older
database already holds is rendered too."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import random
import re
from pathlib import Path

import docx
import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine, make_url, text

from bot.cli import main
from bot.people.identity import CONFIRMED, identify
from bot.people.members import add_member
from bot.record.changes import add_action, change_action
from bot.record.text import clean_cell
from storage.db import open_database
from tests.fixtures.world import build_world, clock_at

NOW = clock_at("2023-11-16T09:00")
# What must never reach an export: C0 controls but tab, newline (and carriage return, a line break),
# DEL and the C1 controls, lone surrogates, U+FFFE and U+FFFF.
UNSAFE = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Junk that is no white space to Python either: removing it leaves exactly the text without it.
SILENT_JUNK = (
    [chr(c) for c in range(0x00, 0x09)]
    + [chr(c) for c in range(0x0E, 0x1C)]
    + [chr(c) for c in range(0x7F, 0x85)]
    + [chr(c) for c in range(0x86, 0xA0)]
    + ["\ud800", "\udbff", "\udc00", "\udfff", "\ufffe", "\uffff"]
)
# Junk that is also a break or a space (tabs, newlines, carriage returns, vertical tab, form feed, NEL,
# the information separators): the text must still be safe, however it is spaced.
SPACING_JUNK = ["\t", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x85"]
WORDS = [
    "windows",
    "plan",
    "DNO",
    "café",
    "Zürich",
    "señor",
    "Straße",
    "😀",
    "—",
    "tranche",
    "2",
    "cut-over",
    "=",
    "rehearsal",
    "shared",
    "€",
]
FIRST = ["Anna", "José", "Zoë", "Björn", "Kate", "Li", "Oğuz", "Siobhán"]
LAST = ["Goodman", "Müller", "Ørsted", "O'Neill", "Smith-Jones", "Nguyễn", "Brooks"]


def sprinkle(rng: random.Random, words: list[str], junk: list[str]) -> tuple[str, str]:
    """(the words as typed with junk in and around them, the same words without it)."""
    clean = " ".join(words)
    typed = list(clean)
    for _ in range(rng.randint(1, 4)):
        typed.insert(rng.randint(0, len(typed)), rng.choice(junk))
    return "".join(typed), clean


def fuzzed(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """`count` (kind, typed, clean) notes and names; a quarter spaced with breaks (clean is then None)."""
    out = []
    for n in range(count):
        spacing = n % 4 == 3
        junk = SILENT_JUNK + SPACING_JUNK if spacing else SILENT_JUNK
        if n % 5 == 4:
            typed, clean = sprinkle(rng, [rng.choice(FIRST), rng.choice(LAST)], junk)
            out.append(("name", typed, None if spacing else clean))
        else:
            words = [rng.choice(WORDS) for _ in range(rng.randint(1, 8))]
            typed, clean = sprinkle(rng, words, junk)
            out.append(("note", typed, None if spacing else clean))
    return out


async def fill(db_url: str, write, items: list[tuple[str, str, str]]) -> dict:
    """The world, then every fuzzed note as an update of an open action and every name as a member;
    a few actions added by hand with fuzzed text, owner and area. What each should read as, stored."""
    db = await open_database(db_url)
    expected: dict = {"notes": [], "names": []}
    try:
        await build_world(db, write)
        async with db.read() as session:
            ada = await identify(
                session, "Ada Brooks", link=CONFIRMED
            )  # the secretariat: may update anything
        refs = ["WMAG31-02", "WMAG31-05", "WMAG31-06", "WMAG31-09", "WMAG32-01"]
        names = [(typed, clean) for kind, typed, clean in items if kind == "name"]
        async with db.write() as session:
            for typed, clean in names:
                await add_member(session, NOW, name=typed)
                if clean:
                    expected["names"].append(clean)
        for n, (kind, typed, clean) in enumerate(items):
            if kind != "note":
                continue
            if n % 40 == 0:
                added = await add_action(
                    db, ada, NOW, text=typed, group_code="WMAG", owner=typed, area=typed, source=typed
                )
                assert added.ok, added.message
                continue
            result = await change_action(
                db, refs[n % len(refs)], "update", ada, NOW, note=typed, source=typed
            )
            assert result.ok, result.message
            if clean:
                expected["notes"].append(clean_cell(clean))
    finally:
        await db.close()
    return expected


def strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def exported(tmp_path: Path, capsys) -> dict:
    """Every export and the draft, through the command line; each must succeed."""
    out = {}
    for form in ("json", "csv", "xlsx"):
        target = tmp_path / f"export.{form}"
        assert main(["export", "--format", form, "--out", str(target)]) == 0, capsys.readouterr().err
        out[form] = target
    target = tmp_path / "draft.docx"
    assert (
        main(["report", "draft", "--group", "WMAG", "--now", "2023-11-16T09:00", "--out", str(target)]) == 0
    )
    out["draft"] = target
    capsys.readouterr()
    return out


def check_exports(files: dict) -> dict:
    """Nothing unsafe in any of them; every cell one line; the workbook's Update column says what the
    JSON export says each action's latest update is. The JSON export, read back."""
    data = json.loads(files["json"].read_text(encoding="utf-8"))
    assert not [s for s in strings(data) if UNSAFE.search(s)]

    rows = list(csv.reader(io.StringIO(files["csv"].read_text(encoding="utf-8"))))
    assert len(rows) == len(data["actions"]) + 1
    assert all(len(row) == len(rows[0]) for row in rows)
    assert not [c for row in rows for c in row if UNSAFE.search(c) or "\n" in c or "\t" in c]

    book = load_workbook(files["xlsx"], read_only=True)
    cells = [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert not [c for c in cells if isinstance(c, str) and (UNSAFE.search(c) or "\n" in c or "\t" in c)]
    sheet = book["WMAG actions"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    updates = {
        row[header.index("Action Ref")]: row[header.index("Update")] or ""
        for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    for action in data["actions"]:
        said = [u["text"] for u in action["updates"] if u["text"] and u["kind"] in ("updated", "closed")]
        assert updates[action["ref"]] == (" ".join(said[-1].split()) if said else "")
    book.close()

    draft = docx.Document(str(files["draft"]))
    texts = [p.text for p in draft.paragraphs] + [
        cell.text for table in draft.tables for row in table.rows for cell in row.cells
    ]
    assert not [t for t in texts if UNSAFE.search(t)]
    return data


@pytest.mark.e2e  # two thousand fuzzed notes, every export and the draft
def test_fuzzed_notes_and_names_are_stored_clean_and_every_export_and_the_draft_succeed(
    db_url, write, tmp_path, capsys
):
    items = fuzzed(random.Random(2024), 2000)
    assert sum(1 for _, typed, _ in items if UNSAFE.search(typed)) > 1000
    expected = asyncio.run(fill(db_url, write, items))
    data = check_exports(exported(tmp_path, capsys))

    stored_notes = [u["text"] for a in data["actions"] for u in a["updates"] if u["kind"] == "updated"]
    for note in expected["notes"]:
        assert note in stored_notes  # the note as typed, without the junk: nothing else lost
    members = {m["name"] for m in data["members"]}
    assert set(expected["names"]) <= members


def test_what_an_older_database_holds_is_exported_and_drafted_too(db_url, write, tmp_path, capsys):
    """Text written before it was cleaned on the way in (here, written past the storage layer)."""

    async def world():
        db = await open_database(db_url)
        try:
            await build_world(db, write)
        finally:
            await db.close()

    asyncio.run(world())
    parsed = make_url(db_url)
    driver = "sqlite+pysqlite" if parsed.get_backend_name() == "sqlite" else "postgresql+psycopg"
    engine = create_engine(parsed.set(drivername=driver))  # a plain engine: nothing cleans its text
    junk = "a\x07b\x1bc\x0bd\ufffee\x9ff\x01"
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE action SET area = :t, owner = :t WHERE ref = 'WMAG31-02'"), {"t": junk}
        )
        connection.execute(text("UPDATE action_event SET text = :t WHERE kind = 'updated'"), {"t": junk})
        connection.execute(text("UPDATE decision SET text = :t"), {"t": junk})
        connection.execute(
            text("UPDATE member SET role = :t, name = :t WHERE name = 'Sam Hatton'"), {"t": junk}
        )
        connection.execute(text("UPDATE working_group SET name = :t"), {"t": junk})
        held = connection.execute(text("SELECT count(*) FROM action_event WHERE text = :t"), {"t": junk})
        assert held.scalar_one() > 0  # the database holds it as written
    engine.dispose()

    data = check_exports(exported(tmp_path, capsys))
    action = next(a for a in data["actions"] if a["ref"] == "WMAG31-02")
    assert action["area"] == "abcdef"
