"""tmag-bot's platform-free core: reading reports, owners, questions, digests, the calendar and the CLI."""

__version__ = "0.1.0"
