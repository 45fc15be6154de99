"""What every listener needs, resolved once per request: the services, whether this request was
already applied, and the request as the core's turn (bot/conversation/turns.py): the Slack user (whom
the core identifies, asking users.info only when it must), where they are, what they wrote or pressed.

Nothing here writes to the database before the listener has acknowledged Slack.
"""

from __future__ import annotations

import hashlib
import inspect
import logging

from slack_sdk.errors import SlackApiError

from bot.conversation.outcome import Outcome
from bot.conversation.turns import Place, Turn, take_turn
from bot.people.links import ChatUser, Profile
from handlers.answer_loop import AnswerLoop, in_turn
from handlers.services import Services
from storage.queries import requests as request_queries

log = logging.getLogger("tmag-bot.slack")
REQUEST_KEY = "request_key"  # context key: what makes this request itself (see request_key)
FIRST_TIME = "first_time"  # context key: True unless this request was applied before, once claimed
ANSWERS = "answers"  # context key: the AnswerLoop listeners run on, if any


def services_of(context) -> Services:
    return context["services"]


def request_key(body: dict, headers: dict) -> str | None:
    """What makes a request itself: an event's id (Slack's retries share it), else the signature of a
    signed request (a replay carries the same one). Socket Mode's requests have neither."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    signature = (headers.get("x-slack-signature") or [""])[0]
    if signature:
        return "slack:" + hashlib.sha256(signature.encode("utf-8", "replace")).hexdigest()[:40]
    return None


async def _claim(services: Services, key: str) -> bool:
    async def claim(session) -> bool:
        return await request_queries.claim_request(session, key, services.clock.utcnow())

    return await services.db.transaction(claim)


def install(app, services: Services, answers: AnswerLoop | None = None) -> None:
    """Global middleware: the services listeners use on the context (the answering loop's, when answers
    are composed apart from the loop that acknowledges), and what makes the request itself."""

    @app.middleware
    async def attach_services(context, body, req, next):
        context["services"] = answers.services if answers is not None else services
        context[ANSWERS] = answers
        context[REQUEST_KEY] = request_key(body, req.headers)
        await next()


def apart(listener):
    """`listener` run on the answering loop, if there is one: acknowledged here at once, then the whole
    listener (its reads, its answer, its posts) runs there while this loop goes on acknowledging. A
    listener that answers in its acknowledgement (a view submission) is `apart_answering`."""
    return _apart(listener, acks_first=True)


def apart_answering(listener):
    """`listener` run on the answering loop, its acknowledgement (which carries its answer, such as a
    modal's errors) made back here: Slack's wait for it includes the answer, as it must."""
    return _apart(listener, acks_first=False)


def _apart(listener, *, acks_first: bool):
    wanted = list(inspect.signature(listener).parameters)

    async def run(args):  # Bolt passes every argument it has to a parameter named `args`
        arguments = {name: getattr(args, name) for name in wanted}
        answers = args.context.get(ANSWERS)
        try:
            if "ack" in arguments and acks_first:
                # Acknowledged first, then answered in turn (handlers/answer_loop.py).
                await args.ack()
                arguments["ack"] = _acknowledged
                if answers is None:
                    return await in_turn(listener(**arguments))
                return await answers.run(in_turn(listener(**arguments)))
            if answers is None:
                return await listener(**arguments)
            if "ack" in arguments:
                arguments["ack"] = answers.on_serving_loop(args.ack)
            return await answers.run(listener(**arguments))
        finally:
            services_of(args.context).handled.count += 1

    run.__name__, run.__qualname__, run.__doc__ = listener.__name__, listener.__qualname__, listener.__doc__
    return run


async def _acknowledged(*_args, **_kwargs) -> None:
    """The acknowledgement, already made on the serving loop."""


async def first_time(context) -> bool:
    """Whether this request is applied for the first time (in any process): claimed by its key, once. A
    retried event or a replayed request is dropped here, after Slack has its acknowledgement."""
    if FIRST_TIME not in context:
        key = context.get(REQUEST_KEY)
        context[FIRST_TIME] = key is None or await _claim(services_of(context), key)
        if not context[FIRST_TIME]:
            log.info("request %s was already applied; dropped", key)
    return context[FIRST_TIME]


def slack_user(services: Services, user_id: str) -> ChatUser:
    return ChatUser("slack", user_id, admin=user_id in services.settings.admin_user_ids)


def profile_lookup(client, user_id: str):
    """users.info, when the core needs it: the profile's real and display names, and its email (Slack
    gives it with the users:read.email scope; without that scope, none, and no link is verified)."""

    async def lookup() -> Profile | None:
        try:
            found = await client.users_info(user=user_id)
        except SlackApiError as exc:
            log.warning("users.info for %s failed: %s", user_id, exc.response.get("error"))
            return None
        user = found.get("user") or {}
        profile = user.get("profile") or {}
        real = profile.get("real_name") or user.get("real_name")
        names = tuple(n for n in (real, profile.get("display_name")) if isinstance(n, str) and n)
        email = profile.get("email")
        return Profile(names, email if isinstance(email, str) and email else None)

    return lookup


def place_of(channel: str | None, *, home: bool = False) -> Place:
    """Where in Slack: a direct message (D...), the App Home, or a channel (its id is where `digest here`
    points)."""
    if home:
        return Place("slack", "home")
    if not channel or channel.startswith("D"):
        return Place("slack", "personal", channel)
    return Place("slack", "channel", channel)


async def turn(context, client, user_id: str, place: Place, **what) -> Turn | None:
    """The request as the core's turn, or None if it was applied before (a retry, a replay)."""
    if not await first_time(context):
        return None
    services = services_of(context)
    return Turn(place, slack_user(services, user_id), profile_lookup(client, user_id), **what)


async def answer(context, made: Turn) -> Outcome:
    return await take_turn(services_of(context), made)
