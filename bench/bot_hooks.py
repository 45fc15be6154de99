"""`tmag-bot` as the benchmarks run it: the bot's own command line (`python -m bench.bot_hooks serve ...`
is `python -m bot serve ...`), with what a benchmark on loopback needs switched on by the environment,
and nothing otherwise.

- TMAG_BENCH_ENTRA_TOKEN=JWT: the Teams SDK gets its outgoing token from MSAL as it does in production,
  but MSAL's two calls to Entra (the tenant's OpenID configuration, then the token) are answered in the
  process with this token, the bot having no setting to point them elsewhere (Entra is on the internet,
  and MSAL takes https addresses only). MSAL keeps the token for an hour, as it would Entra's.
- TMAG_BENCH_PROFILE=DIR: profiles the serving process (bench/profiling.py) and writes what it found to
  DIR when the process stops.
"""

from __future__ import annotations

import json
import os
import sys
import time

ENTRA_TOKEN = "TMAG_BENCH_ENTRA_TOKEN"
PROFILE = "TMAG_BENCH_PROFILE"


class _Response:
    def __init__(self, body: dict, status: int = 200) -> None:
        self.status_code = status
        self.text = json.dumps(body)
        self.headers = {"Content-Type": "application/json"}

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise RuntimeError(f"HTTP {self.status_code}")


class EntraInProcess:
    """MSAL's HTTP client (its documented interface: get and post returning a response), answering as
    Entra does the two requests a client-credentials token takes."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[str] = []

    def get(self, url, params=None, headers=None, **kwargs):
        self.calls.append(url)
        if url.endswith("/.well-known/openid-configuration"):
            base = url.removesuffix("/v2.0/.well-known/openid-configuration")
            return _Response(
                {
                    "issuer": f"{base}/v2.0",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                }
            )
        return _Response({"error": "not_found"}, 404)

    def post(self, url, params=None, data=None, headers=None, **kwargs):
        self.calls.append(url)
        if url.endswith("/oauth2/v2.0/token"):
            return _Response({"token_type": "Bearer", "expires_in": 3600, "access_token": self.token})
        return _Response({"error": "not_found"}, 404)


def install_entra(token: str) -> EntraInProcess:
    """The Teams SDK's MSAL clients made with an in-process Entra."""
    from handlers.teams.app import quiet_sdk_warnings

    quiet_sdk_warnings()  # as the bot does before it imports the SDK, which warns on import
    import msal
    from microsoft_teams.apps import token_manager

    entra = EntraInProcess(token)

    def confidential_client(*args, **kwargs):
        kwargs.setdefault("http_client", entra)
        return msal.ConfidentialClientApplication(*args, **kwargs)

    token_manager.ConfidentialClientApplication = confidential_client
    return entra


def outgoing_token(key, app_id: str, tenant: str) -> str:
    """A token as Entra issues one to a bot for the Bot Connector (what the bot sends with each reply)."""
    import jwt

    now = int(time.time())
    claims = {
        "aud": "https://api.botframework.com",
        "iss": f"https://sts.windows.net/{tenant}/",
        "appid": app_id,
        "tid": tenant,
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "entra-bench"})


def install_from_environment():
    """The hooks the environment asks for; what stops them (a callable), or None."""
    if os.environ.get(ENTRA_TOKEN):
        install_entra(os.environ[ENTRA_TOKEN])
    if os.environ.get(PROFILE):
        from bench.profiling import start

        return start(os.environ[PROFILE])
    return None


def main() -> int:
    finish = install_from_environment()
    from bot.cli import run

    try:
        return run()
    finally:
        if finish is not None:
            finish()


if __name__ == "__main__":
    sys.exit(main())
