"""Answers to members' questions over an invented group full of traps (see tests/fixtures/world.py)."""

from __future__ import annotations

import pytest

from bot.conversation.answers import ask
from tests.fixtures.world import build_world, clock_at

NOW = clock_at("2023-11-16T09:00")


@pytest.fixture
async def world(db, write):
    await build_world(db, write)
    return db


def refs(answer, reason=None):
    return [i.ref for i in answer.items if reason is None or i.reason == reason]


@pytest.mark.parametrize(
    ("who", "named", "role", "organisation", "absent"),
    [
        ("Lena Ortiz", {"WMAG31-01"}, set(), {"WMAG31-07"}, {"WMAG32-01", "WMAG31-03"}),
        ("Ada Brooks", set(), {"WMAG31-01"}, {"WMAG31-07"}, {"WMAG31-03"}),  # the PMO; WMAG31-03 is closed
        ("Priya Natarajan", {"WMAG31-05"}, {"WMAG31-09"}, set(), {"WMAG31-02"}),  # iDNO is not DNO
        ("Sam Hatton", {"WMAG31-02"}, set(), set(), {"WMAG31-05", "WMAG31-09", "WMAG31-04"}),
        ("Sam Hall", {"WMAG31-04"}, set(), set(), {"WMAG31-02"}),  # never Sam Hatton's
        ("Dave Marsh", {"WMAG31-08"}, set(), set(), set()),  # "David Marsh" in the report
        ("Tom Okafor", {"WMAG31-04"}, set(), set(), {"WMAG31-03"}),  # a role in the text is not the owner
        ("Grace Lowe", {"WMAG31-04"}, set(), set(), set()),  # represented by Tom Okafor
        ("Lena Ortega", {"WMAG32-01"}, set(), {"WMAG31-07"}, {"WMAG31-01"}),
    ],
)
async def test_what_is_open_for_me_is_exactly_theirs(world, who, named, role, organisation, absent):
    answer = await ask(world, "what is open for me", who, NOW)
    assert answer.intent == "open"
    assert set(refs(answer, "named")) == named
    assert set(refs(answer, "role")) == role
    assert set(refs(answer, "organisation")) == organisation
    assert "WMAG31-06" in refs(answer, "group")  # everyone on the group
    assert not absent & set(refs(answer))


async def test_sections_come_named_first_then_role_organisation_group(world):
    answer = await ask(world, "anything on my plate?", "Ada Brooks", NOW)
    order = [section.reason for section in answer.sections]
    assert order == sorted(order, key=["named", "role", "organisation", "group"].index)
    reasons = [item.reason for item in answer.items]
    assert reasons == sorted(reasons, key=["named", "role", "organisation", "group"].index)


@pytest.mark.parametrize(
    "phrasing",
    [
        "what is open for me",
        "what's open for me?",
        "anything on my plate?",
        "my actions",
        "whats opne for me",
        "mine",
        "what have I got",
        "What do I owe?",
    ],
)
async def test_phrasings_of_what_is_open_for_me(world, phrasing):
    answer = await ask(world, phrasing, "Priya Natarajan", NOW)
    assert set(refs(answer, "named")) == {"WMAG31-05"}


@pytest.mark.parametrize(
    ("question", "expected", "excluded"),
    [
        ("what is open for Sam Hatton", {"WMAG31-02"}, {"WMAG31-04"}),
        ("what does Sam Hall owe", {"WMAG31-04"}, {"WMAG31-02"}),
        ("Priya's actions", {"WMAG31-05"}, {"WMAG31-02"}),
        ("open actions for the DNO rep", {"WMAG31-02"}, {"WMAG31-05", "WMAG31-09"}),
        ("what is open for the iDNO representative", {"WMAG31-05", "WMAG31-09"}, {"WMAG31-02"}),
        ("what is open for WMAG members", {"WMAG31-06"}, {"WMAG31-02"}),
        ("what is open for the Programme", {"WMAG31-07"}, {"WMAG31-02"}),
    ],
)
async def test_open_for_someone_else(world, question, expected, excluded):
    answer = await ask(world, question, "Dave Marsh", NOW)
    assert expected <= set(refs(answer))
    assert not excluded & set(refs(answer))


