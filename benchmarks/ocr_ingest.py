"""OCR ingest speed and memory against the OCR engine alone, on the same scanned pages, in one run.

    python benchmarks/make_scans.py ../shared/real-letters/dev /tmp/scans
    python benchmarks/ocr_ingest.py /tmp/scans/grey --letters 8 --workers 2

contender  `imrdb ingest` of the first N scanned letters (image-only PDFs) into a new SQLite database
           with W workers: read, OCR every page, parse, store, index.
baseline   the engine alone on the same pages: W processes (forked, as the ingest's workers are), each
           taking the next file as it is free and running at the same lowered priority as the ingest's
           workers (so that on a shared machine both get the same share of it), rendering,
           preprocessing and OCRing its pages with imrdb.ocr, nothing else.
Both are timed by wall clock; each process's peak resident memory (VmHWM) is sampled from /proc.
Each runs --repeat times, alternating; the medians are compared (target: ratio <= 1.15, <= 300 MB a process).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (the main benchmark's measure: wall clock and memory from /proc)


ENGINE_ALONE = r"""
import multiprocessing, os, sys
import pypdfium2 as pdfium
from imrdb import ocr
from imrdb.ingest import WORKER_NICENESS

def read(path):
    document = pdfium.PdfDocument(path)
    for index in range(len(document)):
        ocr.read_page(document[index])
    pages = len(document)
    document.close()
    return pages

paths, workers = sys.argv[2:], int(sys.argv[1])
with multiprocessing.get_context("fork").Pool(workers, os.nice, (WORKER_NICENESS,)) as pool:
    print(sum(pool.imap_unordered(read, paths, chunksize=1)))
"""


def measure(command: list[str]) -> tuple[float, float, str]:
    """Run a command: (seconds, the largest peak RSS of any one of its processes in MB, stdout). Exit
    status 1 is an ingest with a letter that failed to parse: its pages were OCR'd all the same."""
    peaks: dict[int, float] = {}
    seconds, _, _, out, _ = run.measure(command, peaks, ok=(0, 1))
    return seconds, max(peaks.values(), default=0.0), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scans", type=Path, help="a folder of scanned letters (make_scans.py's grey/ or fax/)")
    parser.add_argument("--letters", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    import pypdfium2 as pdfium

    files = sorted(args.scans.glob("*.pdf"))[: args.letters]
    pages = sum(len(pdfium.PdfDocument(path)) for path in files)
    work = Path(tempfile.mkdtemp(prefix="imrdb-ocr-bench-"))
    letters = work / "letters"
    letters.mkdir()
    for path in files:
        shutil.copy(path, letters / path.name)
    ingest_runs, engine_runs = [], []
    try:
        for _ in range(args.repeat):
            engine_runs.append(measure([sys.executable, "-c", ENGINE_ALONE, str(args.workers),
                                        *[str(letters / path.name) for path in files]]))
            db = work / "imr.db"
            db.unlink(missing_ok=True)
            ingest_runs.append(measure([sys.executable, "-m", "imrdb.cli", "ingest", str(letters), "--db", str(db),
                                        "--workers", str(args.workers), "-q"]))
            assert f"({len(files)} files)" in ingest_runs[-1][2], ingest_runs[-1][2]
    finally:
        shutil.rmtree(work)
    ingest_seconds = statistics.median(run[0] for run in ingest_runs)
    engine_seconds = statistics.median(run[0] for run in engine_runs)
    print(f"{len(files)} scanned letters, {pages} pages, {args.workers} workers, median of {args.repeat}\n")
    print("| | pages/s | seconds | peak RSS of one process |")
    print("|---|---:|---:|---:|")
    print(f"| `imrdb ingest` (OCR) | {pages / ingest_seconds:.2f} | {ingest_seconds:.1f} | "
          f"{max(run[1] for run in ingest_runs):.0f} MB |")
    print(f"| the engine alone (baseline) | {pages / engine_seconds:.2f} | {engine_seconds:.1f} | "
          f"{max(run[1] for run in engine_runs):.0f} MB |")
    print(f"\nratio (ingest time / engine time): {ingest_seconds / engine_seconds:.3f} (target <= 1.15)")


if __name__ == "__main__":
    main()
