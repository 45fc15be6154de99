"""The open-loop drive shared by the Slack and Teams endpoint benchmarks (bench/slack_http.py,
bench/teams_http.py): requests sent at fixed arrival times, never waiting for an answer before sending
the next, to the bot and to reference apps offered the same load one after the other.

For each request it records when it was due, its acknowledgement (the HTTP response) and the arrival of
its answer at the fake platform on loopback, matched by a key the request carries and its answer brings
back. Latencies are counted from when a request was due, not from when the driver got round to sending
it: a late driver shows as latency (and as its own lag, printed beside), never hides it.

Per rate and for the burst it prints, for each app, acknowledgement and answer p50/p95/p99, answers
still missing when the run ended (a grace period after the last request), whether the backlog grew
(answers in the last third of the run much slower than in the first, or missing), the bot's peak RSS in
that run; then the ratios and targets, and a machine check (bench/machine.py) beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.load import DIGEST, STEADY, Planner, Request, burst, parse_burst, steady
from bench.machine import machine_check

FAILED_ANSWERS = ("something went wrong on my side", "The record is busy")
ACK_RATIO_TARGET = 1.2  # the bot's acknowledgement p95 against the bare app's
BURST_TARGET_S = 1.0  # answer p95 of a burst of 200 in 10 s
SUSTAINED_TARGET_S = 0.5  # answer p95 at 100 requests a second
SUSTAINED_RATE = 100
GREW_FACTOR = 2.0  # the last third's answer p50 this many times the first third's...
GREW_BY_S = 0.1  # ...and this much slower: the backlog grew
MISSING_SHARE = 0.01  # more answers than this share missing at the end: the backlog grew


@dataclass
class Record:
    request: Request
    due: float  # perf_counter() when it was due to be sent
    sent: float | None = None
    acked: float | None = None
    status: int | None = None
    error: str | None = None
    answered: float | None = None
    problem: str | None = None  # the answer says it failed, or a press closed nothing
    answer_in_response: bool = False  # the answer is the acknowledgement's body (a Teams card button)


class Answers:
    """Every request in flight by key, and what came back: the fakes call `arrived` (the Teams fake from
    its own thread) as each answer lands."""

    def __init__(self) -> None:
        self.records: dict[str, Record] = {}
        self.check: dict[str, bool] = {}  # key -> whether to read the answer (the bot's, not an echo's)
        self.unmatched = 0
        self.examples: dict[str, str] = {}  # a problem -> the first answer that showed it

    def arrived(self, key: str | None, at: float, text: Callable[[], str]) -> None:
        """An answer to request `key` landed at `at` (perf_counter); `text()` says what it said."""
        record = self.records.get(key or "")
        if record is None:
            self.unmatched += 1
            return
        if record.answered is None:
            record.answered = at
            if self.check.get(key):
                said = text()
                record.problem = problem_in(record.request, said)
                if record.problem:
                    self.examples.setdefault(
                        record.problem,
                        f"{record.request.kind} {record.request.ref or record.request.text}: {said[:600]}",
                    )


def problem_in(request: Request, text: str) -> str | None:
    if any(failure in text for failure in FAILED_ANSWERS):
        return "failed"
    # A press is told "Closed REF." (on a digest), or sees the answer again with the item closed in place.
    if request.is_press and f"Closed {request.ref}." not in text and f"{request.ref} (closed)" not in text:
        return "press changed nothing"
    return None


# send(request, record): sends it, sets record.status (and record.answered, where the answer is the
# acknowledgement's body, as a Teams button's is)
Send = Callable[[Request, Record], Awaitable[None]]


@dataclass
class App:
    name: str
    send: Send
    pid: int | None = None  # measured for memory (the bot)
    checked: bool = False  # its answers are read (the bot's)


@dataclass
class Phase:
    label: str
    app: str
    records: list[Record]
    seconds: float
    memory: float | None = None  # peak RSS (MB) during the run, of an app measured for memory
    drained_after: float | None = None  # seconds after the last request until every answer was in
    lag: list[float] = field(default_factory=list)
    # The same requests once drained: answers that came after the end (uncounted in the latencies) are
    # still read for what they say.
    drained: list[Record] = field(default_factory=list)

    def acks(self) -> list[float]:
        """Acknowledgements of requests answered later (not those whose answer is the response); one
        not yet made at the end counted as never."""
        return [_since(r.acked, r.due) for r in self.records if not r.answer_in_response and not r.error]

    def responses(self) -> list[float]:
        """Responses that carry the answer (a Teams card button's invoke)."""
        return [_since(r.acked, r.due) for r in self.records if r.answer_in_response and not r.error]

    def answers(self) -> list[float]:
        """Answer latencies, a missing answer counted as never (infinite)."""
        return [r.answered - r.due if r.answered is not None else float("inf") for r in self.records]

    @property
    def missing(self) -> int:
        return sum(r.answered is None for r in self.records)

    @property
    def errors(self) -> int:
        """Requests refused or failed (not those still waiting for their response at the end)."""
        return sum(bool(r.error) or r.status not in (None, 200) for r in self.records)

    def problems(self) -> dict[str, int]:
        """What was wrong with the answers, those after the end included."""
        found: dict[str, int] = {}
        for record in self.drained or self.records:
            if record.problem:
                found[record.problem] = found.get(record.problem, 0) + 1
        return found

    def thirds(self) -> tuple[float, float]:
        """Answer p50 of the first and the last third of the requests (by when they were due)."""
        ordered = sorted(self.records, key=lambda r: r.due)
        third = max(1, len(ordered) // 3)

        def p50(records):
            return percentile([r.answered - r.due if r.answered else float("inf") for r in records], 0.5)

        return p50(ordered[:third]), p50(ordered[-third:])

    @property
    def grew(self) -> bool:
        first, last = self.thirds()
        slower = last > GREW_FACTOR * first and last - first > GREW_BY_S
        return slower or self.missing > max(1, MISSING_SHARE * len(self.records))


def _since(at: float | None, due: float) -> float:
    return at - due if at is not None else float("inf")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, round(share * len(ordered)) - 1)]