async def test_overdue_for_me_and_for_everyone(world):
    late = clock_at("2023-11-02T09:00")
    mine = await ask(world, "what is overdue for me", "Sam Hall", late)
    assert refs(mine) == ["WMAG31-04"] and mine.items[0].overdue
    everyone = await ask(world, "what's overdue?", "Sam Hall", late)
    assert set(refs(everyone)) == {"WMAG31-04"}  # WMAG31-03 was due 25/10 but is closed
    assert all(i.overdue for i in everyone.items)


async def test_due_before_the_next_meeting(world):
    answer = await ask(world, "what is due before the next meeting", "Ada Brooks", NOW)
    assert answer.intent == "due_before_next"
    assert "29 Nov 2023" in answer.heading  # the extraordinary meeting is next
    assert "WMAG31-01" in refs(answer) and "WMAG32-01" not in refs(answer)  # due 20/12


@pytest.mark.parametrize("asked", ["show WMAG 31-01", "wmag31 1", "tell me about wmag31-1", "WMAG31-01?"])
async def test_show_a_ref_however_written(world, asked):
    answer = await ask(world, asked, "Dave Marsh", NOW)
    assert answer.intent == "show"
    assert refs(answer)[0] == "WMAG31-01"
    assert "book the environment slots" in answer.text.lower()
    assert "Members asked for tranche two slots" in answer.text  # the discussion that raised it


async def test_show_gives_the_history(world):
    answer = await ask(world, "show WMAG31-02", "Dave Marsh", NOW)
    history = [(e.kind, e.text) for e in answer.detail.history]
    assert history == [
        ("created", None),
        ("due_moved", "Due date moved from 2023-11-15 to 2023-12-20"),
        ("updated", "Windows drafted; date moved to December"),
    ]
    assert answer.items[0].due.isoformat() == "2023-12-20"


async def test_who_owns(world):
    answer = await ask(world, "who owns wmag 31-5", "Dave Marsh", NOW)
    assert answer.intent == "who_owns"
    assert refs(answer) == ["WMAG31-05"]
    assert "Priya Natarajen (member Priya Natarajan)" in answer.text


async def test_unknown_ref_says_so(world):
    answer = await ask(world, "show WMAG99-01", "Dave Marsh", NOW)
    assert answer.items == [] and "I don't know WMAG99-01" in answer.text


async def test_decisions_about_a_topic_and_at_a_meeting(world):
    answer = await ask(world, "what did we decide about the environments plan?", "Dave Marsh", NOW)
    assert refs(answer)[0] == "WMAG-DEC12"
    assert all(i.reason == "topic" for i in answer.items)
    typo = await ask(world, "decisions on data clensing", "Dave Marsh", NOW)
    assert refs(typo)[0] == "WMAG-DEC13"
    at = await ask(world, "decisions at WMAG 32", "Dave Marsh", NOW)
    assert refs(at) == ["WMAG-DEC14"]
    last = await ask(world, "what was decided at the last meeting", "Dave Marsh", NOW)
    assert refs(last) == ["WMAG-DEC14"]
    ref = await ask(world, "DEC 13", "Dave Marsh", NOW)
    assert refs(ref) == ["WMAG-DEC13"]


async def test_actions_about_a_topic(world):
    answer = await ask(world, "actions about the cutover checklist", "Dave Marsh", NOW)
    assert refs(answer)[0] == "WMAG32-01"


async def test_next_meeting_and_next_extraordinary_meeting(world):
    answer = await ask(world, "when is the next WMAG?", "Dave Marsh", NOW)
    first = answer.items[0]
    assert (first.kind, first.date.isoformat(), first.extraordinary) == ("meeting", "2023-11-29", True)
    ordinary = await ask(world, "when is the next WMAG?", "Dave Marsh", clock_at("2023-11-30T09:00"))
    assert ordinary.items[0].date.isoformat() == "2023-12-20"
    extraordinary = await ask(world, "next extraordinary WMAG", "Dave Marsh", clock_at("2023-11-30T09:00"))
    assert extraordinary.items == [] and "don't know" in extraordinary.text


