"""Synthetic secretariat reports for benchmarks: the seeds' shape, many meetings, many groups."""

from __future__ import annotations

import random
from datetime import date, timedelta

FIRST_NAMES = [
    "Kate",
    "Ian",
    "Nicola",
    "Stacey",
    "Dave",
    "Ed",
    "Chris",
    "Martin",
    "Priya",
    "Tom",
    "Lena",
    "Sam",
    "Ada",
    "Rowan",
    "Jo",
    "Alex",
    "Chen",
    "Olu",
    "Maya",
    "Ravi",
    "Grace",
    "Owen",
    "Ines",
    "Hugo",
]
SURNAMES = [
    "Goodman",
    "Hall",
    "Bumford",
    "Buck",
    "Jones",
    "Rees",
    "Butterfield",
    "Hanley",
    "Natarajan",
    "Okafor",
    "Ortiz",
    "Whitfield",
    "Brooks",
    "Pike",
    "Marsh",
    "Rivera",
    "Wei",
    "Adeyemi",
    "Patel",
    "Shah",
    "Lowe",
    "Evans",
    "Costa",
    "Blanc",
    "Moreau",
    "Hughes",
    "Price",
    "Reid",
    "Nash",
    "Kerr",
]
ROLES = [
    "Large Supplier Representative",
    "DNO Representative",
    "iDNO Representative",
    "Consumer Representative",
    "Supplier Agent Representative",
    "Elexon Representative",
    "RECCo Representative",
    "Test Architect",
]
AREAS = [
    "Environments",
    "Migration",
    "Data cleansing",
    "Qualification",
    "SIT Functional",
    "RAID",
    "Test data",
    "Cutover",
    "DIP onboarding",
    "Readiness",
]
VERBS = ["Share", "Publish", "Confirm", "Review", "Update", "Circulate", "Provide feedback on", "Agree"]
THINGS = [
    "the environment booking calendar",
    "the migration dashboard",
    "the test data approach",
    "the cutover checklist",
    "the readiness tracker",
    "the RAID log",
    "the qualification tranches",
    "the DIP certificate guidance",
    "the SIT exit criteria",
    "the data cleansing plan",
]
GROUPS = ["TMAG", "DAG", "PSG", "CCAG", "SITAG"]


def people(count: int, rng: random.Random) -> list[tuple[str, str]]:
    names = set()
    while len(names) < count:
        names.add((f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}", rng.choice(ROLES)))
    return sorted(names)


def owner_cell(rng: random.Random, pool: list[tuple[str, str]], group: str) -> str:
    kind = rng.random()
    if kind < 0.5:
        return f"Programme ({rng.choice(pool)[0]})"
    if kind < 0.7:
        return ", ".join(n for n, _ in rng.sample(pool, 2))
    if kind < 0.8:
        return f"{group} members"
    if kind < 0.9:
        return "Programme (PMO)"
    return f"iDNO rep ({rng.choice(pool)[0]})"


def report(index: int, rng: random.Random, pool: list[tuple[str, str]], actions: int = 8) -> str:
    group = GROUPS[index % len(GROUPS)]
    number = index // len(GROUPS) + 1
    held = date(2022, 1, 5) + timedelta(days=7 * (index // len(GROUPS)))
    lines = [
        f"## MHHS Synthetic Advisory Group ({group}) Headline Report",
        "",
        f"Meeting number **{group} {number:03d}**",
        "",
        f"Date and time **{held.day} {held:%B %Y} 1000-1200**",
        "",
        "### Actions",
        "",
        "Area\tAction Ref\tAction\tOwner\tDue Date\tUpdate",
    ]
    for seq in range(1, actions + 1):
        area = f"<b>{rng.choice(AREAS)}</b>" if seq == 1 or rng.random() < 0.4 else ""
        due = held + timedelta(days=rng.choice([7, 14, 28]))
        lines.append(
            f"{area}\t{group}{number:02d}-{seq:02d}\t{rng.choice(VERBS)} {rng.choice(THINGS)}"
            f"\t{owner_cell(rng, pool, group)}\t{due:%d/%m/%y}\t"
        )
    if number > 1:
        for seq in (1, 2):
            update = rng.choice(["Action remains ongoing.", "Complete.", "Shared with members; closed."])
            lines.append(
                f"<b>Actions from previous meeting(s)</b>\t{group}{number - 1:02d}-{seq:02d}\t"
                f"{rng.choice(VERBS)} {rng.choice(THINGS)}\tProgramme (PMO)\t{held:%d/%m/%y}\t{update}"
            )
    lines += ["", "### Decisions", "", "Area\tDecision Ref\tDescription"]
    for seq in range(1, 3):
        lines.append(
            f"<b>{rng.choice(AREAS)}</b>\t{group}-DEC{number * 2 + seq:02d}\tApproval of "
            f"{rng.choice(THINGS)} version {rng.randint(1, 9)}.{rng.randint(0, 9)}."
        )
    lines += [
        "",
        "### Key Discussion Items",
        "",
        "Area\tDiscussion",
        f"<b>{rng.choice(AREAS)}</b>\t<p>The Programme took an action "
        f"<b>(ACTION {group}{number:02d}-01)</b>.</p>",
        "",
        f"**Date of next {group}: {(held + timedelta(days=28)):%d %B %Y}**",
        "",
    ]
    return "\n".join(lines)
