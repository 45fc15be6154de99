"""Reports shared in Slack. From the secretariat: read whole, however many network reads they take (the
fake files API sends them in chunks), and refused once past MAX_REPORT_MB; the preview says what
`tmag-bot import` of the same file finds, and Import stores exactly that. From anyone else: never
read, but offered to the secretariat (Preview, Import, Decline), and the sharer told so."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest
from sqlalchemy import text

from storage.db import open_database
from tests.core.test_importer import SECOND
from tests.fixtures.big_reports import (
    IMPORT_COUNTS,
    PREVIEW_COUNTS,
    as_docx_of_size,
    counts,
    long_report,
)
from tests.fixtures.slack import buttons, message, texts
from tests.fixtures.world import build_world

MB = 1024 * 1024


async def share(
    bot, file_id: str, name: str, data: bytes, ts: str, *, size: int | None = None, user: str = "U0ADA"
) -> dict:
    """Share a file in the channel (by default as the secretariat); the bot's answer in its thread."""
    bot.fake.files[file_id] = data
    shared = {
        "id": file_id,
        "name": name,
        "size": len(data) if size is None else size,
        "url_private_download": f"{bot.fake.base_url}/files/{file_id}",
    }
    await bot.event(message(user, "", subtype="file_share", ts=ts, files=[shared]))
    answers = await bot.fake.wait_for(
        lambda: [c for c in bot.fake.calls_to("chat.postMessage") if c.get("thread_ts") == ts], timeout=60
    )
    return answers[0]


async def imported_by_the_command_line(tmp_path, write, name: str, data: bytes) -> tuple[str, set]:
    """`tmag-bot import FILE` into another database holding the same record: what it printed, and the
    actions it then holds."""
    url = f"sqlite:///{tmp_path / 'beside.db'}"
    other = await open_database(url)
    try:
        await build_world(other, write)
    finally:
        await other.close()
    path = tmp_path / name
    path.write_bytes(data)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "import",
        str(path),
        env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    other = await open_database(url)
    try:
        return out.decode(), await stored_actions(other)
    finally:
        await other.close()


async def stored_actions(db) -> set:
    async with db.read() as session:
        rows = await session.exec(text("SELECT ref, area, text, owner, due, status FROM action"))
        return {tuple(str(v) for v in row) for row in rows.all()}


async def previewed_then_imported(bot, tmp_path, write, file_id, name, data, ts, actions, decisions):
    preview = await share(bot, file_id, name, data, ts)
    shown = texts(preview["blocks"])
    printed, beside = await imported_by_the_command_line(tmp_path, write, name, data)
    assert counts(PREVIEW_COUNTS, shown) == counts(IMPORT_COUNTS, printed) == (actions, 0, 0, decisions)
    await bot.click("import_report", buttons(preview["blocks"], "import_report")[0], user="U0ADA")
    assert "Imported" in texts((await bot.replies())[-1]["blocks"])
    assert await stored_actions(bot.db) == beside  # Import stored what the command line stores


@pytest.mark.e2e  # megabytes through the fake's chunked download
async def test_a_long_text_report_is_read_whole(bot, tmp_path, write):
    report = long_report(900, 40).encode()
    assert len(report) > MB and len(report.decode()) < 1_000_000  # over a megabyte, under the text limit
    await previewed_then_imported(
        bot, tmp_path, write, "F0LONG", "wmag-033.md", report, "1700001000.000100", 900, 40
    )


@pytest.mark.e2e  # megabytes through the fake's chunked download
async def test_a_five_megabyte_word_report_is_read_whole(bot, tmp_path, write):
    report = as_docx_of_size(long_report(300, 10), 5 * MB)
    assert len(report) >= 5 * MB
    await previewed_then_imported(
        bot, tmp_path, write, "F0WORD", "wmag-033.docx", report, "1700001100.000100", 300, 10
    )


async def test_a_file_past_the_limit_is_refused_as_it_arrives_and_nothing_is_held(bot, monkeypatch):
    monkeypatch.setenv("MAX_REPORT_MB", "1")
    report = long_report(900, 0).encode()
    assert len(report) > MB
    # Slack's event says it is small; the download, sent without a length, is not.
    answer = await share(bot, "F0HUGE", "huge.md", report, "1700001200.000100", size=1000)
    assert (
        answer["text"]
        == "I couldn't read huge.md: too large to be a report (more than 1.0 MB, the most I read)"
    )
    async with bot.db.read() as session:
        assert (await session.exec(text("SELECT count(*) FROM pending_upload"))).one()[0] == 0


