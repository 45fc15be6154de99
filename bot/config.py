"""Settings, from the environment (and a .env file): every one is listed in .env.example."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_PORT = 3000
DEFAULT_LINK_DAYS = 30


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str | None = None
    admin_user_ids: frozenset[str] = field(default_factory=frozenset)
    port: int = DEFAULT_PORT
    log_level: str = "INFO"
    teams_client_id: str | None = None
    teams_client_secret: str | None = None
    teams_tenant_id: str | None = None
    teams_admin_ids: frozenset[str] = field(default_factory=frozenset)
    teams_dev: bool = False
    teams_openid_metadata_url: str | None = None  # where Bot Framework token keys are published
    smtp_url: str | None = None  # smtp://user:password@host:587 (STARTTLS) or smtps://...:465
    email_from: str | None = None
    email_reply_to: str | None = None
    public_url: str | None = None  # where the links in emails point (the bot's own port, behind HTTPS)
    email_link_key: str | None = None  # signs the links in emails
    email_link_days: int = DEFAULT_LINK_DAYS

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        port = env.get("PORT") or str(DEFAULT_PORT)
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_app_token=env.get("SLACK_APP_TOKEN") or None,
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            slack_api_url=env.get("SLACK_API_URL") or None,
            admin_user_ids=_ids(env.get("SLACK_ADMIN_USER_IDS")),
            port=int(port) if port.isdigit() else DEFAULT_PORT,
            log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
            teams_client_id=env.get("TEAMS_CLIENT_ID") or None,
            teams_client_secret=env.get("TEAMS_CLIENT_SECRET") or None,
            teams_tenant_id=env.get("TEAMS_TENANT_ID") or None,
            teams_admin_ids=_ids(env.get("TEAMS_ADMIN_IDS"), lower=True),
            teams_dev=(env.get("TEAMS_DEV") or "").strip().lower() in {"1", "true", "yes", "on"},
            teams_openid_metadata_url=env.get("TEAMS_OPENID_METADATA_URL") or None,
            smtp_url=env.get("SMTP_URL") or None,
            email_from=env.get("EMAIL_FROM") or None,
            email_reply_to=env.get("EMAIL_REPLY_TO") or None,
            public_url=(env.get("PUBLIC_URL") or "").rstrip("/") or None,
            email_link_key=env.get("EMAIL_LINK_KEY") or None,
            email_link_days=_days(env.get("EMAIL_LINK_DAYS")),
        )

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token)

    @property
    def teams_configured(self) -> bool:
        return bool(self.teams_client_id) or self.teams_dev

    @property
    def email_configured(self) -> bool:
        return bool(self.smtp_url)

    def missing_email(self) -> list[str]:
        """The settings sending email needs that are not set (with SMTP_URL set)."""
        needed = {
            "EMAIL_FROM": self.email_from,
            "PUBLIC_URL": self.public_url,
            "EMAIL_LINK_KEY": self.email_link_key,
        }
        return [name for name, value in needed.items() if not value]

    def missing_teams(self) -> list[str]:
        """The settings Teams needs that are not set (none in development mode)."""
        if self.teams_dev:
            return []
        needed = {
            "TEAMS_CLIENT_ID": self.teams_client_id,
            "TEAMS_CLIENT_SECRET": self.teams_client_secret,
            "TEAMS_TENANT_ID": self.teams_tenant_id,
        }
        return [name for name, value in needed.items() if not value]

    def missing(self, http: bool) -> list[str]:
        """The settings a mode needs that are not set."""
        needed = {"SLACK_BOT_TOKEN": self.slack_bot_token}
        if http:
            needed["SLACK_SIGNING_SECRET"] = self.slack_signing_secret
        else:
            needed["SLACK_APP_TOKEN"] = self.slack_app_token
        return [name for name, value in needed.items() if not value]

    @property
    def api_base_url(self) -> str | None:
        if not self.slack_api_url:
            return None
        return self.slack_api_url if self.slack_api_url.endswith("/") else self.slack_api_url + "/"


def _days(text: str | None) -> int:
    value = (text or "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_LINK_DAYS


def _ids(text: str | None, *, lower: bool = False) -> frozenset[str]:
    """A comma- (or semicolon-) separated list of ids; Entra object ids compare lower-case."""
    parts = (part.strip() for part in (text or "").replace(";", ",").split(","))
    return frozenset(part.lower() if lower else part for part in parts if part)
