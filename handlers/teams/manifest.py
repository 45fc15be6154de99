"""The Teams app package: manifest.json and the two icons, zipped, ready to upload in Teams ("Apps",
"Manage your apps", "Upload an app") or in the Teams admin centre.

The manifest declares the bot (personal chats, teams, group chats), the commands Teams suggests as you
type, the message action "Mark action done", and the resource-specific consent ChannelMessage.Read.Group,
which lets the bot see channel messages that do not mention it ("TMAG22-01 done"), in the teams it is
installed in and nowhere else.
"""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from importlib import resources

from bot import __version__
from handlers.teams import ids

MANIFEST_VERSION = "1.19"
SCHEMA = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
ACCENT = "#1F5C99"  # the colour icon's background

# (title <= 32 characters, description <= 128): what Teams suggests when someone types to the bot
COMMANDS = [
    ("what is open for me", "Your open actions: named, by role, for your organisation, for the group"),
    ("what is overdue", "Overdue actions, those with news first"),
    ("show TMAG22-01", "One action or decision, with its history"),
    ("done TMAG22-01 note", "Close an action you own, with a note of what was done"),
    ("update TMAG22-01 text", "Add an update to an action"),
    ("what did we decide about", "Decisions on a topic, newest first"),
    ("when is the next meeting", "The group's next meeting and its digest"),
    ("digest", "The digest of the next meeting, as it will be posted"),
    ("undo", "Undo your last change"),
    ("help", "Everything I understand"),
]


class ManifestError(ValueError):
    pass


def manifest(app_id: str, website: str, *, name: str = "tmag-bot", developer: str = "MHHS PMO") -> dict:
    """The app manifest for the bot registered as `app_id` (its Entra app id, which is also the app's)."""
    try:
        app_id = str(uuid.UUID(app_id))
    except ValueError:
        raise ManifestError(
            f"the app id must be the bot's Entra app (client) id, a GUID, not “{app_id}”"
        ) from None
    if not re.match(r"^https://[^\s/]+", website or ""):
        raise ManifestError(f"the website must be an https:// address, not “{website}”")
    if not 0 < len(name) <= 30:
        raise ManifestError("the app's name must be 1 to 30 characters")
    base = website.rstrip("/")
    commands = [{"title": title, "description": text} for title, text in COMMANDS]
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": __version__,
        "id": app_id,
        "developer": {
            "name": developer[:32],
            "websiteUrl": website,
            "privacyUrl": f"{base}/privacy",
            "termsOfUseUrl": f"{base}/terms",
        },
        "name": {"short": name, "full": f"{name}: actions and decisions between meetings"[:100]},
        "description": {
            "short": "Your group's actions and decisions, between meetings"[:80],
            "full": (
                "Reads the secretariat's headline reports and minutes, answers members' questions "
                "(what is open for me, what did we decide about...), posts a digest before every meeting "
                "and lets owners mark actions done from a message, a button or a message action, with an "
                "audit trail of who changed what."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal", "team", "groupChat"],
                "supportsFiles": True,  # reports sent to the bot in a personal chat
                "isNotificationOnly": False,
                "commandLists": [
                    {"scopes": ["personal"], "commands": commands},
                    {"scopes": ["team", "groupChat"], "commands": commands},
                ],
            }
        ],
        "composeExtensions": [
            {
                "botId": app_id,
                "commands": [
                    {
                        "id": ids.MARK_DONE_COMMAND,
                        "type": "action",
                        "context": ["message"],
                        "title": "Mark action done",
                        "description": "Close the actions this message names, with a note",
                        "fetchTask": True,
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
        "webApplicationInfo": {"id": app_id, "resource": f"api://botid-{app_id}"},
        "authorization": {
            "permissions": {
                "resourceSpecific": [{"name": "ChannelMessage.Read.Group", "type": "Application"}]
            }
        },
    }


def icon(name: str) -> bytes:
    return resources.files("handlers.teams").joinpath("assets", name).read_bytes()


def package(app_id: str, website: str, **names: str) -> bytes:
    """The app package (a zip of manifest.json and the icons, at its root)."""
    found = manifest(app_id, website, **names)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(found, indent=2, ensure_ascii=False))
        for name in ("color.png", "outline.png"):
            archive.writestr(name, icon(name))
    return buffer.getvalue()
