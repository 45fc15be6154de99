"""`tmag-bot email test ADDRESS`: one message through the settings, and one clear line when they are
wrong."""

from __future__ import annotations

from bot.cli import main


def test_email_test_sends_one_message(mail, monkeypatch, capsys):
    inbox, url = mail
    monkeypatch.setenv("SMTP_URL", url)
    monkeypatch.setenv("EMAIL_FROM", "TMAG secretariat <tmag-bot@example.org>")
    monkeypatch.setenv("PUBLIC_URL", "https://tmag-bot.example.org")
    assert main(["email", "test", "Kate@Example.org"]) == 0
    said = capsys.readouterr().out
    assert f"Sent a test message to kate@example.org via {url}" in said and "250" in said
    assert "Still to set before digests go by email: EMAIL_LINK_KEY." in said
    assert [m["To"] for m in inbox.messages] == ["kate@example.org"]
    assert "https://tmag-bot.example.org" in inbox.messages[0].get_body(("plain",)).get_content()


def test_email_test_says_what_is_wrong(mail, monkeypatch, capsys):
    inbox, url = mail
    monkeypatch.setenv("EMAIL_FROM", "tmag-bot@example.org")
    assert main(["email", "test", "kate@example.org"]) == 1
    assert "SMTP_URL is not set" in capsys.readouterr().err
    monkeypatch.setenv("SMTP_URL", "http://mail.example.org")
    assert main(["email", "test", "kate@example.org"]) == 1
    assert "SMTP_URL must look like smtp://" in capsys.readouterr().err
    monkeypatch.setenv("SMTP_URL", url)
    assert main(["email", "test", "not an address"]) == 1
    assert "is not an email address" in capsys.readouterr().err
    inbox.refused["kate@example.org"] = "550 5.1.1 no such mailbox"
    assert main(["email", "test", "kate@example.org"]) == 1
    said = capsys.readouterr().err
    assert "not sent via" in said and "550" in said
    assert inbox.messages == []
