"""`ask`, `chat`, `done`/`update`/`reopen`, `action add`, `decision add`: the core's answers and changes."""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli.common import (
    asking_as,
    changing_as,
    clock_of,
    database,
    group_named,
    outcome_code,
)
from bot.cli.errors import CliError
from bot.config import Settings
from bot.conversation.console import chat
from bot.conversation.questions import MAX_COMMAND
from bot.conversation.turns import Place, Turn, take_turn
from bot.record.changes import add_action, add_decision, change_action
from bot.record.dates import parse_date
from bot.services import Services


async def cmd_ask(args: argparse.Namespace) -> int:
    """A question, answered as in Slack or Teams (the same path: bot/conversation/turns.py), as text or
    JSON; read only: a change is refused."""

    clock = clock_of(args)
    if len(args.question) > MAX_COMMAND:
        raise CliError(
            f"that question is too long ({len(args.question)} characters; the most is {MAX_COMMAND})"
        )
    async with database(needs_record=True) as db:
        turn = Turn(
            Place("cli"), person=await asking_as(db, args.as_), text=args.question, questions_only=True
        )
        outcome = await take_turn(Services(db, clock, Settings.from_env()), turn)
    answer = outcome.answer
    if answer is None:
        refused = any(s.kind == "refusal" for s in outcome.shown)
        text = "\n".join(s.text for s in outcome.shown)
        if args.format == "json":
            print(
                json.dumps({"intent": "refused" if refused else "help", "text": text, "items": []}, indent=2)
            )
        else:
            print(text, file=sys.stderr if refused else sys.stdout)
        return 1 if refused else 0
    if args.format == "json":
        print(json.dumps(answer.to_json(), indent=2, ensure_ascii=False))
    else:
        print(answer.text)
    return 0


async def cmd_change(args: argparse.Namespace) -> int:

    clock = clock_of(args)
    async with database() as db:
        note = getattr(args, "note", None) or getattr(args, "text", None)
        result = await change_action(
            db, args.ref, args.verb, await changing_as(db, args.as_), clock, note=note, source="cli"
        )
    return outcome_code(result)


async def cmd_chat(args: argparse.Namespace) -> int:

    clock = clock_of(args)
    async with database() as db:
        await chat(Services(db, clock, Settings.from_env()), args.as_)
    return 0


async def cmd_action_add(args: argparse.Namespace) -> int:

    clock = clock_of(args)
    due = parse_date(args.due) if args.due else None
    if args.due and due is None:
        raise CliError(f"--due {args.due!r} is not a date")
    async with database() as db:
        result = await add_action(
            db,
            await changing_as(db, args.as_),
            clock,
            text=args.text,
            group_code=await group_named(db, args.group),
            owner=args.owner,
            due=due,
            area=args.area,
            ref=args.ref,
        )
    return outcome_code(result)


async def cmd_decision_add(args: argparse.Namespace) -> int:

    clock = clock_of(args)
    async with database() as db:
        result = await add_decision(
            db,
            await changing_as(db, args.as_),
            clock,
            text=args.text,
            group_code=await group_named(db, args.group),
            area=args.area,
            ref=args.ref,
        )
    return outcome_code(result)
