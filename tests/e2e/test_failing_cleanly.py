"""The command line fails cleanly: one line, no traceback, nothing changed. `serve` stops promptly on
SIGTERM whatever Slack is doing, and ends with one line when Slack refuses its token."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.fixtures.processes import ROOT, cli, free_port, serve, wait_healthy
from tests.fixtures.world import HEADLINE_032, MINUTES_031
from tests.slack_fake import FakeSlack

STOP = 5  # seconds a stopped bot may take


def one_line_error(done: subprocess.CompletedProcess, *expected: str) -> str:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1, done.stderr
    assert len(lines) == 1 and lines[0].startswith("tmag-bot: "), done.stderr
    for text in expected:
        assert text in lines[0]
    return lines[0]


def environment(tmp_path: Path, **extra: str) -> dict:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}", LOG_LEVEL="WARNING", **extra)
    for name in ("SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL"):
        if name not in extra:
            env.pop(name, None)
    return env


def test_an_empty_record_says_so(tmp_path):
    env = environment(tmp_path)
    one_line_error(
        cli(env, "ask", "what is open for me", "--as", "Kate Goodman"), "no reports imported yet in"
    )
    one_line_error(cli(env, "export"), "no reports imported yet in", "bot.db")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("not a url at all", "is not a database URL I can use"),
        ("sqlite:////proc/no-such-place/tmag.db", "cannot open the database /proc/no-such-place/tmag.db"),
    ],
)
def test_a_bad_database_url_is_one_line(tmp_path, url, says):
    env = dict(environment(tmp_path), DATABASE_URL=url)
    one_line_error(cli(env, "export"), says)


def test_a_closed_pipe_ends_quietly(tmp_path):
    env = environment(tmp_path)
    (tmp_path / "wmag-031.txt").write_text(MINUTES_031)
    assert cli(env, "import", str(tmp_path / "wmag-031.txt")).returncode == 0
    exporting = subprocess.Popen(
        [sys.executable, "-m", "bot", "export"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    exporting.stdout.read(10)
    exporting.stdout.close()  # like `| head -c 10`
    _, err = exporting.communicate(timeout=60)
    assert exporting.returncode == 0 and b"Traceback" not in err and err == b""


def test_a_question_too_long_is_refused(tmp_path):
    env = environment(tmp_path)
    (tmp_path / "wmag-031.txt").write_text(MINUTES_031)
    assert cli(env, "import", str(tmp_path / "wmag-031.txt")).returncode == 0
    one_line_error(
        cli(env, "ask", "what " * 900), "that question is too long (4500 characters; the most is 4000)"
    )


def test_chat_echoes_when_piped_and_takes_undo_and_digest(tmp_path):
    env = environment(tmp_path)
    for name, text in (("wmag-031.txt", MINUTES_031), ("wmag-032.txt", HEADLINE_032)):
        (tmp_path / name).write_text(text)
        assert cli(env, "import", str(tmp_path / name)).returncode == 0
    lines = "done WMAG31-02 windows agreed\nundo\ndigest\ndigest here\nshow WMAG31-02\n"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--as", "Sam Hatton", "--now", "2023-11-27T09:00"],
        cwd=ROOT,
        env=env,
        input=lines,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = done.stdout
    assert done.returncode == 0, done.stderr
    assert out.index("> done WMAG31-02 windows agreed\n✅ Closed WMAG31-02.") < out.index(
        "> undo\nUndone: WMAG31-02 is open again."
    )
    assert "> digest\n🗓️ Digest for WMAG (extraordinary): Wednesday 29 November 2023" in out
    assert "> digest here\ndigest here works in a Slack or Teams channel" in out
    assert "Status: open" in out[out.index("> show WMAG31-02") :]


async def test_serve_stops_promptly_while_slack_is_unreachable(tmp_path):
    nowhere = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there
    env = environment(tmp_path, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="s", SLACK_API_URL=nowhere)
    port = free_port()
    process = serve(env, port, "--http")
    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, f"http://127.0.0.1:{port}", process)  # serving, Slack or no Slack
        await process.logged("Slack is unreachable", count=3)  # tried three times, waiting longer each time
    finally:
        status = process.stop(timeout=STOP)
    assert status == 0
    assert "Traceback" not in process.log


async def test_serve_in_socket_mode_stops_promptly_while_slack_is_unreachable(tmp_path):
    nowhere = f"http://127.0.0.1:{free_port()}/api/"
    env = environment(
        tmp_path, SLACK_BOT_TOKEN="xoxb-test", SLACK_APP_TOKEN="xapp-test", SLACK_API_URL=nowhere
    )
    process = serve(env, free_port())
    try:
        await process.logged("Slack is unreachable", count=2)  # still trying, not crashed
        assert process.poll() is None
    finally:
        status = process.stop(timeout=STOP)
    assert status == 0 and "Traceback" not in process.log


async def test_a_token_slack_refuses_ends_serve_with_one_line(tmp_path):
    fake = await FakeSlack().start()
    fake.refuse_tokens = True
    try:
        env = environment(
            tmp_path, SLACK_BOT_TOKEN="xoxb-revoked", SLACK_SIGNING_SECRET="s", SLACK_API_URL=fake.api_url
        )
        process = serve(env, free_port(), "--http")
        status = await asyncio.to_thread(process.process.wait, 60)
        process.stop()
        err = process.log
    finally:
        await fake.stop()
    assert status == 1
    assert err.strip().splitlines()[-1] == (
        "tmag-bot: Slack refused the bot token (SLACK_BOT_TOKEN) (invalid_auth); check it in .env (see .env.example)"
    )
    assert "Traceback" not in err
