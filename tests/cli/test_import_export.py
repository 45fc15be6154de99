"""The command line as graders and the secretariat use it: import, then export."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.core.test_importer import FIRST, SECOND, counts

ROOT = Path(__file__).resolve().parents[2]


def test_import_prints_a_line_per_file_and_export_writes_json(db_url, write, capsys, tmp_path):
    first, second = write("tmag-040.txt", FIRST), write("tmag-041.txt", SECOND)
    assert main(["import", str(first), str(second)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("tmag-040.txt: TMAG 40 held 2024-08-21 10:00-12:00; actions 3 new, 0 updated")
    assert "next meetings: TMAG 2024-09-18" in out[0]
    assert "actions 1 new, 3 updated, 1 closed" in out[1]

    target = tmp_path / "out.json"
    assert main(["export", "--format", "json", "--out", str(target)]) == 0
    data = json.loads(target.read_text())
    assert set(data) == {"meetings", "actions", "decisions", "members"}
    action = next(a for a in data["actions"] if a["ref"] == "TMAG40-02")
    assert set(action) == {
        "ref",
        "group",
        "area",
        "text",
        "owner",
        "owners",
        "due",
        "status",
        "reported_done",
        "meeting",
        "updates",
        "closed_on",
        "closed_by",
    }
    assert action["meeting"] == "40"  # the meeting that raised it
    assert set(action["updates"][0]) == {"kind", "text", "at", "recorded_at", "by", "source", "status"}
    assert [u["kind"] for u in action["updates"]] == ["created", "closed"]
    decision = data["decisions"][0]
    assert set(decision) == {"ref", "group", "area", "text", "meeting"}
    assert decision["meeting"] == "40"


def test_export_csv_has_the_secretariats_columns_plus_status(db_url, write, capsys):
    main(["import", str(write("tmag-040.txt", FIRST)), str(write("tmag-041.txt", SECOND))])
    capsys.readouterr()
    assert main(["export", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(rows[0]) == [
        "Area",
        "Action Ref",
        "Action",
        "Owner",
        "Due Date",
        "Update",
        "Status",
        "Closed On",
        "Closed By",
    ]
    closed = next(r for r in rows if r["Action Ref"] == "TMAG40-02")
    assert closed["Status"] == "closed"
    assert closed["Due Date"] == "18/09/2024"
    assert closed["Update"].startswith("Windows confirmed")


def test_a_bad_file_gets_one_line_a_non_zero_exit_and_changes_nothing(db_url, write, capsys):
    main(["import", str(write("tmag-040.txt", FIRST))])
    capsys.readouterr()
    before = counts(db_url)
    broken = write("minutes.pdf", b"%PDF-1.4 not a text report")
    assert main(["import", str(broken)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "minutes.pdf" in lines[0] and "not a readable PDF" in lines[0]
    assert main(["import", "/no/such/report.txt"]) == 1
    assert "no such file" in capsys.readouterr().err
    assert counts(db_url) == before


def test_a_file_the_database_refuses_stops_the_import_there_and_says_so(db_url, write, capsys):
    """The files before it are kept and printed; nothing of it or after it is kept."""
    from tests.core.test_importer import DESIGN_GROUP
    from tests.fixtures import sql

    main(["export"])  # creates the database
    capsys.readouterr()
    sql.refuse_action(db_url, "TMAG41-01", "refused by a test")
    files = [write("tmag-040.txt", FIRST), write("tmag-041.txt", SECOND), write("dag-012.txt", DESIGN_GROUP)]
    assert main(["import", *map(str, files)]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("tmag-040.txt: TMAG 40") and len(captured.out.splitlines()) == 1
    assert captured.err.strip() == (
        "tmag-bot: tmag-041.txt: the database refused it (refused by a test); nothing of it was kept, and"
        " the files after it were not imported"
    )
    assert sql.rows(db_url, "SELECT file_name FROM source_document") == [("tmag-040.txt",)]


@pytest.mark.e2e  # the command line as its own process
def test_python_dash_m_bot_runs_the_same_command_line(db_url, write, tmp_path):
    env = dict(os.environ, DATABASE_URL=db_url)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "import", str(write("tmag-040.txt", FIRST))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("tmag-040.txt: TMAG 40")
    exported = subprocess.run(
        [sys.executable, "-m", "bot", "export"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert len(json.loads(exported.stdout)["actions"]) == 3
