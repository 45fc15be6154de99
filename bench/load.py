"""Load that looks like members, for the Slack and Teams endpoint benchmarks: a database of 100k actions
and 5k members (bench/ask.py's `populate`), every member linked to a chat user of their own on both
platforms with a confirmed link (an owner's rights, as after the secretariat confirmed them), and a mix
of what members send: `mine`, `open for NAME`, `show REF`, questions in their own words, and Mark done
pressed on an action they own, from an answer they were shown (the answer is shown again) or from a
digest in the channel (they alone are told what changed).

Each request carries a key of its own that comes back with its answer (Slack: in the response URL;
Teams: in the conversation's name, which every reply repeats), so each answer is matched to its
request.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from bench.ask import TOPICS, big_page_cache, populate
from bot.record.refs import parse_action_cell
from storage.db import open_database

LINK = "confirmed"  # the secretariat confirmed each member's chat user: an owner's rights
FULL = (100_000, 5_000)  # actions, members
TINY = (2_000, 100)


def slack_id(member_id: int) -> str:
    return f"U{member_id:07d}"


def teams_id(member_id: int) -> str:
    return f"aad-bench-{member_id}"


def personal_chat(member_id: int) -> str:
    """Where a member's personal chat with the bot is (as tests/teams_fake.py's personal_message names
    it)."""
    return f"a:chat-{teams_id(member_id)}"


@dataclass(frozen=True)
class Member:
    id: int
    name: str


@dataclass
class World:
    """The database's people and what they own: what the load is drawn from."""

    path: Path
    actions: int
    members: list[Member]
    owned: dict[int, list[str]]  # member id -> refs of open actions naming them
    refs: list[str]  # a sample of every action's ref, for `show REF`


@dataclass(frozen=True)
class Request:
    """One thing a member sends: `kind` names it in the figures; `text` is what they type (a question
    or command), or for a press the ref pressed and whether it came from their answer or a digest."""

    key: str
    kind: str
    member: Member
    text: str = ""
    ref: str | None = None
    from_answer: bool = False  # a press on an answer they alone see (shown again), else on a digest

    @property
    def is_press(self) -> bool:
        return self.ref is not None


# What members send, and how often (shares of all requests). Steady load: mostly questions, a quarter
# presses. A digest landing: members press Mark done on it and ask what is theirs.
STEADY = {"mine": 0.25, "open for": 0.15, "show": 0.15, "question": 0.20, "press": 0.25}
DIGEST = {"mine": 0.30, "show": 0.10, "press": 0.60}
QUESTIONS = {  # a question in members' own words -> its name in the figures
    "what did we decide about the {topic}?": "q:decided",
    "anything on the {topic}?": "q:anything on",
    "actions about the {topic}": "q:actions about",
    "who is the DNO rep": "q:who is",
    "what is overdue for me": "q:overdue",
}


async def prepare_database(path: Path, size: tuple[int, int], *, keep: Path | None = None) -> None:
    """The database at `path`: a copy of `keep` when it already holds one (kept from an earlier run),
    else built (and, with `keep`, kept there for the next run). A run works on its copy, so every run
    starts from the same record whatever the one before closed."""
    if keep is not None and keep.exists():
        shutil.copyfile(keep, path)
        return
    await _build(path, size)
    if keep is not None:
        keep.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, keep)


async def _build(path: Path, size: tuple[int, int]) -> None:
    actions, members = size
    print(f"building {actions} actions and {members} members ...", flush=True)
    db = await open_database(f"sqlite:///{path}")
    big_page_cache(db)
    await populate(db, actions, members, random.Random(11))
    async with db.write() as session:
        # Every member linked to a chat user of their own on both platforms, confirmed; and known to
        # Teams as having written before (their personal chat remembered), as members are once the
        # bot has been in use for a while.
        for statement in (
            "UPDATE member SET slack_user_id = 'U' || substr('0000000' || id, -7, 7), "
            f"slack_link = '{LINK}', teams_user_id = 'aad-bench-' || id, teams_link = '{LINK}'",
            "INSERT INTO teams_user (user_id, name, member_id, declined, tenant_id, conversation_id, "
            "updated_at) SELECT 'aad-bench-' || id, name, id, 0, :tenant, 'a:chat-aad-bench-' || id, "
            "CURRENT_TIMESTAMP FROM member",
        ):
            await session.exec(text(statement), params={"tenant": _tenant()})
    await db.close()


def _tenant() -> str:
    from tests.teams_fake import TENANT

    return TENANT


def readable(ref: str) -> bool:
    """Whether the bot reads `ref` back as itself."""
    found = parse_action_cell(ref)
    return found is not None and found.canonical == ref


