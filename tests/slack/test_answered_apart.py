"""The Slack tests of requests, run again as `serve` runs the app: this loop checks each request and
acknowledges it, and Bolt, its listeners and their answers run on the answering loop. Commands, events,
buttons, shortcuts and a modal's submission (whose errors are its acknowledgement, so it waits for Bolt)
must all behave exactly as they do in place, and forged or replayed requests be refused the same way."""

from __future__ import annotations

import pytest

from tests.fixtures.world import build_world
from tests.slack.conftest import _people, running_bot
from tests.slack.test_actions import *  # noqa: F403
from tests.slack.test_commands import *  # noqa: F403
from tests.slack.test_events import *  # noqa: F403
from tests.slack.test_security_and_retries import *  # noqa: F403
from tests.slack.test_shortcuts_and_views import *  # noqa: F403


@pytest.fixture
async def bot(db, write):
    await build_world(db, write)
    await _people(db)
    async with running_bot(db, answered_apart=True) as running:
        yield running
