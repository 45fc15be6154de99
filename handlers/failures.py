"""A failed request, said in one log line: what failed and where, never a traceback (which, for a
database error, runs to a hundred lines and names every statement). The traceback is logged at DEBUG."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
MAX_CAUSE = 300
# Plumbing every request passes through (the answering loop's turns, the database driver's one trip):
# naming it would say nothing of where a request failed.
PLUMBING = frozenset({Path("handlers/answer_loop.py"), Path("storage/sqlite_driver.py")})


def _ours(frame: traceback.FrameSummary) -> str | None:
    path = Path(frame.filename)
    if not path.is_relative_to(PROJECT) or ".venv" in path.parts or "site-packages" in path.parts:
        return None
    if path.relative_to(PROJECT) in PLUMBING:
        return None
    return f"{path.relative_to(PROJECT)}:{frame.lineno} in {frame.name}"


def cause(error: BaseException) -> str:
    """`error` in one line: its kind, the driver's or its own message, and where in this project's code
    it was raised (the innermost of its frames, libraries left out) and from (the outermost)."""
    message = " ".join(str(getattr(error, "orig", None) or error).split())[:MAX_CAUSE]
    ours = [where for frame in traceback.extract_tb(error.__traceback__) if (where := _ours(frame))]
    said = f"{type(error).__name__}: {message}" if message else type(error).__name__
    if not ours:
        return said
    return f"{said} (at {ours[-1]}" + (f", from {ours[0]})" if len(ours) > 1 else ")")


class OneLineFailures(logging.Filter):
    """A logger's records that carry an exception, said in one line: `headline` (else the record's own
    first line) and the cause. The traceback stays only when that logger is set to DEBUG."""

    def __init__(self, headline: str | None = None) -> None:
        super().__init__()
        self.headline = headline

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is None:
            return True
        said = record.getMessage().splitlines()
        headline = self.headline or (said[0][:200] if said else "failed")
        record.msg, record.args = "%s: %s", (headline, cause(error))
        if not logging.getLogger(record.name).isEnabledFor(logging.DEBUG):
            record.exc_info, record.exc_text = None, None
        return True


def one_line_failures(logger_name: str, headline: str | None = None) -> None:
    """Install OneLineFailures on a logger, once."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, OneLineFailures) for f in logger.filters):
        logger.addFilter(OneLineFailures(headline))
