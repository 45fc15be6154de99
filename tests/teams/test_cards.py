"""Buttons on cards, the message action "Mark action done", and the welcome on install."""

from __future__ import annotations

from tests.fixtures.teams import card_of, event_rows, press, status_of, texts_of
from tests.teams_fake import (
    CHANNEL,
    card_actions,
    card_texts,
    channel_message,
    conversation_update,
    installed_in_team,
    message_action,
    personal_message,
)


async def test_mark_done_closes_and_undo_reopens_each_once(teams):
    before = len(await event_rows(teams, "WMAG31-02"))
    activity, body = await press(teams, "aad-sam", "Sam Hatton", "markDone", ref="WMAG31-02")
    assert texts_of(body) == ["✅ Closed WMAG31-02."]
    undo = card_actions(card_of(body))
    assert [a["verb"] for a in undo] == ["undo"]
    assert await status_of(teams, "WMAG31-02") == "closed"
    assert (await event_rows(teams, "WMAG31-02"))[-1] == (
        "closed",
        None,
        "Sam Hatton",
        "teams:card",
        "aad-sam",
    )

    status, again = await teams.send(activity)  # Teams resends an invoke it thinks was lost
    assert status == 200 and texts_of(again) == ["Done already."]
    assert len(await event_rows(teams, "WMAG31-02")) == before + 1  # closed once

    _, body = await press(teams, "aad-sam", "Sam Hatton", "undo", event=undo[0]["data"]["event"])
    assert texts_of(body)[0].startswith("Undone")
    assert await status_of(teams, "WMAG31-02") == "open"
    assert not teams.fake.sent  # every answer was the invoke's own response


async def test_a_button_pressed_by_someone_else_is_refused(teams):
    _, body = await press(teams, "aad-ada", "Ada Brooks", "markDone", ref="WMAG31-04")
    assert "Closed WMAG31-04" in texts_of(body)[0]  # the secretariat may
    _, body = await press(teams, "aad-hall", "Sam Hall", "markDone", ref="WMAG31-02")
    assert "Only the owner" in texts_of(body)[0]
    assert await status_of(teams, "WMAG31-02") == "open"


async def test_buttons_that_are_not_ours_change_nothing(teams):
    for verb, data in [
        ("markDone", {"ref": "WMAG99-99"}),
        ("undo", {"event": "1; DROP TABLE action"}),
        ("undo", {"event": 10**15}),
        ("launchMissiles", {}),
        ("showMore", {"q": "what is open", "o": True}),
    ]:
        _, body = await press(teams, "aad-sam", "Sam Hatton", verb, **data)
        assert texts_of(body)[0] in ("That button is not one of mine.", "I don't know WMAG99-99.")
    assert await status_of(teams, "WMAG31-02") == "open"


async def test_show_more_pages_the_answer(teams):
    _, first = await press(teams, "aad-ada", "Ada Brooks", "showMore", q="all open actions", o=0)
    _, later = await press(teams, "aad-ada", "Ada Brooks", "showMore", q="all open actions", o=3)
    refs = [a["data"]["ref"] for a in card_actions(card_of(first)) if a["verb"] == "markDone"]
    paged = [a["data"]["ref"] for a in card_actions(card_of(later)) if a["verb"] == "markDone"]
    assert len(refs) > 3 and paged == refs[3:]


async def test_confirm_reported_is_the_secretariats(teams):
    _, body = await press(teams, "aad-sam", "Sam Hatton", "confirmReported", group="WMAG")
    assert texts_of(body) == ["Only the secretariat can confirm what was reported done."]
    _, body = await press(teams, "aad-ada", "Ada Brooks", "confirmReported", group="WMAG")
    assert texts_of(body) == ["Nothing of WMAG is waiting to be confirmed."]


