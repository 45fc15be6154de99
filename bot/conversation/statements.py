"""Spotting a change in what people write: "TMAG22-01 done - uploaded to the Collaboration Base",
"closing tmag 22-1: shared", "TMAG20-02 update: draft circulated", "reopen TMAG07-02"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.record.refs import find_refs
from bot.record.text import plain_dashes

CLOSE_WORDS = r"(?:done|closed|close|closing|complete|completed|finished|sorted|delivered)"
UPDATE_WORDS = r"(?:update|updated|progress|status)"
REOPEN_WORDS = r"(?:reopen|reopened|reopening|re-open|re-opened)"
SEPARATOR = r"(?:\s*(?:[-:–—,.;]|\bis\b|\bnow\b|\bhas\b|\bbeen\b))*\s*"


@dataclass(frozen=True)
class Statement:
    verb: str  # close | update | reopen
    ref: str
    note: str | None


def parse_statement(text: str, group_codes: set[str], default_group: str | None) -> Statement | None:
    """The change a message announces, if it announces one about exactly one action at its start."""
    text = " ".join(plain_dashes(text).split())
    refs = [
        (ref, start, end)
        for ref, start, end in find_refs(text, group_codes, default_group, loose=True)
        if ref.kind == "action"
    ]
    if not refs:
        return None
    ref, start, end = refs[0]
    before, after = text[:start].strip(), text[end:]
    if len(refs) > 1 and re.match(r"^\s*(?:,|&|\+|and)\s*$", text[end : refs[1][1]], re.IGNORECASE):
        return None  # "done TMAG04-02 and TMAG04-03": one at a time, or the message shortcut
    # "<REF> done - note", "<REF> is now closed: note", "<REF> update: note", "<REF> reopened"
    if not before or re.fullmatch(r"(?:re:?|fyi:?|action)\s*", before, re.IGNORECASE):
        for verb, words in (("close", CLOSE_WORDS), ("update", UPDATE_WORDS), ("reopen", REOPEN_WORDS)):
            found = re.match(rf"{SEPARATOR}{words}\b{SEPARATOR}(?P<note>.*)$", after, re.IGNORECASE)
            if found:
                return _statement(verb, ref.canonical, found["note"].strip())
        return None
    # "closing tmag 22-1: shared", "update on TMAG20-02: draft out", "reopen TMAG07-02"
    for verb, words in (("close", CLOSE_WORDS), ("update", UPDATE_WORDS), ("reopen", REOPEN_WORDS)):
        if re.fullmatch(
            rf"(?:i'?ve\s+|i\s+have\s+|we\s+have\s+)?(?:marked\s+)?{words}(?:\s+(?:on|for|of|action))?",
            before,
            re.IGNORECASE,
        ):
            note = re.sub(rf"^{SEPARATOR}", "", after).strip()
            return _statement(verb, ref.canonical, note)
    return None


def _statement(verb: str, ref: str, note: str) -> Statement | None:
    """An update says something ("status of TMAG20-02" with nothing after it is a question)."""
    if verb == "update" and not note:
        return None
    return Statement(verb, ref, note or None)