def ms(value: float) -> str:
    if value != value:  # nan
        return "     -"
    if value == float("inf"):
        return " never"
    return f"{value * 1000:6.0f}"


# --- memory (Linux's /proc) ------------------------------------------------------------------------


def resident_memory(pid: int) -> str:
    """A process's resident memory now and at its peak, as "RSS N MB, peak M MB"."""
    kilobytes = _status(pid)
    if kilobytes is None:
        return "unknown (no /proc here)"
    return f"RSS {kilobytes.get('VmRSS', 0) / 1024:.0f} MB, peak {kilobytes.get('VmHWM', 0) / 1024:.0f} MB"


def peak_megabytes(pid: int) -> float | None:
    kilobytes = _status(pid)
    return None if kilobytes is None else kilobytes.get("VmHWM", 0) / 1024


def reset_peak(pid: int) -> bool:
    """Start counting a process's peak RSS afresh (Linux: writing 5 to its clear_refs)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _status(pid: int) -> dict[str, int] | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return {line.split(":")[0]: int(line.split()[1]) for line in status.splitlines() if line.startswith("Vm")}


# --- one run of one app ------------------------------------------------------------------------------


async def run_phase(
    app: App,
    label: str,
    offsets: list[float],
    requests: list[Request],
    answers: Answers,
    *,
    grace: float,
    drain: float = 300,
) -> Phase:
    """Send `requests` at `offsets` (s), each as its own task; wait `grace` s after the last for what is
    still to come (then count what is missing), and after that until the app has answered everything
    (up to `drain` s more), so that one run's leftovers never land in the next."""
    records = [Record(request, 0.0) for request in requests]
    for record in records:
        answers.records[record.request.key] = record
        answers.check[record.request.key] = app.checked
    tasks: list[asyncio.Task] = []
    lag: list[float] = []
    if app.pid:
        reset_peak(app.pid)

    async def fire(record: Record) -> None:
        record.sent = time.perf_counter()
        lag.append(record.sent - record.due)
        try:
            await app.send(record.request, record)
            record.acked = time.perf_counter()
        except Exception as exc:  # counted, never raised: an open loop keeps sending
            record.error = f"{exc.__class__.__name__}: {exc}"[:200]

    start = time.perf_counter() + 0.2
    for offset, record in zip(offsets, records, strict=True):
        record.due = start + offset
        delay = record.due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(fire(record)))
    last = start + offsets[-1]
    await _until(lambda: all(t.done() for t in tasks) and all(r.answered for r in records), last + grace)
    ended = time.perf_counter()
    # Answers still missing at the end count as missing; the drain goes on unrecorded, for the next run.
    snapshot = [
        Record(
            r.request, r.due, r.sent, r.acked, r.status, r.error, r.answered, r.problem, r.answer_in_response
        )
        for r in records
    ]
    drained = await _until(
        lambda: all(t.done() for t in tasks) and all(r.answered for r in records), ended + drain
    )
    for task in tasks:
        task.cancel()
    memory = peak_megabytes(app.pid) if app.pid else None
    return Phase(
        label,
        app.name,
        snapshot,
        offsets[-1],
        memory,
        drained - last if drained is not None else None,
        lag,
        records,
    )


