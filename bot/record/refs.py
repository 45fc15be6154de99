"""Action, decision and meeting references, however loosely they are written.

Canonical forms: actions "TMAG22-01" (group, meeting number, two-digit sequence), decisions "TMAG-DEC41",
meeting numbers "22" or "10.1" (no leading zeros).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from bot.record.text import plain_dashes

_SEP = r"\s*[-./]?\s*"
_MEETING = r"(?P<meeting>\d{1,3}(?:\.\d{1,2})?)"
_PREFIX = r"(?P<prefix>[A-Za-z][A-Za-z&]{1,9})"

# In a ref column anything ref-shaped is a ref; in running text only known group prefixes count.
ACTION_CELL = re.compile(rf"^\W*{_PREFIX}\s*-?\s*{_MEETING}\s*[-./\s]\s*(?P<seq>\d{{1,3}})\b")
DECISION_CELL = re.compile(rf"^\W*(?:{_PREFIX}{_SEP})?DEC(?:ISION)?{_SEP}(?P<seq>\d{{1,4}})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Ref:
    kind: str  # action | decision
    group: str
    canonical: str


def meeting_number(text: str) -> str:
    """ "022" -> "22", "10.1" -> "10.1", "007" -> "7"."""
    whole, _, part = text.partition(".")
    whole = str(int(whole)) if whole.isdigit() else whole
    return f"{whole}.{part}" if part else whole


def action_ref(prefix: str, meeting: str, seq: str | int) -> str:
    whole, _, part = meeting_number(meeting).partition(".")
    number = f"{int(whole):02d}" + (f".{part}" if part else "")
    return f"{prefix.upper()}{number}-{int(seq):02d}"


def decision_ref(prefix: str, seq: str | int) -> str:
    return f"{prefix.upper()}-DEC{int(seq):02d}"


@lru_cache(maxsize=8192)  # a report's rows are read several times (headers, split rows, carry-down)
def parse_action_cell(cell: str, default_prefix: str | None = None) -> Ref | None:
    """An Action Ref cell: "TMAG22-01", "TMAG 22-1", "tmag22 1"; "22-01" takes the default group."""
    text = plain_dashes(cell).strip()
    found = ACTION_CELL.match(text)
    if found and not found.group("prefix").upper().startswith("DEC"):
        prefix = found.group("prefix").upper()
        return Ref("action", prefix, action_ref(prefix, found.group("meeting"), found.group("seq")))
    if default_prefix:
        bare = re.match(r"^\W*(?P<meeting>\d{1,3}(?:\.\d{1,2})?)\s*[-/]\s*(?P<seq>\d{1,3})\b", text)
        if bare:
            return Ref("action", default_prefix, action_ref(default_prefix, bare["meeting"], bare["seq"]))
    return None


@lru_cache(maxsize=8192)
def parse_decision_cell(cell: str, default_prefix: str | None = None) -> Ref | None:
    """ "TMAG-DEC07", "TMAG- DEC07", "DEC 41", "TMAG DEC41"."""
    found = DECISION_CELL.match(plain_dashes(cell).strip())
    if not found:
        return None
    prefix = (found.group("prefix") or default_prefix or "").upper()
    if not prefix:
        return None
    return Ref("decision", prefix, decision_ref(prefix, found.group("seq")))


def _text_patterns(prefixes: tuple[str, ...], loose: bool) -> tuple[re.Pattern, re.Pattern]:
    # Reports write "TMAG22-01"; people also write "tmag22 1". A space only counts when asked to be
    # loose, or "TMAG 022 10:00" in a report would read as TMAG22-10.
    between = r"\s*[-./\s]\s*" if loose else r"\s*-\s*"
    alternatives = "|".join(sorted({re.escape(p) for p in prefixes if p}, key=len, reverse=True))
    group = rf"(?P<prefix>{alternatives})" if alternatives else r"(?P<prefix>(?!))"
    action = re.compile(
        rf"(?<![A-Za-z0-9]){group}\s*-?\s*{_MEETING}{between}(?P<seq>\d{{1,3}})(?![\d.]\d)",
        re.IGNORECASE,
    )
    # "DEC 41" with no group is how people ask, but in a report "decision 2" is just prose.
    decision_prefix = rf"(?:{group}{_SEP})?" if loose else rf"{group}{_SEP}"
    decision = re.compile(
        rf"(?<![A-Za-z0-9]){decision_prefix}DEC(?:ISION)?{_SEP}(?P<seq>\d{{1,4}})(?!\d)",
        re.IGNORECASE,
    )
    return action, decision


_DIGIT = re.compile(r"\d")


# Letters the patterns' IGNORECASE matches to an ASCII letter but case-folding does not turn into it
# (K and the long s fold to k and s already).
_DOTTED_AND_DOTLESS_I = str.maketrans({"\u0130": "i", "\u0131": "i"})


def _letters(text: str) -> str:
    """Text as the patterns compare it, ignoring case."""
    return text.translate(_DOTTED_AND_DOTLESS_I).casefold()


@lru_cache(maxsize=256)  # a report asks for the same groups' patterns paragraph after paragraph
def _patterns(
    prefixes: frozenset[str], loose: bool
) -> tuple[re.Pattern, re.Pattern, tuple[str, ...], dict[str, str]]:
    """The action and decision patterns; the words one of which any ref they find contains (the
    groups' prefixes, and when loose the "dec" a bare "DEC 41" has), case-folded; and each prefix as
    the group spells it, by its case-folded letters."""
    upper = tuple(sorted({p.upper() for p in prefixes}))
    needles = tuple(_letters(p) for p in upper if p) + (("dec",) if loose else ())
    return (*_text_patterns(upper, loose), needles, {_letters(p): p for p in upper})


def find_refs(
    text: str, prefixes: Iterable[str], default_prefix: str | None = None, *, loose: bool = False
) -> Iterator[tuple[Ref, int, int]]:
    """Every action or decision ref in running text, with its span; prefixes are the known groups."""
    if not _DIGIT.search(text):  # every ref has a number; most of a report's paragraphs have none
        return
    action, decision, needles, spelled = _patterns(frozenset(prefixes), loose)
    folded = _letters(text)
    if not any(needle in folded for needle in needles):  # a plain search, before two regex scans
        return
    text = plain_dashes(text)
    taken: list[tuple[int, int]] = []
    for found in decision.finditer(text):
        written = found.group("prefix")
        prefix = (
            spelled.get(_letters(written), written.upper()) if written else (default_prefix or "").upper()
        )
        if prefix:
            taken.append(found.span())
            yield Ref("decision", prefix, decision_ref(prefix, found.group("seq"))), *found.span()
    for found in action.finditer(text):
        if any(start <= found.start() < end for start, end in taken):
            continue
        # As the group spells it: "tımg03-02", with a dotless i, is TIMG03-02.
        prefix = spelled.get(_letters(found.group("prefix")), found.group("prefix").upper())
        yield (
            Ref("action", prefix, action_ref(prefix, found.group("meeting"), found.group("seq"))),
            *found.span(),
        )
