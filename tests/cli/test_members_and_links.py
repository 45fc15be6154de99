"""Members' emails and chat links on the command line: `member add --email`, `member import`, `member
links`, `member confirm`, `member unlink`, the identity audit trail, and what the export leaves out;
and the upgrade that turned the links made before link kinds into claims."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import text

from bot.cli import main
from storage.db import migrate
from tests.fixtures.world import HEADLINE_032, MINUTES_031


def setup(write, capsys):
    assert (
        main(["import", str(write("wmag-031.txt", MINUTES_031)), str(write("wmag-032.txt", HEADLINE_032))])
        == 0
    )
    capsys.readouterr()


def export(capsys, *flags) -> dict:
    capsys.readouterr()
    assert main(["export", *flags]) == 0
    return json.loads(capsys.readouterr().out)


def test_links_are_confirmed_listed_and_unlinked_with_an_audit_trail(db_url, write, capsys):
    setup(write, capsys)
    assert (
        main(["member", "add", "Sam Hatton", "--slack-id", "U0SAM", "--email", "Sam.Hatton@Example.org"]) == 0
    )
    assert main(["member", "confirm", "Rowan Pike", "--teams", "AAD-ROWAN"]) == 0
    assert (
        capsys.readouterr().out.strip().endswith("Rowan Pike is linked to Teams user aad-rowan, confirmed.")
    )
    assert main(["member", "links"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Rowan Pike: Teams aad-rowan (confirmed; secretariat rights)",
        "Sam Hatton: Slack U0SAM (confirmed; member rights)",
    ]
    assert main(["member", "links", "--pending"]) == 0
    assert capsys.readouterr().out.strip() == "No claims waiting for the secretariat."
    assert main(["member", "confirm", "Rowen Pike", "--slack", "U0X"]) == 1
    assert "Did you mean Rowan Pike?" in capsys.readouterr().err
    assert main(["member", "confirm", "Rowan Pike"]) == 1
    assert main(["member", "unlink", "Rowan Pike"]) == 0
    assert capsys.readouterr().out.strip() == "Rowan Pike is no longer linked to Teams user aad-rowan."
    data = export(capsys, "--with-personal-data")
    sam = next(m for m in data["members"] if m["name"] == "Sam Hatton")
    assert sam["email"] == "sam.hatton@example.org" and sam["slack"] == {"user": "U0SAM", "link": "confirmed"}
    trail = [
        (e["member"], e["kind"], e["user"], e["link"])
        for e in data["identity_events"]
        if e["kind"] != "granted"
    ]
    assert trail == [
        ("Sam Hatton", "confirmed", "U0SAM", "confirmed"),
        ("Rowan Pike", "confirmed", "aad-rowan", "confirmed"),
        ("Rowan Pike", "unlinked", "aad-rowan", None),
    ]
    # Without the flag, nothing personal: no emails, chat users or identity trail.
    plain = export(capsys)
    assert "identity_events" not in plain
    assert all(set(m) == {"name", "initials", "role", "organisation"} for m in plain["members"])
    assert "example.org" not in json.dumps(plain)


def test_granting_and_revoking_rights_are_audit_events(db_url, write, capsys):
    setup(write, capsys)
    assert main(["member", "add", "Sam Hall", "--secretariat"]) == 0
    assert main(["member", "add", "Sam Hall", "--no-secretariat"]) == 0
    assert main(["member", "add", "Rowan Pike", "--no-chair"]) == 0
    events = export(capsys, "--with-personal-data")["identity_events"]
    # The reports' roles granted the PMO lead the secretariat's rights and the chair the chair's.
    granted = [(e["member"], e["kind"], e["text"], e["by"], e["source"]) for e in events]
    assert ("Ada Brooks", "granted", "secretariat", "report", "wmag-031.txt") in granted
    assert ("Rowan Pike", "granted", "chair", "report", "wmag-031.txt") in granted
    changed = [(m, k, t) for m, k, t, by, _ in granted if by != "report"]
    assert changed == [
        ("Sam Hall", "granted", "secretariat"),
        ("Sam Hall", "revoked", "secretariat"),
        ("Rowan Pike", "revoked", "chair"),
    ]


def test_a_members_list_goes_in_whole_or_not_at_all(db_url, write, capsys, tmp_path):
    setup(write, capsys)
    good = tmp_path / "members.csv"
    good.write_text(
        "Full name,Email,Organisation,Role,Phone\n"
        "Sam Hatton,sam.hatton@example.org,Northern Grid,DNO Representative,0100\n"
        "Noor Haddad,noor@example.org,Elexon,Test Manager,\n"
        ",,,,\n"
    )
    assert main(["member", "import", str(good)]) == 0
    assert capsys.readouterr().out.strip() == "members.csv: 1 members added, 1 changed, 0 unchanged."
    assert main(["member", "import", str(good)]) == 0  # the same list again changes nothing
    assert capsys.readouterr().out.strip() == "members.csv: 0 members added, 0 changed, 2 unchanged."
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name;email\nLena Ortiz;lena@example.org\nCher;cher@example.org\nTom Okafor;not-an-email\n"
        "Dave Marsh;lena@example.org\n"
    )
    assert main(["member", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "nothing imported, 3 bad row(s)" in err
    assert "row 3: “Cher” needs a first name and a surname" in err
    assert "row 4: “not-an-email” is not an email address" in err
    assert "row 5: lena@example.org is also the email in row 2" in err
    members = {m["name"]: m for m in export(capsys, "--with-personal-data")["members"]}
    assert members["Lena Ortiz"]["email"] is None  # the bad file changed nothing
    assert members["Noor Haddad"]["email"] == "noor@example.org"
    missing = tmp_path / "none.csv"
    missing.write_text("email\nx@example.org\n")
    assert main(["member", "import", str(missing)]) == 1
    assert "no Name column" in capsys.readouterr().err


@pytest.mark.sqlite_only
def test_the_upgrade_makes_old_links_claims_except_the_admins(db_url, write, capsys, monkeypatch, caplog):
    """Links made before link kinds carry no record of how: claims, except a configured admin id's; the
    upgrade says how many links to the secretariat or the chair lost those rights meanwhile."""
    from alembic import command

    from storage.db import _alembic_config

    setup(write, capsys)
    command.downgrade(_alembic_config(db_url), "0015")
    path = db_url.removeprefix("sqlite:///")
    import sqlite3

    with sqlite3.connect(path) as connection:
        for name, slack, teams in (
            ("Ada Brooks", "U0ADA", None),
            ("Rowan Pike", "U0ROWAN", "aad-rowan"),
            ("Sam Hatton", "U0SAM", None),
        ):
            connection.execute(
                "UPDATE member SET slack_user_id = ?, teams_user_id = ? WHERE name = ?", (slack, teams, name)
            )
    monkeypatch.setenv("SLACK_ADMIN_USER_IDS", "U0ADA, U0OTHER")
    with caplog.at_level(logging.WARNING, logger="tmag-bot"):
        migrate(db_url)
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT name, slack_link, teams_link FROM member WHERE slack_user_id IS NOT NULL ORDER BY name"
        ).fetchall()
    assert rows == [
        ("Ada Brooks", "configured", None),
        ("Rowan Pike", "claimed", "claimed"),
        ("Sam Hatton", "claimed", None),
    ]
    assert "2 link(s) to the secretariat or the chair are claims until confirmed" in caplog.text


async def test_a_members_claimed_rights_reach_only_their_own_actions(db, write):
    """The rule underneath both platforms: a claim is the member's own actions (named, constituency,
    whole group), never an organisation's or an office's; a trusted link is all of the member's; no
    link is nothing, whatever the name."""
    from bot.people.identity import CLAIMED, CONFIRMED, identify
    from bot.record.changes import change_action
    from tests.fixtures.world import build_world, clock_at

    await build_world(db, write)
    now = clock_at("2023-11-16T09:00")
    async with db.read() as session:
        lena_claimed = await identify(session, "Lena Ortiz", link=CLAIMED)  # a Programme Test Architect
        lena = await identify(session, "Lena Ortiz", link=CONFIRMED)
        priya_claimed = await identify(session, "Priya Natarajan", link=CLAIMED)
        nobody = await identify(session, "Sam Hatton")
    assert (await change_action(db, "WMAG31-07", "close", lena_claimed, now)).ok is False  # the Programme's
    assert (await change_action(db, "WMAG31-01", "update", lena_claimed, now, note="booked")).ok  # names her
    assert (
        await change_action(db, "WMAG31-09", "update", priya_claimed, now, note="drafted")
    ).ok  # iDNO reps
    assert (await change_action(db, "WMAG31-06", "update", priya_claimed, now, note="sent")).ok  # the group's
    assert (await change_action(db, "WMAG31-02", "close", nobody, now)).ok is False  # a name is not a link
    assert (await change_action(db, "WMAG31-07", "close", lena, now)).ok  # confirmed: the Programme's too
    async with db.read() as session:
        kinds = dict(
            (
                await session.exec(
                    text("SELECT text, link_kind FROM action_event WHERE text IN ('booked', 'sent')")
                )
            ).all()
        )
    assert kinds == {"booked": "claimed", "sent": "claimed"}
