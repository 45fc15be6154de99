"""The secretariat's round trip from the command line, and the calendar subscription address."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import aiohttp
from openpyxl import load_workbook

from tests.fixtures.formats import as_pdf
from tests.fixtures.processes import ROOT, cli
from tests.fixtures.world import HEADLINE_032, MINUTES_031
from tests.slack_fake import free_port, wait_healthy


def environment(tmp_path: Path) -> dict:
    env = dict(
        os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'trip.db'}", LOG_LEVEL="WARNING", TEAMS_DEV="1"
    )
    for name in list(env):
        if name.startswith("SLACK_"):
            env.pop(name)
    return env


def test_pdf_in_then_log_draft_and_calendar_out(tmp_path):
    env = environment(tmp_path)
    (tmp_path / "wmag-031.pdf").write_bytes(as_pdf(MINUTES_031, "horizontal"))
    (tmp_path / "wmag-032.txt").write_text(HEADLINE_032)
    done = cli(env, "import", str(tmp_path / "wmag-031.pdf"), str(tmp_path / "wmag-032.txt"))
    assert done.returncode == 0, done.stderr
    assert "wmag-031.pdf: WMAG 31 held 2023-10-18 10:00-12:00; actions 9 new" in done.stdout

    log = tmp_path / "log.xlsx"
    assert cli(env, "export", "--format", "xlsx", "--out", str(log)).returncode == 0
    assert load_workbook(log).sheetnames == ["WMAG actions", "Decisions", "Members"]
    back = cli(env, "import", str(log), "--as", "Ada Brooks")
    assert back.returncode == 0 and "nothing changed" in back.stdout

    draft = tmp_path / "draft.docx"
    made = cli(env, "report", "draft", "--group", "WMAG", "--now", "2023-11-16T09:00", "--out", str(draft))
    assert made.returncode == 0 and "29 November 2023" in made.stdout
    again = cli(env, "import", str(draft))
    assert again.returncode == 0 and "untouched draft" in again.stdout

    ics = cli(env, "meetings", "--group", "WMAG", "--format", "ics", "--now", "2023-11-16T09:00")
    assert ics.returncode == 0 and "BEGIN:VCALENDAR" in ics.stdout and "TZID=Europe/London" in ics.stdout

    not_a_log = tmp_path / "notes.xlsx"
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Anything", "else"])
    book.save(not_a_log)
    refused = cli(env, "import", str(not_a_log))
    assert refused.returncode == 1 and "not an action log" in refused.stderr


async def test_the_calendar_address_needs_its_token(tmp_path):
    env = environment(tmp_path)
    (tmp_path / "wmag-032.txt").write_text(HEADLINE_032)
    assert cli(env, "import", str(tmp_path / "wmag-032.txt")).returncode == 0
    made = cli(env, "group", "set", "WMAG", "--calendar-token", "new")
    path = re.search(r"(/calendar/WMAG\.ics\?token=\S+)", made.stdout).group(1)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--teams", "--port", str(port), "--now", "2023-11-16T09:00"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, base, process)
            async with http.get(base + path) as response:
                assert response.status == 200 and response.content_type == "text/calendar"
                assert "BEGIN:VEVENT" in await response.text()
            for wrong in (
                "/calendar/WMAG.ics",
                "/calendar/WMAG.ics?token=guess",
                path.replace("WMAG", "TMAG"),
            ):
                async with http.get(base + wrong) as response:
                    assert response.status == 404
            cli(env, "group", "set", "WMAG", "--calendar-token", "none")
            async with http.get(base + path) as response:
                assert response.status == 404  # revoked
    finally:
        process.terminate()
        process.wait(timeout=20)
