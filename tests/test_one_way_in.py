"""One way in: the same messages, asked as the same member (Sam Hatton, with a confirmed link on each
platform), through `ask`, `chat`, Slack (the real Bolt app, signed HTTP) and Teams (the Teams SDK app),
come back as the same view model: the same lines in the same order, the same buttons doing the same.

Each platform's output is read back into plain lines and buttons (Slack's escaping and Teams' inert
zero-width spaces undone), so a platform that rewrote a message, answered it by another path or laid
it out its own way would differ here. Changes are made and undone within the script, so every platform
sees the same record.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json

import pytest

from bot.cli import main
from bot.config import Settings
from bot.conversation.console import chat
from bot.people.members import add_member
from bot.services import Services
from handlers.slack import ids as slack_ids
from handlers.teams import ids as teams_ids
from tests.fixtures.world import build_world
from tests.slack.conftest import NOW, _people, running_bot
from tests.slack_fake import slash_command
from tests.teams.conftest import running_teams
from tests.teams_fake import card_actions, card_texts, personal_message

QUESTIONS = [
    "help",
    "mine",
    "what is open for me",
    "what's open for me?",
    "anything on my plate?",
    "my actions",
    "open",
    "open for Priya Natarajan",
    "what is open for the DNO rep",
    "what is open for the iDNO representatives",
    "what is open for Programme",
    "what is open for WMAG members",
    "what is open for everyone",
    "what is open for David Marsh",
    "what is open for Dave Marsh",
    "what is open for Sam Hall",
    "what is open for Lena Ortiz",
    "overdue",
    "what is overdue",
    "what is overdue for me",
    "whats ovredue",
    "what is due before the next meeting",
    "what is reported done",
    "show WMAG31-02",
    "show wmag 31-2",
    "show WMAG-DEC12",
    "show WMAG99-01",
    "who WMAG31-02",
    "who owns WMAG31-04",
    "whose is WMAG31-05",
    "who is the DNO rep",
    "who is the iDNO rep",
    "who represents large suppliers",
    "who is Priya Natarajan",
    "who is Sam Hatton",
    "who attended WMAG 31",
    "who attended the last WMAG",
    "who chairs WMAG",
    "decisions",
    "decisions environments",
    "what did we decide about the data cleansing strategy",
    "what did we decide about environments",
    "decisions at WMAG 31",
    "decisions at the last meeting",
    "next",
    "next WMAG",
    "when is the next WMAG",
    "when is the next extraordinary WMAG",
    "when is the next meeting",
    "upcoming meetings",
    "actions about environment slots",
    "find cutover checklist",
    "what about readiness",
    "status of WMAG31-07",
    "history of WMAG31-02",
    "tell me about the cleansing approach",
    "tranche two",
    "xyzzy plugh",
]
CHANGES = [  # each made and undone, so every platform sees the same record
    "done WMAG31-02 windows agreed",
    "undo",
    "update WMAG31-02 drafted",
    "undo",
    "WMAG31-02 done - agreed with the DNOs",
    "undo",
    "done WMAG31-02 WMAG31-06 both at the meeting",
    "undo",
    "undo",  # nothing left of his to undo
    "reopen WMAG31-03",  # not his: refused
    "confirm reported",  # the secretariat's: refused
    "action add Publish the plan",  # the secretariat's: refused
]
MESSAGES = QUESTIONS + CHANGES
ME = "Sam Hatton"


def _event_free(data: dict) -> dict:
    return {k: ("*" if k == "event" else v) for k, v in data.items()}


def slack_view(blocks: list[dict]) -> tuple[str, list]:
    """A Slack message as lines and buttons (label, verb, data), Slack's escaping undone."""

    def plain(text: str) -> str:
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

    lines, buttons = [], []

    def press(element):
        verb = slack_ids.VERBS[element["action_id"]]
        buttons.append((element["text"]["text"], verb, _event_free(json.loads(element["value"]))))

    for block in blocks:
        if block["type"] in ("header", "section"):
            text = block["text"]["text"]
            lines.append(plain(text.strip("*") if block["text"]["type"] == "mrkdwn" else text))
            if "accessory" in block:
                press(block["accessory"])
        elif block["type"] == "context":
            lines += [plain(e["text"]) for e in block["elements"]]
        elif block["type"] == "actions":
            for element in block["elements"]:
                press(element)
    return "\n".join(lines), buttons


