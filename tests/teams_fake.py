"""A fake Teams at the network edge, on loopback: the Bot Connector the bot replies to (each activity's
serviceUrl points here), and the Bot Framework's published signing keys, so tokens can be checked
without the internet. Activities to the bot are built as Teams builds them.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import itertools
import json
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fixtures.big_reports import send_in_chunks
from tests.slack_fake import Changes, poke_after

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
TEAM = "19:team-general@thread.tacv2"
CHANNEL = "19:tmag-channel@thread.tacv2"
ISSUER = "https://api.botframework.com"


@dataclass
class Sent:
    method: str
    conversation: str
    activity: dict
    reply_to: str | None = None
    authorization: str | None = None
    at: float = 0.0  # time.perf_counter() when it arrived (for benchmarks)

    def card(self) -> dict:
        """The Adaptive Card the activity carries."""
        attachments = self.activity.get("attachments") or []
        return attachments[0]["content"] if attachments else {}


def card_texts(card: dict) -> list[tuple[str, str]]:
    """(element type, text) of every text in a card: TextBlocks and the TextRuns of RichTextBlocks."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") in ("TextBlock", "TextRun") and isinstance(node.get("text"), str):
                found.append((node["type"], node["text"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


def card_actions(card: dict) -> list[dict]:
    """Every Action.Execute in a card, with its verb and data."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


@functools.cache
def signing_key() -> rsa.RSAPrivateKey:
    """The fake's signing key: made once per test run (a 2048-bit key takes tens of milliseconds)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class FakeTeams:
    sent: list[Sent] = field(default_factory=list)
    conversations: dict[str, dict] = field(default_factory=dict)  # created personal chats
    failures: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    files: dict[str, bytes] = field(default_factory=dict)  # what a file's download URL serves, in chunks
    file_lengths: dict[str, int] = field(default_factory=dict)  # a Content-Length to declare (else chunked)
    onedrive: dict[str, bytes] = field(default_factory=dict)  # files the bot uploaded, once accepted
    # Entra object id -> what the tenant's directory says (name, email, userPrincipalName): what a
    # conversation member lookup answers
    directory: dict[str, dict] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)  # member lookups asked for
    arrived: dict[str, float] = field(default_factory=dict)  # conversation -> first arrival (perf_counter)
    key_requests: int = 0  # requests to the signing keys' metadata and key set
    # Called (on the fake's own thread) with each activity sent to a conversation, as it arrives:
    # benchmarks match each answer to its request so. `keep=False`: activities are not kept.
    on_sent: object = None
    keep: bool = True
    base_url: str = ""
    key: rsa.RSAPrivateKey = field(default_factory=lambda: signing_key())
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    changes: Changes = field(default_factory=Changes)

    async def start(self) -> FakeTeams:
        """Serve on a thread of its own, as a separate server would: the SDK fetches the signing keys
        with a blocking call, which would starve a fake on the bot's own event loop."""
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def serve() -> None:
            app = web.Application(middlewares=[poke_after(self.changes)])
            app.add_routes(
                [
                    web.post("/v3/conversations", self._create_conversation),
                    web.post("/v3/conversations/{conversation}/activities", self._activity),
                    web.post("/v3/conversations/{conversation}/activities/{reply_to}", self._activity),
                    web.put("/v3/conversations/{conversation}/activities/{reply_to}", self._activity),
                    web.get("/v3/conversations/{conversation}/members/{member}", self._member),
                    web.get("/v1/.well-known/openidconfiguration", self._openid),
                    web.get("/v1/.well-known/keys", self._keys),
                    web.get("/files/{name}", self._file),
                    web.put("/onedrive/{name}", self._onedrive),
                ]
            )
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.base_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="fake-teams", daemon=True)
        self._thread.start()
        await asyncio.to_thread(ready.wait, 10)
        return self

    async def stop(self) -> None:
        if self._runner:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        await asyncio.to_thread(self._thread.join, 10)
        self._loop.close()

    @property
    def service_url(self) -> str:
        return self.base_url + "/"

    @property
    def openid_url(self) -> str:
        return f"{self.base_url}/v1/.well-known/openidconfiguration"

    def fail_next(self, status: int, times: int = 1) -> None:
        self.failures["activities"] += [status] * times

    async def wait_for(self, condition, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            await self.changes.wait()
        raise AssertionError(
            f"Teams was not sent it in time; sent so far: {[s.conversation for s in self.sent]}"
        )

    async def wait_for_reply(self, conversation: str, timeout: float = 10.0) -> float:
        """When the first activity sent to `conversation` arrived (perf_counter; stamped on arrival, so
        the brief polling here does not count)."""
        deadline = time.monotonic() + timeout
        while conversation not in self.arrived:
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing was sent to {conversation} in time")
            await asyncio.sleep(0.002)
        return self.arrived[conversation]

    async def replies(self, count: int = 1) -> list[Sent]:
        return await self.wait_for(lambda: self.sent if len(self.sent) >= count else None)

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = await request.json()
        conversation = f"a:personal-{body['members'][0]['id']}"
        self.conversations[conversation] = body
        return web.json_response({"id": conversation})

    async def _activity(self, request: web.Request) -> web.Response:
        if self.failures["activities"]:
            return web.json_response(
                {"error": {"code": "ServiceError"}}, status=self.failures["activities"].pop(0)
            )
        at = time.perf_counter()
        sent = Sent(
            request.method,
            request.match_info["conversation"],
            await request.json(),
            request.match_info.get("reply_to"),
            request.headers.get("Authorization"),
            at,
        )
        if self.on_sent is not None:
            self.on_sent(sent)
        if self.keep:
            self.arrived.setdefault(sent.conversation, at)
            self.sent.append(sent)
        return web.json_response({"id": f"{1_700_000_000_000 + next(self._ids)}"})

    async def _member(self, request: web.Request) -> web.Response:
        """A conversation member, as the Bot Connector gives it: a Teams account with the tenant's view."""
        account = request.match_info["member"]
        self.lookups.append(account)
        user = account.removeprefix("29:")
        if user not in self.directory:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation"}}, status=404)
        found = self.directory[user]
        return web.json_response(
            {
                "id": account,
                "aadObjectId": user,
                "name": found.get("name"),
                "email": found.get("email"),
                "userPrincipalName": found.get("userPrincipalName") or found.get("email"),
                "tenantId": TENANT,
                "userRole": "user",
            }
        )

    async def _file(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        data = self.files.get(name)
        if data is None:
            return web.Response(status=404)
        return await send_in_chunks(request, data, declared=self.file_lengths.get(name))

    async def _onedrive(self, request: web.Request) -> web.Response:
        data = await request.read()
        expected = f"bytes 0-{len(data) - 1}/{len(data)}"
        if request.headers.get("Content-Range") != expected:
            return web.Response(status=400, text="bad Content-Range")
        self.onedrive[request.match_info["name"]] = data
        return web.json_response({"id": "onedrive-item", "name": request.match_info["name"]}, status=201)

    async def _openid(self, _request: web.Request) -> web.Response:
        self.key_requests += 1
        return web.json_response({"issuer": ISSUER, "jwks_uri": f"{self.base_url}/v1/.well-known/keys"})

    async def _keys(self, _request: web.Request) -> web.Response:
        self.key_requests += 1
        numbers = self.key.public_key().public_numbers()

        def b64(value: int) -> str:
            raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        key = {
            "kty": "RSA",
            "kid": "test-key",
            "use": "sig",
            "alg": "RS256",
            "n": b64(numbers.n),
            "e": b64(numbers.e),
        }
        return web.json_response({"keys": [key]})

    def token(
        self,
        app_id: str,
        service_url: str,
        *,
        key: rsa.RSAPrivateKey | None = None,
        key_id: str = "test-key",
        **changes,
    ) -> str:
        """A Bot Framework token as the Bot Connector signs one (with another key: a forgery)."""
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": app_id,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "serviceurl": service_url,
        }
        claims.update(changes)
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": key_id})


# --- activities as Teams sends them ------------------------------------------------------------------

_activity_ids = itertools.count(1)
RUN = uuid.uuid4().hex[:8]  # activity ids differ between runs against one database
BOT_ID = "28:tmag-bot"


def person(user: str, name: str) -> dict:
    return {"id": f"29:{user}", "aadObjectId": user, "name": name}


def _base(service_url: str, user: str, user_name: str, conversation: dict, **extra) -> dict:
    return {
        "id": f"activity-{RUN}-{next(_activity_ids)}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "timestamp": "2023-11-16T09:00:00.000Z",
        "from": person(user, user_name),
        "recipient": {"id": BOT_ID, "name": "tmag-bot"},
        "conversation": conversation,
        "channelData": {"tenant": {"id": TENANT}},
        "locale": "en-GB",
        **extra,
    }


def personal_message(service_url: str, user: str, name: str, text: str) -> dict:
    conversation = {"id": f"a:chat-{user}", "conversationType": "personal", "tenantId": TENANT}
    return _base(service_url, user, name, conversation, type="message", text=text, textFormat="plain")


def file_message(service_url: str, user: str, name: str, file_name: str, files_url: str) -> dict:
    """A file sent to the bot in a personal chat, as Teams sends it: a download link of its own."""
    activity = personal_message(service_url, user, name, "")
    activity["attachments"] = [
        {
            "contentType": "application/vnd.microsoft.teams.file.download.info",
            "contentUrl": f"https://contoso.sharepoint.com/personal/{file_name}",
            "name": file_name,
            "content": {
                "downloadUrl": f"{files_url}/files/{file_name}",
                "uniqueId": f"file-{file_name}",
                "fileType": file_name.rsplit(".", 1)[-1],
            },
        }
    ]
    return activity


def channel_message(
    service_url: str, user: str, name: str, text: str, *, mention: bool = True, thread: str = "100"
) -> dict:
    conversation = {
        "id": f"{CHANNEL};messageid={thread}",
        "conversationType": "channel",
        "tenantId": TENANT,
        "isGroup": True,
    }
    entities = []
    if mention:
        text = f"<at>tmag-bot</at> {text}"
        entities.append(
            {"type": "mention", "text": "<at>tmag-bot</at>", "mentioned": {"id": BOT_ID, "name": "tmag-bot"}}
        )
    activity = _base(
        service_url,
        user,
        name,
        conversation,
        type="message",
        text=text,
        textFormat="plain",
        entities=entities,
    )
    activity["channelData"] = {
        "tenant": {"id": TENANT},
        "team": {"id": TEAM, "name": "MHHS"},
        "channel": {"id": CHANNEL, "name": "TMAG"},
    }
    return activity


def card_action(
    service_url: str, user: str, name: str, verb: str, data: dict, *, personal: bool = True
) -> dict:
    conversation = (
        {"id": f"a:chat-{user}", "conversationType": "personal", "tenantId": TENANT}
        if personal
        else {"id": f"{CHANNEL};messageid=100", "conversationType": "channel", "tenantId": TENANT}
    )
    value = {
        "action": {"type": "Action.Execute", "verb": verb, "data": {"verb": verb, **data}},
        "trigger": "manual",
    }
    return _base(
        service_url, user, name, conversation, type="invoke", name="adaptiveCard/action", value=value
    )


def message_action(service_url: str, user: str, name: str, html: str, *, submit: dict | None = None) -> dict:
    """The message action "Mark action done": its dialog (fetchTask), or its submission (submitAction)."""
    conversation = {"id": f"{CHANNEL};messageid=200", "conversationType": "channel", "tenantId": TENANT}
    value = {
        "commandId": "markActionDone",
        "commandContext": "message",
        "messagePayload": {
            "id": "200",
            "messageType": "message",
            "from": {"user": {"id": "someone", "displayName": "Ada Brooks"}},
            "body": {"contentType": "html", "content": html},
        },
        "context": {"theme": "default"},
    }
    if submit is not None:
        value["data"] = submit
    name_ = "composeExtension/submitAction" if submit is not None else "composeExtension/fetchTask"
    return _base(service_url, user, name, conversation, type="invoke", name=name_, value=value)


def file_consent(
    service_url: str, user: str, name: str, context: dict, files_url: str, accept: bool = True
) -> dict:
    """The person's answer to a file consent card: accepted, with where to upload; or declined."""
    conversation = {"id": f"a:chat-{user}", "conversationType": "personal", "tenantId": TENANT}
    file_name = "draft.docx"
    value = {"type": "fileUpload", "action": "accept" if accept else "decline", "context": context}
    if accept:
        value["uploadInfo"] = {
            "name": file_name,
            "uploadUrl": f"{files_url}/onedrive/{file_name}",
            "contentUrl": f"https://contoso-my.sharepoint.com/personal/{file_name}",
            "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C8C",
            "fileType": "docx",
        }
    return _base(service_url, user, name, conversation, type="invoke", name="fileConsent/invoke", value=value)


def installed_in_team(service_url: str, user: str, name: str) -> dict:
    conversation = {"id": CHANNEL, "conversationType": "channel", "tenantId": TENANT, "isGroup": True}
    activity = _base(
        service_url,
        user,
        name,
        conversation,
        type="installationUpdate",
        action="add",
    )
    activity["channelData"] = {"tenant": {"id": TENANT}, "team": {"id": TEAM}, "source": {"name": "message"}}
    return activity


def conversation_update(service_url: str, user: str, name: str) -> dict:
    conversation = {"id": CHANNEL, "conversationType": "channel", "tenantId": TENANT, "isGroup": True}
    activity = _base(
        service_url, user, name, conversation, type="conversationUpdate", membersAdded=[{"id": BOT_ID}]
    )
    activity["channelData"] = {"tenant": {"id": TENANT}, "team": {"id": TEAM}, "eventType": "teamMemberAdded"}
    return activity


def as_json(activity: dict) -> str:
    return json.dumps(activity)
