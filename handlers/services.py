"""The core's services, as platform glue receives them (see bot/services.py)."""

from bot.services import Services

__all__ = ["Services"]
