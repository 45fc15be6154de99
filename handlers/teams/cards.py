"""Adaptive Cards for Teams: answers, confirmations with Undo, the mark-done dialog and digests.

Stored and user text is inert. It goes into TextRuns of RichTextBlocks (which Teams shows as written,
unlike a TextBlock's markdown), and link, URL and mention syntax in it is broken with a zero-width space
besides, so a report holding [click](https://...), <at>Name</at> or https://... shows as text, never as
a link or a mention. Only the bot's own words go into TextBlocks. Buttons are Action.Execute, so pressing
one refreshes the card for the person who pressed it.
"""

from __future__ import annotations

import json
import re
from datetime import date

from microsoft_teams.cards import (
    ActionSet,
    AdaptiveCard,
    ChoiceSetInput,
    Container,
    ExecuteAction,
    RichTextBlock,
    SubmitAction,
    TextBlock,
    TextInput,
    TextRun,
)
from microsoft_teams.cards.core import Choice

from bot.conversation.answers import Answer
from bot.conversation.layout import PAGE, Piece, answer_pieces
from bot.people.links import IdentityQuestion
from bot.people.notices import ClaimNotice
from handlers.teams import ids

CARD_VERSION = "1.5"
MAX_TEXT = 4000  # characters of one text run; a card as a whole must stay under Teams' 28 KB
ZERO_WIDTH = "\u200b"
LINKISH = re.compile(r"\]\(|://|\bwww\.|<\s*/?\s*at\b|@(?=\w)", re.IGNORECASE)


def inert(text: object) -> str:
    """Stored or user text that can never link or mention: a zero-width space inside every "](",
    "://", "www.", "<at" and "@name" (invisible, but no longer link or mention syntax)."""
    value = str(text or "")
    value = LINKISH.sub(lambda m: m.group(0)[0] + ZERO_WIDTH + m.group(0)[1:], value)
    return value if len(value) <= MAX_TEXT else value[: MAX_TEXT - 1] + "…"


def runs(text: object, *, weight: str | None = None, subtle: bool = False) -> RichTextBlock:
    """Stored text, shown as written."""
    run = TextRun(text=inert(text) or " ")
    if weight:
        run.weight = weight
    if subtle:
        run.is_subtle = True
    return RichTextBlock(inlines=[run])


def words(text: str, **style) -> TextBlock:
    """The bot's own words."""
    return TextBlock(text=text, wrap=True, **style)


def card(*body, actions=None) -> AdaptiveCard:
    found = AdaptiveCard(version=CARD_VERSION, body=[part for part in body if part is not None])
    if actions:
        found.actions = actions
    return found


def execute(title: str, verb: str, **data) -> ExecuteAction:
    return ExecuteAction(title=title, verb=verb, data={"verb": verb, **data})


def done_action(ref: str) -> ExecuteAction:
    return execute("Mark done", ids.MARK_DONE, ref=ref).with_style("positive")


def show_more_action(question: str, offset: int) -> ExecuteAction:
    return execute("Show more", ids.SHOW_MORE, q=question[:1500], o=offset)


def piece_element(piece: Piece, question: str):
    if piece.kind == "heading":
        return runs(piece.text, weight="Bolder")
    if piece.kind in ("title", "more"):
        return runs(piece.text, subtle=True)
    if piece.kind == "item":
        parts = [runs(piece.text)]
        if piece.ref:
            parts.append(ActionSet(actions=[done_action(piece.ref)]))
        return Container(items=parts, separator=True)
    if piece.kind == "next_page":
        return ActionSet(actions=[show_more_action(question, piece.offset)])
    return runs(piece.text)  # brief, detail, note


def answer_card(answer: Answer, today: date, question: str, offset: int = 0) -> AdaptiveCard:
    """An answer, laid out as on every platform (bot.conversation.layout)."""
    return card(*(piece_element(p, question) for p in answer_pieces(answer, today, offset=offset, page=PAGE)))


