"""A real SMTP server on loopback for the tests (aiosmtpd), holding what it is sent: each message as a
mail client would read it. It can refuse a recipient (a 4xx for a while, or a 5xx for good), and call
back once it has taken a message, before it says so (to kill the sender in that window)."""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Callable
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller

from tests.slack_fake import free_port


class Inbox:
    """aiosmtpd's handler: what was accepted, and the faults to play."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refused: dict[str, str] = {}  # address -> the reply to its RCPT ("550 5.1.1 ...")
        self.busy: dict[str, int] = {}  # address -> how many more RCPTs to answer 451
        self.after_data: Callable[[EmailMessage], None] | None = None
        # Faults at random: a share of RCPTs answered 451, and of messages taken and then the connection
        # dropped before the server says so (the sender cannot know whether it got there).
        self.busy_share = self.drop_share = 0.0
        self.rng = random.Random(0)
        self.rcpts = self.drops = self.deferred = 0
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self._lock:
            self.rcpts += 1
            if address in self.refused:
                return self.refused[address]
            if self.busy.get(address, 0) > 0 or (self.busy_share and self.rng.random() < self.busy_share):
                self.busy[address] = max(0, self.busy.get(address, 0) - 1)
                self.deferred += 1
                return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=default)
        with self._lock:
            self.messages.append(message)
        if self.after_data is not None:
            self.after_data(message)
        with self._lock:
            drop = bool(self.drop_share) and self.rng.random() < self.drop_share
            self.drops += drop
        if drop:
            server.transport.close()
        return "250 2.0.0 Accepted"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address in m.get("To", "")]


@contextlib.contextmanager
def smtp_server():
    """(the inbox, SMTP_URL) of a server on 127.0.0.1, for the length of the block."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()
