"""Email: digests, due-date reminders and the group's list address by email (SMTP), and the page their
links open, on the bot's own HTTP port."""