def change_card(message: str, event_id: int | None = None) -> AdaptiveCard:
    """A confirmation with Undo, or a refusal."""
    if event_id is None:
        return card(runs(message))
    return card(runs(f"✅ {message}"), actions=[execute("Undo", ids.UNDO, event=event_id)])


def changes_card(results) -> AdaptiveCard:
    """Several changes at once (done REF REF ... note), each with its own Undo."""
    body = []
    for result in results:
        body.append(runs(f"✅ {result.message}" if result.ok else result.message))
        if result.ok and result.event_id:
            body.append(ActionSet(actions=[execute(f"Undo {result.ref}", ids.UNDO, event=result.event_id)]))
    return card(*body)


def identity_card(question: IdentityQuestion) -> AdaptiveCard:
    """ "Are you Kate Goodman?" / "Did you mean Kate Goodman?", with Yes and No."""
    member = question.member_id
    return card(
        runs(question.text("teams")),
        actions=[
            execute(f"Yes, I'm {question.member_name}"[:60], ids.CONFIRM_IDENTITY, member=member).with_style(
                "positive"
            ),
            execute("No", ids.DENY_IDENTITY, member=member),
        ],
    )


def claim_card(notice: ClaimNotice) -> AdaptiveCard:
    """A claim, for the secretariat to confirm or reject."""
    about = {"member": notice.member_id, "platform": notice.platform, "user": notice.user_id}
    return card(
        *(runs(line) for line in notice.text().split("\n")),
        actions=[
            execute("Confirm", ids.CONFIRM_CLAIM, **about).with_style("positive"),
            execute("Reject", ids.REJECT_CLAIM, **about).with_style("destructive"),
        ],
    )


def upload_card(upload_id: int, lines: list[str], note: str) -> AdaptiveCard:
    """A shared report's preview, with Import and Cancel."""
    return card(
        *(runs(line) for line in lines),
        words(note, is_subtle=True, size="Small"),
        actions=[
            execute("Import", ids.IMPORT_UPLOAD, upload=upload_id).with_style("positive"),
            execute("Cancel", ids.CANCEL_UPLOAD, upload=upload_id),
        ],
    )


def mark_done_dialog(refs: list[tuple[str, str]], metadata: dict) -> AdaptiveCard:
    """The message action's dialog: the refs in the message, and a note."""
    choices = [Choice(title=inert(f"{ref}: {text}")[:120], value=ref) for ref, text in refs[:10]]
    return card(
        words("Actions in this message", weight="Bolder"),
        ChoiceSetInput(
            id=ids.REFS_INPUT,
            choices=choices,
            is_multi_select=True,
            style="expanded",
            value=refs[0][0] if len(refs) == 1 else None,
            is_required=True,
            error_message="Choose at least one action.",
        ),
        TextInput(id=ids.NOTE_INPUT, label="Note (what was done)", is_multiline=True, max_length=2000),
        # a dialog submits with Action.Submit (Teams sends it as composeExtension/submitAction)
        actions=[SubmitAction(title="Mark done", data={"metadata": json.dumps(metadata)[:2000]})],
    )


def no_refs_dialog() -> AdaptiveCard:
    return card(words("I can't see an action ref (like TMAG22-01) in that message."))


# --- digests ------------------------------------------------------------------------------------


def message_card(message) -> AdaptiveCard:
    """A digest message (bot.digests.layout) as a card."""
    body = []
    for kind, text, ref in message.lines:
        if kind == "heading":
            body.append(runs(text, weight="Bolder"))
        elif kind == "title":
            body.append(words(text, weight="Bolder"))
        elif kind == "context":
            body.append(words(text, is_subtle=True, size="Small"))
        elif kind == "item":
            parts = [runs(text)]
            if ref:
                parts.append(ActionSet(actions=[done_action(ref)]))
            body.append(Container(items=parts, separator=True))
        else:
            body.append(runs(text))
    actions = (
        [execute("Confirm all as done", ids.CONFIRM_REPORTED, group=message.confirm)]
        if message.confirm
        else None
    )
    return card(*body, actions=actions)