def teams_view(cards: list[dict]) -> tuple[str, list]:
    """Teams cards as lines and buttons, the inert zero-width spaces taken out."""
    lines = [t.replace("\u200b", "") for card in cards for _, t in card_texts(card)]
    buttons = [
        (
            a["title"],
            teams_ids.CORE_VERBS[a["verb"]],
            _event_free({k: v for k, v in a["data"].items() if k != "verb"}),
        )
        for card in cards
        for a in card_actions(card)
    ]
    return "\n".join(lines), buttons


@pytest.fixture
async def both(db, write):
    await build_world(db, write)
    await _people(db)  # Slack: Sam Hatton is U0SAM, confirmed
    async with db.write() as session:
        await add_member(session, NOW, name=ME, teams_user_id="aad-sam")
    async with (
        running_bot(db) as slack,
        running_teams(db, lambda _fake: Settings(teams_dev=True)) as teams,
    ):
        yield slack, teams


async def through_chat(db, messages: list[str]) -> list[str]:
    """The messages through `tmag-bot chat --as ME`, each answer as the console prints it."""
    out = io.StringIO()
    script = io.StringIO("\n".join(messages) + "\n")
    await chat(Services(db, NOW, Settings()), ME, stdin=script, stdout=out)
    said = out.getvalue().split("\n\n")  # piped: "> message", the answer, then a blank line
    answers = []
    for block in said:
        if block.startswith("> "):
            answers.append(block.split("\n", 1)[1] if "\n" in block else "")
    return answers


async def through_slack(slack, messages: list[str]) -> list[tuple[str, list]]:
    found = []
    for n, words in enumerate(messages):
        before = len(slack.fake.responses)
        # Each its own response URL: the same words twice in a second would be one replayed request.
        body = slash_command(words, "U0SAM", "C0TMAG", slack.fake.response_url(f"{words}-{n}"))
        status, _ = await slack.send(body, "application/x-www-form-urlencoded")
        assert status == 200
        found.append(slack_view((await slack.replies(before + 1))[before]["blocks"]))
    return found


async def through_teams(teams, messages: list[str]) -> list[tuple[str, list]]:
    found = []
    for words in messages:
        before = len(teams.fake.sent)
        status, _ = await teams.send(personal_message(teams.fake.service_url, "aad-sam", ME, words))
        assert status == 200
        # Each thing shown is a card of its own: answered once the bot's work on the message is done.
        await teams.fake.wait_for(lambda b=before: teams.fake.sent[b:] and not teams.bot._background)
        found.append(teams_view([r.card() for r in teams.fake.sent[before:]]))
    return found


def through_ask(words: str) -> dict:
    """`tmag-bot ask WORDS --as ME --format json`, as the command line runs it."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["ask", words, "--as", ME, "--now", "2023-11-16T09:00", "--format", "json"])
    return {"status": status, **json.loads(out.getvalue())}


@pytest.mark.e2e  # seventy messages through every platform
async def test_the_same_messages_come_back_alike_everywhere(both, db):
    slack, teams = both
    assert len(MESSAGES) >= 60
    # The questions everywhere first (history shows changes), then the changes, each path in turn.
    console = []
    for messages in (QUESTIONS, CHANGES):
        said = await through_chat(db, messages)
        by_slack = await through_slack(slack, messages)
        by_teams = await through_teams(teams, messages)
        assert len(said) == len(messages)
        for words, line, (slack_text, slack_buttons), (teams_text, teams_buttons) in zip(
            messages, said, by_slack, by_teams, strict=True
        ):
            assert slack_text == line, words
            assert teams_text == line, words
            assert slack_buttons == teams_buttons, words
        console += said
    # `ask` answers the questions by the same path (the same items, in the same order), and refuses changes.
    for words in QUESTIONS:
        asked = await asyncio.to_thread(through_ask, words)
        assert asked["status"] == 0, words
        shown = console[MESSAGES.index(words)]
        for item in asked["items"]:
            if item.get("ref"):
                assert item["ref"] in shown, words
    refused = await asyncio.to_thread(through_ask, "done WMAG31-02")
    assert refused["status"] == 1 and refused["intent"] == "refused"


async def test_who_is_the_dno_rep_is_one_answer_everywhere(both, db):
    slack, teams = both
    asked = await asyncio.to_thread(through_ask, "who is the DNO rep")
    assert [i["name"] for i in asked["items"]] == ["Sam Hatton"]
    before = len(slack.fake.responses)
    await slack.command("who is the DNO rep", user="U0SAM")
    text, _ = slack_view((await slack.replies(before + 1))[before]["blocks"])
    assert text.startswith("Who is the DNO representative") and "Sam Hatton" in text
    assert (await through_teams(teams, ["who is the DNO rep"]))[0][0] == text
    assert (await through_chat(db, ["who is the DNO rep"]))[0] == text
