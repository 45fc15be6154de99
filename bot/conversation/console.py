"""`tmag-bot chat`: the bot in a terminal, as a member sees it in Slack or Teams.

Reads lines from standard input. At a terminal it shows a prompt; when piped it echoes each line
("> what is open for me") before its answer, so a transcript reads as a conversation. Every line takes
the same path as a message in Slack or Teams (bot/conversation/turns.py), as the member named with
--as with a confirmed link; `iam NAME` answers as someone else from then on.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.conversation.outcome import Outcome
from bot.conversation.turns import Place, Turn, take_turn
from bot.people.identity import CONFIRMED, Person, identify
from bot.services import Services

GREETING = (
    "tmag-bot: ask me anything about the group's actions and decisions (help for commands, quit to leave)."
)
PLACE = Place("console")


async def as_member(services: Services, who: str | None) -> Person:
    """Who the console answers as: the member named, as if linked to them and confirmed."""
    async with services.db.read() as session:
        return await identify(session, who, link=CONFIRMED if who else None)


def shown_lines(outcome: Outcome) -> list[str]:
    """What the console prints of an outcome: what Slack and Teams show, as plain lines."""
    return outcome.lines()


async def chat(services: Services, who: str | None, stdin=None, stdout=None) -> None:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty()
    person = await as_member(services, who)
    if interactive:
        print(GREETING, file=stdout)
        print(f"(you are {person.display}{'' if person.member else ', not yet a member'})", file=stdout)
    while True:
        if interactive:
            print("> ", end="", file=stdout, flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        line = line.strip()
        if not line:
            continue
        if line.lower() in {"quit", "exit", "bye"}:
            break
        if not interactive:
            print(f"> {line}", file=stdout)
        word, _, rest = line.partition(" ")
        if word.lower() == "iam" and rest.strip():
            person = await as_member(services, rest.strip())
            said = (
                f"You are {person.display}." if person.member else f"I don't know {rest.strip()} as a member."
            )
            print(said, file=stdout)
            _gap(stdout, interactive)
            continue
        outcome = await take_turn(services, Turn(PLACE, person=person, text=line, source="console"))
        for text in shown_lines(outcome):
            print(text, file=stdout)
        for shown in outcome.shown:
            if shown.file is not None:  # what Slack or Teams would send: here, a file in the working folder
                Path(shown.file.name).write_bytes(shown.file.data)
                print(f"(written to {shown.file.name})", file=stdout)
        _gap(stdout, interactive)


def _gap(stdout, interactive: bool) -> None:
    if not interactive:
        print(file=stdout)
