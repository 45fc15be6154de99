"""Shared fixtures: a real SQLite file per test, a fixed clock, and report writers."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from bot.calendar.clock import LONDON, Clock
from storage.db import Database, open_database


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'tmag.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
async def db(db_url: str) -> Database:
    database = await open_database(db_url)
    yield database
    await database.close()


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2023, 9, 1, 9, 0, tzinfo=LONDON))


@pytest.fixture
def write(tmp_path: Path):
    """Write a report file and return its path."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / "reports" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write


def pytest_configure(config: pytest.Config) -> None:
    # Never let a developer's .env point the tests at a real workspace or database.
    for name in list(os.environ):
        if name.startswith(("SLACK_", "TEAMS_")):
            os.environ.pop(name, None)
