"""ask, done, update, reopen, member add and chat on the command line."""

from __future__ import annotations

import csv
import io
import json

from bot.cli import main
from tests.fixtures.world import HEADLINE_032, MINUTES_031


def setup(write, capsys):
    assert (
        main(["import", str(write("wmag-031.txt", MINUTES_031)), str(write("wmag-032.txt", HEADLINE_032))])
        == 0
    )
    capsys.readouterr()


def ask_json(capsys, question, who, now="2023-11-16T09:00"):
    assert main(["ask", question, "--as", who, "--now", now, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_ask_json_lists_items_in_the_order_shown(db_url, write, capsys):
    setup(write, capsys)
    data = ask_json(capsys, "what is open for me", "Priya Natarajan")
    assert data["intent"] == "open"
    assert [(i["ref"], i["reason"]) for i in data["items"]] == [
        ("WMAG31-05", "named"),
        ("WMAG31-09", "role"),
        ("WMAG31-06", "group"),
    ]
    assert all({"kind", "ref", "reason", "score"} <= set(i) for i in data["items"])
    assert data["text"].startswith("Open for Priya Natarajan")


def test_now_changes_the_answer(db_url, write, capsys):
    setup(write, capsys)
    before = ask_json(capsys, "when is the next WMAG", "Dave Marsh", "2023-11-16T09:00")
    after = ask_json(capsys, "when is the next WMAG", "Dave Marsh", "2023-11-30T09:00")
    assert (before["items"][0]["date"], after["items"][0]["date"]) == ("2023-11-29", "2023-12-20")
    assert main(["ask", "next", "--now", "yesterday"]) == 1
    assert "--now" in capsys.readouterr().err


def test_done_update_reopen_with_their_exit_codes(db_url, write, capsys):
    setup(write, capsys)
    assert main(["done", "WMAG99-01", "--as", "Sam Hall"]) == 1
    assert capsys.readouterr().err.strip() == "I don't know WMAG99-01."
    assert main(["update", "wmag31-2", "windows agreed", "--as", "SHat", "--now", "2023-11-20T10:00"]) == 0
    assert (
        main(["done", "WMAG 31-2", "--as", "Sam Hatton", "--note", "confirmed", "--now", "2023-11-21T10:00"])
        == 0
    )
    assert main(["reopen", "WMAG31-02", "--as", "Ada Brooks"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Updated WMAG31-02.",
        "Closed WMAG31-02.",
        "Reopened WMAG31-02.",
    ]
    main(["export"])
    action = next(a for a in json.loads(capsys.readouterr().out)["actions"] if a["ref"] == "WMAG31-02")
    trail = [(u["kind"], u["text"], u["by"]) for u in action["updates"]]
    assert trail == [
        ("created", None, "WMAG 31 report"),
        ("due moved", "Due date moved from 2023-11-15 to 2023-12-20", "WMAG 32 report"),
        ("updated", "Windows drafted; date moved to December", "WMAG 32 report"),
        ("updated", "windows agreed", "Sam Hatton"),
        ("closed", "confirmed", "Sam Hatton"),
        ("reopened", None, "Ada Brooks"),  # every event is there, a reopen without a note included
    ]
    closed = action["updates"][-2]
    assert closed["source"] == "cli" and closed["status"] == {"from": "open", "to": "closed"}
    assert closed["at"].startswith("2023-11-21T10:00")  # when it was said to happen (--now)...
    assert not closed["recorded_at"].startswith("2023-")  # ...and when it was really recorded
    assert action["updates"][1]["due"] == {"from": "2023-11-15", "to": "2023-12-20"}
    assert action["status"] == "open" and action["closed_on"] is None


def test_the_command_line_changes_with_the_secretariats_rights_recorded_as_named(db_url, write, capsys):
    """Whoever runs the command line holds the database: --as names who the record says made a change,
    whether or not that member owns the action (Sam Hall owns none of WMAG31-02)."""
    setup(write, capsys)
    assert main(["done", "WMAG31-02", "--as", "Sam Hall", "--note", "agreed at the meeting"]) == 0
    assert main(["action", "add", "Publish the plan", "--group", "WMAG", "--as", "Sam Hall"]) == 0
    capsys.readouterr()
    main(["export"])
    actions = json.loads(capsys.readouterr().out)["actions"]
    closed = next(a for a in actions if a["ref"] == "WMAG31-02")["updates"][-1]
    assert (closed["kind"], closed["by"], closed["source"]) == ("closed", "Sam Hall", "cli")
    added = next(a for a in actions if a["text"] == "Publish the plan")["updates"][0]
    assert (added["kind"], added["by"]) == ("created", "Sam Hall")


def test_the_csv_log_says_when_and_by_whom_an_action_was_closed(db_url, write, capsys):
    setup(write, capsys)
    assert (
        main(["done", "WMAG31-02", "--as", "Sam Hatton", "--note", "agreed", "--now", "2023-11-21T10:00"])
        == 0
    )
    capsys.readouterr()
    main(["export", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    row = next(r for r in rows if r["Action Ref"] == "WMAG31-02")
    assert (row["Status"], row["Closed On"], row["Closed By"], row["Update"]) == (
        "closed",
        "21/11/2023",
        "Sam Hatton",
        "agreed",
    )
    still = next(r for r in rows if r["Action Ref"] == "WMAG31-01")
    assert (still["Status"], still["Closed On"], still["Closed By"]) == ("open", "", "")


def test_member_add_with_alias_and_slack_id_then_asking_by_alias(db_url, write, capsys):
    setup(write, capsys)
    assert (
        main(
            [
                "member",
                "add",
                "Noor Haddad",
                "--initials",
                "NH",
                "--role",
                "Test Manager",
                "--org",
                "Programme",
                "--alias",
                "noor.haddad",
                "--slack-id",
                "U0NOOR",
                "--group",
                "WMAG",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.strip() == "Added member Noor Haddad."
    data = ask_json(capsys, "my actions", "noor.haddad")
    assert "WMAG31-07" in [i["ref"] for i in data["items"]]  # the Programme's
    assert main(["member", "add", "Sam Hall", "--slack-id", "U0NOOR"]) == 1
    assert "already linked to Noor Haddad" in capsys.readouterr().err
    assert main(["member", "add", "Cher"]) == 1


def test_chat_is_the_same_bot_in_the_console(db_url, write, capsys, monkeypatch):
    setup(write, capsys)
    script = "mine\nWMAG31-02 done - windows confirmed\nwho WMAG31-02\niam Lena Ortiz\nmine\nquit\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(script))
    assert main(["chat", "--as", "Sam Hatton", "--now", "2023-11-16T09:00"]) == 0
    out = capsys.readouterr().out
    assert "Open for Sam Hatton" in out
    assert "Closed WMAG31-02." in out
    assert "You are Lena Ortiz." in out
    assert out.index("Open for Lena Ortiz") > out.index("You are Lena Ortiz.")
