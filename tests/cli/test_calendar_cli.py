"""meetings, digest and group set on the command line."""

from __future__ import annotations

import json

from bot.cli import main
from tests.cli.test_brain_cli import setup


def test_meetings_lists_upcoming_meetings_with_their_digest_times(db_url, write, capsys):
    setup(write, capsys)
    assert main(["group", "set", "WMAG", "--cadence", "third Wednesday 10:00", "--channel", "C0DIGEST"]) == 0
    assert "channel C0DIGEST" in capsys.readouterr().out
    assert main(["meetings", "--group", "WMAG", "--now", "2023-11-16T09:00", "--format", "json"]) == 0
    meetings = json.loads(capsys.readouterr().out)
    first, second = meetings[0], meetings[1]
    assert set(first) == {"group", "number", "date", "start", "extraordinary", "source", "digests"}
    assert (first["date"], first["extraordinary"], first["source"]) == ("2023-11-29", True, "next-line")
    assert first["digests"] == ["2023-11-27T09:00:00+00:00", "2023-11-29T08:30:00+00:00"]
    assert (second["date"], second["source"], second["start"]) == ("2023-12-20", "next-line", "10:00")
    assert meetings[2]["date"] == "2024-01-17" and meetings[2]["source"] == "cadence"
    assert meetings[2]["digests"][0] == "2024-01-15T09:00:00+00:00"


def test_digest_shows_json_and_text(db_url, write, capsys):
    setup(write, capsys)
    assert main(["digest", "--group", "WMAG", "--now", "2023-11-27T09:00", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {
        "meeting",
        "open",
        "overdue",
        "attention",
        "reported_done",
        "no_news",
        "due_before_meeting",
        "closed_since_last",
        "decisions_since_last",
        "by_owner",
        "by_owner_counts",
        "counts",
        "listed_up_to",
    }
    assert data["meeting"]["date"] == "2023-11-29" and data["closed_since_last"] == ["WMAG31-03"]
    # Few enough to list them all: each count is its list's length.
    counts = data["counts"]
    assert counts["open"] == len(data["open"]) and counts["no_news"] == len(data["no_news"])
    assert counts["reported"] == len(data["reported_done"]) and counts["overdue"] == len(data["overdue"])
    assert data["by_owner_counts"] == {owner: len(refs) for owner, refs in data["by_owner"].items()}
    assert main(["digest", "--group", "WMAG", "--meeting", "2023-12-20", "--now", "2023-12-18T09:00"]) == 0
    assert capsys.readouterr().out.startswith("Digest for WMAG: Wednesday 20 December 2023")
    assert main(["digest", "--group", "WMAG", "--meeting", "2023-12-21"]) == 1
    assert "no WMAG meeting on 21 December 2023" in capsys.readouterr().err


def test_group_set_refuses_bad_times(db_url, capsys):
    assert main(["group", "set", "WMAG", "--digest-time", "9am"]) == 1
    assert "not a time" in capsys.readouterr().err
