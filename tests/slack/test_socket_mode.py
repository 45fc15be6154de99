"""Socket Mode with the answering loop, as `serve` runs it: Bolt acknowledges on the serving loop and each
listener answers on the answering loop (context.apart). The acknowledgement comes back at once, the
answer follows by the response URL, and a modal's errors still travel in its acknowledgement."""

from __future__ import annotations

import json
import threading
import urllib.parse

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.config import Settings
from handlers.answer_loop import AnswerLoop
from handlers.slack import context as slack_context
from handlers.slack.app import build_app
from handlers.slack.context import Services
from tests.fixtures.world import build_world
from tests.slack.conftest import NOW, PEOPLE, _people
from tests.slack_fake import FakeSlack, slash_command, view_submission


@pytest.fixture
async def socket_app(db, write, monkeypatch):
    await build_world(db, write)
    await _people(db)
    fake = await FakeSlack(
        users={u: {"real_name": p, "display_name": ""} for u, (_, p) in PEOPLE.items()}
    ).start()
    settings = Settings(slack_bot_token="xoxb-test", slack_app_token="xapp-test", slack_api_url=fake.api_url)
    services = Services(db, NOW, settings)
    answers = await AnswerLoop(services).start()
    threads = []  # the thread each claim ran on: where the listeners ran
    claim = slack_context._claim

    async def watched_claim(services, key):
        threads.append(threading.current_thread().name)
        return await claim(services, key)

    monkeypatch.setattr(slack_context, "_claim", watched_claim)
    try:
        yield build_app(services, answers=answers), fake, threads
    finally:
        await answers.stop()
        await fake.stop()


def socket_request(form_body: str) -> AsyncBoltRequest:
    """What Socket Mode hands Bolt: the envelope's payload, no signature."""
    form = dict(urllib.parse.parse_qsl(form_body))
    body = json.loads(form["payload"]) if "payload" in form else form
    return AsyncBoltRequest(
        body=body, mode="socket_mode", headers={"x-slack-signature": ["sig-" + str(id(body))]}
    )


async def test_a_command_is_acknowledged_here_and_answered_on_the_answering_loop(socket_app):
    app, fake, threads = socket_app
    response = await app.async_dispatch(
        socket_request(slash_command("mine", "U0SAM", "C0TMAG", fake.response_url("socket")))
    )
    assert response.status == 200 and not response.body
    await fake.wait_for_response("socket")
    assert "Open for Sam Hatton" in json.dumps(fake.responses[0])
    assert threads == ["answers"]


async def test_a_modal_s_errors_still_come_back_in_its_acknowledgement(socket_app):
    app, _fake, _threads = socket_app
    values = {"refs_block": {"refs": {"type": "checkboxes", "selected_options": []}}}
    response = await app.async_dispatch(
        socket_request(view_submission("U0SAM", "mark_done_modal", values, "{}"))
    )
    assert response.status == 200 and json.loads(response.body)["response_action"] == "errors"
