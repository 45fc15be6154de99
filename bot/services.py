"""What the core needs on every request, whatever the platform: the database, the clock, the settings,
and how to reach the secretariat (one teller per platform served)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.calendar.clock import Clock
from bot.config import Settings
from bot.people.notices import SecretariatTeller
from storage.db import Database


@dataclass
class Handled:
    """How many requests a platform's listeners have finished with, answered or dropped as a replay:
    what a test waits on to know earlier requests are done, rather than on time or a later request."""

    count: int = 0


@dataclass
class Services:
    db: Database
    clock: Clock
    settings: Settings
    tellers: list[SecretariatTeller] = field(default_factory=list)
    handled: Handled = field(default_factory=Handled)
