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

from bot.conversation import layout
from bot.conversation.answers import Answer, Item
from bot.conversation.layout import PAGE, Button, Piece, answer_pieces, message_pieces
from bot.digests.layout import Message, channel_message, direct_message, thread_messages
from bot.digests.views import ASKING
from bot.people.notices import ClaimNotice, Notice
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


def button(found: Button) -> ButtonElement:
    """A core button (bot/conversation/layout.py) as Slack's: its verb's action id, its data as JSON in
    the value (a question it carries cut to fit Slack's 2,000 characters)."""
    return ButtonElement(
        text=PlainTextObject(text=clip(found.label, ButtonElement.text_max_length)),
        action_id=ids.ACTION_IDS[found.verb],
        value=button_value(found.data),
        style=found.style,
    )


def button_value(data: dict) -> str:
    value = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    view = data.get("view") if isinstance(data.get("view"), dict) else None
    while len(value) > BUTTON_VALUE and view and view.get("q"):
        view["q"] = view["q"][: len(view["q"]) * 2 // 3]
        value = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return value


def pressed(action_id: str, value: str | None) -> tuple[str, dict] | None:
    """(verb, data) of a button pressed, from its action id and value; the plain values older messages
    carry (a ref, an event id, a group code...) read as such. None for anything not ours."""
    verb = ids.VERBS.get(action_id)
    if verb is None or not isinstance(value, str) or len(value) > BUTTON_VALUE:
        return None
    if value.startswith("{"):
        try:
            data = json.loads(value)
        except ValueError:
            return None
        if verb == layout.PAGE_TO and "q" in data:  # an older Show more: {"q": ..., "o": ...}
            data = {"view": data}
        return (verb, data) if isinstance(data, dict) else None
    legacy = {
        layout.MARK_DONE: "ref",
        layout.UNDO: "event",
        layout.CONFIRM_REPORTED: "group",
        layout.IMPORT_UPLOAD: "upload",
        layout.CANCEL_UPLOAD: "upload",
        layout.CONFIRM_IDENTITY: "member",
        layout.DENY_IDENTITY: "member",
    }
    return (verb, {legacy[verb]: value}) if verb in legacy else None


def piece_blocks(piece: Piece) -> list[Block]:
    """One piece of what the bot shows, as blocks: stored text plain and escaped, buttons beside it (one)
    or under it (several)."""
    buttons = [button(b) for b in piece.buttons]
    accessory = buttons[0] if len(buttons) == 1 and piece.kind in ("item", "change") else None
    below = [ActionsBlock(elements=buttons[:25])] if buttons and accessory is None else []
    if piece.kind == "heading":
        return [header(piece.text), *below]
    if piece.kind in ("title", "more", "context"):
        return [context(piece.text), *below]
    if piece.kind == "section":
        return [section(f"*{escape(piece.text)}*"), *below]
    if piece.kind == "pager":
        return below
    return [text_section(piece.text, accessory), *below]


def blocks_of(pieces: list[Piece]) -> list[Block]:
    """Pieces as one message's blocks, within Slack's 50."""
    blocks: list[Block] = []
    for piece in pieces:
        found = piece_blocks(piece)
        if len(blocks) + len(found) > MAX_BLOCKS:
            break
        blocks += found
    return blocks


def answer_blocks(answer: Answer, today: date, question: str, offset: int = 0) -> list[Block]:
    """An answer as blocks, laid out as on every platform (bot.conversation.layout)."""
    return blocks_of(answer_pieces(answer, today, offset=offset, page=PAGE, view=layout.View(question)))


def change_blocks(message: str, event_id: int | None = None) -> list[Block]:
    """A confirmation (with Undo) or a refusal."""
    if event_id is None:
        return [text_section(message)]
    return blocks_of([Piece("change", f"✅ {message}", buttons=(layout.undo_button(event_id),))])


def claim_blocks(notice: Notice) -> list[Block]:
    """A claim, for the secretariat to confirm or reject; any other notice, to read."""
    if not isinstance(notice, ClaimNotice):
        return blocks_of([Piece("note", notice.text())])
    data = {"member": notice.member_id, "platform": notice.platform, "user": notice.user_id}
    buttons = (
        Button("Confirm", layout.CONFIRM_CLAIM, data, "primary"),
        Button("Reject", layout.REJECT_CLAIM, data, "danger"),
    )
    return blocks_of([Piece("question", notice.text(), buttons=buttons)])


def item_block(item: Item, today: date) -> list[Block]:
    return piece_blocks(layout.item_piece(item, today, None))


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
        blocks += item_block(item, today)
    if not items:
        blocks.append(section("Nothing open for you. :tada:"))
    blocks += [DividerBlock(), header("Upcoming meetings")]
    blocks += [b for m in meetings[:5] for b in item_block(m, today)] or [section("None known yet.")]
    blocks += [DividerBlock(), header("Recent decisions")]
    blocks += [b for d in decisions[:8] for b in item_block(d, today)] or [section("None recorded yet.")]
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
    data = {"upload": upload_id}
    buttons = (
        Button("Import", layout.IMPORT_UPLOAD, data, "primary"),
        Button("Cancel", layout.CANCEL_UPLOAD, data),
    )
    return [
        text_section("\n".join(preview_lines(file_name, summary))),
        context(NOTHING_STORED),
        *blocks_of([Piece("pager", "", buttons=buttons)]),
    ]


def to_dicts(blocks: list[Block]) -> list[dict]:
    return [block.to_dict() for block in blocks]


# --- digests ------------------------------------------------------------------------------------


def message_blocks(message: Message, view: layout.View | None = None) -> list[Block]:
    """A digest message (bot.digests.layout) as blocks, its buttons carrying its view."""
    return blocks_of(message_pieces(message, view))


def digest_blocks(digest, slot: str, view: layout.View | None = None) -> list[Block]:
    """The channel message: the meeting, the counts and what needs attention first."""
    return message_blocks(channel_message(digest, slot, ASKING["slack"][0]), view)


def digest_thread_blocks(digest, views: list | None = None) -> list[list[Block]]:
    """The thread, one message per part, each within Slack's limits."""
    messages = thread_messages(digest, ASKING["slack"][1])
    views = views or [None] * len(messages)
    return [message_blocks(message, view) for message, view in zip(messages, views, strict=False)]


def digest_dm_blocks(digest, owned, view: layout.View | None = None) -> list[Block]:
    """An owner's own items (OwnedItems) before the meeting."""
    return message_blocks(direct_message(digest, owned, ASKING["slack"][0]), view)
