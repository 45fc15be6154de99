"""Downloading a report someone shared (from Slack's files API, or a Teams download link): read whole,
chunk by chunk into a temporary file, and refused once it passes the limit (MAX_REPORT_MB), or before a
byte is read when the server says it is larger."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp

from bot.record.reports.loader import ReportError, check_size

CHUNK = 64 * 1024
TIMEOUT_S = 60


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


@contextlib.asynccontextmanager
async def downloaded(
    url: str, name: str, *, limit: int, headers: dict[str, str] | None = None, timeout: float = TIMEOUT_S
) -> AsyncIterator[Path]:
    """The file at `url`, whole, in a temporary file (removed when the block ends). ReportError, with
    the person's message, when it is larger than `limit` bytes (by its Content-Length, or as it
    arrives, for a server that does not say or says wrong); aiohttp's errors and TimeoutError when the
    download fails."""
    descriptor, held = tempfile.mkstemp(prefix="tmag-report-")
    path = Path(held)
    try:
        with os.fdopen(descriptor, "wb") as out:
            client_timeout = aiohttp.ClientTimeout(total=timeout)
            async with (
                aiohttp.ClientSession(timeout=client_timeout) as http,
                http.get(url, headers=headers) as response,
            ):
                response.raise_for_status()
                if response.content_length is not None:
                    check_size(name, response.content_length, limit)
                size = 0
                async for chunk in response.content.iter_chunked(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        most = _megabytes(limit)
                        raise ReportError(
                            f"{name}: too large to be a report (more than {most}, the most I read)"
                        )
                    out.write(chunk)
        yield path
    finally:
        path.unlink(missing_ok=True)


async def download(
    url: str, name: str, *, limit: int, headers: dict[str, str] | None = None, timeout: float = TIMEOUT_S
) -> bytes:
    """The file at `url`, whole (as `downloaded`), as bytes."""
    async with downloaded(url, name, limit=limit, headers=headers, timeout=timeout) as path:
        return path.read_bytes()
