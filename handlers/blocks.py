"""Block Kit builders: answers, confirmations, App Home, the mark-done modal and upload previews.

Every piece of stored or user text goes through `escape` (&, < and >) into a verbatim mrkdwn object,
so a report or message holding <!channel>, <@U123> or <http://x|click> never pings or links anyone.
slack_sdk's models check Slack's limits when the blocks are serialised; lists longer than a message
allows are cut with a "Show more" button.
"""

from __future__ import annotations

import json
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.answers import HELP, Answer, Item
from bot.digests.compose import SHOWN
from bot.render import detail_lines, meeting_line, when
from handlers import ids

MAX_BLOCKS = 50
PAGE = 20  # actions shown per message
SECTION_TEXT = 3000
HOME_ITEMS = 30


def escape(text: object) -> str:
    return str(text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int = SECTION_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mrkdwn(text: str) -> MarkdownTextObject:
    """Text we composed from escaped parts; verbatim so Slack links and mentions nothing by itself."""
    return MarkdownTextObject(text=clip(text), verbatim=True)


def fallback(text: str) -> str:
    """The notification text of a message (escaped like everything else)."""
    return clip(escape(text), 3000)


def section(text: str, accessory=None) -> SectionBlock:
    return SectionBlock(text=mrkdwn(text), accessory=accessory)


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[mrkdwn(text)])


def done_button(ref: str) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text="Mark done"), action_id=ids.MARK_DONE, value=ref, style="primary"
    )


def action_text(item: Item, today: date) -> str:
    status = " _(closed)_" if item.status == "closed" else ""
    parts = [f"*{escape(item.ref)}*{status} {escape(item.text)}"]
    details = []
    if item.owner:
        details.append(escape(item.owner))
    if item.status == "open":
        due = when(item.due, today)
        details.append(f"*due {escape(due)}*" if item.overdue else f"due {escape(due)}")
    if details:
        parts.append(" · ".join(details))
    return "\n".join(parts)


def item_block(item: Item, today: date) -> SectionBlock:
    if item.kind == "action":
        button = done_button(item.ref) if item.status == "open" else None
        return section(action_text(item, today), button)
    if item.kind == "decision":
        where = f" _(at {escape(item.group)} {escape(item.meeting)})_" if item.meeting else ""
        return section(f"*{escape(item.ref)}*{where} {escape(item.text)}")
    return section(escape(meeting_line(item).lstrip("• ")))


def show_more_button(question: str, offset: int) -> ButtonElement:
    value = json.dumps({"q": question[:1500], "o": offset})
    return ButtonElement(text=PlainTextObject(text="Show more"), action_id=ids.SHOW_MORE, value=value)


def answer_blocks(answer: Answer, today: date, question: str, offset: int = 0) -> list[Block]:
    """An answer as blocks: heading, then each section's items; at most PAGE items from `offset`."""
    if answer.intent == "help":
        text = escape(answer.note) + "\n" if answer.note else ""
        return [section(text + escape(HELP))]
    blocks: list[Block] = [section(f"*{escape(answer.heading)}*")]
    if answer.detail is not None:
        blocks += detail_blocks(answer, today)
    shown = 0
    position = 0
    more = False
    for part in answer.sections:
        titled = False
        for item in part.items:
            position += 1
            if position <= offset:
                continue
            if shown >= PAGE or len(blocks) >= MAX_BLOCKS - 3:
                more = True
                break
            if not titled and (
                len(answer.sections) > 1 or part.reason in ("named", "role", "organisation", "group")
            ):
                blocks.append(context(f"*{escape(part.title)}*"))
                titled = True
            blocks.append(item_block(item, today))
            shown += 1
        if more:
            break
        if part.total > len(part.items) and shown:
            blocks.append(context(f"… and {part.total - len(part.items)} more {escape(part.title.lower())}"))
    if more:
        blocks.append(ActionsBlock(elements=[show_more_button(question, offset + shown)]))
    if answer.note:
        blocks.append(section(escape(answer.note)))
    return blocks


def detail_blocks(answer: Answer, today: date) -> list[Block]:
    item = answer.detail.item
    lines = detail_lines(answer.detail, today)
    blocks: list[Block] = []
    if item.kind == "action":
        accessory = done_button(item.ref) if item.status == "open" else None
        blocks.append(section(f"*{escape(item.ref)}* {escape(lines[0])}", accessory))
        body = lines[1:]
    else:
        body = lines
    quoted = "\n".join(
        ("&gt; " + escape(line.strip()[2:])) if line.strip().startswith("> ") else escape(line)
        for line in body
    )
    if quoted:
        blocks.append(section(quoted))
    return blocks


