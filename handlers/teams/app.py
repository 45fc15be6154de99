"""The Teams app: Microsoft's Teams SDK for Python (microsoft-teams-apps), its routes on the bot's own
aiohttp server, and the work it started in the background.

Requests are checked by the SDK (a Bot Framework token, or none in development mode); replies go to each
activity's serviceUrl. What each kind of activity does is in its own module (messages, card actions,
the message action, files, installs), each translating into one call of the core.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import replace

import handlers.teams
from handlers.answer_loop import AnswerLoop, in_turn
from handlers.services import Services
from handlers.teams.adapter import AiohttpAdapter

log = logging.getLogger("tmag-bot.teams")
MESSAGING_ENDPOINT = "/api/messages"


def quiet_sdk_warnings() -> None:
    """The SDK announces preview features on import, deprecations in its own clients, and pydantic's doubts
    about a rich text block's runs (which serialise as they should): none is news to the operator."""
    warnings.filterwarnings("ignore", module=r"microsoft_teams\..*")
    warnings.filterwarnings("ignore", message="Pydantic serializer warnings", category=UserWarning)
    warnings.filterwarnings("ignore", message="The bot client is deprecated", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=Warning, message=".*HtmlWidgetSecurityPolicy.*")


class TeamsBot:
    """The Teams SDK app, its aiohttp routes, and the work it started in the background."""

    def __init__(self, services: Services, answers: AnswerLoop | None = None) -> None:
        """With `answers`, the SDK and every handler run on the answering loop, with its services."""
        quiet_sdk_warnings()
        # The SDK is heavy to import (a second or so): only a process serving Teams pays for it.
        from microsoft_teams.api.auth.cloud_environment import PUBLIC
        from microsoft_teams.apps import App

        settings = services.settings
        self.services = answers.services if answers is not None else services
        self.adapter = AiohttpAdapter(require_auth=not settings.teams_dev, answers=answers)
        cloud = PUBLIC
        if settings.teams_openid_metadata_url:
            cloud = replace(PUBLIC, openid_metadata_url=settings.teams_openid_metadata_url)
        credentials = {}
        if not settings.teams_dev:
            self.adapter.check_tokens_with(settings.teams_client_id, cloud, settings.teams_tenant_id)
        if not settings.teams_dev:
            credentials = {
                "client_id": settings.teams_client_id,
                "client_secret": settings.teams_client_secret,
                "tenant_id": settings.teams_tenant_id,
            }
        self.app = App(
            **credentials,
            http_server_adapter=self.adapter,
            messaging_endpoint=MESSAGING_ENDPOINT,
            dangerously_allow_unauthenticated_requests=settings.teams_dev,
            cloud=cloud,
            state=False,
        )
        self._background: set[asyncio.Task] = set()
        handlers.teams.register(self)

    @property
    def bot_id(self) -> str:
        """The bot's app id (its Entra app registration); a stand-in in development mode."""
        return self.services.settings.teams_client_id or "tmag-bot-dev"

    async def start(self) -> None:
        """Set the SDK up (its token check and messaging route); the bot's aiohttp server serves it."""
        await self.app.initialize()

    @property
    def routes(self):
        return self.adapter.routes

    def later(self, work) -> None:
        """Run `work` after the SDK has answered Teams; kept until done, failures logged (in one line:
        handlers/failures.py)."""
        task = asyncio.ensure_future(in_turn(work))
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a Teams request failed", exc_info=task.exception())

    async def stop(self, timeout: float = 3.0) -> None:
        for task in list(self._background):
            task.cancel()
        if self._background:
            await asyncio.wait(list(self._background), timeout=timeout)
