"""Lists a secretariat can trust: reported done is not overdue, no news since due is told apart, digests
lead with what needs attention, and the secretariat can confirm or close many at once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from bot.calendar.schedule import upcoming_meetings
from bot.conversation.answers import ask
from bot.digests.compose import compose_digest, render_digest
from bot.people.identity import CONFIRMED, identify
from bot.record.changes import confirm_reported
from bot.record.importer import import_report
from bot.record.updates import update_closes, update_reports_delivery
from storage.queries import groups as group_queries
from tests.fixtures.talk import say
from tests.fixtures.world import build_world, clock_at

# A third report: one action reported done, one with news, the rest of WMAG 31 not mentioned.
HEADLINE_033 = """\
## MHHS Widget Migration Advisory Group (WMAG) Headline Report

Meeting number **WMAG 033**

Date and time **20 December 2023 1000-1130**

### Actions

Area\tAction Ref\tAction\tOwner\tDue Date\tUpdate
<b>Actions from previous meeting(s)</b>\tWMAG31-01\tBook the environment slots for tranche two\tProgramme (Lena Ortiz, PMO)\t15/11/23\tAttached with WMAG Headline report
\tWMAG31-07\tConsider merging the readiness working groups\tProgramme\t15/11/23\tOptions paper in draft; not yet issued.
\tWMAG32-01\tPublish the cutover checklist\tProgramme (Lena Ortega)\t20/12/23\tThis document has been uploaded to the Collaboration Base.

