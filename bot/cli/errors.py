"""What a command says when what was asked cannot be done."""


class CliError(Exception):
    """A mistake in what was asked; printed as one line, exit status 1."""
