"""Reports sent to the bot in Teams. From the secretariat: read whole from their download link (sent in
chunks by the fake), and refused once past MAX_REPORT_MB; the preview says what `tmag-bot import` of
the same file finds, and Import stores exactly that. From anyone else: never read, but offered to the
secretariat (here the configured admin's personal chat), and the sharer told so."""

from __future__ import annotations

import time

import pytest

from tests.core.test_importer import SECOND
from tests.fixtures.big_reports import (
    IMPORT_COUNTS,
    PREVIEW_COUNTS,
    as_docx_of_size,
    counts,
    long_report,
)
from tests.fixtures.teams import press, texts_of
from tests.slack.test_shared_files import MB, imported_by_the_command_line, stored_actions
from tests.teams_fake import card_actions, card_texts, file_message


async def send_file(teams, name: str, data: bytes, user=("aad-ada", "Ada Brooks")) -> dict:
    """Send a file in a personal chat (by default as the secretariat); the card the bot answers with."""
    teams.fake.files[name] = data
    before = len(teams.fake.sent)
    fake = teams.fake
    await teams.send(file_message(fake.service_url, *user, name, fake.base_url))
    return (await fake.replies(before + 1))[before].card()


@pytest.mark.e2e  # megabytes through the fake's chunked download
async def test_a_five_megabyte_word_report_is_read_whole(teams, tmp_path, write):
    report = as_docx_of_size(long_report(300, 10), 5 * MB)
    assert len(report) >= 5 * MB
    card = await send_file(teams, "wmag-033.docx", report)
    shown = "\n".join(t for _, t in card_texts(card))
    printed, beside = await imported_by_the_command_line(tmp_path, write, "wmag-033.docx", report)
    assert counts(PREVIEW_COUNTS, shown) == counts(IMPORT_COUNTS, printed) == (300, 0, 0, 10)
    upload = next(a for a in card_actions(card) if a["verb"] == "importUpload")["data"]["upload"]
    _, body = await press(teams, "aad-ada", "Ada Brooks", "importUpload", upload=upload)
    assert texts_of(body)[0].startswith("Imported by Ada Brooks")
    assert await stored_actions(teams.db) == beside


@pytest.mark.e2e  # megabytes through the fake's chunked download
async def test_a_long_text_report_is_read_whole(teams, tmp_path, write):
    report = long_report(900, 40).encode()
    assert len(report) > MB
    card = await send_file(teams, "wmag-033.md", report)
    assert counts(PREVIEW_COUNTS, "\n".join(t for _, t in card_texts(card))) == (900, 0, 0, 40)


async def test_a_file_past_the_limit_is_refused(teams, monkeypatch):
    monkeypatch.setenv("MAX_REPORT_MB", "1")
    card = await send_file(teams, "huge.md", long_report(900, 0).encode())
    assert [t for _, t in card_texts(card)] == [
        "I couldn't read huge.md: too large to be a report (more than 1.0 MB, the most I read)"
    ]
    teams.fake.file_lengths["stalls.md"] = 30 * MB  # says 30 MB, sends 1 KB, then stalls
    started = time.monotonic()
    card = await send_file(teams, "stalls.md", b"x" * 1024)
    assert [t for _, t in card_texts(card)] == [
        "I couldn't read stalls.md: too large to be a report (30.0 MB; the most I read is 1.0 MB)"
    ]
    assert time.monotonic() - started < 30  # not after the download's 60-second timeout


async def test_a_report_sent_by_a_member_is_offered_to_the_secretariat_unread(teams):
    fake = teams.fake
    fake.files["wmag-041.md"] = SECOND.replace("TMAG", "WMAG").encode()
    before = len(fake.sent)
    await teams.send(file_message(fake.service_url, "aad-sam", "Sam Hatton", "wmag-041.md", fake.base_url))
    sent = (await fake.replies(before + 2))[before:]
    offer = next(s.card() for s in sent if s.conversation == "a:personal-aad-admin")
    told = next(s.card() for s in sent if s.conversation != "a:personal-aad-admin")
    assert card_texts(told)[0][1].startswith("Thank you: I have passed wmag-041.md to the secretariat")
    assert "Sam Hatton (Teams user aad-sam) shared wmag-041.md" in card_texts(offer)[0][1]
    verbs = {a["verb"]: a["data"]["upload"] for a in card_actions(offer)}
    assert set(verbs) == {"previewUpload", "importUpload", "cancelUpload"}

    _, body = await press(teams, "aad-sam", "Sam Hatton", "previewUpload", upload=verbs["previewUpload"])
    assert texts_of(body)[0].startswith("Only the secretariat can preview")
    _, body = await press(teams, "aad-ada", "Ada Brooks", "previewUpload", upload=verbs["previewUpload"])
    assert any("WMAG 41" in t for t in texts_of(body))
    _, body = await press(teams, "aad-ada", "Ada Brooks", "importUpload", upload=verbs["importUpload"])
    assert texts_of(body)[0].startswith("Imported by Ada Brooks")
