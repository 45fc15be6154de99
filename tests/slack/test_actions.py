"""Buttons: Mark done (from a reply and from the App Home), Undo, Show more, and report uploads."""

from __future__ import annotations

from sqlalchemy import text

from tests.core.test_importer import SECOND
from tests.fixtures.slack import buttons, data_of, last_event, message, status_of, texts


async def test_mark_done_button_taken_from_a_reply(bot):
    """A button on an answer of several items changes that item only: the answer is shown again in place,
    the item closed with its Undo, the rest as they were; Undo puts it back the same way."""
    await bot.command("mine", user="U0SAM")
    reply = (await bot.replies())[0]
    values = buttons(reply["blocks"], "mark_done")
    ref, other = data_of(values[0])["ref"], data_of(values[1])["ref"]
    await bot.click("mark_done", values[0], user="U0SAM")
    shown_again = (await bot.replies(2))[1]
    assert shown_again["replace_original"] is True
    assert f"✅ {ref} (closed)" in texts(shown_again["blocks"])
    assert other in [data_of(v)["ref"] for v in buttons(shown_again["blocks"], "mark_done")]  # still there
    assert await status_of(bot, ref) == "closed"
    undo = buttons(shown_again["blocks"], "undo_change")[0]
    await bot.click("undo_change", undo, user="U0SAM")
    undone = (await bot.replies(3))[2]
    assert f"Undone: {ref} is open again." in texts(undone["blocks"]) and undone["replace_original"] is True
    assert {ref, other} <= {data_of(v)["ref"] for v in buttons(undone["blocks"], "mark_done")}
    assert await status_of(bot, ref) == "open"


async def test_mark_done_by_a_bystander_is_refused(bot):
    await bot.click("mark_done", "WMAG31-02", user="U0HALL")
    reply = (await bot.replies())[0]
    assert texts(reply["blocks"]) == "Only the owner or the secretariat can close WMAG31-02."
    assert await status_of(bot, "WMAG31-02") == "open"


async def test_mark_done_from_the_app_home_refreshes_it(bot):
    await bot.click("mark_done", "WMAG31-02", user="U0SAM", response_url=None, container_type="view")
    published = (await bot.fake.wait_for(lambda: bot.fake.calls_to("views.publish")))[0]
    assert "Closed WMAG31-02." in texts(published["view"]["blocks"])
    assert "WMAG31-02" not in buttons(published["view"]["blocks"], "mark_done")
    assert (await last_event(bot, "WMAG31-02"))[3] == "slack:home"


async def test_long_lists_are_cut_with_show_more(bot):
    from bot.people.identity import CONFIRMED, identify
    from bot.record.changes import add_action
    from tests.slack.conftest import NOW

    async with bot.db.read() as session:
        ada = await identify(session, "Ada Brooks", link=CONFIRMED)
    for n in range(30):
        await add_action(
            bot.db, ada, NOW, text=f"Task number {n} " + "detail " * 40, group_code="WMAG", owner="Sam Hatton"
        )
    await bot.command("mine", user="U0SAM")
    reply = (await bot.replies())[0]
    assert len(reply["blocks"]) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in reply["blocks"])
    more = buttons(reply["blocks"], "show_more")
    assert more
    await bot.click("show_more", more[0], user="U0SAM")
    page = (await bot.replies(2))[1]
    first_page = set(buttons(reply["blocks"], "mark_done"))
    second_page = set(buttons(page["blocks"], "mark_done"))
    assert second_page and not first_page & second_page


