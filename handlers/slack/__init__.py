"""Slack listeners: thin glue between Slack and the core in bot/. Each module exposes register(app)."""

from handlers.slack import actions, commands, events, shortcuts, views


def register(app) -> None:
    for module in (commands, events, actions, shortcuts, views):
        module.register(app)