async def _until(condition: Callable[[], bool], deadline: float) -> float | None:
    """Wait until `condition()` (polled) or the deadline; when it held (perf_counter), or None."""
    while True:
        if condition():
            return time.perf_counter()
        if time.perf_counter() >= deadline:
            return None
        await asyncio.sleep(0.01)


# --- the whole benchmark ----------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rates", default="5,20,50,100", help="requests a second, comma-separated (default 5,20,50,100)"
    )
    parser.add_argument("--seconds", type=float, default=30, help="how long each rate is held (default 30)")
    parser.add_argument(
        "--burst",
        default="200/10",
        help="COUNT/SECONDS: COUNT requests within SECONDS, half in the first fifth (default 200/10); "
        "'none' for no burst",
    )
    parser.add_argument(
        "--grace", type=float, default=5, help="seconds after the last request before missing answers count"
    )
    parser.add_argument(
        "--drain",
        type=float,
        default=300,
        help="seconds more to wait for the rest (uncounted) before the next app's run (default 300)",
    )
    parser.add_argument(
        "--keep", type=Path, help="keep the built database in this file and reuse it (each run on a copy)"
    )
    parser.add_argument(
        "--tiny", action="store_true", help="2,000 actions and 100 members (for checking that it runs)"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="profile the bot (alone, no references) through the runs: SQL statements and collections "
        "timed inside it, every thread sampled by py-spy; written to DIR and summed up at the end",
    )


@dataclass
class Plan:
    rates: list[float]
    seconds: float
    burst: tuple[int, float] | None
    grace: float
    drain: float = 300
    profile: Path | None = None

    @classmethod
    def from_arguments(cls, args) -> Plan:
        rates = [float(r) for r in args.rates.split(",") if r.strip()]
        chosen = None if args.burst.strip().lower() in ("", "none") else parse_burst(args.burst)
        return cls(rates, args.seconds, chosen, args.grace, args.drain, args.profile)


async def drive(apps: list[App], planner: Planner, plan: Plan, answers: Answers) -> list[Phase]:
    """Every rate, then the burst, each offered to every app in turn (the same requests, keys apart);
    prints each as it ends. With `plan.profile`, the first app (the bot) alone, sampled throughout."""
    print(f"machine check before the runs: {machine_check():.3f} s", flush=True)
    if plan.profile:
        apps = apps[:1]
    for app in apps:  # warm caches, connections, Bolt's auth.test, the Teams token and keys
        requests = planner.plan(10, STEADY, f"warm-{app.name}")
        await run_phase(app, "warm-up", steady(10, 1), requests, answers, grace=10)
    sampler = times = None
    if plan.profile and apps[0].pid:
        from bench.profiling import Sampler, ThreadTimes

        sampler, times = Sampler(apps[0].pid, plan.profile / "threads.txt"), ThreadTimes(apps[0].pid)
        if sampler.start():
            await asyncio.sleep(1)  # py-spy attaching
        times.start()
    started = time.perf_counter()
    polling = asyncio.create_task(_poll(times)) if times else None
    try:
        return await _loads(apps, planner, plan, answers)
    finally:
        if polling is not None:
            polling.cancel()
            times.poll()
        if sampler is not None:
            sampler.stop()
        if plan.profile:
            plan.profile.mkdir(parents=True, exist_ok=True)  # py-spy, when installed, would have made it
            (plan.profile / "sampled.json").write_text(
                json.dumps(
                    {
                        "seconds": time.perf_counter() - started,
                        "requests": sum(not key.startswith("warm-") for key in answers.records),
                        "cpu_by_thread": times.used() if times else {},
                    }
                )
            )


