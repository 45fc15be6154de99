"""The meeting calendar: each group's cadence and the meetings it implies."""

from __future__ import annotations

# The usual cadence of MHHS groups: (week of the month, weekday with Monday=0, start time).
# TMAG meets on the third Wednesday at 10:00; PSG the first, DAG the second, CCAG the fourth.
DEFAULT_CADENCES: dict[str, tuple[int, int, str]] = {
    "TMAG": (3, 2, "10:00"),
    "PSG": (1, 2, "10:00"),
    "DAG": (2, 2, "10:00"),
    "CCAG": (4, 2, "10:00"),
}
