"""The command line, `tmag-bot COMMAND`: the parser, and each command's module loaded when it runs.

The commands live by subject in this package (records, conversation, members, meetings, database), each
importing what it needs at its top; the platforms' own commands (serve, teams package, email test) plug
in through the package's entry points (handlers/cli.py), so this core imports nothing of them.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys

from dotenv import find_dotenv, load_dotenv

from bot import __version__
from bot.cli.errors import CliError
from bot.cli.platforms import platform_commands
from bot.runtime import quiet_start


def command(module: str, name: str):
    """A command's function, imported only when that command runs: a question need not load what an
    export or a database copy needs (openpyxl, the copying code), and `--help` loads none of it."""

    async def run_command(args: argparse.Namespace) -> int:
        return await getattr(importlib.import_module(f"bot.cli.{module}"), name)(args)

    return run_command


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The command line. The platforms' commands are plugged in unless `argv` names one of the core's
    own (finding them costs a scan of the installed packages, which a quick question need not pay)."""
    parser = argparse.ArgumentParser(
        prog="tmag-bot",
        description="Keeps an advisory group's actions and decisions alive between meetings.",
    )
    parser.add_argument("--version", action="version", version=f"tmag-bot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    imp = commands.add_parser(
        "import",
        help="read reports (.txt, .md, .html, .docx, .pdf), or the action log (.xlsx), into the database",
    )
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--as", dest="as_", metavar="NAME", help="who is importing (the audit trail says so)")
    imp.set_defaults(handler=command("records", "cmd_import"))

    exp = commands.add_parser("export", help="write every meeting, action, decision and member")
    exp.add_argument(
        "--format",
        choices=("json", "csv", "xlsx"),
        default="json",
        help="xlsx: the action log workbook (default file tmag-bot-actions.xlsx)",
    )
    exp.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    exp.add_argument(
        "--with-personal-data",
        action="store_true",
        help="json: members' emails, chat links and the identity audit trail; xlsx: members' emails "
        "(left out by default)",
    )
    exp.set_defaults(handler=command("records", "cmd_export"))

    now_help = "the current time, ISO (e.g. 2023-09-01T09:00, London time); default now"
    ask_ = commands.add_parser("ask", help="ask a question as a member would")
    ask_.add_argument("question")
    ask_.add_argument("--as", dest="as_", metavar="NAME", help="who is asking (name, alias or initials)")
    ask_.add_argument("--now", help=now_help)
    ask_.add_argument("--format", choices=("text", "json"), default="text")
    ask_.set_defaults(handler=command("conversation", "cmd_ask"))

    for verb, name, helptext in (
        ("close", "done", "mark an action done"),
        ("reopen", "reopen", "reopen an action"),
    ):
        change = commands.add_parser(name, help=helptext)
        change.add_argument("ref")
        change.add_argument("--as", dest="as_", metavar="NAME", required=True)
        change.add_argument("--now", help=now_help)
        if verb == "close":
            change.add_argument("--note", help="what was done")
        change.set_defaults(handler=command("conversation", "cmd_change"), verb=verb)
    update = commands.add_parser("update", help="add an update to an action")
    update.add_argument("ref")
    update.add_argument("text")
    update.add_argument("--as", dest="as_", metavar="NAME", required=True)
    update.add_argument("--now", help=now_help)
    update.set_defaults(handler=command("conversation", "cmd_change"), verb="update")

    meetings = commands.add_parser("meetings", help="upcoming meetings and when their digests go out")
    meetings.add_argument("--group", help="one group (default all)")
    meetings.add_argument("--now", help=now_help)
    meetings.add_argument(
        "--format",
        choices=("text", "json", "ics"),
        default="text",
        help="ics: an iCalendar file, for Outlook",
    )
    meetings.add_argument("--out", help="write it to this file (ics)")
    meetings.add_argument("--limit", type=int, default=12, help="how many (default 12)")
    meetings.set_defaults(handler=command("meetings", "cmd_meetings"))

    digest = commands.add_parser("digest", help="show (or --post) the digest for a meeting")
    digest.add_argument("--meeting", default="next", help="next (default), a meeting number or a date")
    digest.add_argument("--group", help="the group (default: DEFAULT_GROUP, or the only one)")
    digest.add_argument("--now", help=now_help)
    digest.add_argument("--format", choices=("text", "json"), default="text")
    digest.add_argument(
        "--post",
        action="store_true",
        help="post it to the group's Slack and Teams channels and its owners (once)",
    )
    digest.set_defaults(handler=command("meetings", "cmd_digest"))

    group = commands.add_parser("group", help="group settings").add_subparsers(
        dest="group_command", required=True, metavar="ACTION"
    )
    group_set = group.add_parser("set", help="a group's Slack channel, digest times and cadence")
    group_set.add_argument("code", help="e.g. TMAG")
    group_set.add_argument("--channel", help="Slack channel id for digests, e.g. C0123ABCD")
    group_set.add_argument(
        "--secretariat-channel",
        metavar="C",
        help="Slack channel id where the secretariat is told of identity claims (none: by DM to the admins)",
    )
    group_set.add_argument("--digest-days", type=int, help="UK working days before the meeting (default 2)")
    group_set.add_argument("--digest-time", help="time of the digest (default 09:00)")
    group_set.add_argument(
        "--reminder-time", help="time of the reminder on the day (default 08:30; none for none)"
    )
    group_set.add_argument("--cadence", help="e.g. 'third Wednesday 10:00'")
    group_set.add_argument(
        "--digest-email", metavar="ADDRESS", help="also email the whole digest to this (list) address; none"
    )
    group_set.add_argument(
        "--due-reminders",
        metavar="N",
        help="remind owners N UK working days before an action falls due (default 3; none for none)",
    )
    group_set.add_argument(
        "--calendar-token",
        choices=("new", "none"),
        help="new: a fresh secret for the group's calendar subscription address; none: no address",
    )
    group_set.set_defaults(handler=command("meetings", "cmd_group_set"))

    chat = commands.add_parser("chat", help="talk to the bot in the console (as Slack would)")
    chat.add_argument("--as", dest="as_", metavar="NAME", help="who you are")
    chat.add_argument("--now", help=now_help)
    chat.set_defaults(handler=command("conversation", "cmd_chat"))

    member = commands.add_parser("member", help="members and their chat links").add_subparsers(
        dest="member_command", required=True, metavar="ACTION"
    )
    add = member.add_parser("add", help="add a member, or complete one already known")
    add.add_argument("name")
    add.add_argument("--initials")
    add.add_argument("--role", help='e.g. "Test Architect", "iDNO Representative", "PMO"')
    add.add_argument("--org", help="organisation, e.g. Programme, Elexon")
    add.add_argument(
        "--email", help="their email (verifies their chat link; never shown to other members); none clears it"
    )
    add.add_argument(
        "--alias", action="append", help="another name they go by, e.g. kate.goodman (repeatable)"
    )
    add.add_argument("--slack-id", help="their Slack user id, e.g. U0123ABCD (a confirmed link)")
    add.add_argument("--teams-id", help="their Entra object id (Teams), e.g. 9b6c3e0c-... (a confirmed link)")
    add.add_argument("--group", action="append", help="a group they sit on, e.g. TMAG (repeatable)")
    add.add_argument(
        "--secretariat", action=argparse.BooleanOptionalAction, default=None, help="may change any action"
    )
    add.add_argument("--chair", action=argparse.BooleanOptionalAction, default=None)
    add.add_argument("--now", help=now_help)
    add.set_defaults(handler=command("members", "cmd_member_add"))
    listing = member.add_parser("list", help="list members (with email addresses the mail server refused)")
    listing.set_defaults(handler=command("members", "cmd_member_list"))
    setting = member.add_parser("set", help="how a member is sent digests and reminders")
    setting.add_argument("name")
    setting.add_argument(
        "--notify",
        required=True,
        choices=("auto", "chat", "email", "both"),
        help="auto (default): by chat where they can be reached there, else by email; chat: never email; "
        "email: email only; both",
    )
    setting.add_argument("--now", help=now_help)
    setting.set_defaults(handler=command("members", "cmd_member_set"))
    links_ = member.add_parser("links", help="chat users linked to members, and how each link was made")
    links_.add_argument("--pending", action="store_true", help="only claims waiting for the secretariat")
    links_.set_defaults(handler=command("members", "cmd_member_links"))
    confirm = member.add_parser("confirm", help="confirm that a chat user is a member (their rights follow)")
    confirm.add_argument("name")
    confirm.add_argument("--slack", metavar="ID", help="the Slack user id")
    confirm.add_argument("--teams", metavar="ID", help="the Teams user's Entra object id")
    confirm.add_argument("--now", help=now_help)
    confirm.set_defaults(handler=command("members", "cmd_member_confirm"))
    unlink = member.add_parser("unlink", help="unlink a member from their chat users (or reject a claim)")
    unlink.add_argument("name")
    unlink.add_argument("--slack", action="store_true", help="only their Slack user")
    unlink.add_argument("--teams", action="store_true", help="only their Teams user")
    unlink.add_argument("--now", help=now_help)
    unlink.set_defaults(handler=command("members", "cmd_member_unlink"))
    roster = member.add_parser("import", help="add members from a CSV (name, email, organisation, role)")
    roster.add_argument("file", metavar="FILE.csv")
    roster.add_argument("--now", help=now_help)
    roster.set_defaults(handler=command("members", "cmd_member_import"))

    action = commands.add_parser("action", help="add an action by hand").add_subparsers(
        dest="action_command", required=True, metavar="ACTION"
    )
    action_add = action.add_parser("add", help="add an action (secretariat only)")
    action_add.add_argument("text")
    action_add.add_argument("--group", help="the group (default: DEFAULT_GROUP, or the only one)")
    action_add.add_argument("--owner")
    action_add.add_argument("--due")
    action_add.add_argument("--area")
    action_add.add_argument("--ref", help="default: the next number at the group's last meeting")
    action_add.add_argument("--as", dest="as_", metavar="NAME", required=True)
    action_add.add_argument("--now", help=now_help)
    action_add.set_defaults(handler=command("conversation", "cmd_action_add"))

    decision = commands.add_parser("decision", help="record a decision by hand").add_subparsers(
        dest="decision_command", required=True, metavar="ACTION"
    )
    decision_add = decision.add_parser("add", help="record a decision (secretariat only)")
    decision_add.add_argument("text")
    decision_add.add_argument("--group", help="the group (default: DEFAULT_GROUP, or the only one)")
    decision_add.add_argument("--area")
    decision_add.add_argument("--ref")
    decision_add.add_argument("--as", dest="as_", metavar="NAME", required=True)
    decision_add.add_argument("--now", help=now_help)
    decision_add.set_defaults(handler=command("conversation", "cmd_decision_add"))

    report = commands.add_parser("report", help="the next headline report").add_subparsers(
        dest="report_command", required=True, metavar="ACTION"
    )
    draft = report.add_parser("draft", help="draft a meeting's headline report in Word, to finish by hand")
    draft.add_argument("--group", help="the group (default: DEFAULT_GROUP, or the only one)")
    draft.add_argument("--meeting", help="next (default), a meeting number or a date")
    draft.add_argument("--now", help=now_help)
    draft.add_argument("--out", help="the .docx to write (default: named after the group and meeting)")
    draft.set_defaults(handler=command("records", "cmd_report_draft"))

    database = commands.add_parser("db", help="the database: check its schema, copy it").add_subparsers(
        dest="db_command", required=True, metavar="ACTION"
    )
    check = database.add_parser(
        "check", help="the database's kind and schema revision, and whether it is current"
    )
    check.set_defaults(handler=command("database", "cmd_db_check"))
    copy = database.add_parser(
        "copy", help="copy the whole record into an empty database (SQLite or PostgreSQL)"
    )
    copy.add_argument("--to", required=True, metavar="URL", help="the empty database to copy into")
    copy.set_defaults(handler=command("database", "cmd_db_copy"))
    named = next(
        (word for word in (sys.argv[1:] if argv is None else argv) if not word.startswith("-")), None
    )
    if named not in commands.choices:
        platform_commands(commands)
    return parser


def run() -> int:
    """The `tmag-bot` program: `main` with a quiet start, for a process that ends with the command.
    A caller whose process goes on (the tests) calls `main`, which leaves the garbage collector alone."""
    quiet_start()
    return main()


def main(argv: list[str] | None = None) -> int:
    load_dotenv(find_dotenv(usecwd=True))
    args = build_parser(argv).parse_args(argv)
    try:
        return asyncio.run(args.handler(args))
    except CliError as exc:
        print(f"tmag-bot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`tmag-bot export | head`): stop quietly, and keep Python's own flush of
        # standard output at exit from complaining too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