async def _poll(times) -> None:
    while True:
        await asyncio.sleep(0.5)
        times.poll()


async def _loads(apps: list[App], planner: Planner, plan: Plan, answers: Answers) -> list[Phase]:
    phases: list[Phase] = []
    loads: list[tuple[str, list[float], dict]] = [
        (f"{rate:g}/s for {plan.seconds:g} s", steady(rate, plan.seconds), STEADY) for rate in plan.rates
    ]
    if plan.burst:
        count, seconds = plan.burst
        loads.append((f"burst {count} in {seconds:g} s", burst(count, seconds), DIGEST))
    for n, (label, offsets, mix) in enumerate(loads):
        print(f"\n{label} ({len(offsets)} requests each; machine check {machine_check():.3f} s)", flush=True)
        group = []
        print(HEADER)
        for app in apps:
            requests = planner.plan(len(offsets), mix, f"{app.name}-{n}")
            phase = await run_phase(
                app, label, offsets, requests, answers, grace=plan.grace, drain=plan.drain
            )
            print_phase(phase)
            group.append(phase)
            await asyncio.sleep(1)
        if len(group) > 1:
            print_comparison(group, apps)
        if apps[0].checked:
            print_kinds(group[0])
        phases += group
    print(f"\nmachine check after the runs: {machine_check():.3f} s", flush=True)
    return phases


HEADER = (
    f"  {'app':<17}{'ack p50/p95/p99 ms':>21}{'answer p50/p95/p99 ms':>24}{'missing':>9}  "
    f"{'backlog (answer p50, first/last third)':<40}{'peak RSS':>9}{'driver lag p99':>16}"
)


def three(values: list[float]) -> str:
    return "/".join(ms(percentile(values, share)).strip() for share in (0.5, 0.95, 0.99))


def bot_env(env: dict, plan: Plan) -> dict:
    """The bot's environment: with --profile, the in-process measurements on (bench/bot_hooks.py)."""
    if not plan.profile:
        return env
    from bench.bot_hooks import PROFILE

    return {**env, PROFILE: str(plan.profile)}


def report_profile(folder: Path) -> None:
    from bench.profile_report import report

    print()
    report(folder)


def print_phase(phase: Phase) -> None:
    first, last = phase.thirds()
    backlog = f"{'GREW' if phase.grew else 'steady'} ({ms(first).strip()}/{ms(last).strip()} ms)"
    memory = f"{phase.memory:.0f} MB" if phase.memory is not None else "-"
    print(
        f"  {phase.app:<17}{three(phase.acks()):>21}{three(phase.answers()):>24}{phase.missing:>9}  "
        f"{backlog:<40}{memory:>9}{ms(percentile(phase.lag, 0.99)).strip() + ' ms':>16}",
        flush=True,
    )
    notes = [f"{n} {what}" for what, n in phase.problems().items()]
    if phase.errors:
        errors = [
            r.error or f"HTTP {r.status}" for r in phase.records if r.error or r.status not in (None, 200)
        ]
        notes.append(f"{phase.errors} not acknowledged with 200 (the first: {errors[0]})")
    if phase.responses():
        notes.append(f"card presses answered in the response: {three(phase.responses())} ms")
    if phase.drained_after is None:
        notes.append("answers still missing when the drain was given up")
    elif phase.missing:
        notes.append(f"every answer in {phase.drained_after:.1f} s after the last request")
    if notes:
        print(f"  {'':<17}" + "; ".join(notes), flush=True)


