"""The end-to-end layer: the bot run as its own processes, as an operator runs it. Every test here is
marked e2e (tests/conftest.py), so `pytest -m "not e2e"` runs the fast layer alone."""

from __future__ import annotations

import pytest

from tests.slack_fake import FakeSlack


@pytest.fixture
async def slack():
    """A fake Slack on loopback that knows Sam Hatton and Sam Hall by their profile names."""
    fake = await FakeSlack(
        users={"U0SAM": {"real_name": "Sam Hatton"}, "U0HALL": {"real_name": "Sam Hall"}}
    ).start()
    yield fake
    await fake.stop()
