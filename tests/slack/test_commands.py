"""/tmag: questions and commands, answered at once, ephemerally, in blocks."""

from __future__ import annotations

from tests.fixtures.slack import buttons, data_of, texts
from tests.slack.conftest import NOW


async def test_mine_replies_ephemerally_with_mark_done_buttons(bot):
    assert await bot.command("mine", user="U0SAM") == 200
    reply = (await bot.replies())[0]
    assert reply["response_type"] == "ephemeral"
    assert "Open for Sam Hatton" in texts(reply["blocks"])
    assert data_of(buttons(reply["blocks"], "mark_done")[0]) == {
        "ref": "WMAG31-02",
        "view": {"q": "mine", "o": 0},
    }
    assert all(b.get("text", {}).get("verbatim", True) for b in reply["blocks"] if b["type"] == "section")


async def test_share_posts_in_the_channel(bot):
    await bot.command("next share", user="U0SAM")
    reply = (await bot.replies())[0]
    assert reply["response_type"] == "in_channel"
    assert "29 November 2023" in texts(reply["blocks"])


async def test_done_by_the_owner_confirms_with_undo_and_records_the_slack_user(bot):
    await bot.command("done WMAG31-02 windows agreed", user="U0SAM")
    reply = (await bot.replies())[0]
    assert "Closed WMAG31-02." in texts(reply["blocks"])
    undo = buttons(reply["blocks"], "undo_change")
    assert undo and isinstance(data_of(undo[0])["event"], int)
    async with bot.db.read() as session:
        from sqlalchemy import text

        row = (
            await session.exec(
                text("SELECT kind, text, by, slack_user_id FROM action_event ORDER BY id DESC LIMIT 1")
            )
        ).one()
    assert tuple(row) == ("closed", "windows agreed", "Sam Hatton", "U0SAM")


async def test_done_by_someone_else_is_refused_and_changes_nothing(bot):
    await bot.command("done WMAG31-02", user="U0HALL")
    reply = (await bot.replies())[0]
    assert texts(reply["blocks"]) == "Only the owner or the secretariat can close WMAG31-02."
    assert not buttons(reply["blocks"], "undo_change")
    await bot.command("show WMAG31-02", user="U0HALL")
    assert "Status: open" in texts((await bot.replies(2))[1]["blocks"])


async def test_a_close_profile_name_is_asked_about_once(bot):
    bot.fake.users["U0PRIYA"] = {"real_name": "Priya Natarajen", "display_name": ""}  # not quite the member
    await bot.command("mine", user="U0PRIYA")
    first = (await bot.replies())[0]
    assert buttons(first["blocks"], "confirm_identity")
    await bot.command("mine", user="U0PRIYA")
    second = (await bot.replies(2))[1]
    assert not buttons(second["blocks"], "confirm_identity")  # asked once


async def test_iam_links_the_slack_user(bot):
    bot.fake.users["U0NEW"] = {"real_name": "Lena O.", "display_name": "lena"}
    await bot.command("iam Lena Ortiz", user="U0NEW")
    assert "you are Lena Ortiz" in texts((await bot.replies())[0]["blocks"])
    await bot.command("mine", user="U0NEW")
    assert "Open for Lena Ortiz" in texts((await bot.replies(2))[1]["blocks"])


async def test_help_and_unknown_questions_list_what_it_can_do(bot):
    await bot.command("what is the weather", user="U0SAM")
    assert "what is open for me" in texts((await bot.replies())[0]["blocks"])


async def test_escaping_means_stored_text_never_pings_or_links(bot):
    from bot.people.identity import CONFIRMED, identify
    from bot.record.changes import add_action

    async with bot.db.read() as session:
        ada = await identify(session, "Ada Brooks", link=CONFIRMED)
    await add_action(
        bot.db,
        ada,
        NOW,
        text="Tell <!channel> & <@U0SAM> about <http://x.example|click>",
        group_code="WMAG",
        owner="Sam Hatton & <!here>",
    )
    await bot.command("mine", user="U0SAM")
    rendered = texts((await bot.replies())[0]["blocks"])
    assert "&lt;!channel&gt; &amp; &lt;@U0SAM&gt;" in rendered
    assert "&lt;http://x.example|click&gt;" in rendered
    assert "Sam Hatton &amp; &lt;!here&gt;" in rendered
    assert "<!" not in rendered and "<@" not in rendered and "<http" not in rendered


async def test_stored_formatting_shows_as_typed_and_never_pings(bot):
    from bot.people.identity import CONFIRMED, identify
    from bot.record.changes import add_action

    async with bot.db.read() as session:
        ada = await identify(session, "Ada Brooks", link=CONFIRMED)
    hostile = "Please *publish* the _plan_ ~now~ `today` <!here> [click](https://evil.example)"
    added = await add_action(
        bot.db, ada, NOW, text=hostile, group_code="WMAG", owner="Sam Hatton", ref="WMAG32-08"
    )
    assert added.ok, added.message
    await bot.command("show WMAG32-08", user="U0SAM")
    reply = (await bot.replies())[0]
    holding = [
        b["text"]
        for b in reply["blocks"]
        if isinstance(b.get("text"), dict) and "publish" in b["text"]["text"]
    ]
    assert holding and all(t["type"] == "plain_text" for t in holding)
    assert (
        "Please *publish* the _plan_ ~now~ `today` &lt;!here&gt; [click](https://evil.example)"
        in holding[0]["text"]
    )


async def test_report_draft_is_sent_to_the_secretariat_by_direct_message(bot):
    from bot.record.importer import import_report
    from tests.slack.conftest import NOW

    await bot.command("report draft", user="U0SAM")
    refused = (await bot.replies())[0]
    assert "Only the secretariat can draft the report." in texts(refused["blocks"])
    assert not bot.fake.uploads

    await bot.command("report draft WMAG", user="U0ADA")  # the PMO secretariat lead
    reply = (await bot.replies(2))[1]
    assert "sent you wmag-33-2023-11-29-headline-report-draft.docx" in texts(reply["blocks"])
    (upload,) = bot.fake.uploads.values()
    assert upload["completed"] and upload["channel"] == "DU0ADA"
    assert upload["filename"] == "wmag-33-2023-11-29-headline-report-draft.docx"
    assert upload["comment"].startswith(
        "Here is the draft headline report for WMAG on Wednesday 29 November 2023"
    )
    summary = await import_report(bot.db, name=upload["filename"], data=upload["data"], clock=NOW)
    assert summary.status == "unchanged" and "untouched draft" in summary.line()
