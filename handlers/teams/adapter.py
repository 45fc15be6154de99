"""The Teams SDK's HTTP server adapter for aiohttp: the SDK's messaging endpoint (with its token check)
served by the same aiohttp application as Slack's, so both platforms can share one port.

Every activity's token is checked here first (TokenGate), on the loop that acknowledges it, with no
network call on the way: a token from any issuer but the Bot Framework's, or for another tenant, is
refused before a key is looked up; the Bot Framework's signing keys are fetched in the background and
kept. The SDK then checks the token again with the same kept keys.

With an answering loop (handlers/answer_loop.py), the SDK runs there: this loop checks an activity's
token and acknowledges it, and the SDK handles it on the other loop, so answers being composed never
delay an acknowledgement. An invoke (a card's button, a dialog), whose answer is its response, waits
for the SDK's."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import aiohttp
import jwt
from aiohttp import web

from handlers.answer_loop import AnswerLoop
from handlers.failures import one_line_failures

log = logging.getLogger("tmag-bot.teams")

LEEWAY_S = 60  # a token this long past its expiry is still taken (clocks differ); the SDK allows 300
KEYS_FRESH_S = 6 * 3600  # kept keys are fetched again, in the background, once this old
KEYS_RETRY_S = 60  # an unknown key id (a rotation, or a forgery) fetches them again at most this often
KEYS_WAIT_S = 10  # a request waits this long for keys being fetched (the first, or after a rotation)
FETCH_TIMEOUT_S = 10


class TokenRefused(Exception):
    """Why an activity's token was not taken (logged, in one line; the caller gets a bare 401)."""


class SigningKeys:
    """The Bot Framework's signing keys, read from its OpenID metadata document (its jwks_uri), kept by
    key id. Fetched with aiohttp, never blocking the loop: the first time a request needs them, when
    they are older than KEYS_FRESH_S (the request goes on with the kept ones), and when a token names a
    key not kept (at most once every KEYS_RETRY_S)."""

    def __init__(self, metadata_url: str) -> None:
        self.metadata_url = metadata_url
        self.keys: dict[str, jwt.PyJWK] = {}  # replaced whole on each fetch, never changed in place
        self.fetched_at: float | None = None
        self.tried_at: float | None = None
        self._fetching: asyncio.Task | None = None

    def cached(self, key_id: str | None) -> jwt.PyJWK | None:
        return self.keys.get(key_id or "")

    async def key(self, key_id: str | None) -> jwt.PyJWK | None:
        now = time.monotonic()
        found = self.cached(key_id)
        if found is not None:
            if self.fetched_at is not None and now - self.fetched_at > KEYS_FRESH_S:
                self._fetch_in_background()
            return found
        if self._fetching is None and (self.tried_at is None or now - self.tried_at > KEYS_RETRY_S):
            self._fetch_in_background()
        if self._fetching is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._fetching), KEYS_WAIT_S)
            except TimeoutError:
                return None
        return self.cached(key_id)

    def _fetch_in_background(self) -> None:
        if self._fetching is None:
            self.tried_at = time.monotonic()
            self._fetching = asyncio.ensure_future(self._fetch())

    async def _fetch(self) -> None:
        try:
            timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_S)
            async with aiohttp.ClientSession(timeout=timeout, raise_for_status=True) as http:
                async with http.get(self.metadata_url) as response:
                    metadata = await response.json(content_type=None)
                async with http.get(metadata["jwks_uri"]) as response:
                    found = jwt.PyJWKSet.from_dict(await response.json(content_type=None))
            self.keys = {key.key_id: key for key in found.keys if key.key_id}
            self.fetched_at = time.monotonic()
        except Exception as exc:  # the keys kept so far stay; the next need tries again
            log.warning("could not fetch the Bot Framework's signing keys: %s", exc)
        finally:
            self._fetching = None


