"""Reading questions: intent, whose, refs and topic, tolerant of phrasing and typos."""

from __future__ import annotations

import pytest

from bot.conversation.questions import parse_question

CODES = {"WMAG", "DAG"}


def parsed(text):
    return parse_question(text, CODES, "WMAG", {"priya", "natarajan", "kate", "sam", "hall"})


@pytest.mark.parametrize(
    ("text", "intent", "target"),
    [
        ("what is open for me", "open", "me"),
        ("what's open for me?", "open", "me"),
        ("anything on my plate?", "open", "me"),
        ("my actions", "open", "me"),
        ("whats opne for me", "open", "me"),
        ("what is open for kate", "open", "kate"),
        ("what does Sam Hall owe", "open", "sam hall"),
        ("Priya's actions", "open", "priya"),
        ("open actions for the DNO rep", "open", "dno rep"),
        ("what is overdue", "overdue", "all"),
        ("whats ovredue for me", "overdue", "me"),
        ("what's late?", "overdue", "all"),
        ("what is due before the next meeting", "due_before_next", "all"),
        ("What actions do I have?", "open", "me"),
        ("anything for me?", "open", "me"),
        ("what am I down for", "open", "me"),
        ("Do I have any overdue actions?", "overdue", "me"),
        ("what is on Priya's plate", "open", "priya"),
        ("What does the DNO rep need to do?", "open", "dno rep"),
        ("What has Sam Hall got open?", "open", "sam hall"),
    ],
)
def test_whose_actions(text, intent, target):
    question = parsed(text)
    assert question.intent == intent
    got = question.target.kind if question.target.kind != "phrase" else question.target.phrase
    assert got == target


@pytest.mark.parametrize(
    ("text", "intent", "refs"),
    [
        ("show WMAG 22-01", "show", ["WMAG22-01"]),
        ("wmag22 1", "show", ["WMAG22-01"]),
        ("tell me about wmag7-2", "show", ["WMAG07-02"]),
        ("who owns WMAG22-01?", "who_owns", ["WMAG22-01"]),
        ("whose is wmag 22-1", "who_owns", ["WMAG22-01"]),
        ("DEC 41", "show", ["WMAG-DEC41"]),
        ("what was WMAG-DEC41 about", "show", ["WMAG-DEC41"]),
        ("DAG10.1-03", "show", ["DAG10.1-03"]),
    ],
)
def test_refs_written_loosely(text, intent, refs):
    question = parsed(text)
    assert (question.intent, [r.canonical for r in question.refs]) == (intent, refs)


@pytest.mark.parametrize(
    ("text", "intent", "detail"),
    [
        ("what did we decide about the environments plan?", "decisions", "environments plan"),
        ("decisions on data cleansing", "decisions", "data cleansing"),
        ("was the cutover checklist approved", "decisions", "cutover checklist"),
        ("decisions at WMAG 22", "decisions_at", "22"),
        ("what was decided at the last meeting", "decisions_at", "last"),
        ("What did WMAG decide at its last meeting?", "decisions_at", "last"),
        ("Has the environments plan been approved?", "decisions", "environments plan"),
        ("decsions about environments", "decisions", "environments"),
        ("When does WMAG meet next?", "next_meeting", "WMAG"),
        ("wen is the next wmag", "next_meeting", "WMAG"),
        ("actions about environments approach", "search", "environments approach"),
        ("when is the next WMAG?", "next_meeting", "WMAG"),
        ("next DAG meeting", "next_meeting", "DAG"),
        ("when is the next extraordinary WMAG", "next_meeting", "extraordinary"),
        ("help", "help", None),
        ("", "help", None),
    ],
)
def test_decisions_topics_and_meetings(text, intent, detail):
    question = parsed(text)
    assert question.intent == intent
    if intent in ("decisions", "search"):
        assert question.topic == detail
    elif intent == "decisions_at":
        assert (question.meeting_number or ("last" if question.last_meeting else None)) == detail
    elif intent == "next_meeting":
        assert detail in {question.group, "extraordinary" if question.extraordinary else None}


def test_names_are_never_corrected_into_keywords():
    assert parsed("what is open for kate").target.phrase == "kate"  # not "late"