def load_world(path: Path) -> World:
    """Who the members are and which open actions each owns by name."""
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        actions = connection.execute("SELECT count(*) FROM action").fetchone()[0]
        members = [Member(i, n) for i, n in connection.execute("SELECT id, name FROM member ORDER BY id")]
        owned: dict[int, list[str]] = {}
        # bench/ask.py's populate numbers meetings up to 1099; the bot reads meeting numbers of up to three
        # digits (bot/record/refs.py), so the tenth of refs with four are left out of what members press
        # and show (it refuses them: "I can't see an action ref").
        for member_id, ref in connection.execute(
            "SELECT DISTINCT o.member_id, a.ref FROM action_owner ao "
            "JOIN owner_name o ON o.id = ao.owner_name_id JOIN action a ON a.id = ao.action_id "
            "WHERE ao.kind = 'person' AND a.status = 'open' AND o.member_id IS NOT NULL "
            "ORDER BY o.member_id, a.ref"
        ):
            if readable(ref):
                owned.setdefault(member_id, []).append(ref)
        refs = [r for (r,) in connection.execute("SELECT ref FROM action WHERE id % 7 = 0") if readable(r)]
    finally:
        connection.close()
    return World(path, actions, members, owned, refs)


@dataclass
class Planner:
    """Requests for a run: members drawn in turn from a shuffled list (each one again only once all
    others have sent something, so no member has two requests in flight), each press on an action they
    own that no earlier press of the run closed."""

    world: World
    rng: random.Random = field(default_factory=lambda: random.Random(5))
    _order: list[Member] = field(default_factory=list)
    _pressed: set[str] = field(default_factory=set)
    _count: int = 0

    def _next_member(self, *, owning: bool) -> Member:
        for _ in range(2 * len(self.world.members)):
            if not self._order:
                self._order = list(self.world.members)
                self.rng.shuffle(self._order)
            member = self._order.pop()
            if not owning or any(r not in self._pressed for r in self.world.owned.get(member.id, ())):
                return member
        raise RuntimeError("no member owns an open action left to press")

    def plan(self, count: int, mix: dict[str, float], prefix: str) -> list[Request]:
        kinds = self.rng.choices(list(mix), weights=list(mix.values()), k=count)
        return [self.request(kind, f"{prefix}-{n}") for n, kind in enumerate(kinds)]

    def request(self, kind: str, key: str) -> Request:
        self._count += 1
        if kind == "press":
            member = self._next_member(owning=True)
            ref = next(r for r in self.world.owned[member.id] if r not in self._pressed)
            self._pressed.add(ref)
            from_answer = self.rng.random() < 0.5
            label = "press (answer)" if from_answer else "press (digest)"
            return Request(key, label, member, ref=ref, from_answer=from_answer)
        member = self._next_member(owning=False)
        if kind == "mine":
            said = "mine"
        elif kind == "open for":
            said = f"open for {self.rng.choice(self.world.members).name}"
        elif kind == "show":
            said = f"show {self.rng.choice(self.world.refs)}"
        else:
            asked = self.rng.choice(list(QUESTIONS))
            said, kind = asked.format(topic=self.rng.choice(TOPICS)), QUESTIONS[asked]
        return Request(key, kind, member, text=said)


def button_value(request: Request) -> str:
    """What a Mark done button carries (bot/conversation/layout.py done_button): the ref, and on an
    answer the view it was shown in (`mine`, its first page), so the answer is shown again."""
    data = {"ref": request.ref}
    if request.from_answer:
        data["view"] = {"q": "mine", "o": 0}
    return json.dumps(data, separators=(",", ":"))


def button_data(request: Request) -> dict:
    return json.loads(button_value(request))


# --- arrival times ------------------------------------------------------------------------------


def steady(rate: float, seconds: float) -> list[float]:
    """Offsets (s) of requests at a fixed rate."""
    return [n / rate for n in range(max(1, round(rate * seconds)))]


def burst(count: int, seconds: float, front: float = 0.5, front_window: float = 0.2) -> list[float]:
    """Offsets of `count` requests within `seconds`, front-loaded as when a digest lands: `front` of them
    in the first `front_window` of the time (half in the first 2 s of 10), the rest evenly after."""
    early = round(count * front)
    head = seconds * front_window
    late = count - early
    return [n * head / early for n in range(early)] + [
        head + n * (seconds - head) / late for n in range(late)
    ]


def parse_burst(text: str) -> tuple[int, float]:
    """`200/10`: 200 requests within 10 s."""
    count, _, seconds = text.partition("/")
    return int(count), float(seconds or 10)
