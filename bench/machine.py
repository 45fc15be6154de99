"""How fast this machine is at the moment, printed beside benchmark figures."""

from __future__ import annotations

import time


def machine_check() -> float:
    """Seconds for a fixed pure-Python loop: this machine's speed at the moment. Its figures move by a
    third between quiet and busy spells; the check, run beside each benchmark, says which this was."""
    started = time.perf_counter()
    total = 0
    for step in range(10_000_000):
        total += step
    return time.perf_counter() - started
