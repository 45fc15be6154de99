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


CONSTITUENCY_ROLES = [
    "Large Supplier Representative",
    "Medium Supplier Representative",
    "Small Supplier Representative",
    "DNO Representative",
    "iDNO Representative",
    "Consumer Representative",
    "Supplier Agent Representative (Independent)",
    "Elexon Representative (as central systems provider)",
    "RECCo Representative",
    "NGESO Representative",
    "DCC Representative",
]
PROGRAMME_ROLES = ["Test Architect", "Test Lead", "PMO Governance & Secretariat Lead", "Migration Lead"]
UPDATES = [
    "Action remains ongoing.",
    "Issued alongside meeting Headline Report",
    "Attached with TMAG Headline report",
    "This document has been uploaded to the Collaboration Base.",
    "Complete.",
    "Not yet issued; expected next month.",
    "",
]


def initials_of(name: str) -> str:
    return "".join(part[0] for part in name.split()).upper()


def realistic_report(
    index: int,
    rng: random.Random,
    pool: list[tuple[str, str]],
    *,
    actions: tuple[int, int] = (4, 12),
    year_format: str = "%y",
) -> str:
    """A report shaped like the programme's own: a header table, an attendee list of 10-25 with
    initials, roles and "on behalf of", an actions table with carried-down areas and a previous
    actions part, decisions, minutes with inline ACTION and DECISION mentions, and next-meeting lines.
    About 5-20 KB, as real minutes are. `actions` bounds how many new actions; `year_format` "%Y"
    writes due dates as 20/03/2024."""
    group = GROUPS[index % len(GROUPS)]
    number = index // len(GROUPS) + 1
    held = date(2022, 1, 5) + timedelta(days=7 * (index // len(GROUPS)))
    attendees = rng.sample(pool, min(len(pool), rng.randint(10, 25)))
    lines = [
        f"MHHS Synthetic Advisory Group ({group}) Actions and Minutes",
        "",
        f"Issue date: {(held + timedelta(days=2)):%d/%m/%y}",
        f"Meeting number\t{group} {number:03d}\tVenue\tVirtual – MS Teams",
        f"Date and time\t{held.day} {held:%B %Y} 1000-1200\tClassification\tPublic",
        "",
        "Attendees",
        "",
        "Chair",
        "",
        f"{attendees[0][0]} ({initials_of(attendees[0][0])}) MHHS {group} Chair",
        "",
        "Industry Participants",
        "",
    ]
    for position, (name, _role) in enumerate(attendees[1:-3], 1):
        role = CONSTITUENCY_ROLES[(index + position) % len(CONSTITUENCY_ROLES)]
        if position == 3:
            lines.append(f"{name} ({initials_of(name)}) on behalf of {attendees[-1][0]}\t{role}")
        else:
            lines.append(f"{name} ({initials_of(name)})\t{role}")
    lines += ["", "MHHS IM members", ""]
    for position, (name, _role) in enumerate(attendees[-3:-1]):
        lines.append(f"{name} ({initials_of(name)})\t{PROGRAMME_ROLES[position % len(PROGRAMME_ROLES)]}")
    lines += ["", "Apologies", "", f"{attendees[-1][0]} – Large Supplier Representative", ""]
    lines += ["Actions", "", "Area\tAction Ref\tAction\tOwner\tDue Date\tUpdate"]
    count = rng.randint(*actions)
    for seq in range(1, count + 1):
        area = rng.choice(AREAS) if seq == 1 or rng.random() < 0.4 else ""
        due = held + timedelta(days=rng.choice([7, 14, 28]))
        lines.append(
            f"{area}\t{group}{number:02d}-{seq:02d}\t{rng.choice(VERBS)} {rng.choice(THINGS)} and report "
            f"back to {group} members on progress\t{owner_cell(rng, attendees, group)}\t"
            f"{due.strftime('%d/%m/' + year_format)}\t"
        )
    if number > 1:
        lines.append("Actions from previous meeting(s)\t\t\t\t\t")
        for seq in range(1, rng.randint(2, 6)):
            lines.append(
                f"\t{group}{number - 1:02d}-{seq:02d}\t{rng.choice(VERBS)} {rng.choice(THINGS)}\t"
                f"Programme (PMO)\t{held.strftime('%d/%m/' + year_format)}\t{rng.choice(UPDATES)}"
            )
    lines += ["", "Decisions", "", "Area\tDecision Ref\tDescription"]
    decisions = rng.randint(1, 4)
    for seq in range(1, decisions + 1):
        lines.append(
            f"{rng.choice(AREAS)}\t{group}-DEC{number * 4 + seq:02d}\tThe {group} approved "
            f"{rng.choice(THINGS)} version {rng.randint(1, 9)}.{rng.randint(0, 9)}."
        )
    lines += ["", "Minutes", ""]
    for item in range(1, rng.randint(4, 8)):
        speaker = initials_of(rng.choice(attendees)[0])
        lines += [f"{item}. {rng.choice(AREAS)}", ""]
        for _ in range(rng.randint(2, 4)):
            other = initials_of(rng.choice(attendees)[0])
            lines += [
                f"{speaker} introduced the item and summarised previous discussions, noting that "
                f"{rng.choice(THINGS)} had been reviewed by the working group on "
                f"{held - timedelta(days=9):%d %B}. "
                f"Members raised queries on timing, the environments needed and the cost to smaller "
                f"participants. {other} queried whether {rng.choice(THINGS)} would be ready before "
                f"{(held + timedelta(days=40)):%d/%m/%Y}, and {speaker} responded that the Programme would "
                "confirm once the plan was baselined and the dependencies with other working groups were "
                "understood.",
                "",
            ]
        if item <= count:
            lines += [
                f"ACTION {group}{number:02d}-{item:02d} – {speaker} to {rng.choice(VERBS).lower()} "
                f"{rng.choice(THINGS)}",
                "",
            ]
        if item <= decisions:
            lines += [f"The {group} approved the document. (DECISION {group}-DEC{number * 4 + item:02d})", ""]
    lines += [
        f"Date of next {group}: {(held + timedelta(days=28)):%d %B %Y}",
        "",
    ]
    return "\n".join(lines)
