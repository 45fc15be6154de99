"""Block Kit builders: answers, confirmations, App Home, the mark-done modal and upload previews.

Stored and user text never formats, pings or links. It goes into plain_text objects (which Slack never
reads as mrkdwn: a report's *bold* shows its asterisks) with &, < and > escaped (so <!channel>, <@U123>
or <http://x|click> show as typed); mrkdwn carries only the bot's own words. Every text is clipped to
the limit slack_sdk declares for its place (an option's 75 characters, a button's, a header's 150, a
section's 3000), and lists longer than a message allows are cut with a "Show more" button.
"""

from __future__ import annotations

import json
import re
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

from bot.conversation.answers import Answer, Item
from bot.conversation.layout import PAGE, answer_pieces, done_ref, item_text
from bot.digests.layout import Message, channel_message, direct_message, thread_messages
from bot.people.links import IdentityQuestion
from bot.people.notices import ClaimNotice
from bot.record.uploads import NOTHING_STORED, preview_lines
from handlers.slack import ids

MAX_BLOCKS = 50
SECTION_TEXT = SectionBlock.text_max_length
HEADER_TEXT = HeaderBlock.text_max_length
OPTION_TEXT = Option.label_max_length
BUTTON_VALUE = ButtonElement.value_max_length
HOME_ITEMS = 30
PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")


def escape(text: object) -> str:
    return str(text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int = SECTION_TEXT) -> str:
    """At most `limit` characters, an ellipsis marking a cut (never inside an escaped entity)."""
    if len(text) <= limit:
        return text
    return PARTIAL_ENTITY.sub("", text[: limit - 1]) + "…"


def mrkdwn(text: str) -> MarkdownTextObject:
    """The bot's own words (verbatim: Slack links and mentions nothing by itself)."""
    return MarkdownTextObject(text=clip(text), verbatim=True)


def plain(text: object, limit: int = SECTION_TEXT) -> PlainTextObject:
    """Stored or user text, shown exactly as written: escaped, never formatted, emoji codes as typed."""
    return PlainTextObject(text=clip(escape(text), limit) or " ", emoji=False)


def fallback(text: str) -> str:
    """The notification text of a message (escaped like everything else)."""
    return clip(escape(text), 3000)


def section(text: str, accessory=None) -> SectionBlock:
    """A section of the bot's own mrkdwn."""
    return SectionBlock(text=mrkdwn(text), accessory=accessory)


def text_section(text: object, accessory=None) -> SectionBlock:
    """A section holding stored or user text."""
    return SectionBlock(text=plain(text), accessory=accessory)


def context(text: object) -> ContextBlock:
    return ContextBlock(elements=[plain(text)])


def header(text: object) -> HeaderBlock:
    return HeaderBlock(text=plain(text, HEADER_TEXT))


def done_button(ref: str) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text="Mark done"), action_id=ids.MARK_DONE, value=ref, style="primary"
    )


def item_block(item: Item, today: date) -> SectionBlock:
    return text_section(item_text(item, today), done_button(item.ref) if done_ref(item) else None)


