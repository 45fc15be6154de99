"""What a person may change. Two kinds of rights:

- a member may change the actions they own: named in the owner cell, or by their role, organisation
  or group. Through a claimed link (they said who they are; the secretariat has not confirmed it) only
  the actions that name them, their constituency's role or their whole group: never an organisation's
  (the programme's) or an office's (the PMO's, the chair's).
- a member who opened the link an email sent them has their own actions' rights, as through a
  verified link, and never the secretariat's (bot/people/identity.py, EMAILED).
- the secretariat (and the chair) may change any action, confirm what was reported done, import
  reports, add actions, meetings and decisions, point digests at a channel, draft the report and set
  calendar tokens. A configured admin id has these rights whoever it is linked to; a member's role
  gives them only through a configured, verified or confirmed link; the command line always has them.

Someone not linked to a member has no owner rights at all, whatever their name.
"""

from __future__ import annotations

from bot.people.identity import CLAIMED, EMAILED, TRUSTED, Person

OWNER_REASONS = ("named", "role", "organisation", "group")  # strongest first
OFFICE_ROLES = frozenset({"pmo", "secretariat", "chair"})  # roles that hold the programme's record


def owner_reasons(person: Person) -> frozenset[str]:
    """The ways of owning an action that count for this person's changes."""
    if person.link in TRUSTED or person.link == EMAILED:
        return frozenset(OWNER_REASONS)
    if person.link == CLAIMED:
        return frozenset({"named", "role", "group"})
    return frozenset()


def counts_as_owner(person: Person, reason: str, role_key: str | None = None) -> bool:
    """Whether owning an action this way (and by this role) lets the person change it."""
    if reason not in owner_reasons(person):
        return False
    return not (person.link == CLAIMED and reason == "role" and role_key in OFFICE_ROLES)


def secretariat_only(person: Person, doing: str) -> str | None:
    """None when the person has the secretariat's rights; else the refusal to show them."""
    if person.is_secretariat:
        return None
    if (
        person.member is not None
        and person.link == CLAIMED
        and (person.member.is_secretariat or person.member.is_chair)
    ):
        return (
            f"Only the secretariat can {doing}. You are linked as {person.display} by your own word; "
            "the secretariat's rights come once the secretariat confirms it."
        )
    return f"Only the secretariat can {doing}."
