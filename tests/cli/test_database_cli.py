"""`tmag-bot db check` and `db copy`: moving a group's record between SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from storage.db import migrate
from tests.core.test_importer import FIRST, SECOND, counts
from tests.fixtures import sql


def _export(capsys) -> dict:
    capsys.readouterr()
    assert main(["export", "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.sqlite_only
def test_check_says_when_there_is_no_database_yet(db_url, capsys):
    assert main(["db", "check"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("database: SQLite ")
    assert "schema: none yet" in out


def test_check_gives_the_kind_and_the_current_revision(db_url, write, capsys):
    assert main(["import", str(write("tmag-040.txt", FIRST))]) == 0
    capsys.readouterr()
    assert main(["db", "check"]) == 0
    kind, schema = capsys.readouterr().out.splitlines()
    assert kind.startswith("database: " + ("PostgreSQL" if sql.is_postgres(db_url) else "SQLite"))
    assert schema.endswith("(current)")


@pytest.mark.sqlite_only
def test_check_says_an_older_schema_is_behind(db_url, capsys):
    from alembic import command

    from storage.db import SCHEMA_HEAD, _alembic_config

    migrate(db_url)
    command.downgrade(_alembic_config(db_url), "0013")
    assert main(["db", "check"]) == 1
    assert f"schema: 0013, behind {SCHEMA_HEAD}" in capsys.readouterr().out


@pytest.mark.sqlite_only
def test_a_record_moves_to_postgres_and_back_unchanged(db_url, pg_url, write, capsys, monkeypatch, tmp_path):
    assert main(["import", str(write("tmag-040.txt", FIRST)), str(write("tmag-041.txt", SECOND))]) == 0
    assert main(["member", "add", "Kate Goodman", "--role", "PMO", "--secretariat", "--group", "TMAG"]) == 0
    assert (
        main(["update", "TMAG40-01", "Draft shared", "--as", "Kate Goodman", "--now", "2024-10-01T09:00"])
        == 0
    )
    original = _export(capsys)

    assert main(["db", "copy", "--to", pg_url]) == 0
    assert "the two exports match" in capsys.readouterr().out
    monkeypatch.setenv("DATABASE_URL", pg_url)
    assert _export(capsys) == original
    # The copy goes on from where the original was: new rows get new ids.
    assert main(["action", "add", "Write the runbook", "--owner", "PMO", "--as", "Kate Goodman"]) == 0

    back = f"sqlite:///{tmp_path / 'back.db'}"
    assert main(["db", "copy", "--to", back]) == 0
    monkeypatch.setenv("DATABASE_URL", back)
    moved = _export(capsys)
    assert len(moved["actions"]) == len(original["actions"]) + 1
    assert [a for a in moved["actions"] if a["ref"] in {x["ref"] for x in original["actions"]}] == original[
        "actions"
    ]


def test_copying_into_a_database_that_holds_a_record_is_refused_and_changes_nothing(
    db_url, write, capsys, tmp_path, monkeypatch
):
    assert main(["import", str(write("tmag-040.txt", FIRST))]) == 0
    target = f"sqlite:///{tmp_path / 'target.db'}"
    monkeypatch.setenv("DATABASE_URL", target)
    assert main(["member", "add", "Ann Other"]) == 0
    monkeypatch.setenv("DATABASE_URL", db_url)
    before = counts(target)
    capsys.readouterr()
    assert main(["db", "copy", "--to", target]) == 1
    assert "the target database is not empty (" in capsys.readouterr().err
    assert counts(target) == before
    assert before["member"] == 1 and before["action"] == 0


def test_copying_to_something_that_is_not_a_database_says_so(db_url, write, capsys):
    assert main(["import", str(write("tmag-040.txt", FIRST))]) == 0
    capsys.readouterr()
    assert main(["db", "copy", "--to", "mysql://somewhere/db"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tmag-bot: DATABASE_URL 'mysql://somewhere/db' is not a database URL I can use")
    assert err.count("\n") == 1