def print_comparison(group: list[Phase], apps: list[App]) -> None:
    ours, bare = group[0], group[-1]
    ratio = percentile(ours.acks(), 0.95) / percentile(bare.acks(), 0.95)
    met = "met" if ratio <= ACK_RATIO_TARGET else "NOT met"
    line = f"  {ours.app} ack p95 / {bare.app} ack p95: {ratio:.2f} (target <= {ACK_RATIO_TARGET}: {met})"
    answers_p95 = percentile(ours.answers(), 0.95)
    for other in group[1:]:
        line += f"; answer p95 {answers_p95 / percentile(other.answers(), 0.95):.1f}x {other.app}'s"
    target = answer_target(ours)
    if target is not None:
        met = "met" if answers_p95 <= target else "NOT met"
        line += f"; answer p95 target <= {target * 1000:.0f} ms: {met}"
    print(line, flush=True)


def print_kinds(phase: Phase) -> None:
    kinds: dict[str, list[Record]] = {}
    for record in phase.records:
        kinds.setdefault(record.request.kind, []).append(record)
    parts = []
    for kind, records in sorted(kinds.items()):
        answered = [r.answered - r.due if r.answered else float("inf") for r in records]
        parts.append(
            f"{kind} {ms(percentile(answered, 0.5)).strip()}/{ms(percentile(answered, 0.95)).strip()}"
        )
    print(f"  {phase.app} answer p50/p95 ms by kind: " + ", ".join(parts), flush=True)


def answer_target(phase: Phase) -> float | None:
    """The answer p95 target a run is held to: the burst of 200 in 10 s, and 100 a second sustained."""
    if phase.label.startswith("burst 200 in 10 s"):
        return BURST_TARGET_S
    if phase.label.startswith(f"{SUSTAINED_RATE}/s"):
        return SUSTAINED_TARGET_S
    return None


def print_summary(phases: list[Phase], ours: str, memory: str) -> None:
    """The bot's runs side by side, and the highest rate it sustained without a growing backlog."""
    print(f"\nsummary for {ours}:")
    sustained, broke = None, False
    for phase in (p for p in phases if p.app == ours):
        target = answer_target(phase)
        print(
            f"  {phase.label:<22} answer p95 {ms(percentile(phase.answers(), 0.95)).strip():>6} ms"
            + (f" (target {target * 1000:.0f} ms)" if target else "")
            + f", missing {phase.missing}, backlog {'GREW' if phase.grew else 'steady'}"
        )
        if phase.label.startswith("burst"):
            continue
        if not phase.grew and not broke:
            sustained = phase.label.split("/s")[0]
        else:
            broke = True
    rates = [p.label.split("/s")[0] for p in phases if p.app == ours and not p.label.startswith("burst")]
    if sustained is None:
        print("  highest rate sustained without a growing backlog: none of those run")
    elif not broke:
        print(f"  highest rate sustained without a growing backlog: at least {sustained}/s (the highest run)")
    else:
        print(f"  highest rate sustained without a growing backlog: {sustained}/s (of {', '.join(rates)}/s)")
    peaks = [p.memory for p in phases if p.app == ours and p.memory is not None]
    if peaks:
        print(f"  {ours} peak RSS in any run: {max(peaks):.0f} MB; at the end: {memory}")
    else:
        print(f"  {ours} memory at the end: {memory}")


def print_log(lines: list[str]) -> None:
    """What the bot logged (WARNING and above), by message with its numbers and times left out."""
    said = Counter()
    for line in lines:
        if not line.strip():
            continue
        message = re.sub(r"^\d{4}-\d\d-\d\d [\d:,]+ ", "", line)
        message = re.sub(r"\d+(\.\d+)?", "N", message)[:240]
        said[message] += 1
    print(f"  tmag-bot logged {sum(said.values())} lines at WARNING or above")
    for message, count in said.most_common(6):
        print(f"    {count} x {message}")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
