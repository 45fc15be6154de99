"""The PostgreSQL half of the test suite: the server named by TMAG_TEST_POSTGRES_URL, or one answering
on 127.0.0.1:5432 (as the postgres user, no password). The schema is migrated once into a template
database; each test gets a copy of it (CREATE DATABASE ... TEMPLATE), dropped afterwards."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import socket

from sqlalchemy.engine import make_url

from storage.db import execute_outside_transaction

DEFAULT_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
TEMPLATE = f"tmag_test_template_{os.getpid()}"

_server: dict[str, str | None] = {}
_counter = itertools.count(1)


def _admin(url: str) -> str:
    """The server's maintenance database, on the asyncpg driver."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    return parsed.set(drivername="postgresql+asyncpg", database="postgres").render_as_string(
        hide_password=False
    )


def _execute(url: str, *statements: str) -> None:
    asyncio.run(execute_outside_transaction(url, *statements))


def server() -> str | None:
    """The admin URL of the server the tests use, or None (with the reason kept for the header)."""
    if "url" in _server:
        return _server["url"]
    given = os.environ.get("TMAG_TEST_POSTGRES_URL")
    if not given:
        try:
            socket.create_connection(("127.0.0.1", 5432), timeout=0.5).close()
        except OSError:
            _server.update(
                url=None, why="no server answers on 127.0.0.1:5432 and TMAG_TEST_POSTGRES_URL is not set"
            )
            return None
        given = DEFAULT_SERVER
    url = _admin(given)
    try:
        _execute(url, "SELECT 1")
    except Exception as exc:
        _server.update(url=None, why=f"{make_url(url).render_as_string()} refused: {exc}")
        return None
    _server.update(url=url, why=None)
    return url


def describe() -> str:
    url = server()
    if url is None:
        return f"PostgreSQL half skipped: {_server['why']}"
    return f"PostgreSQL half on {make_url(url).render_as_string()}"


def _template() -> str:
    url = make_url(server()).set(database=TEMPLATE).render_as_string(hide_password=False)
    if not _server.get("template"):
        from storage.db import migrate

        _execute(server(), f'DROP DATABASE IF EXISTS "{TEMPLATE}"', f'CREATE DATABASE "{TEMPLATE}"')
        migrate(url)
        _server["template"] = url
    return url


def fresh_database(label: str) -> str:
    """A new database holding the current schema and nothing else."""
    _template()
    name = f"tmag_t_{os.getpid()}_{next(_counter)}_" + re.sub(r"[^a-z0-9]+", "_", label.lower())[:30]
    _execute(server(), f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    return make_url(server()).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    name = make_url(url).database
    _execute(server(), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_template() -> None:
    if _server.get("template"):
        _execute(server(), f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
        _server["template"] = None
