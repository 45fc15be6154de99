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
    """GET /healthz: 200 while the database answers, 503 when it does not."""

    async def healthz(_request: web.Request) -> web.Response:
        try:
            async with services.db.read() as session:
                await session.exec(text("SELECT 1"))
        except Exception as exc:  # the check itself must answer, whatever broke
            log.error("health check: database unavailable: %s", exc)
            return web.json_response({"ok": False, "database": "unavailable"}, status=503)
        return web.json_response({"ok": True, "database": "ok"})

    return web.get("/healthz", healthz)


def application(routes: list[web.RouteDef]) -> web.Application:
    app = web.Application(client_max_size=MAX_REQUEST)
    app.add_routes(routes)
    return app