**Date of next WMAG: 17 January 2024**
"""
NOW = clock_at("2024-01-10T09:00")


@pytest.fixture
async def world(db, write):
    await build_world(db, write)
    await import_report(db, write("wmag-033.txt", HEADLINE_033), clock=NOW)
    return db


@pytest.mark.parametrize(
    ("update", "delivered"),
    [
        ("Issued alongside meeting Headline Report", True),
        ("Attached with TMAG Headline report", True),
        ("This document has been uploaded to the TMAG area of the Collaboration Base.", True),
        ("In the full minutes", True),
        ("Shared with members on 12 May", True),
        ("Circulated to the group by email", True),
        ("Met on 24 October; agreed next steps", True),
        ("See the headline report", True),
        ("Not yet issued", False),
        ("Options paper in draft; not yet issued.", False),
        ("To be shared at the next meeting", False),
        ("Will be circulated next week", False),
        ("Awaiting the uploaded template from Elexon", False),
        ("Action remains ongoing.", False),
        ("", False),
    ],
)
def test_which_updates_report_delivery(update, delivered):
    assert update_reports_delivery(update) is delivered
    assert not update_closes(update)  # reported done never closes by itself


async def test_reported_done_is_not_overdue_and_is_counted(world):
    answer = await ask(world, "what is overdue", "Ada Brooks", NOW)
    refs = [item.ref for item in answer.items]
    assert "WMAG31-01" not in refs and "WMAG32-01" not in refs  # reported done
    assert "Not counted as overdue: 2 reported done, to confirm (WMAG31-01, WMAG32-01)" in answer.text
    reported = await ask(world, "what is reported done", "Ada Brooks", NOW)
    assert [item.ref for item in reported.items] == ["WMAG31-01", "WMAG32-01"]
    assert all(item.status == "open" and item.reported_done for item in reported.items)


async def test_overdue_with_news_comes_first_and_no_news_is_brief(world):
    answer = await ask(world, "what is overdue", "Ada Brooks", NOW)
    news = [s for s in answer.sections if s.reason != "no_news"]
    quiet = [s for s in answer.sections if s.reason == "no_news"]
    assert [i.ref for s in news for i in s.items] == [
        "WMAG31-07",
        "WMAG31-02",
    ]  # heard of since their due date
    assert quiet and quiet[0].compact and answer.sections[-1] is quiet[0]
    assert (
        "WMAG31-04" in [i.ref for i in quiet[0].items]
        and "WMAG31-04 — Sam Hall, Tom Okafor, Grace Lowe — 70 days overdue" in answer.text
    )


async def test_an_owners_own_overdue_keeps_its_reason(world):
    answer = await ask(world, "what is overdue for me", "Sam Hall", NOW)
    assert {(i.ref, i.reason) for i in answer.items} == {("WMAG31-04", "named"), ("WMAG31-06", "group")}
    assert all(i.no_news for i in answer.items)


async def test_the_digest_leads_with_attention_and_fits_one_screen(world):
    async with world.read() as session:
        group = await group_queries.group_by_code(session, "WMAG")
        meeting = (await upcoming_meetings(session, NOW.now(), "WMAG"))[0]
        digest = await compose_digest(session, group, meeting, NOW.today())
    data = digest.to_json()
    assert data["reported_done"] == ["WMAG31-01", "WMAG32-01"]
    assert data["attention"] == ["WMAG31-07", "WMAG31-02"]
    assert "WMAG31-04" in data["no_news"] and not set(data["no_news"]) & set(data["attention"])
    shown = render_digest(digest)
    assert len(shown.splitlines()) <= 40
    assert "2 reported done (to confirm)" in shown.splitlines()[1]
    assert f"{len(data['no_news'])} with no news since their due date" in shown.splitlines()[1]
    assert (
        shown.index("Needs attention")
        < shown.index("Reported done, to confirm")
        < shown.index("No news since")
    )


async def test_the_secretariat_confirms_all_reported_done_each_an_audit_event(world):
    async with world.read() as session:
        ada = await identify(session, "Ada Brooks", link=CONFIRMED)
        sam = await identify(session, "Sam Hall", link=CONFIRMED)
    refused = await confirm_reported(world, sam, NOW)
    assert not refused.ok and "Only the secretariat" in refused.message
    done = await confirm_reported(world, ada, NOW, group_code="WMAG", source="test")
    assert done.ok and done.message == "Confirmed and closed 2 reported done: WMAG31-01, WMAG32-01."
    async with world.read() as session:
        rows = (
            await session.exec(
                text(
                    "SELECT a.ref, a.status, a.reported_done, e.kind, e.text, e.by FROM action a "
                    "JOIN action_event e ON e.action_id = a.id WHERE e.kind = 'confirmed' ORDER BY a.ref"
                )
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        (
            "WMAG31-01",
            "closed",
            0,
            "confirmed",
            "Confirmed: Attached with WMAG Headline report",
            "Ada Brooks",
        ),
        (
            "WMAG32-01",
            "closed",
            0,
            "confirmed",
            "Confirmed: This document has been uploaded to the Collaboration Base.",
            "Ada Brooks",
        ),
    ]
    again = await confirm_reported(world, ada, NOW)
    assert not again.ok and again.message == "Nothing is waiting to be confirmed."


async def test_close_reported_and_many_refs_at_once(world):
    async with world.read() as session:
        ada = await identify(session, "Ada Brooks", link=CONFIRMED)
    reply = await say(world, "close reported", ada, NOW)
    assert reply.kind == "change" and "Confirmed and closed 2" in reply.text
    reply = await say(world, "done WMAG31-04, WMAG31-06 and WMAG31-99 - agreed at the meeting", ada, NOW)
    assert [r.ok for r in reply.changes] == [True, True, False]
    assert reply.text.splitlines() == [
        "✅ Closed WMAG31-04.",
        "✅ Closed WMAG31-06.",
        "I don't know WMAG31-99.",
    ]
    async with world.read() as session:
        notes = (
            await session.exec(
                text(
                    "SELECT a.ref, e.text FROM action_event e JOIN action a ON a.id = e.action_id "
                    "WHERE e.kind = 'closed' AND e.source = 'console' ORDER BY a.ref"
                )
            )
        ).all()
    assert [tuple(n) for n in notes] == [
        ("WMAG31-04", "agreed at the meeting"),
        ("WMAG31-06", "agreed at the meeting"),
    ]


async def test_a_chat_update_reporting_delivery_marks_it_reported(world):
    async with world.read() as session:
        sam = await identify(session, "Sam Hatton", link=CONFIRMED)
    await say(world, "update WMAG31-02 windows shared with the DNOs", sam, NOW)
    assert "WMAG31-02" in [i.ref for i in (await ask(world, "reported done", "Ada Brooks", NOW)).items]
    await say(world, "update WMAG31-02 two windows still to be agreed", sam, NOW)
    assert "WMAG31-02" not in [i.ref for i in (await ask(world, "reported done", "Ada Brooks", NOW)).items]


# --- facts the bot states ------------------------------------------------------------------------


async def test_raised_at_comes_from_the_ref_not_the_import_order(db, write):
    from tests.fixtures.world import HEADLINE_032, MINUTES_031

    await import_report(db, write("wmag-032.txt", HEADLINE_032), clock=NOW)  # the later report first
    await import_report(db, write("wmag-031.txt", MINUTES_031), clock=NOW)
    shown = await ask(db, "show WMAG31-02", "Ada Brooks", NOW)
    assert shown.detail.raised_at == "WMAG 31 on 18 Oct 2023"
    assert "Raised at WMAG 31 on 18 Oct 2023" in shown.text
    latest = await ask(db, "decisions", "Ada Brooks", NOW)
    assert [i.ref for i in latest.items] == ["WMAG-DEC14", "WMAG-DEC13", "WMAG-DEC12"]  # newest meeting first


async def test_a_hand_added_action_is_raised_at_its_first_report(world):
    from bot.record.changes import add_action

    async with world.read() as session:
        ada = await identify(session, "Ada Brooks", link=CONFIRMED)
    assert (
        await add_action(world, ada, NOW, text="Tidy the RAID log", group_code="WMAG", ref="WMAG00-01")
    ).ok
    shown = await ask(world, "show WMAG00-01", "Ada Brooks", NOW)
    assert shown.detail.raised_at is None  # no report raised it, and its ref names no meeting


async def test_a_weak_decision_match_says_so(world):
    answer = await ask(world, "what did we decide about the quantum strategy", "Ada Brooks", NOW)
    assert answer.heading == "No decision clearly matches “quantum strategy”"
    assert [s.title for s in answer.sections] == ["Closest matches"]
    assert answer.items[0].ref == "WMAG-DEC13"  # the Data Cleansing Strategy, offered as the closest
    good = await ask(world, "what did we decide about the environments plan", "Ada Brooks", NOW)
    assert good.items[0].ref == "WMAG-DEC12" and good.sections[0].title == "Decisions"


async def test_a_group_named_is_that_group_before_any_report_of_it(world):
    answer = await ask(world, "when is the next PSG meeting", "Ada Brooks", NOW)
    assert (answer.items[0].group, answer.items[0].date.isoformat()) == ("PSG", "2024-02-07")
    assert "PSG usually meets on the first Wednesday" in answer.text


async def test_a_held_meetings_digest_counts_what_was_decided_before_it(world):
    from bot.calendar.cadence import build_calendar
    from storage.queries import meetings as meeting_queries

    async with world.read() as session:
        group = await group_queries.group_by_code(session, "WMAG")
        known = await meeting_queries.meetings_between(
            session, group.id, date(2023, 11, 1), date(2023, 11, 30)
        )
        held = next(m for m in build_calendar(group, known, date(2023, 11, 15), date(2023, 11, 15)))
        digest = await compose_digest(session, group, held, NOW.today())
    assert digest.previous == "WMAG 31 on 18 Oct 2023"
    assert [ref for ref, _, _ in digest.decisions_since_last] == [
        "WMAG-DEC12",
        "WMAG-DEC13",
    ]  # not 32's DEC14


async def test_who_holds_a_role_attended_and_chairs(world):
    rep = await ask(world, "who is the DNO rep", "Ada Brooks", NOW)
    assert [(i.kind, i.name) for i in rep.items] == [("member", "Sam Hatton")]
    came = await ask(world, "who attended WMAG 31", "Ada Brooks", NOW)
    names = [i.name for i in came.items]
    assert "Tom Okafor" in names and "Rowan Pike" in names and len(names) == 9
    assert next(i for i in came.items if i.name == "Tom Okafor").owner == "Grace Lowe"  # on behalf of
    chair = await ask(world, "who chairs WMAG", "Ada Brooks", NOW)
    assert chair.heading == "Who chairs WMAG: Rowan Pike"


async def test_a_guessed_name_is_flagged_and_a_stranger_is_not_told_to_link(world):
    guessed = await ask(world, "what is open for Priya Natarajen", "Ada Brooks", NOW)
    assert (
        "(taking “priya natarajen” as Priya Natarajan)" in guessed.heading.lower()
        or "taking" in guessed.heading
    )
    mine = await ask(world, "what is open for me", "Sam Halll", NOW)
    assert "taking “Sam Halll” as Sam Hall" in mine.heading
    stranger = await ask(world, "what is open for Zebedee Quist", "Ada Brooks", NOW)
    assert stranger.note == "I don't know anyone called Zebedee Quist in the group's reports."
    assert "iam" not in stranger.text


async def test_a_change_made_with_a_given_time_says_so_in_its_history(world):
    async with world.read() as session:
        sam = await identify(session, "Sam Hatton", link=CONFIRMED)
    await say(world, "done WMAG31-02 agreed", sam, NOW)  # NOW is a fixed clock, not the real time
    shown = await ask(world, "show WMAG31-02", "Sam Hatton", NOW)
    closing = next(line for line in shown.text.splitlines() if "closed by Sam Hatton" in line)
    assert closing.startswith("  10 Jan 2024 closed by Sam Hatton: agreed (time given; recorded ")
    assert "time given" not in shown.text.split("closed by")[0]  # report events carry their meeting's time
