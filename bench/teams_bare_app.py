"""The least a Teams bot can do and still answer: a bare aiohttp server that checks each activity's
Bearer token (a JWT signed with one of the keys the Bot Framework's OpenID metadata publishes, for this
bot, from the Bot Framework, for the activity's service URL), acknowledges a message and then posts an
echo to the conversation at its serviceUrl, and answers a card button (an invoke) with a card in its
response. The floor the bot's acknowledgements are held to.

python -m bench.teams_bare_app --port 3103
  (TEAMS_CLIENT_ID and TEAMS_OPENID_METADATA_URL set; TMAG_BENCH_ENTRA_TOKEN, the token its replies carry)
"""

from __future__ import annotations

import asyncio
import json
import os

import aiohttp
import jwt
from aiohttp import web

from bench.reference_apps import HEALTH_ROUTE, run

ISSUER = "https://api.botframework.com"
CARD = "application/vnd.microsoft.card.adaptive"


class Keys:
    """The signing keys, fetched once from the metadata's jwks_uri and kept by key id."""

    def __init__(self, metadata_url: str) -> None:
        self.metadata_url = metadata_url
        self.keys: dict[str, jwt.PyJWK] = {}

    async def fetch(self, http: aiohttp.ClientSession) -> None:
        async with http.get(self.metadata_url) as response:
            metadata = await response.json(content_type=None)
        async with http.get(metadata["jwks_uri"]) as response:
            found = jwt.PyJWKSet.from_dict(await response.json(content_type=None))
        self.keys = {key.key_id: key for key in found.keys}


def build() -> web.Application:
    app_id = os.environ["TEAMS_CLIENT_ID"]
    outgoing = os.environ["TMAG_BENCH_ENTRA_TOKEN"]
    keys = Keys(os.environ["TEAMS_OPENID_METADATA_URL"])
    background: set[asyncio.Task] = set()
    sessions: list[aiohttp.ClientSession] = []

    def valid(authorization: str, service_url: str | None) -> bool:
        token = authorization.removeprefix("Bearer ").strip()
        try:
            key = keys.keys.get(jwt.get_unverified_header(token).get("kid"))
            if key is None:
                return False
            claims = jwt.decode(
                token, key.key, algorithms=["RS256"], audience=app_id, issuer=ISSUER, leeway=60
            )
        except jwt.PyJWTError:
            return False
        return str(claims.get("serviceurl") or "").rstrip("/") == str(service_url or "").rstrip("/")

    async def reply(activity: dict) -> None:
        conversation = activity["conversation"]
        url = f"{activity['serviceUrl'].rstrip('/')}/v3/conversations/{conversation['id']}/activities"
        answer = {
            "type": "message",
            "text": f"echo: {activity.get('text')}",
            "from": activity.get("recipient"),
            "recipient": activity.get("from"),
            "conversation": conversation,
            "replyToId": activity.get("id"),
        }
        headers = {"Authorization": f"Bearer {outgoing}"}
        async with sessions[0].post(url, json=answer, headers=headers) as sent:
            await sent.read()

    async def messages(request: web.Request) -> web.Response:
        try:
            activity = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400)
        if not isinstance(activity, dict) or not valid(
            request.headers.get("Authorization") or "", activity.get("serviceUrl")
        ):
            return web.Response(status=401)
        if activity.get("type") == "invoke":
            verb = ((activity.get("value") or {}).get("action") or {}).get("verb")
            card = {
                "type": "AdaptiveCard",
                "version": "1.5",
                "body": [{"type": "TextBlock", "text": f"pressed: {verb}"}],
            }
            return web.json_response({"statusCode": 200, "type": CARD, "value": card})
        if activity.get("type") == "message":
            task = asyncio.ensure_future(reply(activity))
            background.add(task)
            task.add_done_callback(background.discard)
        return web.Response(status=200)

    async def client(_app):
        sessions.append(aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)))
        await keys.fetch(sessions[0])
        yield
        await sessions[0].close()

    application = web.Application()
    application.cleanup_ctx.append(client)
    application.add_routes([web.post("/api/messages", messages), HEALTH_ROUTE])
    return application


def main() -> None:
    run(build, __doc__, 3103)


if __name__ == "__main__":
    main()
