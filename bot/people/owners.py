"""Owner cells, parsed into who is on the hook.

"Programme (Kate Goodman, PMO)"           -> Kate Goodman and the PMO unit, both of the Programme
"Ian Hall, Chris Butterfield, Martin Hanley" -> three people
"Kate Goodman, Dave Jones (/Jonathan Hawkins)" -> three people (Jonathan Hawkins as Dave Jones's alternate)
"iDNO rep (Stacey Buck)"                  -> Stacey Buck, as the iDNO representative
"TMAG members", "TMAG representatives"    -> the whole group
"Programme"                               -> the organisation

A name in brackets narrows the owner to that person: "Programme (Adrian Page)" is Adrian Page's, not every
Programme member's. The bracketed role or organisation is kept as the person's qualifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.people.vocab import constituency_key, office_key, organisation_key, organisation_name
from bot.record.text import clean_cell, fold, plain_dashes

PERSON = re.compile(
    r"^[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|der|le|la|da|di|du|o'))*\s+[A-Z][\w'’.-]+$"
)
INITIALS = re.compile(r"^(?:[A-Z][a-z]{0,2}){2,3}$")
ROLE_WORDS = re.compile(
    r"\b(rep|reps|representative|representatives|lead|leads|manager|managers|architect|team|officer|chair|"
    r"secretariat|pmo|director|owner|owners|coordinator|co-ordinator|analyst|sponsor|board|panel|provider|"
    r"providers|participants|parties|constituents|constituency|supplier|suppliers|agent|agents|operator|operators)\b",
    re.IGNORECASE,
)
GROUP_WORDS = re.compile(
    r"\b(members|member|representatives|reps|attendees|all|group|everyone|constituents)\b", re.I
)
SEPARATORS = re.compile(r"\s*(?:[,;/+&\n]|\band\b)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class OwnerPart:
    kind: str  # person | role | organisation | group
    name: str  # as written (tidied)
    key: str  # person: folded name; role: role key; organisation: organisation key; group: group code
    organisation: str | None = None  # the organisation a person or role belongs to here
    role: str | None = None  # the role a person holds here ("idno representative")

    def to_dict(self) -> dict:
        out = {"kind": self.kind, "name": self.name}
        if self.organisation:
            out["organisation"] = organisation_name(self.organisation)
        if self.role:
            out["role"] = self.role
        return out


def _split_top(text: str) -> list[str]:
    """Split on separators that are not inside brackets."""
    parts, depth, current = [], 0, []
    index = 0
    while index < len(text):
        ch = text[index]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if depth == 0:
            found = SEPARATORS.match(text, index)
            if found and found.end() > index:
                # "and" only separates words, not the inside of "Chair and Secretariat"-style offices
                parts.append("".join(current))
                current = []
                index = found.end()
                continue
        current.append(ch)
        index += 1
    parts.append("".join(current))
    return [p.strip(" .-") for p in parts if p.strip(" .-")]


def _brackets(segment: str) -> tuple[str, list[str]]:
    inners = re.findall(r"\(([^()]*)\)", segment)
    outer = re.sub(r"\([^()]*\)", " ", segment)
    return " ".join(outer.split()), [i for i in inners if i.strip(" /,")]


def classify(text: str, group_codes: set[str], default_group: str | None) -> OwnerPart | None:
    """What one owner phrase names."""
    text = " ".join(text.strip(" /-.:").split())
    text = re.sub(r"^the\s+", "", text, flags=re.IGNORECASE)
    if not text:
        return None
    folded = fold(text)
    words = folded.split()
    codes = {c.upper() for c in group_codes} | ({default_group.upper()} if default_group else set())
    named_group = next((c for c in codes if c.lower() in words), None)
    if named_group and (GROUP_WORDS.search(text) or words == [named_group.lower()]):
        return OwnerPart("group", text, named_group)
    if (
        folded in {"all", "all members", "members", "everyone", "all attendees", "attendees"}
        and default_group
    ):
        return OwnerPart("group", text, default_group.upper())
    constituency = constituency_key(text)
    if constituency and (ROLE_WORDS.search(text) or len(words) <= 3):
        return OwnerPart("role", text, f"{constituency} representative")
    office = office_key(text)
    if office:
        return OwnerPart("role", text, office)
    organisation = organisation_key(text)
    if organisation:
        return OwnerPart("organisation", text, organisation)
    if PERSON.match(text) and not ROLE_WORDS.search(text) and len(words) <= 4:
        return OwnerPart("person", text, folded)
    if INITIALS.match(text):
        return OwnerPart("person", text, f"initials:{text.lower()}")
    if ROLE_WORDS.search(text) or len(words) > 1:
        return OwnerPart("role", text, folded)
    return OwnerPart("organisation", text, folded)


def parse_owner(
    cell: str | None, group_codes: set[str] | frozenset = frozenset(), default_group: str | None = None
) -> list[OwnerPart]:
    """Every owner an owner cell names, in the order written."""
    return list(_parse_owner(cell, frozenset(group_codes), default_group))


@lru_cache(maxsize=4096)  # the same few owner cells come back in every report and every question
def _parse_owner(
    cell: str | None, group_codes: frozenset, default_group: str | None
) -> tuple[OwnerPart, ...]:
    text = plain_dashes(clean_cell(cell))
    if not text or fold(text) in {"tbc", "tbd", "n a", "na", "none"}:
        return ()
    parts: list[OwnerPart] = []
    for segment in _split_top(text):
        outer, inners = _brackets(segment)
        outer_part = classify(outer, group_codes, default_group) if outer else None
        inner_parts = [
            part
            for inner in inners
            for piece in _split_top(inner)
            if (part := classify(piece, group_codes, default_group)) is not None
        ]
        if outer_part is None:
            parts.extend(inner_parts)
            continue
        if not inner_parts:
            parts.append(outer_part)
            continue
        if outer_part.kind == "person":
            parts.append(outer_part)
            parts.extend(inner_parts)  # "Dave Jones (/Jonathan Hawkins)": the alternate is an owner too
            continue
        # "Programme (Kate Goodman, PMO)", "iDNO rep (Stacey Buck)": the brackets say who exactly.
        for part in inner_parts:
            if outer_part.kind == "organisation":
                parts.append(
                    OwnerPart(part.kind, part.name, part.key, part.organisation or outer_part.key, part.role)
                )
            elif outer_part.kind == "role" and part.kind == "person":
                parts.append(
                    OwnerPart(part.kind, part.name, part.key, part.organisation, part.role or outer_part.key)
                )
            else:
                parts.append(part)
    return tuple(dict.fromkeys(parts))  # each once, in order
