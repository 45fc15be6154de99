"""`tmag-bot chat`: the bot in a terminal, with the commands Slack takes and free questions.

Reads lines from standard input. At a terminal it shows a prompt; when piped it echoes each line
("> what is open for me") before its answer, so a transcript reads as a conversation. Takes everything
/tmag takes: questions, changes (with `undo` for the last one made here), `digest [GROUP]` (the next
meeting's digest, as it will be posted) and `iam NAME`.
"""

from __future__ import annotations

import asyncio
import sys

from bot.calendar.clock import Clock
from bot.conversation.commands import run_command
from bot.people.identity import CONFIRMED, identify
from storage.db import Database

GREETING = (
    "tmag-bot: ask me anything about the group's actions and decisions (help for commands, quit to leave)."
)


async def chat(db: Database, who: str | None, clock: Clock, stdin=None, stdout=None) -> None:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty()
    # The console answers as `who` would in Slack or Teams with a confirmed link.
    async with db.read() as session:
        person = await identify(session, who, link=CONFIRMED if who else None)
    if interactive:
        print(GREETING, file=stdout)
        print(f"(you are {person.display}{'' if person.member else ', not yet a member'})", file=stdout)
    made: list[int] = []  # changes made in this chat, newest last (for undo)
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
        word = line.split()[0].lower()
        if word == "undo":
            print(await _undo(db, person, clock, made), file=stdout)
            _gap(stdout, interactive)
            continue
        if word == "digest":
            print(await _digest(db, line, person, clock), file=stdout)
            _gap(stdout, interactive)
            continue
        reply = await run_command(db, line, person, clock, source="console")
        made += [
            c.event_id
            for c in reply.changes or ([reply.change] if reply.change else [])
            if c and c.ok and c.event_id
        ]
        if reply.kind == "iam":
            async with db.read() as session:
                person = await identify(session, reply.iam, link=CONFIRMED)
            text = f"You are {person.display}." if person.member else f"I don't know {reply.iam} as a member."
            print(text, file=stdout)
            continue
        print(reply.text, file=stdout)
        if reply.file is not None:  # what Slack or Teams would send: here, a file in the working folder
            from pathlib import Path

            Path(reply.file.name).write_bytes(reply.file.data)
            print(f"(written to {reply.file.name})", file=stdout)
        _gap(stdout, interactive)


def _gap(stdout, interactive: bool) -> None:
    if not interactive:
        print(file=stdout)


async def _undo(db: Database, person, clock: Clock, made: list[int]) -> str:
    """Undo the last change made in this chat (as the Undo button does in Slack)."""
    from bot.record.changes import undo_change

    if not made:
        return "There is nothing to undo."
    result = await undo_change(db, made.pop(), person, clock, source="console")
    return result.message


async def _digest(db: Database, line: str, person, clock: Clock) -> str:
    """`digest [GROUP]`: the next meeting's digest as it will be posted. `digest here` needs a channel."""
    from bot.conversation.commands import default_group_code
    from bot.digests.compose import render_digest
    from bot.digests.preview import next_digest

    words = line.split()[1:]
    if words and words[0].lower() == "here":
        return (
            "digest here chooses a Slack or Teams channel for the digests; "
            "from the command line: tmag-bot group set GROUP --channel ID."
        )
    code = (words[0] if words else await default_group_code(db, person) or "TMAG").upper()
    digest = await next_digest(db, code, clock)
    if digest is None:
        return f"I know of no upcoming {code} meeting."
    return render_digest(digest)
