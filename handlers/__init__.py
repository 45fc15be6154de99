"""Slack listeners: thin glue between Slack and the core in bot/."""
