"""A fake Slack at the network edge, on loopback: the Web API, response URLs and file downloads.

It answers as Slack does for the methods the bot calls, records every call, and can be told to fail a
method first (a 429 with Retry-After, a 500) to exercise retries. Requests to the bot are built as Slack
builds them and signed as Slack signs them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import socket
import subprocess
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from tests.fixtures.big_reports import send_in_chunks


class Changes:
    """Wakes whoever waits on a fake as soon as it has taken a request (from whichever thread serves it),
    so a wait ends when what it waits for may have happened, instead of at the next poll; waits still
    look again every 20 ms for what the fake does not see (the database, a counter)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def poke(self) -> None:
        with self._lock:
            waiting = list(self._waiting)
        for loop, event in waiting:
            loop.call_soon_threadsafe(event.set)

    async def wait(self, timeout: float = 0.02) -> None:
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiting.add(waiter)
        try:
            await asyncio.wait_for(waiter[1].wait(), timeout)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiting.discard(waiter)


def poke_after(changes: Changes):
    """aiohttp middleware: every request the fake answers wakes the waits (once it has been recorded)."""

    @web.middleware
    async def poke(request: web.Request, handler):
        try:
            return await handler(request)
        finally:
            changes.poke()

    return poke


@dataclass
class Call:
    method: str
    params: dict


