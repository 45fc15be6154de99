"""The bot's HTTP application, shared by the platforms it serves: each adds its routes; the health check
is everyone's."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy import text

from handlers.services import Services

log = logging.getLogger("tmag-bot")
MAX_REQUEST = 2 * 1024 * 1024  # bytes: a Slack or Teams request is kilobytes


def health_route(services: Services) -> web.RouteDef:
    """GET /healthz: 200 while the database answers, 503 when it does not (a load balancer then sends
    requests to the other replicas). It says which replica answered and which kind of database it uses,
    never where the database is."""
    from bot.digests.runner import worker_name

    about = {"kind": services.db.dialect, "replica": worker_name()}

    async def healthz(_request: web.Request) -> web.Response:
        try:
            async with services.db.read() as session:
                await session.exec(text("SELECT 1"))
        except Exception as exc:  # the check itself must answer, whatever broke
            log.error("health check: database unavailable: %s", exc)
            return web.json_response({"ok": False, "database": "unavailable", **about}, status=503)
        return web.json_response({"ok": True, "database": "ok", **about})

    return web.get("/healthz", healthz)


def calendar_route(services: Services) -> web.RouteDef:
    """GET /calendar/CODE.ics?token=...: a group's meetings, for Outlook to subscribe to. A missing or
    wrong token, or a group with no calendar address, is 404: the address is the secret."""
    import hmac

    from bot.calendar.ics import group_calendar
    from storage.queries import groups as group_queries

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
