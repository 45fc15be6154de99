"""Due-date reminders: a group's `due_reminder_days` UK working days before an action falls due (3 by
default; weekends and England and Wales bank holidays skipped), at its digest time, each owner is sent
their actions due that day: by chat where they are reachable there, else by email; once."""

from __future__ import annotations

from datetime import date

import pytest

from bot.cli import main
from bot.digests.timing import DUE
from bot.people.identity import operator
from bot.people.members import add_member
from bot.record.changes import add_action
from storage.queries import groups as group_queries
from tests.email.helpers import body, links, runner
from tests.fixtures.world import build_world, clock_at
from tests.slack_fake import FakeSlack

NEW_YEAR = date(2024, 1, 2)  # a Tuesday; 1 January, 25 and 26 December are bank holidays


@pytest.fixture
async def slack():
    fake = await FakeSlack().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def world(db, write):
    """Two actions due on 2 January 2024: Priya's (no chat: email) and Sam's (Slack)."""
    await build_world(db, write)
    clock = clock_at("2023-12-01T12:00")
    async with db.write() as session:
        await add_member(session, clock, name="Sam Hatton", email="sam@example.org", slack_user_id="U0SAM")
        await add_member(session, clock, name="Priya Natarajan", email="priya@example.org")
    async with db.read() as session:
        secretariat = await operator(session, "Ada Brooks")
    for text, owner in (
        ("Send the iDNO charging note", "Priya Natarajan"),
        ("Book the DNO windows", "Sam Hatton"),
    ):
        result = await add_action(
            db, secretariat, clock, text=text, group_code="WMAG", owner=owner, due=NEW_YEAR
        )
        assert result.ok, result.message
    return db


async def test_reminders_fall_three_working_days_before_skipping_the_holidays(world, mail, slack):
    inbox, url = mail
    slots = [
        s
        for s in await runner(world, clock_at("2023-12-01T12:00"), url).slots(
            clock_at("2023-12-01T12:00").now()
        )
        if s.slot == DUE
    ]
    new_year = next(s for s in slots if s.due == NEW_YEAR)
    assert new_year.at.isoformat() == "2023-12-27T09:00:00+00:00"  # Wed 27: Fri 29, Thu 28, Wed 27
    assert new_year.key == "WMAG:2024-01-02:due"

    # The evening before, nothing; at 09:00 on the 27th, each owner once, the way they are reached.
    assert not [
        r
        for r in await runner(world, clock_at("2023-12-26T18:00"), url, slack=slack).run_due()
        if r.key == "WMAG:2024-01-02:due"
    ]
    done = [
        r
        for r in await runner(world, clock_at("2023-12-27T09:00"), url, slack=slack).run_due()
        if r.key == "WMAG:2024-01-02:due"
    ]
    assert [(r.key, r.status) for r in done] == [("WMAG:2024-01-02:due", "sent")]
    assert [m["To"] for m in inbox.messages] == ["priya@example.org"]
    reminder = inbox.messages[0]
    assert reminder["Subject"] == "Due on Tuesday 02 January 2024: WMAG32-02"
    assert "Send the iDNO charging note" in body(reminder, "plain") and len(links(reminder)) == 1
    assert not list(reminder.iter_attachments())
    sam = [c for c in slack.calls_to("chat.postMessage") if c["channel"] == "U0SAM"]
    assert len(sam) == 1 and "Book the DNO windows" in str(sam[0]["blocks"])

    # Again later that day, or from another process: nothing more.
    await runner(world, clock_at("2023-12-27T11:00"), url, slack=slack, worker="other").run_due()
    assert (
        len(inbox.messages) == 1
        and len([c for c in slack.calls_to("chat.postMessage") if c["channel"] == "U0SAM"]) == 1
    )


async def test_a_group_can_send_none_or_choose_the_days(world, mail):
    _, url = mail
    now = clock_at("2023-12-01T12:00")
    async with world.write() as session:
        (await group_queries.group_by_code(session, "WMAG")).due_reminder_days = 5
    slots = {s.due: s for s in await runner(world, now, url).slots(now.now()) if s.slot == DUE}
    assert slots[NEW_YEAR].at.date() == date(2023, 12, 21)  # 29, 28, 27, 22, 21
    async with world.write() as session:
        (await group_queries.group_by_code(session, "WMAG")).due_reminder_days = None
    assert not [s for s in await runner(world, now, url).slots(now.now()) if s.slot == DUE]


def test_due_reminders_none_on_the_command_line(db_url, write, capsys):
    from tests.fixtures.world import HEADLINE_032, MINUTES_031

    assert main(["import", str(write("a.txt", MINUTES_031)), str(write("b.txt", HEADLINE_032))]) == 0
    assert main(["group", "set", "WMAG", "--due-reminders", "none"]) == 0
    assert "due-date reminders none" in capsys.readouterr().out


async def test_mark_done_on_a_chat_reminder_shows_it_again_as_it_is_now(world):
    """A button pressed on a due-date reminder in chat shows that reminder again for its owner, the item
    closed (with Undo), as a digest's buttons do."""
    from bot.config import Settings
    from bot.conversation.layout import MARK_DONE, View
    from bot.conversation.turns import Place, Turn, take_turn
    from bot.people.identity import CONFIRMED, identify
    from bot.services import Services

    async with world.read() as session:
        sam = await identify(session, "Sam Hatton", link=CONFIRMED)
    view = View(group="WMAG", meeting=NEW_YEAR.isoformat(), slot=DUE, part=f"dm:{sam.member_id}")
    assert View.from_data(view.to_data()) == view
    services = Services(world, clock_at("2023-12-27T09:05"), Settings())
    turn = Turn(Place("slack"), person=sam, verb=MARK_DONE, data={"ref": "WMAG32-03", "view": view.to_data()})
    outcome = await take_turn(services, turn)
    assert outcome.replace and outcome.changes[0].ok
    assert "falls due on Tuesday 02 January 2024 (WMAG)" in outcome.text
    assert "✅ WMAG32-03 (closed): Book the DNO windows" in outcome.text
