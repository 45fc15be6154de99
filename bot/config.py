"""Settings, from the environment (and a .env file): every one is listed in .env.example."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_PORT = 3000


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

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        listed = (env.get("SLACK_ADMIN_USER_IDS") or "").replace(";", ",").split(",")
        admins = {part.strip() for part in listed}
        port = env.get("PORT") or str(DEFAULT_PORT)
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_app_token=env.get("SLACK_APP_TOKEN") or None,
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            slack_api_url=env.get("SLACK_API_URL") or None,
            admin_user_ids=frozenset(a for a in admins if a),
            port=int(port) if port.isdigit() else DEFAULT_PORT,
            log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
        )

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
