"""Benchmark: the same 100 realistic reports imported as Word documents and as PDFs (Word saved as PDF,
tables ruled horizontally, a few pages each); prints reports/s and p50/p95 per report for each, and what
reading alone costs (the rest is the same database work).

python -m bench.import_formats [--reports 100]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.import_reports import timed_import
from bench.synthetic import people, realistic_report
from bot.record.reports.loader import load_report
from tests.fixtures.formats import as_docx, as_pdf


async def run(count: int) -> None:
    rng = random.Random(11)
    pool = people(80, rng)
    texts = [realistic_report(i, rng, pool, year_format="%Y") for i in range(count)]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        files: dict[str, list[Path]] = {"docx": [], "pdf": []}
        for index, text in enumerate(texts):
            for kind, data in (("docx", as_docx(text)), ("pdf", as_pdf(text, "horizontal"))):
                path = root / f"report-{index:03d}.{kind}"
                path.write_bytes(data)
                files[kind].append(path)
        pages = sum(data.count(b"/Type /Page\n") for data in (p.read_bytes() for p in files["pdf"]))
        size = {
            kind: sum(p.stat().st_size for p in paths) / len(paths) / 1024 for kind, paths in files.items()
        }
        print(
            f"{count} reports; PDFs average {size['pdf']:.0f} KB ({pages / count:.1f} pages), "
            f"Word {size['docx']:.0f} KB"
        )
        for kind, paths in files.items():
            reading = []
            for path in paths:
                tick = time.perf_counter()
                load_report(path)
                reading.append((time.perf_counter() - tick) * 1000)
            total, timings = await timed_import(paths, root / f"{kind}.db", bulk=True)
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(
                f"{kind:4}: {count / total:5.1f} reports/s; "
                f"per report p50 {statistics.median(timings):6.1f} ms, "
                f"p95 {p95:6.1f} ms (reading alone p50 {statistics.median(reading):6.1f} ms, "
                f"p95 {sorted(reading)[int(len(reading) * 0.95) - 1]:6.1f} ms)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=100)
    asyncio.run(run(parser.parse_args().reports))


if __name__ == "__main__":
    main()