class TokenGate:
    """The Bot Framework token every activity must carry: signed with one of its keys (RS256), issued by
    it, for this bot (the audiences the SDK accepts), at most LEEWAY_S past its expiry, for the service
    URL the activity names, and, when TEAMS_TENANT_ID is set, from an activity of that tenant."""

    def __init__(self, client_id: str, cloud, tenant_id: str | None = None) -> None:
        self.issuer = cloud.token_issuer
        self.audiences = [client_id, f"api://{client_id}", f"api://botid-{client_id}"]
        self.tenant_id = (tenant_id or "").strip().lower() or None
        self.keys = SigningKeys(cloud.openid_metadata_url)

    async def check(self, authorization: str, body: dict) -> dict:
        """The token's claims; TokenRefused saying why not."""
        token = self._token(authorization)
        claims = self._claims_before_keys(token)
        self._check_activity_tenant(body)
        key = await self.keys.key(self._key_id(token))
        if key is None:
            raise TokenRefused("signed with a key the Bot Framework does not publish")
        return self._verified(token, key, body.get("serviceUrl"), claims)

    def check_with_kept_keys(self, token: str, service_url: str | None) -> dict:
        """The same check without the activity (already checked) and with the keys kept: no fetch."""
        claims = self._claims_before_keys(token)
        key = self.keys.cached(self._key_id(token))
        if key is None:
            raise TokenRefused("signed with a key the Bot Framework does not publish")
        return self._verified(token, key, service_url, claims)

    @staticmethod
    def _token(authorization: str) -> str:
        if not authorization.startswith("Bearer ") or not authorization.removeprefix("Bearer ").strip():
            raise TokenRefused("no bearer token")
        return authorization.removeprefix("Bearer ").strip()

    @staticmethod
    def _key_id(token: str) -> str | None:
        return jwt.get_unverified_header(token).get("kid")

    def _claims_before_keys(self, token: str) -> dict:
        """What the token says of itself, checked before any key is looked up (so a token from another
        issuer or tenant never makes the bot fetch anything)."""
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise TokenRefused(f"not a token ({exc})") from None
        if header.get("alg") != "RS256":
            raise TokenRefused(f"signed with {str(header.get('alg'))[:20]!r}, not RS256")
        if claims.get("iss") != self.issuer:
            raise TokenRefused(f"issued by {str(claims.get('iss'))[:100]!r}, not the Bot Framework")
        tenant = claims.get("tid")
        if self.tenant_id and tenant is not None and str(tenant).lower() != self.tenant_id:
            raise TokenRefused(f"for tenant {str(tenant)[:40]!r}, not this bot's")
        return claims

    def _check_activity_tenant(self, body: dict) -> None:
        if not self.tenant_id:
            return
        channel_data = body.get("channelData") if isinstance(body.get("channelData"), dict) else {}
        conversation = body.get("conversation") if isinstance(body.get("conversation"), dict) else {}
        tenant = channel_data.get("tenant") if isinstance(channel_data.get("tenant"), dict) else {}
        named = {str(t).lower() for t in (tenant.get("id"), conversation.get("tenantId")) if t}
        if named != {self.tenant_id}:
            raise TokenRefused(
                f"an activity of tenant {', '.join(sorted(named))[:80] or 'none'!r}, not this bot's"
            )

    def _verified(self, token: str, key: jwt.PyJWK, service_url, claims: dict) -> dict:
        try:
            verified = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self.audiences,
                issuer=self.issuer,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise TokenRefused(str(exc)) from None
        if service_url is not None:
            said = str(verified.get("serviceurl") or "").rstrip("/")
            if said != str(service_url).rstrip("/"):
                raise TokenRefused("for another service URL")
        return verified


class _KeptKeysValidator:
    """The SDK's token validator, replaced: its own fetches the keys with a blocking call, and takes
    tokens 300 s past their expiry. This checks as the gate did, with the keys the gate keeps."""

    def __init__(self, gate: TokenGate) -> None:
        self.gate = gate

    async def validate_token(self, raw_token: str, service_url: str | None = None) -> dict:
        try:
            return self.gate.check_with_kept_keys(raw_token, service_url)
        except TokenRefused as exc:
            raise jwt.InvalidTokenError(str(exc)) from None


class AiohttpAdapter:
    """Implements the SDK's HttpServerAdapter protocol: the SDK registers its routes here, and the bot's
    own aiohttp application serves them (the server's start and stop are the bot's, not the SDK's)."""

    def __init__(self, *, require_auth: bool = True, answers: AnswerLoop | None = None) -> None:
        self.routes: list[web.RouteDef] = []
        # A failed activity is one log line with its cause, whether the bot's handler (answering after
        # Teams has its 200) or the SDK (a failed invoke, answered 500) says so.
        one_line_failures("tmag-bot.teams")
        one_line_failures("microsoft_teams.apps.http.http_server", "a Teams request failed")
        one_line_failures("microsoft_teams.apps.routing.activity_context")
        self.require_auth = require_auth
        self.answers = answers
        self.gate: TokenGate | None = None

    def check_tokens_with(self, client_id: str, cloud, tenant_id: str | None = None) -> None:
        """Check tokens here, before the SDK sees an activity: for this app id, cloud and tenant."""
        self.gate = TokenGate(client_id, cloud, tenant_id)

    async def _token_refused(self, body: dict, headers) -> bool:
        if not self.require_auth:
            return False
        if self.gate is None:
            log.warning("Teams request refused: no token check is configured")
            return True
        try:
            await self.gate.check(headers.get("Authorization") or "", body)
        except TokenRefused as exc:
            kind, sent_by = str(body.get("type"))[:30], str(body.get("id"))[:60]
            log.warning("Teams request refused (%r activity %r): %s", kind, sent_by, exc)
            return True
        return False

    def register_route(self, method, path: str, handler) -> None:
        if method != "POST":
            raise ValueError(f"unsupported method {method}")
        server = getattr(handler, "__self__", None)  # the SDK's HttpServer
        if self.gate is not None and hasattr(server, "_token_validator"):
            server._token_validator = _KeptKeysValidator(self.gate)

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
            if await self._token_refused(body, request.headers):
                return web.json_response({"error": "Unauthorized"}, status=401)
            sdk_request = {"body": body, "headers": dict(request.headers)}
            if self.answers is None:
                result = await handler(sdk_request)
            elif body.get("type") != "invoke":
                # Acknowledged before the answering loop is woken (handlers/slack/app.py says why).
                acknowledged = web.Response(status=200)
                await acknowledged.prepare(request)
                await acknowledged.write_eof()
                self.answers.later(handler(sdk_request))
                return acknowledged
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
