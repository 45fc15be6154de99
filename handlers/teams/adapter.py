"""The Teams SDK's HTTP server adapter for aiohttp: the SDK's messaging endpoint (with its token check)
served by the same aiohttp application as Slack's, so both platforms can share one port.

With an answering loop (handlers/answer_loop.py), the SDK runs there: this loop checks an activity's token
with the SDK's own validator and acknowledges it, and the SDK handles it on the other loop, so answers
being composed never delay an acknowledgement. An invoke (a card's button, a dialog), whose answer is its
response, waits for the SDK's."""

from __future__ import annotations

import json
import logging

from aiohttp import web

from handlers.answer_loop import AnswerLoop

log = logging.getLogger("tmag-bot.teams")


class AiohttpAdapter:
    """Implements the SDK's HttpServerAdapter protocol: the SDK registers its routes here, and the bot's
    own aiohttp application serves them (the server's start and stop are the bot's, not the SDK's)."""

    def __init__(self, *, require_auth: bool = True, answers: AnswerLoop | None = None) -> None:
        self.routes: list[web.RouteDef] = []
        self.require_auth = require_auth
        self.answers = answers
        self.validator = None  # the SDK's InboundActivityTokenValidator, where tokens are checked here

    def check_tokens_with(self, client_id: str, cloud) -> None:
        """Check tokens on this loop, as the SDK does (its validator, the same app id and cloud)."""
        from microsoft_teams.apps.auth import InboundActivityTokenValidator

        self.validator = InboundActivityTokenValidator(client_id, cloud=cloud)

    async def _token_refused(self, body: dict, headers) -> bool:
        if not self.require_auth:
            return False
        authorization = headers.get("Authorization") or ""
        if self.validator is None or not authorization.startswith("Bearer "):
            return True
        try:
            await self.validator.validate_token(authorization.removeprefix("Bearer "), body.get("serviceUrl"))
        except Exception as exc:  # the SDK raises PyJWT's errors, and others for keys it cannot fetch
            log.warning("Teams token refused: %s", exc)
            return True
        return False

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
            sdk_request = {"body": body, "headers": dict(request.headers)}
            if self.answers is None:
                result = await handler(sdk_request)
            elif body.get("type") != "invoke":
                if await self._token_refused(body, request.headers):
                    return web.json_response({"error": "Unauthorized"}, status=401)
                self.answers.later(handler(sdk_request))
                return web.Response(status=200)
            else:
                result = await self.answers.run(handler(sdk_request))
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
