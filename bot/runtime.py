"""Process settings: a command line that starts quickly, and a long-running bot that answers evenly."""

from __future__ import annotations

import gc


def quiet_start() -> None:
    """Before a command loads its libraries: no garbage collection while SQLAlchemy, SQLModel and
    pydantic build hundreds of thousands of objects that live as long as the process. Collecting during
    that found nothing to free and took about a tenth of `tmag-bot ask`'s time."""
    gc.disable()


def started() -> None:
    """Once a command's libraries are loaded (a quiet start only): put what start-up built out of the
    collector's sight, then collect as usual. Frozen, it is not scanned again, not even by the
    collections Python makes at exit, which took 0.1 s of a short command."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def settle() -> None:
    """After start-up: move everything built so far (libraries, the app, caches) out of the garbage
    collector's sight. It is all long-lived, and scanning it on every full collection made answers that
    build many small objects (a 10k-action digest) stall for tens of milliseconds at random. Collection
    is on from here, also after a quiet start."""
    gc.collect()
    gc.freeze()
    gc.enable()
