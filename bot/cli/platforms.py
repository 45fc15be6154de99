"""What the platforms plug into the command line (handlers/cli.py, found through the package's entry
points, so the core's command line imports nothing of the platforms): their commands (serve, teams
package, email test) and hooks the core's commands call (post_digest)."""

from __future__ import annotations

import argparse
from importlib.metadata import entry_points

PLATFORM_HOOKS: dict = {}
ENTRY_POINTS = "tmag_bot.commands"


def platform_commands(commands) -> None:

    for found in entry_points(group=ENTRY_POINTS):
        found.load()(commands, PLATFORM_HOOKS)


def platform_hook(name: str):
    """A hook the platforms give the core's commands (None without them), looked for when first needed."""
    if name not in PLATFORM_HOOKS:
        platform_commands(argparse.ArgumentParser().add_subparsers())
    return PLATFORM_HOOKS.get(name)
