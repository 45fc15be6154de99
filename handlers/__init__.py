"""Platform glue, one package per platform: handlers.slack (Bolt) and handlers.teams (the Teams SDK).
Each is thin: it turns the platform's requests into calls on bot/ and bot/'s answers into its messages."""