@dataclass
class FakeSlack:
    users: dict[str, dict] = field(default_factory=dict)  # user id -> profile
    messages: dict[tuple[str, str], dict] = field(default_factory=dict)  # (channel, ts) -> message
    files: dict[str, bytes] = field(default_factory=dict)  # sent in chunks, as Slack sends large files
    # The Content-Length a file's download declares (without one it is sent with chunked encoding); more
    # than the file holds, and the download stalls after what it has.
    file_lengths: dict[str, int] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    responses: list[dict] = field(default_factory=list)  # what was sent to response URLs
    arrived: dict[str, float] = field(default_factory=dict)  # response key -> perf_counter() on arrival
    _arrivals: dict[str, asyncio.Event] = field(default_factory=dict)
    # method -> [(status, headers, carried out)]: the next calls fail so; "carried out" means Slack did the
    # work (stored the message) and still answered with the error, as a 500 after a timeout can.
    failures: dict[str, list[tuple[int, dict, bool]]] = field(default_factory=lambda: defaultdict(list))
    # Random faults for every chat.postMessage: a share of 429s, of 500s before and of 500s after storing.
    chaos: tuple[float, float, float] | None = None
    chaos_rng: object = None
    # Called with the method's name once Slack has done the work and before it answers (a test kills the
    # caller here: the message is posted, the caller never hears so).
    after_call: object = None
    refuse_tokens: bool = False  # answer every method invalid_auth, as Slack does a revoked token
    uploads: dict[str, dict] = field(default_factory=dict)  # files the bot uploaded, by file id
    # Called with (response key, perf_counter() on arrival, the body) for everything sent to a response
    # URL: benchmarks match each answer to its request so. `keep=False`: calls and responses are not
    # kept (a benchmark's thousands of answers).
    on_response: object = None
    keep: bool = True
    base_url: str = ""
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    changes: Changes = field(default_factory=Changes)

    async def start(self) -> FakeSlack:
        app = web.Application(middlewares=[poke_after(self.changes)])
        app.add_routes(
            [
                web.post("/api/{method}", self._api),
                web.get("/api/{method}", self._api),
                web.post("/response/{key}", self._response_url),
                web.get("/files/{file_id}", self._file),
                web.post("/upload/{file_id}", self._upload),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, key: str = "r") -> str:
        return f"{self.base_url}/response/{key}"

    def fail_next(
        self,
        method: str,
        status: int,
        headers: dict | None = None,
        times: int = 1,
        *,
        carried_out: bool = False,
    ) -> None:
        self.failures[method] += [(status, headers or {}, carried_out)] * times

    def posted(self, channel: str | None = None) -> list[dict]:
        """Messages Slack holds (whatever it answered), oldest first."""
        return [
            m for (c, _), m in sorted(self.messages.items(), key=lambda kv: kv[0][1]) if channel in (None, c)
        ]

    def calls_to(self, method: str) -> list[dict]:
        return [c.params for c in self.calls if c.method == method]

    async def wait_for(self, condition, timeout: float = 10.0):
        """Wait (briefly polling) until `condition()` is truthy: the bot works after it has acked."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            await self.changes.wait()
        raise AssertionError(
            "the bot did not do it in time; calls so far: " + ", ".join(c.method for c in self.calls)
        )

    async def wait_for_response(self, key: str, timeout: float = 10.0) -> float:
        """When something was first sent to response URL `key` (perf_counter), waiting for it without
        polling: benchmarks time answers as they arrive."""
        await asyncio.wait_for(self._arrivals.setdefault(key, asyncio.Event()).wait(), timeout)
        return self.arrived[key]

    async def _params(self, request: web.Request) -> dict:
        """A method's arguments, wherever the client put them (the query string, a form, JSON)."""
        params = dict(request.query)
        if request.method == "GET":
            return params
        if request.content_type == "application/json":
            return params | await request.json()
        params |= dict(await request.post())
        for key in ("blocks", "view", "attachments"):
            if isinstance(params.get(key), str):
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(params[key])
        return params

    def unescaped(self) -> list[str]:
        """Texts sent to Slack holding a raw <, > or & (each would ping, link or garble): none, ever."""
        found = []
        for payload in [c.params for c in self.calls] + self.responses:
            for text in _texts(payload):
                if "<" in text or ">" in text or re.search(r"&(?!amp;|lt;|gt;)", text):
                    found.append(text)
        return found

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        if self.keep:
            self.calls.append(Call(method, params))
        if self.refuse_tokens:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        failure = self.failures[method].pop(0) if self.failures.get(method) else self._chaos(method)
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if failure is not None:
            status, headers, carried_out = failure
            if carried_out and handler:
                handler(params)
                self._after(method)
            return web.json_response(
                {"ok": False, "error": "ratelimited" if status == 429 else "internal_error"},
                status=status,
                headers=headers,
            )
        body = handler(params) if handler else {"ok": True}
        self._after(method)
        return web.json_response(body)

    def _after(self, method: str) -> None:
        if self.after_call is not None:
            self.after_call(method)

    def _chaos(self, method: str) -> tuple[int, dict, bool] | None:
        if self.chaos is None or method != "chat.postMessage":
            return None
        limited, failed, failed_after = self.chaos
        roll = self.chaos_rng.random()
        if roll < limited:
            return 429, {"Retry-After": "0"}, False
        if roll < limited + failed:
            return 500, {}, False
        if roll < limited + failed + failed_after:
            return 500, {}, True
        return None

    def _next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.000100"

    def _auth_test(self, _params):
        return {
            "ok": True,
            "url": "https://example.slack.com/",
            "team": "Example",
            "user": "tmag-bot",
            "team_id": "T0TEAM",
            "user_id": "U0BOT",
            "bot_id": "B0BOT",
        }

    def _chat_postMessage(self, params):
        ts = self._next_ts()
        channel = params.get("channel")
        if channel and channel[0] in "UW":
            channel = "D" + channel  # a message to a user lands in their direct message channel
        message = {
            "type": "message",
            "ts": ts,
            "text": params.get("text"),
            "blocks": params.get("blocks"),
            "bot_id": "B0BOT",
            "thread_ts": params.get("thread_ts"),
            "metadata": params.get("metadata"),
        }
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_postEphemeral(self, params):
        if params.get("channel", "").startswith("CNOTIN"):
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_getPermalink(self, params):
        ts = str(params.get("message_ts", "")).replace(".", "")
        return {
            "ok": True,
            "channel": params.get("channel"),
            "permalink": f"https://example.slack.com/archives/{params.get('channel')}/p{ts}",
        }

    def _listed(self, messages: list[dict], params, *, newest_first: bool = True) -> dict:
        """As Slack lists: history newest first, a thread's replies oldest first (the parent first)."""
        latest, oldest = params.get("latest"), params.get("oldest")
        inclusive = str(params.get("inclusive")).lower() in ("1", "true")
        kept = [
            m
            for m in messages
            if (latest is None or m["ts"] < latest or (inclusive and m["ts"] == latest))
            and (oldest is None or m["ts"] > oldest or (inclusive and m["ts"] == oldest))
        ]
        kept = sorted(kept, key=lambda m: m["ts"], reverse=newest_first)[: int(params.get("limit") or 100)]
        with_metadata = str(params.get("include_all_metadata")).lower() in ("1", "true")
        return {
            "ok": True,
            "messages": [
                m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in kept
            ],
            "has_more": False,
        }

    def _conversations_history(self, params):
        channel = params.get("channel")
        return self._listed(
            [m for (c, _), m in self.messages.items() if c == channel and not m.get("thread_ts")], params
        )

    def _conversations_replies(self, params):
        channel, ts = params.get("channel"), params.get("ts")
        return self._listed(
            [
                m
                for (c, t), m in self.messages.items()
                if c == channel and (t == ts or m.get("thread_ts") == ts)
            ],
            params,
            newest_first=False,
        )

    def _conversations_open(self, params):
        users = params.get("users") or ""
        return {"ok": True, "channel": {"id": "D" + users.split(",")[0]}}

    def _users_info(self, params):
        user = params.get("user")
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        profile = self.users[user]
        return {"ok": True, "user": {"id": user, "real_name": profile.get("real_name"), "profile": profile}}

    # Uploading a file (files_upload_v2): ask for an upload address, send the bytes there, complete it.
    def _files_getUploadURLExternal(self, params):
        file_id = f"F{next(self._ts):07d}"
        self.uploads[file_id] = {"filename": params.get("filename"), "length": int(params.get("length") or 0)}
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self.uploads:
            return web.Response(status=404)
        self.uploads[file_id]["data"] = await request.read()
        return web.Response(text="OK - uploaded")

    def _files_completeUploadExternal(self, params):
        import json as json_

        files = params.get("files")
        files = json_.loads(files) if isinstance(files, str) else files
        for item in files or []:
            self.uploads[item["id"]].update(
                title=item.get("title"),
                channel=params.get("channel_id"),
                comment=params.get("initial_comment"),
                completed=True,
            )
        return {"ok": True, "files": [{"id": item["id"]} for item in files or []]}

    def _files_info(self, params):
        file_id = params.get("file")
        return {
            "ok": True,
            "file": {"id": file_id, "url_private_download": f"{self.base_url}/files/{file_id}"},
        }

    async def _response_url(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        at = time.perf_counter()
        body = await request.json()
        if self.on_response is not None:
            self.on_response(key, at, body)
        if not self.keep:
            return web.Response(text="ok")
        self.arrived.setdefault(key, at)
        self._arrivals.setdefault(key, asyncio.Event()).set()
        self.responses.append(body)
        return web.Response(text="ok")

    async def _file(self, request: web.Request) -> web.Response:
        if not request.headers.get("Authorization", "").startswith("Bearer xoxb-"):
            return web.Response(status=403)
        file_id = request.match_info["file_id"]
        data = self.files.get(file_id)
        if data is None:
            return web.Response(status=404)
        return await send_in_chunks(request, data, declared=self.file_lengths.get(file_id))


def _texts(node, key: str | None = None):
    """Every text the payload shows: "text" fields, and text objects' texts (not ids, urls or values)."""
    if isinstance(node, dict):
        for name, value in node.items():
            if name in ("text", "fallback", "title", "label", "placeholder") and isinstance(value, str):
                yield value
            elif name not in ("value", "url", "image_url", "private_metadata", "response_url", "metadata"):
                yield from _texts(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value, key)


# --- requests as Slack sends them ---------------------------------------------------------------


def signed(secret: str, body: str, content_type: str, timestamp: int | None = None) -> dict:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature, "Content-Type": content_type}


def slash_command(text: str, user: str, channel: str, response_url: str, trigger: str = "t1") -> str:
    return urllib.parse.urlencode(
        {
            "token": "legacy",
            "team_id": "T0TEAM",
            "team_domain": "example",
            "channel_id": channel,
            "channel_name": "tmag",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/tmag",
            "text": text,
            "api_app_id": "A0APP",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger,
        }
    )


_event_ids = itertools.count(1)


def event_callback(event: dict, event_id: str | None = None) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": "T0TEAM",
            "api_app_id": "A0APP",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_event_ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": "T0TEAM", "user_id": "U0BOT", "is_bot": True}],
            "event": event,
        }
    )


