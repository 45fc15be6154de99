"""Shared fixtures: a real database per test (a SQLite file, and a PostgreSQL database when a server is
there: see tests/postgres.py), a fixed clock, and report writers."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from bot.calendar.clock import LONDON, Clock
from storage.db import Database, open_database
from tests import postgres


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Every test on a database runs on SQLite, and again on PostgreSQL when a server answers, unless it
    # is about SQLite itself (marked sqlite_only).
    if "db_url" in metafunc.fixturenames:
        kinds = ["sqlite"]
        if postgres.server() and not metafunc.definition.get_closest_marker("sqlite_only"):
            kinds.append("postgresql")
        metafunc.parametrize("db_url", kinds, indirect=True)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    if getattr(request, "param", "sqlite") == "postgresql":
        url = postgres.fresh_database(request.node.name)
        request.addfinalizer(lambda: postgres.drop_database(url))
    else:
        url = f"sqlite:///{tmp_path / 'tmag.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> str:
    """A fresh PostgreSQL database (for tests only about PostgreSQL); skipped when there is no server."""
    if not postgres.server():
        pytest.skip("no PostgreSQL server")
    url = postgres.fresh_database(request.node.name)
    request.addfinalizer(lambda: postgres.drop_database(url))
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
    config.addinivalue_line("markers", "sqlite_only: about SQLite itself; not run on PostgreSQL")
    config.addinivalue_line("markers", "e2e: starts browsers, servers or processes")
    # Never let a developer's .env point the tests at a real workspace or database.
    for name in list(os.environ):
        if name.startswith(("SLACK_", "TEAMS_")):
            os.environ.pop(name, None)


def pytest_report_header(config: pytest.Config) -> str:
    return postgres.describe()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    postgres.drop_template()


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if not postgres.server():
        terminalreporter.write_line(postgres.describe())
