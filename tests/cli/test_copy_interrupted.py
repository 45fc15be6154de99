"""`tmag-bot db copy` killed at random moments (SIGKILL: no clean-up runs) leaves the target empty, or
holding a copy that was checked against the original; never an unchecked one. A run on the emptied
target then copies whole."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.synthetic import people, realistic_report
from bot.cli import main
from bot.record.exporter import export_data
from storage.copy import empty_record, row_counts
from storage.db import open_database
from tests.fixtures import sql

pytestmark = pytest.mark.e2e  # the command line as its own processes, killed at random moments

ROOT = Path(__file__).resolve().parents[2]
KILLS = 6


@pytest.fixture
def source(tmp_path, monkeypatch, capsys) -> str:
    """A record of sixty realistic reports, a few thousand rows: a copy takes about a second."""
    url = f"sqlite:///{tmp_path / 'source.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    rng = random.Random(5)
    pool = people(40, rng)
    folder = tmp_path / "reports"
    folder.mkdir()
    for index in range(60):
        (folder / f"report-{index:03d}.txt").write_text(realistic_report(index, rng, pool), encoding="utf-8")
    assert main(["import", *map(str, sorted(folder.iterdir()))]) == 0
    capsys.readouterr()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'target.db'}"
    return request.getfixturevalue("pg_url")


def copy_command(source: str, target: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "db", "copy", "--to", target],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": source},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def copied_whole(source: str, target: str) -> tuple[int, float, str]:
    """Run the copy to its end: (exit status, seconds taken, what it said)."""
    started = time.monotonic()
    process = copy_command(source, target)
    out, err = process.communicate(timeout=120)
    return process.returncode, time.monotonic() - started, out + err


def kill_moments(took: float, seed: int) -> list[float]:
    """KILLS random moments, one in each of KILLS equal parts of a whole run (start-up included), so
    every stage of the copy is hit: reading, writing, checking, committing."""
    rng = random.Random(seed)
    return [took * (part + rng.random()) / KILLS for part in range(KILLS)]


def killed_after(source: str, target: str, delay: float) -> None:
    process = copy_command(source, target)
    time.sleep(delay)
    process.kill()
    process.communicate(timeout=60)


async def _state(source: str, target: str, *, empty_it: bool) -> str:
    """ "empty", or "checked" (every table's rows counted and the two exports equal), or what differs."""
    original, copy = await open_database(source), await open_database(target)
    try:
        counts = await row_counts(copy)
        if not any(counts.values()):
            return "empty"
        if counts != await row_counts(original):
            return f"a copy whose row counts differ: {counts}"
        if await export_data(copy) != await export_data(original):
            return "a copy whose export differs"
        if empty_it:
            await empty_record(copy)
        return "checked"
    finally:
        await original.close()
        await copy.close()


def state(source: str, target: str, *, empty_it: bool = False) -> str:
    return asyncio.run(_state(source, target, empty_it=empty_it))


def test_a_copy_killed_at_any_moment_leaves_the_target_empty_or_checked(source, target):
    status, took, said = copied_whole(source, target)
    assert status == 0 and "the two exports match" in said
    assert state(source, target, empty_it=True) == "checked"

    seen = []
    for moment in kill_moments(took, 11):
        killed_after(source, target, moment)
        seen.append(state(source, target, empty_it=True))  # emptied for the next try when checked
        assert seen[-1] in ("empty", "checked"), seen
    status, _, said = copied_whole(source, target)  # on the target the kills left empty
    assert status == 0 and "the two exports match" in said, said
    assert state(source, target) == "checked"


def alter_every_copied_member(target: str) -> None:
    """A target that does not store what it is given (here, a trigger changing each member's role)."""
    asyncio.run(_opened(target))  # its schema first
    if sql.is_postgres(target):
        sql.execute(
            target,
            "CREATE FUNCTION alter_copy() RETURNS trigger AS $$ BEGIN NEW.role := 'Altered'; RETURN NEW; END $$ "
            "LANGUAGE plpgsql",
            "CREATE TRIGGER alter_copy BEFORE INSERT ON member FOR EACH ROW EXECUTE FUNCTION alter_copy()",
        )
    else:
        sql.execute(
            target,
            "CREATE TRIGGER alter_copy AFTER INSERT ON member "
            "BEGIN UPDATE member SET role = 'Altered' WHERE id = NEW.id; END",
        )


async def _opened(url: str) -> None:
    await (await open_database(url)).close()


def test_a_copy_that_does_not_read_back_as_the_original_is_never_left_behind(source, target):
    """Before, the copy was committed, then compared, then taken out: killed in between, it stayed."""
    alter_every_copied_member(target)
    status, took, said = copied_whole(source, target)
    assert status == 1
    assert "the copy, read back, differs from the original in" in said and "member rows" in said
    assert state(source, target) == "empty"
    for moment in kill_moments(took, 12):
        killed_after(source, target, moment)
        assert state(source, target) == "empty"
