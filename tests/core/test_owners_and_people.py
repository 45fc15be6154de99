"""Owner cells into owners, and names into members: the traps of issue #3."""

from __future__ import annotations

import pytest

from bot.people.matching import MemberIndex, person_score
from bot.people.owners import parse_owner


def parts(cell):
    return [(p.kind, p.name, p.organisation, p.role) for p in parse_owner(cell, {"WMAG"}, "WMAG")]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (
            "Programme (Lena Ortiz, PMO)",
            [("person", "Lena Ortiz", "programme", None), ("role", "PMO", "programme", None)],
        ),
        (
            "Sam Hall, Tom Okafor, Grace Lowe",
            [
                ("person", "Sam Hall", None, None),
                ("person", "Tom Okafor", None, None),
                ("person", "Grace Lowe", None, None),
            ],
        ),
        (
            "Lena Ortiz, Dave Marsh (/Noor Haddad)",
            [
                ("person", "Lena Ortiz", None, None),
                ("person", "Dave Marsh", None, None),
                ("person", "Noor Haddad", None, None),
            ],
        ),
        ("iDNO rep (Priya Natarajan)", [("person", "Priya Natarajan", None, "idno representative")]),
        ("WMAG members", [("group", "WMAG members", None, None)]),
        ("WMAG representatives", [("group", "WMAG representatives", None, None)]),
        ("All members", [("group", "All members", None, None)]),
        ("Programme", [("organisation", "Programme", None, None)]),
        ("Programme (PMO)", [("role", "PMO", "programme", None)]),
        ("DNO Representative (Sam Hatton)", [("person", "Sam Hatton", None, "dno representative")]),
        ("Chair and Secretariat", [("role", "Chair", None, None), ("role", "Secretariat", None, None)]),
        ("<b>Programme</b> (Ada&nbsp;Brooks)", [("person", "Ada Brooks", "programme", None)]),
        ("TBC", []),
        ("", []),
    ],
)
def test_owner_cells_are_parsed_into_their_owners(cell, expected):
    assert parts(cell) == expected


def test_role_keys_tell_dno_from_idno():
    dno, idno = parse_owner("DNO reps", set())[0], parse_owner("iDNO representatives", set())[0]
    assert (dno.key, idno.key) == ("dno representative", "idno representative")


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("priya natarajen", "priya natarajan", True),  # a typo
        ("nicola burnford", "nicola bumford", True),  # "rn" read for "m"
        ("dave marsh", "david marsh", True),  # a nickname
        ("chris okafor", "christopher okafor", True),
        ("l ortiz", "lena ortiz", True),  # an initial
        ("sam hall", "sam hatton", False),
        ("lena ortiz", "lena ortega", False),
        ("tom okafor", "tom okoro", False),
        ("grace lowe", "grace lowry", False),
        ("ortiz", "lena ortiz", False),  # a surname alone is not enough
    ],
)
def test_person_matching_forgives_typos_but_not_other_people(a, b, same):
    assert (person_score(a, b) >= 85) is same


def test_a_name_that_fits_two_members_equally_goes_to_neither():
    index = MemberIndex()
    index.add(1, "jo marsh")
    index.add(2, "jon marsh")
    assert index.best("j marsh") is None
    assert index.best("jo marsh") == (1, 100.0)


class FuzzyOnly(MemberIndex):
    """Every name compared with every member, as before exact names were looked up first."""

    def _exactly(self, name_key):
        return None


def test_a_members_exact_name_resolves_as_comparing_it_with_everyone_would():
    members = [
        "nicola bumford",
        "nicola burnford",  # the same surname as misread: both score 100 against either
        "john smith",
        "john a smith",  # the same first name and surname
        "ian hall",
        "ian hatton",
        "david jones",
        "dave jones",
        "cher",
        "martin hanley",
    ]
    quick, full = MemberIndex(), FuzzyOnly()
    for member_id, name in enumerate(members, start=1):
        quick.add(member_id, name)
        full.add(member_id, name)
    asked = [*members, "ian hal", "martin cranfield", "nicola bunford", "j smith", "cher lloyd", "john smyth"]
    assert [quick.best(name) for name in asked] == [full.best(name) for name in asked]
    assert quick.best("ian hall") == (5, 100.0) and quick.best("martin hanley") == (10, 100.0)
    quick.add(11, "ian hall")  # a second member of that name: neither is sure any more
    full.add(11, "ian hall")
    assert quick.best("ian hall") == full.best("ian hall")


def test_initials_and_aliases_resolve_to_the_member():
    index = MemberIndex()
    index.add(1, "lena ortiz", "LO", ["lena.ortiz"])
    index.add(2, "lena ortega", "LOr")
    assert index.best("initials:lo") == (1, 95.0)
    assert index.best("lena ortiz") == (1, 100.0)
    assert index.best("lena ortega") == (2, 100.0)
