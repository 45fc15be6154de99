"""Every query the bot makes, grouped by what it is about."""
