"""Closing, reopening and updating actions: owners and the secretariat may; others get a reason."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.people.identity import CONFIRMED, identify
from bot.record.changes import add_action, add_decision, change_action, undo_change
from bot.record.exporter import export_data
from tests.fixtures.world import build_world, clock_at

NOW = clock_at("2023-11-16T09:00")


@pytest.fixture
async def world(db, write):
    await build_world(db, write)
    return db


async def person(db, name):
    async with db.read() as session:
        return await identify(session, name, link=CONFIRMED)


async def events(db, ref):
    async with db.read() as session:
        rows = await session.exec(
            text(
                "SELECT e.kind, e.text, e.by, e.source FROM action_event e JOIN action a ON a.id = e.action_id "
                "WHERE a.ref = :ref ORDER BY e.id"
            ),
            params={"ref": ref},
        )
        return [tuple(r) for r in rows.all()]


async def status(db, ref):
    async with db.read() as session:
        return (
            await session.exec(text("SELECT status FROM action WHERE ref = :ref"), params={"ref": ref})
        ).one()[0]


@pytest.mark.parametrize(
    ("who", "ref", "reason"),
    [
        ("Sam Hatton", "WMAG31-02", "named"),
        ("Priya Natarajan", "WMAG31-05", "named"),  # "Priya Natarajen" in the report
        ("Priya Natarajan", "WMAG31-09", "role"),
        ("Lena Ortega", "WMAG31-07", "organisation"),
        ("Dave Marsh", "WMAG31-06", "group"),
        ("Ada Brooks", "WMAG32-01", "secretariat"),  # the PMO may close anything
    ],
)
async def test_owners_and_the_secretariat_may_close(world, who, ref, reason):
    result = await change_action(world, ref, "close", await person(world, who), NOW, note="done and shared")
    assert result.ok and result.reason == reason
    assert await status(world, ref) == "closed"
    kind, note, by, source = (await events(world, ref))[-1]
    assert (kind, note, source) == ("closed", "done and shared", "cli")
    assert by == who


@pytest.mark.parametrize(
    ("who", "ref"),
    [
        ("Sam Hall", "WMAG31-02"),  # Sam Hatton's
        ("Priya Natarajan", "WMAG31-02"),  # the DNO's, not the iDNO's
        ("Tom Okafor", "WMAG31-01"),
        ("Someone New", "WMAG31-06"),
    ],
)
async def test_anyone_else_is_refused_and_nothing_changes(world, who, ref):
    before = await events(world, ref)
    result = await change_action(world, ref, "close", await person(world, who), NOW)
    assert not result.ok
    assert result.message == f"Only the owner or the secretariat can close {ref}."
    assert await status(world, ref) == "open"
    assert await events(world, ref) == before


async def test_update_reopen_and_the_refusals_that_say_why(world):
    sam = await person(world, "Sam Hatton")
    assert (await change_action(world, "wmag31 2", "update", sam, NOW, note="windows agreed")).ok
    assert (await change_action(world, "WMAG31-02", "update", sam, NOW)).message.startswith("An update needs")
    assert (
        await change_action(world, "WMAG31-02", "reopen", sam, NOW)
    ).message == "WMAG31-02 is already open."
    assert (await change_action(world, "WMAG31-02", "close", sam, NOW)).ok
    assert (
        await change_action(world, "WMAG31-02", "close", sam, NOW)
    ).message == "WMAG31-02 is already closed."
    assert (await change_action(world, "WMAG31-02", "reopen", sam, NOW)).ok
    assert (await change_action(world, "WMAG99-01", "close", sam, NOW)).message == "I don't know WMAG99-01."
    assert (await change_action(world, "no ref here", "close", sam, NOW)).message.startswith("I can't see")
    huge = await change_action(world, "WMAG31-02", "update", sam, NOW, note="x" * 5000)
    assert not huge.ok and "too long" in huge.message
    kinds = [e[0] for e in await events(world, "WMAG31-02")]
    assert kinds == ["created", "due_moved", "updated", "updated", "closed", "reopened"]


async def test_undo_puts_it_back_and_keeps_the_trail(world):
    sam = await person(world, "Sam Hatton")
    closed = await change_action(world, "WMAG31-02", "close", sam, NOW)
    other = await person(world, "Sam Hall")
    assert not (await undo_change(world, closed.event_id, other, NOW)).ok
    undone = await undo_change(world, closed.event_id, sam, NOW)
    assert undone.ok and await status(world, "WMAG31-02") == "open"
    assert [e[0] for e in await events(world, "WMAG31-02")][-2:] == ["closed", "reopened"]
    assert not (await undo_change(world, closed.event_id, sam, NOW)).ok  # things moved on since


async def test_the_secretariat_adds_actions_and_decisions(world):
    ada, sam = await person(world, "Ada Brooks"), await person(world, "Sam Hall")
    refused = await add_action(world, sam, NOW, text="Do a thing", group_code="WMAG")
    assert not refused.ok and "secretariat" in refused.message
    added = await add_action(
        world, ada, NOW, text="Share the slide pack", group_code="WMAG", owner="Programme (Sam Hall)"
    )
    assert added.ok and added.ref == "WMAG32-02"  # the next number at the last meeting
    assert (await change_action(world, added.ref, "close", sam, NOW)).ok  # Sam owns it now
    decision = await add_decision(world, ada, NOW, text="Agreed the plan.", group_code="WMAG")
    assert decision.ok and decision.ref == "WMAG-DEC15"
    duplicate = await add_action(world, ada, NOW, text="Again", group_code="WMAG", ref="WMAG32-01")
    assert not duplicate.ok and "already exists" in duplicate.message


async def test_changes_show_in_the_export_with_who_and_where(world):
    sam = await person(world, "Sam Hatton")
    await change_action(world, "WMAG31-02", "close", sam, NOW, note="agreed", source="https://slack/p123")
    data = await export_data(world)
    action = next(a for a in data["actions"] if a["ref"] == "WMAG31-02")
    assert action["status"] == "closed"
    last = dict(action["updates"][-1])
    recorded = last.pop("recorded_at")
    assert last == {
        "kind": "closed",
        "text": "agreed",
        "at": "2023-11-16T09:00:00+00:00",
        "by": "Sam Hatton",
        "source": "https://slack/p123",
        "link": "confirmed",  # how the person who made it was linked to the member
        "status": {"from": "open", "to": "closed"},
    }
    assert recorded > "2025"  # the real time it was recorded, not the clock the test set
    assert (action["closed_on"], action["closed_by"]) == ("2023-11-16", "Sam Hatton")
