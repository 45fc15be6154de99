"""Starting the bot: missing settings are named in one line; Socket Mode needs no signing secret."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.config import Settings
from handlers.slack.app import build_app
from handlers.slack.context import Services
from tests.slack.conftest import NOW


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (["serve"], {}, "missing settings for Socket Mode: SLACK_BOT_TOKEN, SLACK_APP_TOKEN"),
        (["serve"], {"SLACK_BOT_TOKEN": "xoxb-1"}, "missing settings for Socket Mode: SLACK_APP_TOKEN"),
        (
            ["serve", "--http"],
            {"SLACK_BOT_TOKEN": "xoxb-1"},
            "missing settings for HTTP mode: SLACK_SIGNING_SECRET",
        ),
        (
            ["serve", "--teams"],
            {"TEAMS_CLIENT_ID": "app-id"},
            "missing settings for Teams: TEAMS_CLIENT_SECRET, TEAMS_TENANT_ID",
        ),
        (
            ["serve", "--http", "--teams"],
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"},
            "missing settings for HTTP mode and Teams: TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET, TEAMS_TENANT_ID",
        ),
    ],
)
def test_missing_settings_are_named(args, env, named, monkeypatch, capsys, db_url):
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "TEAMS_CLIENT_ID",
        "TEAMS_DEV",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and named in err[0] and ".env.example" in err[0]
    # ... and how to try the bot without any credentials at all.
    assert "tmag-bot chat" in err[0] and "serve --teams --dev" in err[0]


async def test_socket_mode_app_needs_no_signing_secret(db):
    settings = Settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1")
    app = build_app(Services(db, NOW, settings))
    assert app.client.token == "xoxb-1"
    assert app.client.base_url == "https://slack.com/api/"


def test_settings_from_the_environment():
    settings = Settings.from_env(
        {"SLACK_ADMIN_USER_IDS": "U1, U2;U3", "PORT": "8080", "SLACK_API_URL": "http://x/api"}
    )
    assert settings.admin_user_ids == {"U1", "U2", "U3"}
    assert settings.port == 8080
    assert settings.api_base_url == "http://x/api/"