def change_blocks(message: str, event_id: int | None = None) -> list[Block]:
    """A confirmation (with Undo) or a refusal."""
    if event_id is None:
        return [section(escape(message))]
    undo = ButtonElement(text=PlainTextObject(text="Undo"), action_id=ids.UNDO, value=str(event_id))
    return [section(f":white_check_mark: {escape(message)}", undo)]


def identity_prompt_blocks(member_id: int, name: str, profile_name: str) -> list[Block]:
    yes = ButtonElement(
        text=PlainTextObject(text=f"Yes, I'm {name}"[:75]),
        action_id=ids.CONFIRM_IDENTITY,
        value=str(member_id),
        style="primary",
    )
    no = ButtonElement(text=PlainTextObject(text="No"), action_id=ids.DENY_IDENTITY, value=str(member_id))
    return [
        section(
            f"Your Slack name is *{escape(profile_name)}*. Are you *{escape(name)}* in the group's reports? "
            "I ask once, so your actions find you."
        ),
        ActionsBlock(elements=[yes, no]),
    ]


def home_view(
    name: str,
    answer: Answer,
    meetings: list[Item],
    decisions: list[Item],
    today: date,
    notice: str | None = None,
) -> View:
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text="Your open actions"))]
    if notice:
        blocks.append(context(escape(notice)))
    items = answer.items[:HOME_ITEMS]
    overdue = sum(1 for item in items if item.overdue)
    summary = f"{len(answer.items)} open for {escape(name)}" + (f", *{overdue} overdue*" if overdue else "")
    blocks.append(context(summary))
    for item in sorted(items, key=lambda i: (not i.overdue, i.due or date.max)):
        blocks.append(item_block(item, today))
    if not items:
        blocks.append(section("Nothing open for you. :tada:"))
    blocks += [DividerBlock(), HeaderBlock(text=PlainTextObject(text="Upcoming meetings"))]
    blocks += [item_block(m, today) for m in meetings[:5]] or [section("None known yet.")]
    blocks += [DividerBlock(), HeaderBlock(text=PlainTextObject(text="Recent decisions"))]
    blocks += [item_block(d, today) for d in decisions[:8]] or [section("None recorded yet.")]
    return View(type="home", blocks=blocks[:100])


