"""Understanding members' questions: what they ask for, about whom, and which refs or topic.

Phrasing and typos are forgiven: "what's open for me", "anything on my plate?", "my actions",
"whats ovredue", "who owns tmag22 1", "show TMAG 22-01", "DEC 41", "what did we decide about the
environments plan", "when is the next extraordinary TMAG".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.record.refs import Ref, find_refs, meeting_number
from bot.record.text import fix_characters, plain_dashes

# Words questions are made of; a misspelt one is put right before anything else is read.
MAX_COMMAND = 4000  # characters in one question or command: longer is refused, unread

KEYWORDS = {
    "open",
    "outstanding",
    "overdue",
    "decide",
    "decided",
    "decision",
    "decisions",
    "agreed",
    "approved",
    "next",
    "meeting",
    "meetings",
    "when",
    "owns",
    "owner",
    "owners",
    "whose",
    "show",
    "status",
    "actions",
    "action",
    "mine",
    "plate",
    "extraordinary",
    "due",
    "before",
    "search",
    "find",
    "about",
    "help",
    "history",
    "responsible",
    "pending",
    "deadline",
    "regarding",
    "representative",
    "members",
    "everyone",
    "everything",
    "anything",
    "approve",
    "approval",
    "upcoming",
    "schedule",
    "calendar",
    "assigned",
    "exists",
    "explain",
    "reported",
    "confirm",
    "confirmed",
    "confirmation",
}
# Common words that are never "corrected" into a keyword.
PLAIN = {
    "then",
    "them",
    "they",
    "this",
    "that",
    "what",
    "with",
    "have",
    "does",
    "done",
    "were",
    "when",
    "will",
    "your",
    "from",
    "there",
    "their",
    "these",
    "those",
    "made",
    "make",
    "many",
    "much",
    "more",
    "most",
    "some",
    "same",
    "plan",
    "plans",
    "over",
    "down",
    "data",
    "date",
    "dates",
    "test",
    "tests",
    "team",
    "time",
    "week",
    "also",
    "only",
    "other",
    "late",
    "last",
    "list",
    "meet",
    "need",
    "needs",
    "still",
    "into",
    "onto",
    "upon",
    "shown",
    "dean",
    "ideas",
    "deal",
    "owen",
    "oven",
    "opens",
    "opened",
    "opening",
    "held",
    "hold",
    "mind",
    "owed",
    "nine",
    "line",
    "fine",
    "town",
    "shop",
    "stop",
    "step",
    "note",
    "notes",
    "none",
}
STOPWORDS = {
    "a",
    "an",
    "the",
    "what",
    "whats",
    "what's",
    "which",
    "who",
    "whom",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "do",
    "does",
    "did",
    "we",
    "i",
    "me",
    "my",
    "mine",
    "you",
    "our",
    "us",
    "they",
    "it",
    "its",
    "of",
    "on",
    "in",
    "at",
    "to",
    "for",
    "by",
    "about",
    "regarding",
    "re",
    "with",
    "and",
    "or",
    "any",
    "anything",
    "all",
    "there",
    "this",
    "that",
    "these",
    "those",
    "have",
    "has",
    "had",
    "get",
    "got",
    "tell",
    "show",
    "find",
    "search",
    "look",
    "up",
    "please",
    "can",
    "could",
    "would",
    "should",
    "will",
    "shall",
    "decide",
    "decided",
    "decision",
    "decisions",
    "agree",
    "agreed",
    "approve",
    "approved",
    "approval",
    "actions",
    "action",
    "open",
    "outstanding",
    "items",
    "item",
    "some",
    "so",
    "far",
    "yet",
    "ever",
    "how",
    "why",
    "when",
    "where",
    "latest",
    "recent",
    "recently",
    "we've",
    "weve",
    "made",
    "make",
    "related",
    "relating",
    "concerning",
    "around",
    "discussed",
    "said",
    "say",
    "know",
    "from",
    "into",
    "over",
    "as",
    "if",
    "else",
    "than",
    "then",
    "happened",
    "happen",
    "status",
    "topic",
    "topics",
    "subject",
    "everything",
    "anybody",
    "anyone",
    "list",
}

REF_QUESTION_OWNER = re.compile(
    r"\bwho\b.*\b(own|owns|owner|owners|responsible|has|have|holds|doing|got)\b|\bwhose\b|\bowner(s)?\s+of\b|"
    r"\bwho\s+is\s+on\b|\bwho'?s\s+(on|got|doing)\b",
)
DECISION_WORDS = re.compile(
    r"\b(decide|decided|decides|decision|decisions|agreed|approved|approve|approval|dec)\b"
)
OVERDUE_WORDS = re.compile(r"\b(overdue|late|past due|past their due|behind|missed|slipped|slipping)\b")
ATTENDED_WORDS = re.compile(
    r"\bwho\b.*\b(attended|attend|attending|was at|were at|came to|come to|was present|were present|"
    r"joined|gave apologies|sent apologies|apologies)\b|\b(attendees|attendance|apologies)\b"
)
CHAIR_WORDS = re.compile(r"\bwho\b.*\b(chairs?|chaired|chairing|chairperson|chairman)\b")
WHO_IS = re.compile(
    r"^(?:and\s+)?(?:who|whom)\s*(?:is|are|'s|was|were|represents|represent|speaks for|speak for)\s+"
    r"(?:the\s+|our\s+|a\s+)?(?P<who>[\w .&'/()-]+?)\s*[?!.]*$"
)
REPORTED_WORDS = re.compile(
    r"\b(reported(?: as)? done|reported|to confirm|awaiting confirmation|await\w* confirm\w*|"
    r"needs? (?:to be )?confirm\w*|confirm\w*)\b"
)
OPEN_WORDS = re.compile(
    r"\b(open|outstanding|pending|plate|to ?do|todo|owe|owes|assigned|mine|still got|waiting on|"
    r"what have i got|what do i have|what'?s on|on (?:my|his|her|their) list|my actions|actions for|"
    r"actions of|what does \w+|responsible for|down for|to do list|on the hook)\b|"
    r"'s\s+(?:open\s+|outstanding\s+)?(?:actions|items|list|plate|tasks)\b"
)
NEXT_MEETING_WORDS = re.compile(
    r"\b(next|upcoming|following)\b.*\b(meeting|meetings|meet|session|extraordinary|\w*ag|psg|wg)\b|"
    r"\bwhen\b.*\b(meet|meeting|meets|session)\b|"
    r"\b(meeting dates|meeting calendar|calendar|schedule of meetings)\b"
)
DUE_BEFORE_NEXT = re.compile(
    r"\b(due|needed|need|do|done|finish\w*|complete\w*)\b.*\bbefore\b.*\bnext\b|\bbefore the next\b"
)
ME_WORDS = re.compile(r"\b(me|my|mine|i|i've|ive|i'm|im|myself|on my plate)\b")
ALL_WORDS = re.compile(r"\b(all|everything|everyone'?s|everybody'?s|every|whole group|the group|anyone)\b")
TARGET_PHRASE = re.compile(
    r"\b(?:for|of|owned by|assigned to|belonging to)\s+(?P<who>(?!my\b|me\b)[\w .&'/-]+?)"
    r"(?=\s+(?:have|has|got|own|owe|owes|due|before|this|next|in|at|to|are|is|still|that|which)\b|[?.!,]|$)"
)
DOES_PHRASE = re.compile(
    r"\b(?:does|do|has|is|are)\s+(?P<who>(?!i\b|we\b|you\b)[\w .&'/-]+?)\s+"
    r"(?:have|has|got|own|owe|owes|still|need|doing|working)\b"
)
POSSESSIVE = re.compile(
    r"(?P<who>[\w .&/-]+?)'s\s+(?:open\s+|overdue\s+|outstanding\s+)?"
    r"(?:actions|items|list|plate|tasks|to-?do)"
)
MEETING_REF = re.compile(
    r"\b(?:at|from|in|of|during|attended|attend|to)\s+(?:the\s+|its\s+|our\s+)?(?:"
    r"(?P<group>[a-z]{2,10})\s*-?\s*#?\s*(?P<number>\d{1,3}(?:\.\d{1,2})?)"
    r"|meeting\s+#?(?P<bare>\d{1,3}(?:\.\d{1,2})?)"
    r"|(?P<last>last|previous|latest|most recent)\s+(?P<lastgroup>[a-z]{2,10}|meeting))\b"
)


UNKNOWN_GROUP_REF = re.compile(r"\b([A-Za-z]{2,8})\s?-?\s?(?:\d{1,3}-\d{1,3}|DEC\s?-?\d{1,4})\b")


@dataclass
class Target:
    kind: str  # me | all | phrase
    phrase: str | None = None


@dataclass
class Question:
    text: str
    intent: str
    refs: list[Ref] = field(default_factory=list)
    target: Target | None = None
    topic: str | None = None
    group: str | None = None
    meeting_number: str | None = None
    last_meeting: bool = False
    extraordinary: bool = False


def correct_typos(words: list[str], extra: set[str] = frozenset(), keep: set[str] = frozenset()) -> list[str]:
    """Put right a misspelt keyword ("ovredue" -> "overdue"); other words, and the words of members'
    names (`keep`), are left as they are."""
    vocabulary = KEYWORDS | extra
    out = []
    for word in words:
        if len(word) < 4 or word in vocabulary or word in PLAIN or word in keep or not word.isalpha():
            out.append(word)
            continue
        # Short words may be one slip out; longer ones two, and must still read mostly the same
        # ("approach" is not "approve").
        short = len(word) <= 5
        best = process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=75 if short else 85)
        if best and OSA.distance(word, best[0]) <= (1 if short else 2):
            out.append(best[0])
        else:
            out.append(word)
    return out


def tidy(text: str) -> str:
    text = plain_dashes(fix_characters(text)).replace("’", "'").replace("‘", "'")
    return " ".join(text.split())


def topic_of(text: str, remove: list[str] = ()) -> str | None:
    for phrase in remove:
        if phrase:
            text = text.replace(phrase.lower(), " ")
    words = [w for w in re.findall(r"[a-z0-9][a-z0-9&'.-]*", text) if w not in STOPWORDS and len(w) > 1]
    words = [w.strip(".'") for w in words if w.strip(".'")]
    return " ".join(words) or None


def _target(lowered: str) -> Target | None:
    for pattern in (POSSESSIVE, DOES_PHRASE, TARGET_PHRASE):
        found = pattern.search(lowered)
        if found:
            who = found.group("who").strip(" .'")
            words = who.split()
            while len(words) > 1 and (
                words[0] in STOPWORDS or words[0] in {"on", "for", "about", "the", "our"}
            ):
                words.pop(0)  # "what is on Stacey" -> "Stacey"
            who = " ".join(words)
            if who and who not in STOPWORDS and not ME_WORDS.fullmatch(who):
                if ALL_WORDS.fullmatch(who) or who in {"everyone", "everybody", "all of us", "the group"}:
                    return Target("all")
                return Target("phrase", who)
    if ME_WORDS.search(lowered):
        return Target("me")
    if ALL_WORDS.search(lowered):
        return Target("all")
    return None


def _meeting_named(question: Question, lowered: str, codes: set[str]) -> bool:
    """Fill in the meeting a question names ("at TMAG 22", "at meeting 7", "the last TMAG"), if any."""
    found = MEETING_REF.search(lowered)
    if not found or not (found.group("number") or found.group("bare") or found.group("last")):
        return False
    if found.group("last"):
        question.last_meeting = True
        if found.group("lastgroup") and found.group("lastgroup") in codes:
            question.group = found.group("lastgroup").upper()
    else:
        question.meeting_number = meeting_number(found.group("number") or found.group("bare"))
        if found.group("group") and found.group("group") in codes:
            question.group = found.group("group").upper()
    return True


def parse_question(
    text: str, group_codes: set[str], default_group: str | None = None, name_words: set[str] = frozenset()
) -> Question:
    """Read a question into its intent and parts. Group codes are the groups known to the database;
    name words (members' first names and surnames) are never mistaken for misspelt keywords."""
    original = tidy(text)
    codes = {c.lower() for c in group_codes}
    words = correct_typos(re.findall(r"[A-Za-z0-9'&./#-]+|[?!]", original.lower()), codes, name_words)
    lowered = " ".join(words)
    refs = [ref for ref, _, _ in find_refs(original, group_codes, default_group, loose=True)]
    if not refs:
        # A ref of a group the database has never heard of is still a ref ("I don't know XAG04-01").
        prefixes = {m.group(1).upper() for m in UNKNOWN_GROUP_REF.finditer(original)} - {"DEC"}
        refs = [ref for ref, _, _ in find_refs(original, prefixes, None)]
    unique = list(dict.fromkeys(refs))
    mentioned_group = next(
        (
            c.upper()
            for c in sorted(codes, key=len, reverse=True)
            if re.search(rf"\b{re.escape(c)}\b", lowered)
        ),
        None,
    )
    question = Question(original, "help", unique, group=mentioned_group)
    question.extraordinary = "extraordinary" in lowered

    if not lowered.strip(" ?!.") or re.fullmatch(
        r"\W*(help|commands|\?|what can you do|how do i use this)\W*", lowered
    ):
        return question
    if unique:
        question.intent = "who_owns" if REF_QUESTION_OWNER.search(lowered) else "show"
        return question
    if ATTENDED_WORDS.search(lowered):
        question.intent = "attended"
        _meeting_named(question, lowered, codes)
        return question
    if CHAIR_WORDS.search(lowered):
        question.intent = "chair"
        return question
    found = WHO_IS.match(lowered)
    if found and not OPEN_WORDS.search(lowered) and not DECISION_WORDS.search(lowered):
        question.intent = "who_is"
        question.target = Target("phrase", found.group("who").strip())
        return question
    if DUE_BEFORE_NEXT.search(lowered):
        question.intent = "due_before_next"
        question.target = _target(lowered) or Target("all")
        return question
    if (
        NEXT_MEETING_WORDS.search(lowered)
        and not OPEN_WORDS.search(lowered)
        and not DECISION_WORDS.search(lowered)
    ):
        question.intent = "next_meeting"
        return question
    if DECISION_WORDS.search(lowered):
        if _meeting_named(question, lowered, codes):
            question.intent = "decisions_at"
            return question
        question.intent = "decisions"
        question.topic = topic_of(lowered, [c for c in codes])
        return question
    if REPORTED_WORDS.search(lowered):
        question.intent = "reported"
        question.target = _target(lowered) or Target("all")
        return question
    if OVERDUE_WORDS.search(lowered):
        question.intent = "overdue"
        question.target = _target(lowered) or Target("all")
        return question
    if OPEN_WORDS.search(lowered) or re.match(r"^(my|mine)\b", lowered):
        question.intent = "open"
        question.target = _target(lowered) or Target("me")
        return question
    # "What actions do I have?", "anything for me?": about the asker's own actions.
    if ME_WORDS.search(lowered) and (re.search(r"\b(actions?|items?|tasks?|anything|something)\b", lowered)):
        question.intent = "open"
        question.target = _target(lowered) or Target("me")
        return question
    topic = topic_of(lowered, list(codes))
    if topic:
        question.intent = "search"
        question.topic = topic
    return question
