"""The command line's quiet start: no garbage collection while a command loads its libraries, the usual
collection once it runs, and a process that goes on (these tests) left alone."""

import gc
import json
import os
import subprocess
import sys

import pytest

from bot.runtime import started
from tests.core.test_importer import FIRST
from tests.fixtures.processes import ROOT

pytestmark = pytest.mark.e2e  # the command line as its own processes

REPORT_COMMAND = """
import gc, json, sys
from bot import cli
sys.argv = ["tmag-bot", *sys.argv[1:]]
status = cli.run()
print(json.dumps({"status": status, "collecting": gc.isenabled(), "frozen": gc.get_freeze_count()}),
      file=sys.stderr)
"""


def run_command(db_url, *args):
    done = subprocess.run(
        [sys.executable, "-c", REPORT_COMMAND, *args],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=db_url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done, json.loads(done.stderr.strip().splitlines()[-1])


def test_a_command_runs_with_the_collector_on_and_its_libraries_frozen(db_url, write):
    done, state = run_command(db_url, "import", str(write("tmag-040.txt", FIRST)))
    assert state["status"] == 0 and done.stdout.startswith("tmag-040.txt: TMAG 40")
    assert state["collecting"] is True
    assert state["frozen"] > 100_000  # SQLAlchemy, SQLModel, pydantic and the tables, built once


def test_a_command_that_stops_before_the_database_still_ends_cleanly(db_url):
    done, state = run_command(db_url, "ask", "what is open for me", "--now", "not a date")
    assert state["status"] == 1 and "--now 'not a date' is not an ISO date" in done.stderr


def test_main_in_a_process_that_goes_on_leaves_its_collector_alone():
    frozen = gc.get_freeze_count()
    started()
    assert gc.isenabled() and gc.get_freeze_count() == frozen
