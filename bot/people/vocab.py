"""The words of the MHHS governance world: constituencies, organisations and roles.

Owner cells and attendee lists name people by role ("iDNO rep", "LSC representative") and organisation
("Programme", "Elexon"); these tables turn the many spellings into one key each.
"""

from __future__ import annotations

import re

from bot.record.text import fold

# Constituencies an industry representative speaks for: key -> spellings (folded).
CONSTITUENCIES: dict[str, tuple[str, ...]] = {
    "large supplier": ("large supplier", "large suppliers", "lsc", "large supplier constituency", "ls"),
    "medium supplier": ("medium supplier", "medium suppliers", "msc"),
    "small supplier": ("small supplier", "small suppliers", "ssc"),
    "supplier": ("supplier", "suppliers"),
    "supplier agent": (
        "supplier agent",
        "supplier agents",
        "agent",
        "agents",
        "independent supplier agent",
        "supplier agent independent",
        "isa",
    ),
    "dno": ("dno", "dnos", "distribution network operator", "distribution network operators"),
    "idno": (
        "idno",
        "idnos",
        "independent distribution network operator",
        "independent distribution network operators",
    ),
    "consumer": ("consumer", "consumers", "consumer representative body"),
    "central systems": ("central systems", "central system provider", "central systems provider"),
    "code body": ("code body", "code bodies"),
    "meter operator": ("meter operator", "meter operators", "mop", "meter equipment manager", "mem"),
    "data service": (
        "data service",
        "data services",
        "smart data service",
        "advanced data service",
        "unmetered data service",
        "sds",
        "ads",
        "umso",
    ),
}

# Organisations: key -> spellings (folded).
ORGANISATIONS: dict[str, tuple[str, ...]] = {
    "programme": (
        "programme",
        "the programme",
        "mhhs programme",
        "mhhsp",
        "mhhs",
        "mhhs im",
        "mhhs im members",
        "mhhs programme team",
        "programme team",
        "program",
        "im",
    ),
    "elexon": ("elexon", "bsc", "bscco"),
    "recco": ("recco", "rec", "rec code manager", "rec co"),
    "ofgem": ("ofgem",),
    "ngeso": ("ngeso", "national grid eso", "eso", "national grid"),
    "dcc": ("dcc", "data communications company", "smart dcc"),
    "ipa": ("ipa", "independent programme assurance"),
    "avanade": ("avanade",),
    "sec": ("sec", "secas", "sec panel"),
}
ORGANISATION_NAMES = {
    "programme": "Programme",
    "elexon": "Elexon",
    "recco": "RECCo",
    "ofgem": "Ofgem",
    "ngeso": "NGESO",
    "dcc": "DCC",
    "ipa": "IPA",
    "avanade": "Avanade",
    "sec": "SEC",
}

# Roles that are units or offices rather than constituencies: key -> spellings (folded).
OFFICES: dict[str, tuple[str, ...]] = {
    "pmo": ("pmo", "programme pmo", "mhhs pmo", "pmo team", "programme management office"),
    "secretariat": ("secretariat", "the secretariat", "governance secretariat", "pmo secretariat"),
    "chair": ("chair", "the chair", "chairperson", "chairman", "co chair", "deputy chair"),
    "design team": ("design team", "mhhsp design team", "programme design team"),
    "test team": ("test team", "testing team"),
    "si": ("si", "systems integrator", "system integrator"),
}

REP_WORDS = (
    "representative",
    "representatives",
    "rep",
    "reps",
    "constituency",
    "constituency representative",
    "member",
    "members",
)

_CONSTITUENCY_INDEX = {spelling: key for key, spellings in CONSTITUENCIES.items() for spelling in spellings}
_ORG_INDEX = {spelling: key for key, spellings in ORGANISATIONS.items() for spelling in spellings}
_OFFICE_INDEX = {spelling: key for key, spellings in OFFICES.items() for spelling in spellings}
_REP_SUFFIX = re.compile(r"\s+(?:" + "|".join(sorted(REP_WORDS, key=len, reverse=True)) + r")$")
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an|all)\s+")
_LEADING_THE = re.compile(r"^(?:the)\s+")
# The longest spelling, in words: a role cell's head longer than this can name no constituency.
_LONGEST_CONSTITUENCY = max(len(spelling.split()) for spelling in _CONSTITUENCY_INDEX)


def constituency_key(text: str | None) -> str | None:
    """ "iDNO rep" -> "idno", "Large Supplier Constituency (LSC) representative" -> "large supplier"."""
    folded = fold(text)
    if not folded:
        return None
    folded = _REP_SUFFIX.sub("", folded)
    folded = _LEADING_ARTICLE.sub("", folded)
    if folded in _CONSTITUENCY_INDEX:
        return _CONSTITUENCY_INDEX[folded]
    # "large supplier constituency lsc" -> try the words before any bracketed abbreviation. Only the
    # first few words can be a spelling, so a long cell costs no more than a short one.
    words = folded.split(maxsplit=_LONGEST_CONSTITUENCY)[:_LONGEST_CONSTITUENCY]
    for size in range(len(words), 0, -1):
        head = " ".join(words[:size])
        if head in _CONSTITUENCY_INDEX:
            return _CONSTITUENCY_INDEX[head]
    return None


def organisation_key(text: str | None) -> str | None:
    folded = fold(text)
    folded = _LEADING_THE.sub("", folded)
    return _ORG_INDEX.get(folded)


def office_key(text: str | None) -> str | None:
    folded = _LEADING_THE.sub("", fold(text))
    return _OFFICE_INDEX.get(folded)


def organisation_name(key: str | None) -> str | None:
    return ORGANISATION_NAMES.get(key or "", key.title() if key else None)


def role_keys(role: str | None) -> set[str]:
    """Every role key a member's role text gives them.

    "iDNO Representative" -> {"idno representative"}; "PMO Governance & Secretariat Lead" -> {"pmo",
    "secretariat"}; "MHHS DAG Chair" -> {"chair"}; "Test Architect" -> {"test architect"}.
    """
    keys: set[str] = set()
    folded = fold(role)
    if not folded:
        return keys
    constituency = constituency_key(re.sub(r"\(.*?\)", "", role or ""))
    if constituency and re.search(r"\b(rep|reps|representative|representatives|constituency)\b", folded):
        keys.add(f"{constituency} representative")
    words = set(folded.split())
    for key, spellings in OFFICES.items():
        if any(s in words if " " not in s else s in folded for s in spellings):
            keys.add(key)
    if not keys:
        keys.add(folded)
    return keys
