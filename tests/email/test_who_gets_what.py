"""Who is sent what, and how: chat where a trusted link reaches a member, email where none does (an
impostor's claim neither receives the member's items nor stops their email), and what the member chose
(`email me`, `email me too`, `email off` in chat; `member set --notify` on the command line)."""

from __future__ import annotations

from sqlalchemy import text

from bot.cli import main
from bot.digests import reach
from bot.people.identity import CLAIMED, CONFIRMED, VERIFIED, identify
from bot.people.members import add_member
from handlers.slack.digests import SlackDigestPoster
from handlers.teams.digests import TeamsDigestPoster
from storage.models import Member
from storage.queries import members as member_queries
from tests.fixtures.talk import say
from tests.fixtures.world import build_world, clock_at

NOW = clock_at("2023-11-16T09:00")


def member(**fields) -> Member:
    return Member(name="Kate Goodman", key="kate goodman", email="kate@example.org", **fields)


def test_a_claim_never_reaches_a_member_nor_stops_their_email():
    claimed = member(slack_user_id="U0IMPOSTOR", slack_link=CLAIMED)
    assert reach.chat_address(claimed, "slack") is None
    assert reach.email_address(claimed, ["slack", "teams"]) == "kate@example.org"
    assert SlackDigestPoster.address_of(object.__new__(SlackDigestPoster), claimed) is None

    verified = member(slack_user_id="U0KATE", slack_link=VERIFIED)
    assert reach.chat_address(verified, "slack") == "U0KATE"
    assert reach.email_address(verified, ["slack"]) is None  # reached in chat: no email
    assert reach.email_address(verified, ["teams"]) == "kate@example.org"  # Slack not served here
    assert reach.email_address(verified, []) == "kate@example.org"


def test_what_a_member_chose_decides():
    linked = dict(teams_user_id="aad-kate", teams_link=CONFIRMED)
    teams = object.__new__(TeamsDigestPoster)
    assert reach.email_address(member(notify="email", **linked), ["teams"]) == "kate@example.org"
    assert teams.address_of(member(notify="email", **linked)) is None  # email only: no chat message
    assert reach.email_address(member(notify="both", **linked), ["teams"]) == "kate@example.org"
    assert teams.address_of(member(notify="both", **linked)) == "aad-kate"
    assert reach.email_address(member(notify="chat"), []) is None  # never email, even unreachable
    assert reach.email_address(Member(name="No Address", key="no address"), []) is None


async def test_email_me_email_me_too_and_email_off_in_chat(db, write):
    await build_world(db, write)
    async with db.write() as session:
        await add_member(session, NOW, name="Sam Hatton", email="sam@example.org", slack_user_id="U0SAM")
        await add_member(session, NOW, name="Ada Brooks")
    async with db.read() as session:
        sam = await identify(session, "Sam Hatton", link=CONFIRMED)
        claimant = await identify(session, "Sam Hatton", link=CLAIMED)
        ada = await identify(session, "Ada Brooks", link=CONFIRMED)

    said = await say(db, "email me", sam, NOW)
    assert said.kind == "note" and "by email only" in said.text and "s…@example.org" in said.text
    assert "sam@example.org" not in said.text
    assert "by chat and by email" in (await say(db, "email me too", sam, NOW)).text
    assert "by chat only" in (await say(db, "email off", sam, NOW)).text
    assert "by chat only" in (await say(db, "email", sam, NOW)).text

    refused = await say(db, "email me", claimant, NOW)
    assert refused.kind == "refusal" and "your own word" in refused.text
    refused = await say(db, "email me", ada, NOW)
    assert refused.kind == "refusal" and "no email address for Ada Brooks" in refused.text
    assert (await say(db, "email sometimes", sam, NOW)).kind == "refusal"
    assert (await say(db, "email me", sam, NOW, questions_only=True)).kind == "refusal"

    async with db.read() as session:
        sam_now = await member_queries.member_by_id(session, sam.member_id)
        ada_now = await member_queries.member_by_id(session, ada.member_id)
        trail = (
            await session.exec(
                text("SELECT text, by, source FROM member_event WHERE kind = 'notify' ORDER BY id")
            )
        ).all()
    assert sam_now.notify == "chat" and ada_now.notify is None
    assert [tuple(row) for row in trail] == [
        ("email", "Sam Hatton", "console"),
        ("both", "Sam Hatton", "console"),
        ("chat", "Sam Hatton", "console"),
    ]


def test_member_set_notify_and_member_list_on_the_command_line(db_url, write, capsys):
    from tests.fixtures.world import HEADLINE_032, MINUTES_031

    assert main(["import", str(write("a.txt", MINUTES_031)), str(write("b.txt", HEADLINE_032))]) == 0
    assert main(["member", "add", "Sam Hatton", "--email", "sam@example.org"]) == 0
    capsys.readouterr()
    assert main(["member", "set", "Sam Hatton", "--notify", "email"]) == 0
    assert "by email only" in capsys.readouterr().out
    assert main(["member", "set", "Ada Brooks", "--notify", "email"]) == 1  # no address recorded
    assert "no email address for Ada Brooks" in capsys.readouterr().err
    assert main(["member", "set", "Nobody Known", "--notify", "chat"]) == 1
    assert main(["member", "list"]) == 0
    listed = capsys.readouterr().out
    assert "Sam Hatton (" in listed and "notify email" in listed


def test_group_set_digest_email_and_due_reminders(db_url, write, capsys):
    from tests.fixtures.world import HEADLINE_032, MINUTES_031

    assert main(["import", str(write("a.txt", MINUTES_031)), str(write("b.txt", HEADLINE_032))]) == 0
    capsys.readouterr()
    assert main(["group", "set", "WMAG"]) == 0
    assert "due-date reminders 3 working days before" in capsys.readouterr().out  # the default
    assert (
        main(["group", "set", "WMAG", "--digest-email", "WMAG-List@Example.org", "--due-reminders", "5"]) == 0
    )
    out = capsys.readouterr().out
    assert "digest by email to wmag-list@example.org" in out and "reminders 5 working days" in out
    assert main(["group", "set", "WMAG", "--digest-email", "not an address", "--due-reminders", "2"]) == 1
    assert main(["group", "set", "WMAG", "--due-reminders", "soon"]) == 1
    assert main(["group", "set", "WMAG"]) == 0  # bad input changed nothing
    assert "wmag-list@example.org, due-date reminders 5" in capsys.readouterr().out
    assert main(["group", "set", "WMAG", "--digest-email", "none", "--due-reminders", "none"]) == 0
    assert "to no list, due-date reminders none" in capsys.readouterr().out
