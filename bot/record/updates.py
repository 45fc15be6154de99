"""What an action's Update says: that it is closed, reopened, or that it was delivered ("reported done").

"Closed", "Complete - shared on 18/08" close an action outright. "Issued alongside meeting Headline
Report", "Attached with TMAG Headline report", "This document has been uploaded" report delivery: the
action stays open until its owner or the secretariat confirms, but it is no longer overdue. Either
kind of word is discounted when what comes before it negates it or puts it in the future ("not yet
issued", "to be closed at the next meeting", "will be circulated", "proposed closed").

The delivery vocabulary is data (bot/record/data/reported_done.txt), built from the programme's own reports.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

CLOSING = re.compile(r"\b(closed|complete|completed)\b", re.IGNORECASE)
REOPENING = re.compile(r"\bre-?opened\b", re.IGNORECASE)
NOT_YET = re.compile(
    r"\b(not|no|isn't|wasn't|hasn't|haven't|aren't|weren't|never|yet to be|to be|pending|once|when|until|"
    r"awaiting|await|partially|partly|almost|nearly|proposed|propose|recommended|recommend|requested|"
    r"request|due to be|will|shall|can be|could be|should be|must be|would be|before|if|unless|plan to|"
    r"planning to|intend to|expected to|expect to|going to|ahead of)\b[^.;]{0,30}$",
    re.IGNORECASE,
)
WINDOW = 40  # characters before a word in which a negation counts


def _phrases() -> re.Pattern:
    text = resources.files("bot.record").joinpath("data/reported_done.txt").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines()]
    alternatives = [line for line in lines if line and not line.startswith("#")]
    return re.compile(
        "|".join(f"(?:{a})" if a.startswith("^") else rf"(?:\b(?:{a})\b)" for a in alternatives),
        re.IGNORECASE | re.MULTILINE,
    )


DELIVERED = _phrases()


def _said(pattern: re.Pattern, text: str | None) -> bool:
    """Whether `pattern` occurs in `text` with nothing just before it negating it."""
    for found in pattern.finditer(text or ""):
        before = text[max(0, found.start() - WINDOW) : found.start()]
        if not NOT_YET.search(before):
            return True
    return False


@lru_cache(maxsize=4096)
def update_closes(text: str | None) -> bool:
    """ "Closed", "Complete - shared on 18/08" close an action; "not yet complete", "to be closed at the
    next meeting" and "proposed closed" do not."""
    return _said(CLOSING, text)


@lru_cache(maxsize=4096)
def update_reports_delivery(text: str | None) -> bool:
    """ "Issued alongside meeting Headline Report", "This document has been uploaded", "In the full
    minutes" report that the action was delivered; "Not yet issued", "To be shared next month" do not."""
    return _said(DELIVERED, text)


def update_reopens(text: str | None) -> bool:
    return bool(REOPENING.search(text or ""))