async def test_the_identity_question_is_answered_with_its_buttons(teams):
    await teams.send(personal_message(teams.fake.service_url, "aad-hall", "Sam Halle", "what is open for me"))
    asked = await teams.fake.wait_for(
        lambda: [a for r in teams.fake.sent for a in card_actions(r.card()) if a["verb"] == "confirmIdentity"]
    )
    _, body = await press(
        teams, "aad-hall", "Sam Halle", "confirmIdentity", member=asked[0]["data"]["member"]
    )
    assert texts_of(body)[0].startswith("Thanks — I've noted that you are Sam Hall;")
    _, body = await press(teams, "aad-hall", "Sam Halle", "markDone", ref="WMAG31-04")
    assert "Closed WMAG31-04" in texts_of(body)[0]  # now an owner


MESSAGE = "<p>Update: <b>WMAG31-02</b> and WMAG31-05 are done. WMAG77-01 is someone else's.</p>"


async def test_the_message_action_lists_known_refs_then_closes_the_chosen(teams):
    status, body = await teams.send(message_action(teams.fake.service_url, "aad-ada", "Ada Brooks", MESSAGE))
    assert status == 200
    task = body["task"]
    assert task["type"] == "continue" and task["value"]["title"] == "Mark action done"
    dialog = task["value"]["card"]["content"]
    choices = next(e for e in dialog["body"] if e["type"] == "Input.ChoiceSet")["choices"]
    assert [c["value"] for c in choices] == ["WMAG31-02", "WMAG31-05"]  # known actions only
    assert dialog["actions"][0]["type"] == "Action.Submit"

    submit = {"refs": "WMAG31-02,WMAG31-05", "note": "both confirmed by email"}
    activity = message_action(teams.fake.service_url, "aad-ada", "Ada Brooks", MESSAGE, submit=submit)
    status, body = await teams.send(activity)
    assert status == 200 and body["task"]["type"] == "continue"  # the dialog says what it did, with Undo
    said = body["task"]["value"]["card"]["content"]
    assert [t for _, t in card_texts(said)] == ["✅ Closed WMAG31-02.", "✅ Closed WMAG31-05."]
    undo = said["actions"]
    assert [a["type"] for a in undo] == ["Action.Submit"] and undo[0]["title"] == "Undo all 2"
    for ref in ("WMAG31-02", "WMAG31-05"):
        assert (await event_rows(teams, ref))[-1] == (
            "closed",
            "both confirmed by email",
            "Ada Brooks",
            "teams:message-action",
            "aad-ada",
        )
    status, body = await teams.send(activity)
    assert body["task"]["value"] == "Done already."
    # Undo, from the dialog: both are open again, in one press.
    again = message_action(teams.fake.service_url, "aad-ada", "Ada Brooks", MESSAGE, submit=undo[0]["data"])
    status, body = await teams.send(again)
    assert "Undone: 2 actions are as they were" in card_texts(body["task"]["value"]["card"]["content"])[0][1]
    assert [await status_of(teams, ref) for ref in ("WMAG31-02", "WMAG31-05")] == ["open", "open"]


async def test_the_message_action_on_a_message_without_refs(teams):
    _, body = await teams.send(
        message_action(teams.fake.service_url, "aad-ada", "Ada Brooks", "<p>see you at 10</p>")
    )
    dialog = body["task"]["value"]["card"]["content"]
    assert [t for _, t in card_texts(dialog)] == [
        "I can't see an action ref (like TMAG22-01) in that message."
    ]
    _, body = await teams.send(
        message_action(teams.fake.service_url, "aad-ada", "Ada Brooks", "<p>x</p>", submit={"refs": ""})
    )
    assert body["task"]["value"] == "Choose at least one action."


async def test_added_to_a_team_it_says_how_to_begin_once(teams):
    status, _ = await teams.send(conversation_update(teams.fake.service_url, "aad-ada", "Ada Brooks"))
    assert status == 200
    status, _ = await teams.send(installed_in_team(teams.fake.service_url, "aad-ada", "Ada Brooks"))
    assert status == 200
    welcome = (await teams.fake.replies())[0]
    assert welcome.conversation == CHANNEL
    assert "digest here" in card_texts(welcome.card())[0][1]
    assert welcome.authorization is None  # development mode: no credentials, so none sent
    await teams.send(personal_message(teams.fake.service_url, "aad-ada", "Ada Brooks", "help"))
    await teams.fake.replies(2)
    assert len([s for s in teams.fake.sent if "digest here" in str(s.activity)]) == 1  # said once


