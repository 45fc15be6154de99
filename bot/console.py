"""`tmag-bot chat`: the bot in a terminal, with the commands Slack takes and free questions.

Reads lines from standard input (a prompt is shown only at a terminal, so it can be scripted).
"""

from __future__ import annotations

import asyncio
import sys

from bot.clock import Clock
from bot.commands import run_command
from bot.identity import identify
from storage.db import Database

GREETING = (
    "tmag-bot: ask me anything about the group's actions and decisions (help for commands, quit to leave)."
)


async def chat(db: Database, who: str | None, clock: Clock, stdin=None, stdout=None) -> None:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty()
    async with db.read() as session:
        person = await identify(session, who)
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
        reply = await run_command(db, line, person, clock, source="console")
        if reply.kind == "iam":
            async with db.read() as session:
                person = await identify(session, reply.iam)
            text = f"You are {person.display}." if person.member else f"I don't know {reply.iam} as a member."
            print(text, file=stdout)
            continue
        print(reply.text, file=stdout)
        if not interactive:
            print(file=stdout)