async def test_an_uploaded_report_is_previewed_and_stored_only_on_import(bot):
    bot.fake.files["F0REPORT"] = SECOND.replace("TMAG", "WMAG").encode()
    upload = message(
        "U0ADA",  # the secretariat: a member's report is not read (tests/slack/test_shared_files.py)
        "",
        subtype="file_share",
        files=[
            {
                "id": "F0REPORT",
                "name": "wmag-041.txt",
                "size": 4000,
                "url_private_download": f"{bot.fake.base_url}/files/F0REPORT",
            }
        ],
    )
    await bot.event(upload)
    preview = (await bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postMessage")))[0]
    assert preview["thread_ts"] == upload["ts"]
    shown = texts(preview["blocks"])
    assert "WMAG 41" in shown and "1 new" in shown
    async with bot.db.read() as session:
        assert (await session.exec(text("SELECT count(*) FROM action WHERE ref = 'WMAG41-01'"))).one()[0] == 0
    upload_id = buttons(preview["blocks"], "import_report")[0]
    await bot.click("import_report", upload_id, user="U0SAM")  # not the secretariat
    refused = (await bot.replies())[0]
    assert "Only the secretariat" in refused["text"]
    await bot.click("import_report", upload_id, user="U0ADA")
    done = (await bot.replies(2))[1]
    assert "Imported" in texts(done["blocks"]) and done["replace_original"] is True
    async with bot.db.read() as session:
        assert (await session.exec(text("SELECT count(*) FROM action WHERE ref = 'WMAG41-01'"))).one()[0] == 1
    await bot.click("import_report", upload_id, user="U0ADA")
    assert "already imported" in (await bot.replies(3))[2]["text"]


async def test_a_broken_upload_is_explained_and_cancel_stores_nothing(bot):
    bot.fake.files["F0BAD"] = b"%PDF-1.4 scanned"
    await bot.event(
        message(
            "U0ADA",
            "",
            subtype="file_share",
            ts="1700000700.000100",
            files=[
                {
                    "id": "F0BAD",
                    "name": "minutes.docx",
                    "size": 20,
                    "url_private_download": f"{bot.fake.base_url}/files/F0BAD",
                }
            ],
        )
    )
    reply = (await bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postMessage")))[0]
    assert reply["text"].startswith("I couldn't read minutes.docx")
    bot.fake.files["F0GOOD"] = SECOND.replace("TMAG", "WMAG").encode()
    await bot.event(
        message(
            "U0ADA",
            "",
            subtype="file_share",
            ts="1700000800.000100",
            files=[
                {
                    "id": "F0GOOD",
                    "name": "wmag-041.md",
                    "size": 4000,
                    "url_private_download": f"{bot.fake.base_url}/files/F0GOOD",
                }
            ],
        )
    )
    preview = (await bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postMessage")[1:]))[0]
    await bot.click("cancel_import", buttons(preview["blocks"], "cancel_import")[0], user="U0ADA")
    assert "Cancelled" in texts((await bot.replies())[0]["blocks"])
    async with bot.db.read() as session:
        assert (await session.exec(text("SELECT count(*) FROM action WHERE ref = 'WMAG41-01'"))).one()[0] == 0


async def test_the_bot_answers_its_health_check_while_a_large_upload_is_read(bot):
    from bench.synthetic import people, realistic_report

    rng = __import__("random").Random(5)
    pool = people(40, rng)
    body = "\n".join(realistic_report(i, rng, pool).replace("TMAG", "WMAG") for i in range(0, 400, 5))
    bot.fake.files["F0BIG"] = ("Widget Migration Advisory Group (WMAG) Actions and Minutes\n" + body).encode()
    assert len(bot.fake.files["F0BIG"]) > 500_000
    upload = message(
        "U0ADA",
        "",
        subtype="file_share",
        ts="1700000800.000100",
        files=[
            {
                "id": "F0BIG",
                "name": "big.txt",
                "size": 800_000,
                "url_private_download": f"{bot.fake.base_url}/files/F0BIG",
            }
        ],
    )
    await bot.event(upload)
    health = bot.url.replace("/slack/events", "/healthz")
    answered_meanwhile = 0
    while not bot.fake.calls_to("chat.postMessage"):
        async with bot.http.get(health) as response:
            assert response.status == 200
        if not bot.fake.calls_to("chat.postMessage"):
            answered_meanwhile += 1
    assert answered_meanwhile >= 1  # the event loop kept serving while the report was read
    preview = bot.fake.calls_to("chat.postMessage")[0]
    assert preview["thread_ts"] == upload["ts"] and "big.txt" in texts(preview["blocks"])