async def test_a_download_declaring_a_length_past_the_limit_is_refused_before_it_is_read(bot, monkeypatch):
    monkeypatch.setenv("MAX_REPORT_MB", "1")
    bot.fake.file_lengths["F0DECL"] = 30 * MB  # says 30 MB, then sends 1 KB and stalls
    started = time.monotonic()
    answer = await share(bot, "F0DECL", "big.md", b"x" * 1024, "1700001300.000100", size=1000)
    assert (
        answer["text"]
        == "I couldn't read big.md: too large to be a report (30.0 MB; the most I read is 1.0 MB)"
    )
    assert time.monotonic() - started < 30  # not after the download's 60-second timeout


# --- shared by a member ---------------------------------------------------------------------------


async def uploads(db) -> list[tuple]:
    async with db.read() as session:
        rows = await session.exec(
            text("SELECT file_name, status, length(data) FROM pending_upload ORDER BY id")
        )
        return [tuple(r) for r in rows.all()]


async def test_a_report_shared_by_a_member_is_offered_to_the_secretariat_unread(bot):
    async with bot.db.write() as session:
        await session.exec(text("UPDATE working_group SET secretariat_channel = 'C0SEC'"))
    # A file no reader could open: shared by a member it is not read, so nothing says it is broken.
    said = await share(bot, "F0SCAN", "minutes.pdf", b"%PDF-1.4 scanned", "1700002000.000100", user="U0SAM")
    assert said["text"].startswith("Thank you: I have passed minutes.pdf to the secretariat")
    offer = (await bot.fake.wait_for(lambda: await_posts(bot)))[0]
    shown = texts(offer["blocks"])
    assert (
        "Sam Hatton (Slack user U0SAM) shared minutes.pdf (16 bytes) in a channel. I have not read it"
        in shown
    )
    upload = buttons(offer["blocks"], "preview_report")[0]
    assert buttons(offer["blocks"], "import_report") == buttons(offer["blocks"], "cancel_import") == [upload]
    assert await uploads(bot.db) == [("minutes.pdf", "offered", 16)]

    await bot.click("preview_report", upload, user="U0SAM")  # only the secretariat may have it read
    assert "Only the secretariat can preview" in (await bot.replies(1))[0]["text"]
    await bot.click("preview_report", upload, user="U0ADA")
    assert (await bot.replies(2))[1]["text"].startswith("I couldn't read minutes.pdf")
    await bot.click("cancel_import", upload, user="U0ADA")  # Decline
    assert "Cancelled: minutes.pdf was not imported" in texts((await bot.replies(3))[2]["blocks"])
    assert await uploads(bot.db) == [("minutes.pdf", "cancelled", 0)]  # nothing of it kept

    report = SECOND.replace("TMAG", "WMAG").encode()
    await share(bot, "F0GOOD", "wmag-041.md", report, "1700002100.000100", user="U0SAM")
    offer = (await bot.fake.wait_for(lambda: await_posts(bot, 2)))[1]
    upload = buttons(offer["blocks"], "preview_report")[0]
    await bot.click("preview_report", upload, user="U0ADA")
    preview = (await bot.replies(4))[3]
    assert "WMAG 41" in texts(preview["blocks"]) and preview["replace_original"] is True
    await bot.click("import_report", buttons(preview["blocks"], "import_report")[0], user="U0ADA")
    assert texts((await bot.replies(5))[4]["blocks"]).startswith("Imported by Ada Brooks")
    async with bot.db.read() as session:
        assert (await session.exec(text("SELECT count(*) FROM action WHERE ref = 'WMAG41-01'"))).one()[0] == 1


def await_posts(bot, count: int = 1) -> list[dict] | None:
    found = [c for c in bot.fake.calls_to("chat.postMessage") if c["channel"] == "C0SEC"]
    return found if len(found) >= count else None


async def test_a_member_may_have_three_files_waiting_and_no_one_to_tell_keeps_none(bot):
    async with bot.db.write() as session:
        await session.exec(text("UPDATE working_group SET secretariat_channel = 'C0SEC'"))
    for n in range(3):
        said = await share(bot, f"F0W{n}", f"w{n}.md", b"notes", f"170000300{n}.000100", user="U0SAM")
        assert said["text"].startswith("Thank you")
    said = await share(bot, "F0W3", "w3.md", b"notes", "1700003003.000100", user="U0SAM")
    assert said["text"].startswith("You already have 3 files waiting for the secretariat")
    assert [status for _, status, _ in await uploads(bot.db)] == ["offered"] * 3

    async with bot.db.write() as session:
        await session.exec(text("UPDATE working_group SET secretariat_channel = NULL"))
    said = await share(bot, "F0W4", "w4.md", b"notes", "1700003004.000100", user="U0HALL")
    assert said["text"].startswith("I have no way to tell the secretariat of w4.md here")
    assert (await uploads(bot.db))[-1] == ("w4.md", "cancelled", 0)
