"""Due-date reminders: a number of UK working days before an action falls due (the group's
`due_reminder_days`, 3 by default; none turns them off), each owner is sent the actions of theirs due
that day, at the group's digest time: by chat where they can be reached there, else by email
(bot/digests/reach.py). Each reminder is claimed and sent once, as a digest is (bot/digests/runner.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.digests.compose import OwnedItems
from bot.digests.layout import ASKING, LISTED, Message, action_line, and_more


@dataclass(frozen=True)
class DueReminder:
    """What a due-date reminder is about: a group's actions falling due on one day."""

    group: str
    due: date
    days: int  # UK working days before the due day it is sent
    today: date

    def title(self) -> str:
        return f"{self.group} actions due {self.due:%A %d %B %Y}"

    def when(self) -> str:
        """ "on Friday 24 November 2023" """
        return f"on {self.due:%A %d %B %Y}"


# What a member can do about a reminder, as each platform says it.
DOING = {
    "slack": "Mark it done once it is done, or say where it stands: /tmag update REF TEXT.",
    "teams": "Mark it done once it is done, or say where it stands: update REF TEXT.",
    "email": "Open an action to mark it done, add an update, or tell the secretariat it is not yours.",
}


def due_message(reminder: DueReminder, owned: OwnedItems, platform: str = "slack") -> Message:
    """An owner's reminder: their actions falling due, each with Mark done (in chat) or its link (by
    email)."""
    mine = ASKING.get(platform, ASKING["slack"])[0]
    count = owned.total
    message = Message().add(
        "text",
        f"⏰ {'This action of yours falls' if count == 1 else f'These {count} actions of yours fall'} due "
        f"{reminder.when()} ({reminder.group}):",
    )
    items = owned.items[:LISTED]
    message.lines += [action_line(a, reminder.today) for a in items]
    if count > len(items):
        message.add("context", f"{and_more(len(items), count).strip()}: {mine}")
    return message.add("context", DOING.get(platform, DOING["slack"]))
