"""What platform glue needs on every request, whatever the platform: the database, the clock, settings."""

from __future__ import annotations

from dataclasses import dataclass

from bot.calendar.clock import Clock
from bot.config import Settings
from storage.db import Database


@dataclass
class Services:
    db: Database
    clock: Clock
    settings: Settings
