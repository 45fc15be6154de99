"""Block builders: compared with the JSON Slack expects; Slack's limits kept."""

from __future__ import annotations

import json
from datetime import date

from bot.conversation.answers import Answer, Item, Section
from bot.conversation.layout import PAGE_TO, Button, View
from handlers.slack import blocks as ui

TODAY = date(2023, 11, 16)


def test_escape_defuses_mentions_and_links():
    assert (
        ui.escape("<!channel> & <@U1> <http://x|y>")
        == "&lt;!channel&gt; &amp; &lt;@U1&gt; &lt;http://x|y&gt;"
    )


def test_confirmation_with_undo():
    assert ui.to_dicts(ui.change_blocks("Closed WMAG31-02.", 42)) == [
        {
            "type": "section",
            "text": {"type": "plain_text", "text": "✅ Closed WMAG31-02.", "emoji": False},
            "accessory": {
                "type": "button",
                "text": {"type": "plain_text", "text": "Undo"},
                "action_id": "undo_change",
                "value": '{"event":42}',  # the core's button data, as JSON
            },
        }
    ]


def test_an_open_action_has_its_mark_done_button():
    item = Item(
        "action",
        "WMAG31-02",
        "named",
        100,
        group="WMAG",
        text="Confirm <windows>",
        owner="Sam & co",
        due=date(2023, 11, 15),
        status="open",
        overdue=True,
    )
    assert [b.to_dict() for b in ui.item_block(item, TODAY)] == [
        {
            "type": "section",
            "text": {
                "type": "plain_text",
                "emoji": False,
                "text": "⚠️ WMAG31-02: Confirm &lt;windows&gt;\nSam &amp; co · due 15 Nov 2023 (overdue by 1 day)",
            },
            "accessory": {
                "type": "button",
                "text": {"type": "plain_text", "text": "Mark done"},
                "action_id": "mark_done",
                "value": '{"ref":"WMAG31-02"}',
                "style": "primary",
            },
        }
    ]


def test_long_answers_stay_within_slacks_limits():
    items = [
        Item("action", f"WMAG40-{n:02d}", "named", 100, text="x" * 4000, status="open") for n in range(80)
    ]
    answer = Answer("open", "Open for Sam", sections=[Section("Named", "named", items, 80)])
    blocks = ui.answer_blocks(answer, TODAY, "mine")
    dicts = ui.to_dicts(blocks)  # slack_sdk validates lengths as it serialises
    assert len(dicts) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in dicts if b["type"] == "section")
    more = [
        e for b in dicts if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "show_more"
    ]
    assert json.loads(more[0]["value"]) == {"view": {"q": "mine", "o": 20}}
    second = ui.to_dicts(ui.answer_blocks(answer, TODAY, "mine", offset=20))
    assert second[1]["type"] == "context"
    assert json.loads(second[2]["accessory"]["value"]) == {"ref": "WMAG40-20", "view": {"q": "mine", "o": 20}}
    pager = [e["text"]["text"] for b in second if b["type"] == "actions" for e in b["elements"]]
    assert pager == ["Show previous", "Show more"]  # paging goes both ways


def test_modal_lists_refs_as_checkboxes():
    view = ui.mark_done_modal([("WMAG31-02", "Confirm <the> windows")], {"channel": "C1"}).to_dict()
    assert view["type"] == "modal" and view["callback_id"] == "mark_done_modal"
    option = view["blocks"][0]["element"]["options"][0]
    assert option == {
        "text": {"type": "plain_text", "text": "WMAG31-02: Confirm &lt;the&gt; windows", "emoji": False},
        "value": "WMAG31-02",
    }
    assert view["blocks"][0]["element"]["initial_options"] == [option]


def test_modal_options_are_clipped_to_slacks_75_characters():
    refs = [
        (f"WMAG31-{n:02d}", "Update the working groups deliverables & dependencies " * 4)
        for n in range(1, 11)
    ]
    view = ui.mark_done_modal(refs, {"channel": "C1", "ts": "1.2", "link": "https://example.slack.com/x"})
    options = view.to_dict()["blocks"][0]["element"]["options"]  # slack_sdk refuses anything over its limits
    assert [len(o["text"]["text"]) for o in options] == [75] * 10
    assert options[0]["text"]["text"].endswith("…") and "&amp;" in options[0]["text"]["text"]


def test_a_cut_never_splits_an_escaped_character():
    assert ui.clip("a" * 8 + "&amp;b", 10) == "a" * 8 + "…"


def test_stored_text_never_formats_pings_or_links():
    hostile = "*bold* _it_ ~gone~ `code` <!channel> <@U0SAM> <https://evil.example|click> :tada:"
    item = Item("action", "WMAG31-02", "named", 100, text=hostile, owner=hostile, status="open")
    answer = Answer(
        "open", f"Open for {hostile}", sections=[Section(hostile, "named", [item], 1)], note=hostile
    )
    blocks = ui.to_dicts(ui.answer_blocks(answer, TODAY, hostile)) + ui.to_dicts(ui.change_blocks(hostile, 7))

    def text_objects(node):
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
                yield node
            for value in node.values():
                yield from text_objects(value)
        elif isinstance(node, list):
            for value in node:
                yield from text_objects(value)

    found = list(text_objects(blocks))
    holding = [t for t in found if "bold" in t["text"]]
    assert len(holding) >= 5
    assert all(t["type"] == "plain_text" and t.get("emoji") is False for t in holding)
    assert all("<" not in t["text"] and ">" not in t["text"] for t in found)
    assert "&lt;!channel&gt;" in holding[0]["text"]


def test_a_show_more_value_fits_a_button_whatever_the_question():
    question = "ünïcödé “quoted” " * 300
    found = Button("Show more", PAGE_TO, {"view": View(question, 20).to_data()})
    value = ui.button(found).to_dict()["value"]
    assert len(value) <= 2000 and json.loads(value)["view"]["o"] == 20
    assert question.startswith(json.loads(value)["view"]["q"])
