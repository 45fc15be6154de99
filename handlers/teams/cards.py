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

from bot.conversation import layout
from bot.conversation.answers import Answer
from bot.conversation.layout import PAGE, Button, Piece, answer_pieces, message_pieces
from bot.people.notices import ClaimNotice, Notice
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


def action(found: Button) -> ExecuteAction:
    """A core button (bot/conversation/layout.py) as an Action.Execute: its verb's Teams verb, its data."""
    verb = ids.TEAMS_VERBS[found.verb]
    made = ExecuteAction(title=found.label[:60], verb=verb, data={"verb": verb, **found.data})
    style = {"primary": "positive", "danger": "destructive"}.get(found.style or "")
    return made.with_style(style) if style else made


def piece_element(piece: Piece):
    """One piece of what the bot shows: stored text inert in TextRuns, the bot's own words in
    TextBlocks, buttons as Action.Execute beside it."""
    actions = [action(b) for b in piece.buttons]
    if piece.kind in ("heading", "lead"):
        element = runs(piece.text, weight="Bolder")
    elif piece.kind in ("title", "more"):
        element = runs(piece.text, subtle=True)
    elif piece.kind == "context":
        element = words(piece.text, is_subtle=True, size="Small")
    elif piece.kind == "section":
        element = words(piece.text, weight="Bolder")
    elif piece.kind == "pager":
        return ActionSet(actions=actions)
    else:
        element = runs(piece.text)
    if piece.kind == "item":
        return Container(items=[element, *([ActionSet(actions=actions)] if actions else [])], separator=True)
    if actions:
        return Container(items=[element, ActionSet(actions=actions)])
    return element


def pieces_card(pieces: list[Piece]) -> AdaptiveCard:
    return card(*(piece_element(p) for p in pieces))


def shown_card(shown: list) -> AdaptiveCard:
    """What the core showed (bot/conversation/outcome.py Shown), as one card."""
    return pieces_card([piece for each in shown for piece in each.pieces])


def answer_card(answer: Answer, today: date, question: str, offset: int = 0) -> AdaptiveCard:
    """An answer, laid out as on every platform (bot.conversation.layout)."""
    return pieces_card(answer_pieces(answer, today, offset=offset, page=PAGE, view=layout.View(question)))


def change_card(message: str, event_id: int | None = None) -> AdaptiveCard:
    """A confirmation with Undo, or a refusal."""
    if event_id is None:
        return card(runs(message))
    return pieces_card([Piece("change", f"✅ {message}", buttons=(layout.undo_button(event_id),))])


def claim_card(notice: Notice) -> AdaptiveCard:
    """A claim, for the secretariat to confirm or reject; any other notice, to read."""
    if not isinstance(notice, ClaimNotice):
        return pieces_card([Piece("note", notice.text())])
    data = {"member": notice.member_id, "platform": notice.platform, "user": notice.user_id}
    buttons = (
        Button("Confirm", layout.CONFIRM_CLAIM, data, "primary"),
        Button("Reject", layout.REJECT_CLAIM, data, "danger"),
    )
    return pieces_card([Piece("question", notice.text(), buttons=buttons)])


def upload_card(upload_id: int, lines: list[str], note: str) -> AdaptiveCard:
    """A shared report's preview, with Import and Cancel."""
    data = {"upload": upload_id}
    buttons = (
        Button("Import", layout.IMPORT_UPLOAD, data, "primary"),
        Button("Cancel", layout.CANCEL_UPLOAD, data),
    )
    return pieces_card(
        [
            *(Piece("text", line) for line in lines),
            Piece("context", note),
            Piece("pager", "", buttons=buttons),
        ]
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


def dialog_card(shown: list) -> AdaptiveCard:
    """What became of a dialog's submission: each change said, and its Undo as the dialog's own button
    (a dialog's card submits; it cannot Action.Execute)."""
    body, actions = [], []
    for piece in (p for each in shown for p in each.pieces):
        body.append(runs(piece.text))
        for found in piece.buttons:
            if found.verb == layout.UNDO:
                actions.append(SubmitAction(title=found.label, data={ids.DIALOG_UNDO: found.data["event"]}))
    return card(*body, actions=actions[:1] or None)


def no_refs_dialog() -> AdaptiveCard:
    return card(words("I can't see an action ref (like TMAG22-01) in that message."))


# --- digests ------------------------------------------------------------------------------------


def message_card(message, view: layout.View | None = None) -> AdaptiveCard:
    """A digest message (bot.digests.layout) as a card, its buttons carrying its view."""
    return pieces_card(message_pieces(message, view))