async def test_questions_it_cannot_answer_get_the_list_of_what_it_can(world):
    answer = await ask(world, "what's the weather like in Leeds", "Dave Marsh", NOW)
    assert answer.intent == "help"
    assert answer.items == []
    assert "what is open for me" in answer.text and "who owns" in answer.text


async def test_someone_who_is_not_a_member_still_gets_the_actions_naming_them(world, write, clock):
    from bot.record.importer import import_report

    extra = """\
## Widget Migration Advisory Group (WMAG) Headline Report

Meeting number **WMAG 033**

Date and time **20 December 2023 1000-1200**

### Actions

Area\tAction Ref\tAction\tOwner\tDue Date\tUpdate
<b>Plan</b>\tWMAG33-01\tCirculate the plan\tProgramme (Noor Haddad)\t17/01/24\t
"""
    await import_report(world, write("wmag-033.txt", extra), clock=clock)
    answer = await ask(world, "what is open for me", "Noor Haddad", clock_at("2023-12-21T09:00"))
    assert refs(answer, "named") == ["WMAG33-01"]
    stranger = await ask(world, "what is open for me", "Someone New", NOW)
    assert stranger.items == []


async def test_json_shape(world):
    answer = await ask(world, "when is the next WMAG", "Dave Marsh", NOW)
    data = answer.to_json()
    assert set(data) == {"intent", "text", "items"}
    meeting = data["items"][0]
    assert {"kind", "ref", "reason", "score", "date", "number", "extraordinary"} <= set(meeting)
    assert meeting["ref"] is None and meeting["reason"] == "schedule"


async def test_a_long_list_is_cut_and_its_total_counted_only_so_far(world, monkeypatch):
    """A role with tens of thousands of open actions is not counted one by one at every question: the
    list stops at the section limit and the count at COUNT_CAP, and the answer says "over"."""
    import bot.conversation.answers as answers
    import storage.queries.ownership as ownership

    full = await ask(world, "all open actions", "Ada Brooks", NOW)
    listed = len(full.items)
    assert listed >= 5
    monkeypatch.setattr(answers, "SECTION_LIMIT", 2)
    cut = await ask(world, "all open actions", "Ada Brooks", NOW)
    assert len(cut.items) == 2
    assert f"… and {listed - 2} more" in cut.text and "and over" not in cut.text  # counted in full
    monkeypatch.setattr(ownership, "COUNT_CAP", 4)
    capped = await ask(world, "all open actions", "Ada Brooks", NOW)
    assert [i.ref for i in capped.items] == [i.ref for i in cut.items]
    assert "… and over 2 more" in capped.text  # 4 counted, 2 listed: at least 2 more


async def test_a_long_named_list_is_cut_and_counted_like_the_others(world, monkeypatch):
    """Someone named on hundreds of actions (a programme lead) gets the soonest due listed and the rest
    counted, not every one of them in every answer."""
    from datetime import date

    import bot.conversation.answers as answers
    from bot.people.identity import CONFIRMED, identify
    from bot.record.changes import add_action

    async with world.read() as session:
        ada = await identify(session, "Ada Brooks", link=CONFIRMED)
    for day in (20, 21, 22):
        await add_action(
            world,
            ada,
            NOW,
            text=f"Chase tranche {day}",
            group_code="WMAG",
            owner="Lena Ortiz",
            due=date(2023, 12, day),
        )
    full = await ask(world, "what is open for me", "Lena Ortiz", NOW)
    named = refs(full, "named")
    assert len(named) == 4
    monkeypatch.setattr(answers, "SECTION_LIMIT", 2)
    cut = await ask(world, "what is open for me", "Lena Ortiz", NOW)
    assert refs(cut, "named") == named[:2]  # the soonest due first, as in the full list
    assert "… and 2 more" in cut.text
    assert refs(cut, "group") == refs(full, "group")  # the other sections are as they were
