"""What every listener needs, resolved once per request: the database, the clock, the settings, whether
this request was already applied, and who the Slack user is as a member.

Nothing here writes to the database before the listener has acknowledged Slack, and identifying a user
writes only when something changed (a new profile, a link to a member, a question asked once). Those
writes are best effort: if the database is busy, the request is answered all the same.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
from dataclasses import dataclass
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from bot.people.identity import Person, identify, person_for_member
from bot.people.linking import answer_prompt, link_candidates, link_user
from bot.people.linking import claim_identity as link_claim
from bot.people.members import load_index
from handlers.answers import AnswerLoop
from handlers.services import Services
from storage.db import DatabaseBusy
from storage.models import SlackUser
from storage.queries import members as member_queries
from storage.queries import requests as request_queries
from storage.queries import slack as slack_queries

log = logging.getLogger("tmag-bot.slack")
PROFILE_MEMORY = timedelta(days=1)
REQUEST_KEY = "request_key"  # context key: what makes this request itself (see request_key)
FIRST_TIME = "first_time"  # context key: True unless this request was applied before, once claimed
ANSWERS = "answers"  # context key: the AnswerLoop listeners run on, if any


@dataclass
class SlackIdentity:
    person: Person
    prompt: tuple[int, str, str] | None = None  # (member id, member name, Slack name) to confirm once


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
        if answers is None:
            return await listener(**arguments)
        if "ack" in arguments:
            if acks_first:
                await args.ack()
                arguments["ack"] = _acknowledged
            else:
                arguments["ack"] = answers.on_serving_loop(args.ack)
        return await answers.run(listener(**arguments))

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


async def begin(context, client, user_id: str) -> SlackIdentity | None:
    """A listener's first step after ack: None if the request was applied before, else who is asking."""
    if not await first_time(context):
        return None
    return await identify_slack_user(services_of(context), client, user_id)


async def _profile(client, user_id: str) -> tuple[str | None, str | None]:
    try:
        found = await client.users_info(user=user_id)
    except SlackApiError as exc:
        log.warning("users.info for %s failed: %s", user_id, exc)
        return None, None
    profile = (found.get("user") or {}).get("profile") or {}
    real = profile.get("real_name") or (found.get("user") or {}).get("real_name")
    return real or None, profile.get("display_name") or None


async def identify_slack_user(services: Services, client, user_id: str) -> SlackIdentity:
    """The member a Slack user is: by their stored Slack id; else by their profile's name (linked at
    once when it is exactly a member's, asked about once when only close); else just their name.

    Reads first; the Slack profile is fetched outside any transaction; a write is made only when there
    is something to remember, and if the database is too busy to take it, it waits for another time."""
    db, clock = services.db, services.clock
    admin = user_id in services.settings.admin_user_ids
    async with db.read() as session:
        member = await member_queries.member_by_slack_id(session, user_id)
        if member is not None:
            return SlackIdentity(await person_for_member(session, member, admin=admin))
        known = await slack_queries.slack_user(session, user_id)
        fresh = known is not None and clock.utcnow() - _aware(known.updated_at) < PROFILE_MEMORY
        index = await load_index(session)
    if fresh:
        real, display = known.real_name, known.display_name
    else:
        real, display = await _profile(client, user_id)
    asked_before = known is not None and (known.declined or known.asked_member_id is not None)
    names = [name for name in (real, display) if name]
    exact, ask = await link_candidates(db, index, names, platform="slack", asked_before=asked_before)
    if not fresh or exact is not None or ask is not None:
        try:
            member, prompt = await db.transaction(
                lambda session: _remember(session, clock, user_id, (real, display), exact, ask, fresh)
            )
        except DatabaseBusy:
            log.warning("could not record Slack user %s now (database busy); answering anyway", user_id)
            member, prompt = None, None
        if member is not None:
            async with db.read() as session:
                return SlackIdentity(await person_for_member(session, member, admin=admin))
    else:
        prompt = None
    async with db.read() as session:
        person = await identify(session, real or display or user_id, admin=admin)
    person.slack_user_id = user_id
    return SlackIdentity(person, prompt)


async def _remember(session, clock, user_id, profile, exact, ask, fresh):
    """The write behind identify_slack_user: (the member now linked, or None; a prompt, or None)."""
    record = await slack_queries.slack_user(session, user_id)
    if record is None:
        record = SlackUser(user_id=user_id, updated_at=clock.utcnow())
        session.add(record)
    if not fresh:
        (record.real_name, record.display_name), record.updated_at = profile, clock.utcnow()
    if exact is not None:
        member = await member_queries.member_by_id(session, exact)
        if member is not None and member.slack_user_id is None:
            await link_user(session, clock, member, "slack", user_id)
            record.member_id = member.id
            await session.flush()
            return member, None
    if ask is not None and not record.declined and record.asked_member_id is None:
        member_id, name = ask
        member = await member_queries.member_by_id(session, member_id)
        if member is not None and member.slack_user_id is None:
            record.asked_member_id, record.asked_at = member.id, clock.utcnow()
            return None, (member.id, member.name, name)
    return None, None


async def answer_identity_prompt(services: Services, user_id: str, member_id: int, yes: bool) -> str:
    return await answer_prompt(
        services.db, services.clock, "slack", user_id, member_id, yes, command="/tmag iam"
    )


async def claim_identity(services: Services, user_id: str, name: str) -> str:
    """`/tmag iam NAME`: link this Slack user to the member of that name."""
    return await link_claim(services.db, services.clock, "slack", user_id, name)


def _aware(value):
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)
