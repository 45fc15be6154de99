"""Teams glue: thin handlers by kind of activity, each translating into one call of the core in bot/.
Each module exposes register(bot); card builders live in cards.py, verbs and ids in ids.py."""

from handlers.teams import actions, files, installs, message_actions, messages


def register(bot) -> None:
    for module in (messages, actions, message_actions, files, installs):
        module.register(bot)