def interactive(payload: dict) -> str:
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def block_actions(
    action_id: str,
    value: str,
    user: str,
    response_url: str | None,
    *,
    channel: str | None = "C0TMAG",
    message_ts: str = "1700000000.000100",
    container_type: str = "message",
    ephemeral: bool = True,
) -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": "T0TEAM"},
        "user": {"id": user, "team_id": "T0TEAM"},
        "api_app_id": "A0APP",
        "trigger_id": "t2",
        "container": (
            {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": ephemeral}
            if container_type == "message"
            else {"type": "view", "view_id": "V0HOME"}
        ),
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b",
                "value": value,
                "type": "button",
                "action_ts": str(time.time()),
            }
        ],
    }
    if channel and container_type == "message":
        payload["channel"] = {"id": channel, "name": "tmag"}
    if response_url:
        payload["response_url"] = response_url
    return interactive(payload)


def message_action(user: str, channel: str, message: dict, callback_id: str = "mark_action_done") -> str:
    return interactive(
        {
            "type": "message_action",
            "callback_id": callback_id,
            "trigger_id": "t3",
            "team": {"id": "T0TEAM"},
            "user": {"id": user, "team_id": "T0TEAM"},
            "channel": {"id": channel, "name": "tmag"},
            "message": message,
            "message_ts": message.get("ts"),
            "response_url": "https://hooks.invalid/x",
        }
    )


def view_submission(user: str, callback_id: str, values: dict, private_metadata: str) -> str:
    return interactive(
        {
            "type": "view_submission",
            "team": {"id": "T0TEAM"},
            "user": {"id": user, "team_id": "T0TEAM"},
            "api_app_id": "A0APP",
            "trigger_id": "t4",
            "view": {
                "id": "V0MODAL",
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "state": {"values": values},
                "hash": "h",
            },
        }
    )


# --- servers started as processes (end-to-end tests and benchmarks) ------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def wait_healthy(
    http: aiohttp.ClientSession, base: str, process: subprocess.Popen, timeout: float = 60
) -> None:
    """Wait until a server started as a process answers GET /healthz (or fail if it exits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = getattr(process, "log", None) or (process.stderr.read() if process.stderr else "")
            raise AssertionError(f"the server exited: {said}")
        try:
            async with http.get(f"{base}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("the server did not become healthy")
