"""The bot's HTTP application, shared by the platforms it serves: each adds its routes; the health check
is everyone's."""

from __future__ import annotations

import hmac
import logging

from aiohttp import web
from sqlalchemy import text

from bot.calendar.clock import real_utcnow
from bot.calendar.ics import group_calendar
from bot.digests.runner import worker_name
from handlers.services import Services
from storage.db import write_refusal
from storage.models import HandledRequest
from storage.queries import groups as group_queries
from storage.queries.dialect import upsert

log = logging.getLogger("tmag-bot")
MAX_REQUEST = 2 * 1024 * 1024  # bytes: a Slack or Teams request is kilobytes


def health_route(services: Services) -> web.RouteDef:
    """GET /healthz: 200 while the database can be read and written, 503 when it cannot (a load balancer
    then sends requests to the other replicas, since every request here begins with a write). The write
    is the one a request makes, committed: this replica's own row among the handled requests, noting
    when it was last checked. (A write rolled back proves less: SQLite writes nothing to disk until a
    commit, so a full disk passes it.) It says which check failed and why in a word, which replica
    answered and which kind of database it uses, never where the database is."""

    about = {"kind": services.db.dialect, "replica": worker_name()}
    key = f"health:{about['replica']}"[:200]

    async def healthz(_request: web.Request) -> web.Response:
        try:
            async with services.db.read() as session:
                await session.exec(text("SELECT 1"))
        except Exception as exc:  # the check itself must answer, whatever broke
            log.error("health check: database unavailable: %s", _one_line(exc))
            return web.json_response({"ok": False, "database": "unavailable", **about}, status=503)
        try:
            now = real_utcnow()
            async with services.db.write() as session:
                statement = upsert(session, HandledRequest).values(key=key, received_at=now)
                await session.exec(
                    statement.on_conflict_do_update(index_elements=["key"], set_={"received_at": now})
                )
        except Exception as exc:
            why = write_refusal(exc)
            log.error("health check: the database cannot be written (%s): %s", why, _one_line(exc))
            body = {"ok": False, "database": "not writable", "why": why, **about}
            return web.json_response(body, status=503)
        return web.json_response({"ok": True, "database": "ok", **about})

    return web.get("/healthz", healthz)


def _one_line(exc: BaseException) -> str:
    """An error as one line: the driver's message, without SQLAlchemy's statement and link."""
    return " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]


def calendar_route(services: Services) -> web.RouteDef:
    """GET /calendar/CODE.ics?token=...: a group's meetings, for Outlook to subscribe to. A missing or
    wrong token, or a group with no calendar address, is 404: the address is the secret."""

    async def calendar(request: web.Request) -> web.Response:
        code = request.match_info["code"].upper()
        token = request.query.get("token", "")
        async with services.db.read() as session:
            group = await group_queries.group_by_code(session, code) if len(code) <= 10 else None
        expected = group.calendar_token if group is not None else None
        if not expected or not hmac.compare_digest(expected.encode(), token.encode()):
            return web.Response(status=404, text="Not found")
        data = await group_calendar(services.db, code, services.clock)
        return web.Response(
            body=data,
            content_type="text/calendar",
            charset="utf-8",
            headers={
                "Content-Disposition": f'inline; filename="{code.lower()}.ics"',
                "Cache-Control": "no-store",
            },
        )

    return web.get(r"/calendar/{code:[A-Za-z0-9]+}.ics", calendar)


def application(routes: list[web.RouteDef]) -> web.Application:
    app = web.Application(client_max_size=MAX_REQUEST)
    app.add_routes(routes)
    return app
