"""Which group a message means, by one rule on every platform and command:

1. the groups its refs name ("07-1 done" names none; "TMAG07-1 done" names TMAG);
2. else the asker's group, when they sit on exactly one;
3. else DEFAULT_GROUP from the settings, when it is one the record knows (or the record is empty);
4. else the only group, when the record holds one;
5. else none: a question is then about every group, and a change asks which.

No group is special in code; the groups the programme runs, with their usual cadence, are data
(bot/calendar/cadence.py).
"""

from __future__ import annotations

import os

from bot.people.identity import Person


def default_group_setting() -> str | None:
    """DEFAULT_GROUP (e.g. TMAG): the group a message means when nothing else says."""
    value = (os.environ.get("DEFAULT_GROUP") or "").strip().upper()
    return value or None


def which_group(codes: set[str], asker: Person | None = None, named: list[str] = ()) -> str | None:
    """The group a message means (see the module's rule), or None."""
    for code in named:
        if code in codes:
            return code
    theirs = asker.group_codes if asker is not None else frozenset()
    if len(theirs) == 1:
        return next(iter(theirs))
    configured = default_group_setting()
    if configured and (configured in codes or not codes):
        return configured
    if len(codes) == 1:
        return next(iter(codes))
    return None


def which_group_needed(code: str | None, what: str) -> str | None:
    """The reply when a change needs a group and none could be told: None when there is one."""
    if code:
        return None
    return f"Which group? Say it, e.g. {what} group: TMAG."
