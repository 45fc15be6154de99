"""The Teams app package: what Teams checks on upload (the manifest's required parts, its limits, the
icons' sizes), and the command line that writes it."""

from __future__ import annotations

import io
import json
import struct
import zipfile

import pytest

from bot.cli import main
from handlers.teams import ids
from handlers.teams.manifest import ManifestError, manifest, package

APP_ID = "6f1f5b4e-8d1c-4b1a-9a55-0c2f1d7e9b10"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_package_holds_a_manifest_teams_accepts_and_its_icons():
    archive = zipfile.ZipFile(io.BytesIO(package(APP_ID, "https://mhhs.example.org")))
    assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
    found = json.loads(archive.read("manifest.json"))
    assert found["id"] == APP_ID and found["bots"][0]["botId"] == APP_ID
    assert found["manifestVersion"] in found["$schema"]
    assert png_size(archive.read(found["icons"]["color"])) == (192, 192)
    assert png_size(archive.read(found["icons"]["outline"])) == (32, 32)
    assert len(found["name"]["short"]) <= 30 and len(found["name"]["full"]) <= 100
    assert len(found["description"]["short"]) <= 80 and len(found["description"]["full"]) <= 4000
    for url in found["developer"].values():
        assert url.startswith("https://") or url == found["developer"]["name"]
    for listed in found["bots"][0]["commandLists"]:
        assert len(listed["commands"]) <= 10
        assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in listed["commands"])
    action = found["composeExtensions"][0]["commands"][0]
    assert action["id"] == ids.MARK_DONE_COMMAND and action["context"] == ["message"] and action["fetchTask"]
    consent = found["authorization"]["permissions"]["resourceSpecific"]
    assert {"name": "ChannelMessage.Read.Group", "type": "Application"} in consent
    assert found["webApplicationInfo"]["id"] == APP_ID  # resource-specific consent needs it


@pytest.mark.parametrize(
    ("app_id", "website", "says"),
    [
        ("tmag-bot", "https://mhhs.example.org", "GUID"),
        (APP_ID, "http://mhhs.example.org", "https://"),
        (APP_ID, "", "https://"),
    ],
)
def test_a_wrong_app_id_or_website_is_refused(app_id, website, says):
    with pytest.raises(ManifestError, match=says):
        manifest(app_id, website)


def test_the_command_line_writes_it(tmp_path, capsys):
    out = tmp_path / "app.zip"
    assert (
        main(["teams", "package", "--app-id", APP_ID, "--website", "https://x.example", "--out", str(out)])
        == 0
    )
    assert "manifest.json" in zipfile.ZipFile(out).namelist()
    assert main(["teams", "package", "--website", "https://x.example", "--out", str(out)]) == 1
    assert "TEAMS_CLIENT_ID" in capsys.readouterr().err
