"""Process settings for a long-running bot."""

from __future__ import annotations

import gc


def settle() -> None:
    """After start-up: move everything built so far (libraries, the app, caches) out of the garbage
    collector's sight. It is all long-lived, and scanning it on every full collection made answers that
    build many small objects (a 10k-action digest) stall for tens of milliseconds at random."""
    gc.collect()
    gc.freeze()