async def test_a_report_the_secretariat_sends_in_a_personal_chat_is_previewed_then_imported(teams):
    from tests.fixtures.formats import as_pdf
    from tests.teams_fake import file_message

    report = HEADLINE_033.replace("\\t", "\t")
    teams.fake.files["wmag-033.pdf"] = as_pdf(report, "horizontal")
    await teams.send(
        file_message(teams.fake.service_url, "aad-ada", "Ada Brooks", "wmag-033.pdf", teams.fake.base_url)
    )
    preview = (await teams.fake.replies())[0]
    shown = [t for _, t in card_texts(preview.card())]
    assert shown[0] == "Report: wmag-033.pdf" and "WMAG33-01" in " ".join(shown)
    upload = next(a for a in card_actions(preview.card()) if a["verb"] == "importUpload")["data"]["upload"]
    async with teams.db.read() as session:
        from sqlalchemy import text

        assert (await session.exec(text("SELECT count(*) FROM action WHERE ref = 'WMAG33-01'"))).one()[0] == 0

    _, body = await press(teams, "aad-sam", "Sam Hatton", "importUpload", upload=upload)
    assert texts_of(body) == ["Only the secretariat can import reports."]
    _, body = await press(teams, "aad-ada", "Ada Brooks", "importUpload", upload=upload)
    assert texts_of(body)[0].startswith("Imported by Ada Brooks: wmag-033.pdf: WMAG 33")
    _, body = await press(teams, "aad-ada", "Ada Brooks", "importUpload", upload=upload)
    assert texts_of(body) == ["That report was already imported or cancelled."]
    assert await status_of(teams, "WMAG33-01") == "open"


HEADLINE_033 = """\
## MHHS Widget Migration Advisory Group (WMAG) Headline Report

Meeting number\\tWMAG 033\\tVenue\\tVirtual – MS Teams
Date and time\\t20 December 2023 1000-1130\\tClassification\\tPublic

### Actions

Area\\tAction Ref\\tAction\\tOwner\\tDue Date\\tUpdate
Migration\\tWMAG33-01\\tConfirm the cutover rehearsal dates\\tProgramme (Lena Ortega)\\t17/01/2024\\t

**Date of next WMAG: 17 January 2024**
"""


async def test_report_draft_is_offered_then_uploaded_once_accepted(teams):
    from bot.record.importer import import_report
    from tests.teams.conftest import NOW
    from tests.teams_fake import file_consent

    url = teams.fake.service_url
    await teams.send(channel_message(url, "aad-ada", "Ada Brooks", "report draft WMAG"))
    said = (await teams.fake.replies())[0]
    assert "personal chat" in card_texts(said.card())[0][1]  # a file goes to one person, not a channel

    await teams.send(personal_message(url, "aad-ada", "Ada Brooks", "report draft WMAG"))
    offer = (await teams.fake.replies(2))[1].activity
    attachment = offer["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.teams.card.file.consent"
    assert attachment["name"] == "wmag-33-2023-11-29-headline-report-draft.docx"
    context = attachment["content"]["acceptContext"]
    assert context["group"] == "WMAG" and context["meeting"] == "2023-11-29"

    status, _ = await teams.send(file_consent(url, "aad-ada", "Ada Brooks", context, teams.fake.base_url))
    assert status == 200
    shown = (await teams.fake.replies(3))[2].activity["attachments"][0]
    assert shown["contentType"] == "application/vnd.microsoft.teams.card.file.info"
    data = teams.fake.onedrive["draft.docx"]
    assert len(data) == attachment["content"]["sizeInBytes"]  # made again, the same document
    summary = await import_report(teams.db, name="draft.docx", data=data, clock=NOW)
    assert "untouched draft" in summary.line()

    await teams.send(file_consent(url, "aad-ada", "Ada Brooks", context, teams.fake.base_url, accept=False))
    declined = (await teams.fake.replies(4))[3]
    assert card_texts(declined.card())[0][1] == "All right: not sent."
