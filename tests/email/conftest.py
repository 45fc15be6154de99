from __future__ import annotations

import pytest

from tests.smtp_server import smtp_server


@pytest.fixture
def mail():
    """(the inbox, SMTP_URL) of a real SMTP server on loopback."""
    with smtp_server() as found:
        yield found
