"""Benchmark: the same reports imported as Word documents and as PDFs, side by side: per report p50/p95
for each (the import as the command line does it, one report at a time, reading workers included), what
reading alone costs in this process, and the PDF backend in use.

The reports are laid out in Word in the secretariats' table styles (tests/fixtures/office/generate.py)
and saved as PDF by LibreOffice when it is installed (as a secretariat's PDFs are made), else drawn as
PDF by reportlab. Target: a PDF report's p50 within 2x of the same report's as .docx.

python -m bench.import_formats [--reports 100] [--runs 1]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.ask import percentile
from bench.import_reports import timed_import
from bot.record.reports.loader import load_report
from tests.fixtures.office.generate import convert, layouts, report_text, word_document

TARGET_RATIO = 2.0


def write_reports(root: Path, count: int) -> tuple[dict[str, list[Path]], str]:
    """The reports as .docx and .pdf twins; and how the PDFs were made."""
    rng = random.Random(11)
    texts = []
    for index, (layout, long) in enumerate(layouts(count)):
        text = report_text(index, rng, long, layout.header)
        texts.append(text)
        (root / f"report-{index:03d}.docx").write_bytes(word_document(text, layout))
    if shutil.which("soffice") or shutil.which("libreoffice"):
        convert(root)
        made = "LibreOffice"
    else:
        from tests.fixtures.formats import as_pdf

        for index, text in enumerate(texts):
            (root / f"report-{index:03d}.pdf").write_bytes(as_pdf(text, "horizontal"))
        made = "reportlab (LibreOffice not installed)"
    return {kind: sorted(root.glob(f"*.{kind}")) for kind in ("docx", "pdf")}, made


def backend() -> str:
    import pypdfium2

    return f"pypdfium2 {pypdfium2.PYPDFIUM_INFO} (PDFium {pypdfium2.PDFIUM_INFO})"


def pdfplumber_reading(paths: list[Path]) -> list[float] | None:
    """What pdfminer (through pdfplumber) takes to give the same PDFs' words and ruling lines, when it is
    installed: the backend this one replaced."""
    try:
        import pdfplumber
    except ImportError:
        return None
    timings = []
    for path in paths:
        tick = time.perf_counter()
        with pdfplumber.open(path) as document:
            for page in document.pages:
                page.extract_words()
                page.edges  # noqa: B018
        timings.append((time.perf_counter() - tick) * 1000)
    return timings


async def run(count: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        files, made = write_reports(root, count)
        size = {
            kind: sum(p.stat().st_size for p in paths) / len(paths) / 1024 for kind, paths in files.items()
        }
        print(
            f"{count} reports; PDFs ({made}) average {size['pdf']:.0f} KB, Word {size['docx']:.0f} KB; "
            f"PDF backend: {backend()}"
        )
        for attempt in range(runs):
            figures: dict[str, tuple[float, float, float, float]] = {}
            for kind, paths in files.items():
                reading = []
                for path in paths:
                    tick = time.perf_counter()
                    load_report(path)
                    reading.append((time.perf_counter() - tick) * 1000)
                _total, timings = await timed_import(
                    paths, f"sqlite:///{root / f'{kind}{attempt}.db'}", bulk=True
                )
                figures[kind] = (
                    statistics.median(timings),
                    percentile(timings, 0.95),
                    statistics.median(reading),
                    percentile(reading, 0.95),
                )
            print(f"run {attempt + 1}: per report        p50 ms   p95 ms   (reading alone p50   p95)")
            for kind, (p50, p95, r50, r95) in figures.items():
                print(f"  {kind:4}              {p50:8.1f} {p95:8.1f}   ({r50:17.1f} {r95:5.1f})")
            ratio = figures["pdf"][0] / figures["docx"][0]
            met = "met" if ratio <= TARGET_RATIO else "NOT met"
            print(f"  PDF p50 / Word p50: {ratio:.2f} (target within {TARGET_RATIO:g}x: {met})", flush=True)
        plumber = pdfplumber_reading(files["pdf"])
        if plumber is not None:
            p50, p95 = statistics.median(plumber), percentile(plumber, 0.95)
            print(
                f"pdfplumber (pdfminer), the same PDFs' words and lines: p50 {p50:.1f} ms, p95 {p95:.1f} ms"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=100)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(run(args.reports, args.runs))


if __name__ == "__main__":
    main()
