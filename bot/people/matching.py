"""Is this the same person? Matching names in reports to members, carefully.

The traps are real: "Nicola Burnford" in a report is Nicola Bumford (a typo: "rn" for "m"), but Ian Hall
must never get Ian Hatton's action, and Martin Hanley is not Martin Cranfield. So a match needs the
surname to agree closely (typos allowed) and the first name to agree, be an initial, or be a known
nickname (Dave for David); and a name that fits two members equally well goes to neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from nicknames import NickNamer
from rapidfuzz import fuzz, process

from bot.record.text import fold

MATCH_THRESHOLD = 85.0
AMBIGUITY_MARGIN = 4.0
_OCR_CONFUSIONS = (("rn", "m"), ("cl", "d"), ("vv", "w"), ("ii", "u"))
_namer: NickNamer | None = None


def _nicknames() -> NickNamer:
    global _namer
    if _namer is None:
        _namer = NickNamer()
    return _namer


def _ocr(word: str) -> str:
    for wrong, right in _OCR_CONFUSIONS:
        word = word.replace(wrong, right)
    return word


@lru_cache(maxsize=65536)
def _first_names_agree(a: str, b: str) -> float:
    if a == b:
        return 100.0
    if len(a) == 1 or len(b) == 1:
        return 90.0 if a[0] == b[0] else 0.0
    namer = _nicknames()
    if (
        a in namer.nicknames_of(b)
        or b in namer.nicknames_of(a)
        or namer.canonicals_of(a) & (namer.canonicals_of(b) | {b})
        or namer.canonicals_of(b) & {a}
    ):
        return 92.0
    similarity = max(fuzz.ratio(a, b), fuzz.ratio(_ocr(a), _ocr(b)))
    return similarity if similarity >= 80 else 0.0


@lru_cache(maxsize=65536)
def person_score(a: str, b: str) -> float:
    """0-100: how surely two folded names ("ian hall", "ian hatton") name one person."""
    left, right = a.split(), b.split()
    if not left or not right:
        return 0.0
    if left == right:
        return 100.0
    if len(left) == 1 or len(right) == 1:
        return 0.0  # a lone first name or surname is never enough
    surname = max(fuzz.ratio(left[-1], right[-1]), fuzz.ratio(_ocr(left[-1]), _ocr(right[-1])))
    if surname < 80:
        return 0.0
    first = _first_names_agree(left[0], right[0])
    if first == 0.0:
        return 0.0
    return round(0.6 * surname + 0.4 * first, 1)


def _first_and_surname(name_key: str) -> tuple[str, str]:
    words = name_key.split()
    return (words[0], _ocr(words[-1])) if words else ("", "")


@dataclass
class MemberIndex:
    """Members by name, alias and initials, for resolving the names reports use."""

    names: dict[int, str] = field(default_factory=dict)  # member id -> folded name
    aliases: dict[str, int] = field(default_factory=dict)  # folded alias -> member id
    initials: dict[str, list[int]] = field(default_factory=dict)  # lower-case initials -> member ids
    _words: set[str] | None = field(default=None, repr=False)
    # Folded name -> member ids, and how many members share each (first name, surname as misread):
    # a name only they could score 100 against (see best).
    _exact: dict[str, list[int]] | None = field(default=None, repr=False)
    _pairs: dict[tuple[str, str], int] | None = field(default=None, repr=False)

    @property
    def name_words(self) -> set[str]:
        """Every first name and surname members have (never mistaken for a misspelt word)."""
        if self._words is None:
            self._words = {word for name in self.names.values() for word in name.split()}
        return self._words

    def add(
        self, member_id: int, name_key: str, initials: str | None = None, aliases: list[str] = ()
    ) -> None:
        self._words = self._exact = self._pairs = None
        self.names[member_id] = name_key
        for alias in aliases:
            self.aliases[fold(alias)] = member_id
        if initials:
            self.initials.setdefault(initials.lower(), []).append(member_id)

    def best(self, name_key: str) -> tuple[int, float] | None:
        """The one member a folded person name means, or None when no one (or two people) fit."""
        if name_key.startswith("initials:"):
            ids = self.initials.get(name_key.split(":", 1)[1], [])
            return (ids[0], 95.0) if len(ids) == 1 else None
        if name_key in self.aliases:
            return self.aliases[name_key], 100.0
        if not self.names:
            return None
        exact = self._exactly(name_key)
        if exact is not None:
            return exact, 100.0
        candidates = process.extract(
            name_key, self.names, scorer=fuzz.token_sort_ratio, score_cutoff=55, limit=12
        )
        scored = sorted(
            ((person_score(name_key, candidate), member_id) for candidate, _, member_id in candidates),
            reverse=True,
        )
        scored = [(score, member_id) for score, member_id in scored if score >= MATCH_THRESHOLD]
        if not scored:
            return None
        if len(scored) > 1 and scored[0][0] - scored[1][0] < AMBIGUITY_MARGIN and scored[0][0] < 100:
            return None
        return scored[0][1], scored[0][0]

    def _exactly(self, name_key: str) -> int | None:
        """The member whose folded name this is, when no other member could also score 100 against it:
        what the fuzzy search below would return, without comparing the name with every member. A
        score of 100 needs the same first name and the same surname as misread (person_score), so a
        member alone with theirs wins outright."""
        if self._exact is None or self._pairs is None:
            self._exact, self._pairs = {}, {}
            for member_id, key in self.names.items():
                self._exact.setdefault(key, []).append(member_id)
                pair = _first_and_surname(key)
                self._pairs[pair] = self._pairs.get(pair, 0) + 1
        ids = self._exact.get(name_key)
        if ids and len(ids) == 1 and self._pairs.get(_first_and_surname(name_key)) == 1:
            return ids[0]
        return None

    def similar_names(self, member_key: str, names: dict[int, str]) -> list[int]:
        """Of `names` (id -> folded owner name), those that might mean a member with this name."""
        found = process.extract(member_key, names, scorer=fuzz.token_sort_ratio, score_cutoff=55, limit=None)
        return [key for _, _, key in found]
