"""The Teams SDK's HTTP server adapter for aiohttp: the SDK's messaging endpoint (with its token check)
served by the same aiohttp application as Slack's, so both platforms can share one port."""

from __future__ import annotations

import json
import logging

from aiohttp import web

log = logging.getLogger("tmag-bot.teams")


class AiohttpAdapter:
    """Implements the SDK's HttpServerAdapter protocol: the SDK registers its routes here, and the bot's
    own aiohttp application serves them (the server's start and stop are the bot's, not the SDK's)."""

    def __init__(self, *, require_auth: bool = True) -> None:
        self.routes: list[web.RouteDef] = []
        self.require_auth = require_auth

    def register_route(self, method, path: str, handler) -> None:
        if method != "POST":
            raise ValueError(f"unsupported method {method}")

        async def route(request: web.Request) -> web.Response:
            try:
                body = json.loads(await request.read() or b"null")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                # Checked before the SDK sees it: an unauthenticated request is refused first, whatever
                # its body; a signed-in one that is not an activity is a bad request.
                if self.require_auth and "authorization" not in {k.lower() for k in request.headers}:
                    return web.json_response({"error": "Unauthorized"}, status=401)
                return web.json_response({"error": "not an activity"}, status=400)
            result = await handler({"body": body, "headers": dict(request.headers)})
            payload = result.get("body")
            if payload is None:
                return web.Response(status=result["status"])
            return web.json_response(payload, status=result["status"])

        self.routes.append(web.post(path, route))

    def serve_static(self, path: str, directory: str) -> None:
        self.routes.append(web.static(path, directory))

    async def start(self, port: int) -> None:
        raise NotImplementedError("the bot's own aiohttp server serves these routes")

    async def stop(self) -> None:
        return None
