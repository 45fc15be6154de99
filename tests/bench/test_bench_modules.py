"""Every module under bench/ runs: each benchmark for a few seconds on a tiny data set, exiting 0 and
printing the labels of its figures (never judged on the figures: they are timings); the apps the
endpoint benchmarks start are run by those; the rest are imported. A module added to bench/ must be
named here."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e

# module -> (arguments for a run of a few seconds, labels its output must show)
BENCHMARKS = {
    "import_reports": (["--reports", "20"], ["reports/s", "per report: p50", "target: 1,000 reports under"]),
    "import_realistic": (
        ["--reports", "20", "--runs", "1"],
        ["small (20 reports", "realistic (20 reports", "machine check beside these runs"],
    ),
    "import_formats": (
        ["--reports", "2", "--runs", "1"],
        ["per report", "PDF backend", "PDF p50 / Word p50"],
    ),
    "ask": (
        ["--actions", "2000", "--members", "100", "--queries", "10"],
        ["what is open for me", "topic search", "p95 ratio ours/naive"],
    ),
    "digest": (["--open", "200", "--runs", "3"], ["digest for TMAG", "compose p50", "baseline"]),
    "cli_start": (
        ["--runs", "1"],
        ['tmag-bot ask "what is open for me": min', "machine check beside these runs"],
    ),
    "fuzz_reports": (
        ["--reports", "20"],
        ["fuzzed 20 mutated reports", "outcomes:", "hangs over", "unexpected errors (tracebacks)"],
    ),
    "slack_http": (
        ["--tiny", "--rates", "10", "--seconds", "2", "--burst", "20/2"],
        [
            "machine check before the runs",
            "ack p50/p95/p99 ms",
            "answer p50/p95/p99 ms",
            "missing",
            "backlog",
            "peak RSS",
            "tmag-bot",
            "echo (Bolt)",
            "bare (aiohttp)",
            "tmag-bot ack p95 / bare (aiohttp) ack p95",
            "answer p50/p95 ms by kind",
            "burst 20 in 2 s",
            "highest rate sustained without a growing backlog",
            "machine check after the runs",
        ],
    ),
    "teams_http": (
        ["--tiny", "--rates", "10", "--seconds", "2", "--burst", "20/2"],
        [
            "machine check before the runs",
            "ack p50/p95/p99 ms",
            "answer p50/p95/p99 ms",
            "card presses answered in the response",
            "tmag-bot",
            "echo (Teams SDK)",
            "bare (aiohttp)",
            "tmag-bot ack p95 / bare (aiohttp) ack p95",
            "burst 20 in 2 s",
            "highest rate sustained without a growing backlog",
        ],
    ),
}
# Servers the endpoint benchmarks start and drive (their output names them; a server that failed to
# start fails the benchmark).
SERVED_BY = {
    "bot_hooks": "slack_http",
    "slack_echo_app": "slack_http",
    "slack_bare_app": "slack_http",
    "teams_echo_app": "teams_http",
    "teams_bare_app": "teams_http",
}
# What the benchmarks share: imported.
LIBRARIES = ["databases", "load", "machine", "open_loop", "profiling", "reference_apps", "synthetic"]


def run(module: str, *args: str, timeout: float = 240) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "TMAG_BENCH_"))}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, (
        f"bench.{module} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout


def test_every_module_under_bench_is_run_here():
    modules = {p.stem for p in (ROOT / "bench").glob("*.py") if p.stem != "__init__"}
    named = set(BENCHMARKS) | set(SERVED_BY) | set(LIBRARIES) | {"profile_report"}
    assert modules == named


@pytest.mark.parametrize("module", sorted(BENCHMARKS))
def test_a_benchmark_runs_and_prints_its_figures(module):
    arguments, labels = BENCHMARKS[module]
    printed = run(module, *arguments)
    missing = [label for label in labels if label not in printed]
    assert not missing, f"bench.{module} did not print {missing}:\n{printed[-3000:]}"


def test_a_profiled_run_is_summed_up(tmp_path):
    """--profile: the bot alone, profiled; bench.profile_report reads the profile again."""
    folder = tmp_path / "profile"
    printed = run(
        "slack_http", "--tiny", "--rates", "10", "--seconds", "2", "--burst", "none", "--profile", str(folder)
    )
    for label in ("profile in", "threads: CPU used", "SQL, timed inside the process", "garbage collections"):
        assert label in printed, printed[-3000:]
    assert "echo (Bolt)" not in printed  # the references are not run when profiling
    again = run("profile_report", str(folder))
    assert "SQL, timed inside the process" in again


@pytest.mark.parametrize("module", sorted(LIBRARIES))
def test_a_shared_module_imports(module):
    importlib.import_module(f"bench.{module}")
