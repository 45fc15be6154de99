"""The command line: `tmag-bot import`, `export`, and (as the bot grows) its other commands."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from dotenv import load_dotenv

from bot import __version__
from bot.clock import Clock, parse_now


class CliError(Exception):
    """A mistake in what was asked; printed as one line, exit status 1."""


def _clock(args: argparse.Namespace) -> Clock:
    try:
        return parse_now(getattr(args, "now", None))
    except ValueError:
        raise CliError(f"--now {args.now!r} is not an ISO date and time (e.g. 2023-09-01T09:00)") from None


async def _open():
    from storage.db import open_database

    return await open_database()


async def cmd_import(args: argparse.Namespace) -> int:
    from bot.importer import ReportError, import_report

    clock = _clock(args)
    db = await _open()
    failed = 0
    try:
        for path in args.files:
            try:
                summary = await import_report(db, path, clock=clock, by="cli")
            except ReportError as exc:
                print(f"tmag-bot: {exc}", file=sys.stderr)
                failed += 1
                continue
            print(summary.line())
            for warning in summary.warnings:
                print(f"  warning: {warning}", file=sys.stderr)
    finally:
        await db.close()
    return 1 if failed else 0


async def cmd_export(args: argparse.Namespace) -> int:
    from bot.exporter import export_data, to_csv

    db = await _open()
    try:
        data = await export_data(db)
    finally:
        await db.close()
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n" if args.format == "json" else to_csv(data)
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tmag-bot",
        description="Keeps an advisory group's actions and decisions alive between meetings.",
    )
    parser.add_argument("--version", action="version", version=f"tmag-bot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    imp = commands.add_parser("import", help="read reports (.txt, .md, .html, .docx) into the database")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--now", help="the time to record the import at (ISO; default now)")
    imp.set_defaults(handler=cmd_import)

    exp = commands.add_parser("export", help="write every meeting, action, decision and member")
    exp.add_argument("--format", choices=("json", "csv"), default="json")
    exp.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    exp.set_defaults(handler=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    load_dotenv()
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(args.handler(args))
    except CliError as exc:
        print(f"tmag-bot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
