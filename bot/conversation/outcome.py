"""What a turn of conversation comes back as, whatever the platform: the view model each platform
(Slack blocks, Teams cards, the console's lines, `ask`'s text or JSON) only translates.

An outcome is what the person is shown, in order: answers (a page of an answer, whose buttons carry
its question), changes (each with its Undo), refusals, notes, a question to them ("Are you ...?"), a
file offered. `replace`: the first thing shown is the card that was pressed, shown again in place (an
item changed, a page turned), so a card of several items keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.conversation.answers import Answer
from bot.conversation.layout import Piece, plain_text


@dataclass
class ReplyFile:
    name: str
    data: bytes
    title: str
    # What makes it again (a platform may send it only once the person accepts): group, meeting, now.
    recipe: dict[str, str] = field(default_factory=dict)


@dataclass
class Shown:
    """One message or card. kind: answer | change | refusal | note | help | question | file | preview."""

    kind: str
    pieces: list[Piece]
    answer: Answer | None = None  # when it answers a question (`ask` shows it as text or JSON)
    file: ReplyFile | None = None  # a document for the person (a report draft)
    changes: list = field(default_factory=list)  # the ChangeResults it reports

    @property
    def text(self) -> str:
        return "\n".join(plain_text(self.pieces))


@dataclass
class Outcome:
    shown: list[Shown] = field(default_factory=list)
    replace: bool = False
    person: object = None  # who the core took the asker to be (bot.people.identity.Person)

    @property
    def silent(self) -> bool:
        return not self.shown

    @property
    def answer(self) -> Answer | None:
        return next((s.answer for s in self.shown if s.answer is not None), None)

    @property
    def changes(self) -> list:
        return [c for s in self.shown for c in s.changes]

    @property
    def kind(self) -> str | None:
        """What the person is shown first: answer, change, refusal, note, help, question or file."""
        return self.shown[0].kind if self.shown else None

    @property
    def text(self) -> str:
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        """Everything shown, as plain lines: what every platform must agree on."""
        return [line for s in self.shown for line in plain_text(s.pieces)]


def made(text: str) -> Outcome:
    """A change made that has no Undo of its own (a meeting moved, an action added)."""
    return Outcome([Shown("change", [Piece("note", text)])])


def note(text: str) -> Outcome:
    return Outcome([Shown("note", [Piece("note", text)])])


def refusal(text: str) -> Outcome:
    return Outcome([Shown("refusal", [Piece("note", text)])])
