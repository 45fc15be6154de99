"""`import`, `export` and `report draft`: the record in and out."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from bot.calendar.clock import Clock
from bot.calendar.schedule import MeetingNotFound
from bot.cli.common import (
    clock_of,
    database,
    first_line,
    login_name,
)
from bot.cli.errors import CliError
from bot.people.identity import operator
from bot.record.draft import draft_for, write_docx
from bot.record.exporter import export_data, to_csv
from bot.record.importer import BATCH_REPORTS, import_batch
from bot.record.reports.loader import ReportError, check_size
from bot.record.workbook import apply_workbook, export_workbook, read_workbook
from storage.db import refresh_statistics


async def cmd_import(args: argparse.Namespace) -> int:

    clock = Clock()  # a report's events carry its meeting's time; the import is recorded at the real time
    by = args.as_ or login_name()
    failed = 0
    # Reports in batches, each batch one transaction (each report a savepoint in it); an action log
    # workbook goes on its own, in its place in the order given.
    runs: list[list[str]] = []
    for path in args.files:
        if _is_workbook(path):
            runs.append([path])
        elif runs and len(runs[-1]) < BATCH_REPORTS and not _is_workbook(runs[-1][0]):
            runs[-1].append(path)
        else:
            runs.append([path])
    async with database(bulk=len(args.files) > 1) as db:
        for run in runs:
            if _is_workbook(run[0]):
                try:
                    print(await _import_workbook(db, Path(run[0]), by, clock))
                except ReportError as exc:
                    print(f"tmag-bot: {exc}", file=sys.stderr)
                    failed += 1
                continue
            batch = await import_batch(db, run, clock=clock, by=by)
            for outcome in batch.outcomes:
                if isinstance(outcome, ReportError):
                    print(f"tmag-bot: {outcome}", file=sys.stderr)
                    failed += 1
                    continue
                print(outcome.line())
                for warning in outcome.warnings:
                    print(f"  warning: {warning}", file=sys.stderr)
            if batch.failure is not None:
                reason = first_line(batch.failure)
                raise CliError(
                    f"{batch.failed_file}: the database refused it ({reason}); nothing of it was kept, and"
                    " the files after it were not imported"
                )
    if len(args.files) > failed:
        await asyncio.to_thread(refresh_statistics)
    return 1 if failed else 0


def _is_workbook(path: str) -> bool:
    return Path(path).suffix.lower() in (".xlsx", ".xlsm")


async def _import_workbook(db, path: Path, by: str, clock) -> str:
    """An action log edited by hand, read back (the command line runs with the secretariat's rights)."""

    try:
        if path.is_file():
            check_size(str(path), path.stat().st_size)
        data = path.read_bytes()
    except OSError as exc:
        raise ReportError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    log = read_workbook(path.name, data)
    async with db.read() as session:
        person = await operator(session, by)
    summary = await apply_workbook(db, path.name, log, person, clock)
    for warning in summary.warnings:
        print(f"  warning: {warning}", file=sys.stderr)
    return summary.line()


async def cmd_export(args: argparse.Namespace) -> int:

    if args.format == "xlsx":
        out = args.out or "tmag-bot-actions.xlsx"
        async with database(needs_record=True) as db:
            data = await export_workbook(db, personal=args.with_personal_data)
        try:
            Path(out).write_bytes(data)
        except OSError as exc:
            raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
        print(f"Wrote {out}.")
        return 0
    async with database(needs_record=True) as db:
        data = await export_data(db, personal=args.with_personal_data)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n" if args.format == "json" else to_csv(data)
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
    return 0


async def cmd_report_draft(args: argparse.Namespace) -> int:

    clock = clock_of(args)
    async with database(needs_record=True) as db:
        try:
            draft = await draft_for(db, args.group, args.meeting, clock)
        except MeetingNotFound as exc:
            raise CliError(str(exc)) from None
    out = args.out or draft.file_name
    try:
        Path(out).write_bytes(write_docx(draft))
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"Wrote {out}: the {draft.group_code} headline report draft for {draft.meeting.date:%d %B %Y}.")
    return 0