def mark_done_modal(refs: list[tuple[str, str]], metadata: dict) -> View:
    """The modal a message shortcut opens: the refs found in the message, and an optional note."""
    options = [
        Option(
            value=ref,
            text=MarkdownTextObject(text=clip(f"*{escape(ref)}* {escape(text)}", 150), verbatim=True),
        )
        for ref, text in refs[:10]
    ]
    return View(
        type="modal",
        callback_id=ids.MARK_DONE_MODAL,
        title=PlainTextObject(text="Mark action done"),
        submit=PlainTextObject(text="Mark done"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps(metadata),
        blocks=[
            InputBlock(
                block_id=ids.REFS_BLOCK,
                label=PlainTextObject(text="Actions in this message"),
                element=CheckboxesElement(
                    action_id=ids.REFS_INPUT,
                    options=options,
                    initial_options=options[:1] if len(options) == 1 else None,
                ),
            ),
            InputBlock(
                block_id=ids.NOTE_BLOCK,
                optional=True,
                label=PlainTextObject(text="Note (what was done)"),
                element=PlainTextInputElement(action_id=ids.NOTE_INPUT, multiline=True, max_length=2000),
            ),
        ],
    )


def no_refs_modal() -> View:
    return View(
        type="modal",
        title=PlainTextObject(text="Mark action done"),
        close=PlainTextObject(text="Close"),
        blocks=[section("I can't see an action ref (like TMAG22-01) in that message.")],
    )


def upload_preview_blocks(upload_id: int, file_name: str, summary) -> list[Block]:
    number = f" {escape(summary.meeting_number)}" if summary.meeting_number else ""
    kind = " (extraordinary)" if summary.extraordinary else ""
    lines = [
        f"*Report:* {escape(file_name)}",
        f"*Meeting:* {escape(summary.group)}{number}{kind} held {summary.meeting_date:%d %B %Y}",
        f"*Actions:* {len(summary.actions_new)} new, {len(summary.actions_updated)} changed, "
        f"{len(summary.actions_closed)} closed · *Decisions:* {len(summary.decisions_new)} new",
    ]
    if summary.actions_new:
        lines.append("New: " + ", ".join(escape(r) for r in summary.actions_new[:30]))
    if summary.actions_updated:
        lines.append("Changed: " + ", ".join(escape(r) for r in summary.actions_updated[:30]))
    if summary.next_meetings:
        lines.append(
            "Next meetings: "
            + ", ".join(
                f"{escape(g)} {d:%d %b %Y}" + (" (extraordinary)" if e else "")
                for g, d, e in summary.next_meetings
            )
        )
    for warning in summary.warnings[:5]:
        lines.append(f"_Note: {escape(warning)}_")
    buttons = ActionsBlock(
        elements=[
            ButtonElement(
                text=PlainTextObject(text="Import"),
                action_id=ids.IMPORT_REPORT,
                value=str(upload_id),
                style="primary",
            ),
            ButtonElement(
                text=PlainTextObject(text="Cancel"), action_id=ids.CANCEL_IMPORT, value=str(upload_id)
            ),
        ]
    )
    return [
        section("\n".join(lines)),
        context("Nothing is stored until someone from the secretariat presses Import."),
        buttons,
    ]


def to_dicts(blocks: list[Block]) -> list[dict]:
    return [block.to_dict() for block in blocks]


# --- digests ------------------------------------------------------------------------------------

DIGEST_LIST = SHOWN  # actions listed per part of a digest thread (their details are loaded)


def _digest_action(action, today: date) -> SectionBlock:
    due = when(action.due, today)
    details = " · ".join(
        x
        for x in (
            escape(action.owner) if action.owner else "",
            f"*due {escape(due)}*" if action.overdue else f"due {escape(due)}",
        )
        if x
    )
    return section(f"*{escape(action.ref)}* {escape(action.text)}\n{details}", done_button(action.ref))


def digest_blocks(digest, slot: str) -> list[Block]:
    """The channel message: the meeting, what it will decide, and the counts (details in the thread)."""
    title = escape(digest.title())
    if slot == "reminder":
        return [
            section(
                f":alarm_clock: *Today: {title}*\n{len(digest.open)} open actions, "
                f"*{len(digest.overdue)} overdue*. `/tmag mine` shows yours."
            )
        ]
    lines = [f":spiral_calendar_pad: *Digest for {title}*"]
    if digest.agenda:
        lines.append("*Agenda:* " + "; ".join(escape(t) for _, t, _, _ in digest.agenda))
    if digest.decisions_sought:
        lines.append("*Decisions sought:* " + "; ".join(escape(t) for t in digest.decisions_sought))
    since = escape(digest.previous or "the last meeting")
    lines.append(
        f"*{len(digest.open)}* open · *{len(digest.overdue)}* overdue · "
        f"*{len(digest.due_before_meeting)}* due before the meeting · since {since}: "
        f"*{len(digest.closed_since_last)}* closed, *{len(digest.decisions_since_last)}* decided"
    )
    return [section("\n".join(lines)), context("Details in the thread; owners get their own items by DM.")]


def digest_thread_blocks(digest) -> list[list[Block]]:
    """The thread: overdue, due before the meeting, open by owner, closed and decided since last time;
    one message per part, each within Slack's limits."""
    today = digest.today
    parts: list[list[Block]] = []

    def listed(title: str, actions: list) -> None:
        if not actions:
            return
        blocks: list[Block] = [section(f"*{escape(title)}* ({len(actions)})")]
        blocks += [_digest_action(a, today) for a in actions[:DIGEST_LIST]]
        if len(actions) > DIGEST_LIST:
            blocks.append(
                context(f"… and {len(actions) - DIGEST_LIST} more (`/tmag overdue`, `/tmag open for NAME`)")
            )
        parts.append(blocks)

    listed("Overdue", digest.overdue)
    listed("Due before the meeting", [a for a in digest.due_before_meeting if not a.overdue])
    owners = [
        f"*{escape(owner)}*: {', '.join(escape(r) for r in refs[:15])}"
        + (f" … (+{len(refs) - 15})" if len(refs) > 15 else "")
        for owner, refs in digest.by_owner.items()
    ]
    for start in range(0, len(owners), 30):
        chunk = "\n".join(owners[start : start + 30])
        parts.append([section(("*Open by owner*\n" if start == 0 else "") + chunk)])
    if digest.closed_since_last:
        refs = ", ".join(escape(a.ref) for a in digest.closed_since_last[:100])
        parts.append([section(f"*Closed since {escape(digest.previous or 'the last meeting')}:* {refs}")])
    if digest.decisions_since_last:
        lines = [f"*{escape(ref)}* {escape(text)}" for ref, text, _ in digest.decisions_since_last[:20]]
        parts.append([section("*Decided since the last meeting*\n" + "\n".join(lines))])
    return parts or [[section("Nothing open. :tada:")]]


def digest_dm_blocks(digest, items: list) -> list[Block]:
    today = digest.today
    blocks: list[Block] = [section(f"Before *{escape(digest.title())}*, these are yours ({len(items)}):")]
    blocks += [_digest_action(a, today) for a in items[:DIGEST_LIST]]
    if len(items) > DIGEST_LIST:
        blocks.append(context(f"… and {len(items) - DIGEST_LIST} more: `/tmag mine`"))
    return blocks
