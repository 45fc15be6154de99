"""End to end by email: two `tmag-bot serve --http` replicas on one database (a SQLite file, and
PostgreSQL), a real SMTP server on loopback, and a real browser (Debian's headless Chromium, driven by
Selenium through chromedriver).

The digest falls due on both replicas: each owner not reached in chat gets their email once. Then the
browser opens the link from a received message (opening it changes nothing), marks the action done with
a note, sees the confirmation and Undo, and the record shows the change with source email; a forged, an
expired and a reused token each get a clear page and change nothing.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections import Counter

import aiohttp
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from bot.people.email_links import EmailLinks
from tests.email.helpers import KEY, link_for
from tests.fixtures.processes import ROOT, cli
from tests.fixtures.world import HEADLINE_032, MINUTES_031, clock_at
from tests.slack_fake import free_port, wait_healthy
from tests.smtp_server import smtp_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
OWNERS = {"Priya Natarajan": "priya@example.org", "Ada Brooks": "ada@example.org"}


def _serve(env: dict, port: int) -> subprocess.Popen:
    # A few seconds before the digest for the extraordinary meeting of 29 November is due (09:00, 27th).
    serve = ["serve", "--http", "--host", "127.0.0.1", "--port", str(port), "--now", "2023-11-27T08:59:55"]
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *serve],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.add_argument("--window-size=1000,1500")
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def _action(env: dict, ref: str) -> dict:
    return next(a for a in json.loads(cli(env, "export").stdout)["actions"] if a["ref"] == ref)


@pytest.mark.e2e
async def test_email_from_two_replicas_and_the_page_in_a_real_browser(db_url, tmp_path, slack):
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("no Chromium and chromedriver here (apt-get install -y chromium chromium-driver)")
    ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    with smtp_server() as (inbox, smtp_url):
        env = dict(
            os.environ,
            DATABASE_URL=db_url,
            SLACK_BOT_TOKEN="xoxb-e2e",
            SLACK_SIGNING_SECRET="email-e2e-secret",
            SLACK_API_URL=slack.api_url,
            SMTP_URL=smtp_url,
            EMAIL_FROM="tmag-bot@example.org",
            PUBLIC_URL=bases[0],
            EMAIL_LINK_KEY=KEY,
            LOG_LEVEL="WARNING",
            SE_OFFLINE="true",  # Selenium never fetches a driver: Debian's is given
        )
        env.pop("SLACK_APP_TOKEN", None)
        (tmp_path / "wmag-031.txt").write_text(MINUTES_031)
        (tmp_path / "wmag-032.txt").write_text(HEADLINE_032)
        assert (
            cli(env, "import", str(tmp_path / "wmag-031.txt"), str(tmp_path / "wmag-032.txt")).returncode == 0
        )
        for name, email in OWNERS.items():
            assert cli(env, "member", "add", name, "--email", email).returncode == 0
        # Sam is reached in Slack: no email for him.
        assert (
            cli(
                env, "member", "add", "Sam Hatton", "--email", "sam@example.org", "--slack-id", "U0SAM"
            ).returncode
            == 0
        )
        servers = [_serve(env, port) for port in ports]
        try:
            async with aiohttp.ClientSession() as http:
                for base, process in zip(bases, servers, strict=True):
                    await wait_healthy(http, base, process)
            for _ in range(600):
                if {m["To"] for m in inbox.messages} >= set(OWNERS.values()):
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(4)  # time for the other replica's timer (and a tick) to fire too
            counted = Counter(m["To"] for m in inbox.messages)
            assert counted == dict.fromkeys(OWNERS.values(), 1)

            message = inbox.to("priya@example.org")[0]
            link = link_for(message, "WMAG31-05")
            before = _action(env, "WMAG31-05")
            assert before["status"] == "open"
            await asyncio.to_thread(_in_the_browser, link, bases[0], tmp_path)
            after = _action(env, "WMAG31-05")
            assert after["status"] == "closed"
            closed = after["updates"][-1]
            assert (closed["kind"], closed["text"], closed["by"], closed["source"]) == (
                "closed",
                "Position paper sent to the PMO",
                "Priya Natarajan",
                "email",
            )
            assert len(after["updates"]) == len(before["updates"]) + 1  # the bad tokens changed nothing
        finally:
            for process in servers:
                process.terminate()
            for process in servers:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


def _on_next_page(browser, before, selector: str):
    """The element `selector` of the page a submitted form leads to: Chrome may hand back control from
    the click before the next page has replaced `before` (the old page's <html>)."""
    WebDriverWait(browser, 20).until(expected_conditions.staleness_of(before))
    return WebDriverWait(browser, 20).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, selector))
    )


def _in_the_browser(link: str, base: str, shots) -> None:
    browser = _browser()
    try:
        browser.get(link)
        assert browser.title.startswith("WMAG31-05: Confirm iDNO cost recovery position")
        assert "Open" in browser.find_element(By.CSS_SELECTOR, ".state").text
        used = browser.find_element(By.NAME, "form").get_attribute("value")
        browser.find_element(By.ID, "done-note").send_keys("Position paper sent to the PMO")
        before = browser.find_element(By.TAG_NAME, "html")
        browser.find_element(By.XPATH, "//button[normalize-space()='Mark done']").click()
        status = _on_next_page(browser, before, "[role=status]").text
        assert "Marked done: WMAG31-05 is closed." in status
        assert browser.find_element(By.XPATH, "//button[normalize-space()='Undo']").is_displayed()
        assert "Closed" in browser.find_element(By.CSS_SELECTOR, ".state").text
        browser.save_screenshot(str(shots / "page-after-done.png"))

        # The form already sent, sent again (its one-time token reused): a clear page, nothing changed.
        before = browser.find_element(By.TAG_NAME, "html")
        browser.execute_script(
            "const form = document.querySelector('input[value=update]').form;"
            "form.querySelector('input[name=form]').value = arguments[0];"
            "form.querySelector('textarea').value = 'sent twice';"
            "form.submit();",
            used,
        )
        assert "That form was already sent" in _on_next_page(browser, before, "[role=status]").text

        priya_token = link.rsplit("/", 1)[1]
        forged = priya_token[:-4] + ("AAAA" if not priya_token.endswith("AAAA") else "BBBB")
        browser.get(f"{base}/a/{forged}")
        assert browser.find_element(By.TAG_NAME, "h1").text == "This link does not work"
        expired = EmailLinks(KEY, clock_at("2023-10-01T09:00")).action_token(1, "priya@example.org", 1)
        browser.get(f"{base}/a/{expired}")
        assert browser.find_element(By.TAG_NAME, "h1").text == "This link has expired"
        browser.save_screenshot(str(shots / "page-expired.png"))
    finally:
        browser.quit()