def show_more_button(question: str, offset: int) -> ButtonElement:
    """The question and where to go on, within a button value's limit (JSON may lengthen the text)."""
    cut = question[:1500]
    value = json.dumps({"q": cut, "o": offset})
    while len(value) > BUTTON_VALUE:
        cut = cut[: len(cut) * 2 // 3]
        value = json.dumps({"q": cut, "o": offset})
    return ButtonElement(text=PlainTextObject(text="Show more"), action_id=ids.SHOW_MORE, value=value)


def answer_blocks(answer: Answer, today: date, question: str, offset: int = 0) -> list[Block]:
    """An answer as blocks, laid out as on every platform (bot.conversation.layout)."""
    blocks: list[Block] = []
    for piece in answer_pieces(answer, today, offset=offset, page=PAGE):
        if piece.kind == "heading":
            blocks.append(header(piece.text))
        elif piece.kind in ("title", "more"):
            blocks.append(context(piece.text))
        elif piece.kind == "item":
            blocks.append(text_section(piece.text, done_button(piece.ref) if piece.ref else None))
        elif piece.kind == "next_page":
            blocks.append(ActionsBlock(elements=[show_more_button(question, piece.offset)]))
        else:  # brief, detail, note
            blocks.append(text_section(piece.text))
    return blocks[:MAX_BLOCKS]


def change_blocks(message: str, event_id: int | None = None) -> list[Block]:
    """A confirmation (with Undo) or a refusal."""
    if event_id is None:
        return [text_section(message)]
    undo = ButtonElement(text=PlainTextObject(text="Undo"), action_id=ids.UNDO, value=str(event_id))
    return [text_section(f"✅ {message}", undo)]


def identity_question_blocks(question: IdentityQuestion) -> list[Block]:
    """ "Are you Kate Goodman?" / "Did you mean Kate Goodman?", with Yes and No."""
    yes = ButtonElement(
        text=plain(f"Yes, I'm {question.member_name}", ButtonElement.text_max_length),
        action_id=ids.CONFIRM_IDENTITY,
        value=str(question.member_id),
        style="primary",
    )
    no = ButtonElement(
        text=PlainTextObject(text="No"), action_id=ids.DENY_IDENTITY, value=str(question.member_id)
    )
    return [text_section(question.text("slack")), ActionsBlock(elements=[yes, no])]


def claim_blocks(notice: ClaimNotice) -> list[Block]:
    """A claim, for the secretariat to confirm or reject."""
    value = json.dumps({"m": notice.member_id, "p": notice.platform, "u": notice.user_id})
    confirm = ButtonElement(
        text=PlainTextObject(text="Confirm"), action_id=ids.CONFIRM_CLAIM, value=value, style="primary"
    )
    reject = ButtonElement(
        text=PlainTextObject(text="Reject"), action_id=ids.REJECT_CLAIM, value=value, style="danger"
    )
    return [text_section(notice.text()), ActionsBlock(elements=[confirm, reject])]


def home_view(
    name: str,
    answer: Answer,
    meetings: list[Item],
    decisions: list[Item],
    today: date,
    notice: str | None = None,
) -> View:
    blocks: list[Block] = [header("Your open actions")]
    if notice:
        blocks.append(context(notice))
    items = answer.items[:HOME_ITEMS]
    overdue = sum(1 for item in items if item.overdue)
    summary = f"{len(answer.items)} open for {name}" + (f", {overdue} overdue" if overdue else "")
    blocks.append(context(summary))
    for item in sorted(items, key=lambda i: (not i.overdue, i.due or date.max)):
        blocks.append(item_block(item, today))
    if not items:
        blocks.append(section("Nothing open for you. :tada:"))
    blocks += [DividerBlock(), header("Upcoming meetings")]
    blocks += [item_block(m, today) for m in meetings[:5]] or [section("None known yet.")]
    blocks += [DividerBlock(), header("Recent decisions")]
    blocks += [item_block(d, today) for d in decisions[:8]] or [section("None recorded yet.")]
    return View(type="home", blocks=blocks[:100])


def mark_done_modal(refs: list[tuple[str, str]], metadata: dict) -> View:
    """The modal a message shortcut opens: the refs found in the message, and an optional note."""
    options = [Option(value=ref, text=plain(f"{ref}: {text}", OPTION_TEXT)) for ref, text in refs[:10]]
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
        blocks=[text_section("I can't see an action ref (like TMAG22-01) in that message.")],
    )


def upload_preview_blocks(upload_id: int, file_name: str, summary) -> list[Block]:
    lines = preview_lines(file_name, summary)
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
        text_section("\n".join(lines)),
        context(NOTHING_STORED),
        buttons,
    ]


def to_dicts(blocks: list[Block]) -> list[dict]:
    return [block.to_dict() for block in blocks]


# --- digests ------------------------------------------------------------------------------------


def message_blocks(message: Message, mine: str = "") -> list[Block]:
    """A digest message (bot.digests.layout) as blocks."""
    blocks: list[Block] = []
    for kind, text, ref in message.lines:
        if kind == "title":
            blocks.append(section(f"*{escape(text)}*"))
        elif kind == "context":
            blocks.append(context(text))
        else:  # heading, item, text
            blocks.append(text_section(text, done_button(ref) if ref else None))
    if message.confirm:
        confirm = ButtonElement(
            text=PlainTextObject(text="Confirm all as done"),
            action_id=ids.CONFIRM_REPORTED,
            value=message.confirm,
        )
        blocks.insert(len(blocks) - 1, ActionsBlock(elements=[confirm]))
    return blocks


def digest_blocks(digest, slot: str) -> list[Block]:
    """The channel message: the meeting, the counts and what needs attention first."""
    return message_blocks(channel_message(digest, slot))


def digest_thread_blocks(digest) -> list[list[Block]]:
    """The thread, one message per part, each within Slack's limits."""
    return [message_blocks(message) for message in thread_messages(digest)]


def digest_dm_blocks(digest, owned) -> list[Block]:
    """An owner's own items (OwnedItems) before the meeting."""
    return message_blocks(direct_message(digest, owned))
