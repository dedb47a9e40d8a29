"""Ingest speed, memory and query time, each beside its baseline, measured in one run.

    python benchmarks/run.py                       # the full run: 20,000 text, 2,000 PDF, 200,000 for queries
    python benchmarks/run.py --text 2000 --pdf 200 --scale 20000   # a quick look
    python benchmarks/run.py --postgres postgresql+psycopg://postgres@127.0.0.1/test   # PostgreSQL too

Stages (each a separate process, timed by wall clock, memory sampled from /proc every 0.2 s):
  text    `imrdb ingest` of N generated text letters into a new SQLite database, against the floor a
          user gets without imrdb: read the same files and load them with sqlite-utils into one
          table with an FTS5 (porter) index.
  reingest the same `imrdb ingest` again: every file unchanged (hash check, no parsing), against
          the first ingest.
  pdf     `imrdb ingest` of M generated PDF letters, against pypdfium2 text extraction alone
          (one process, every page of every file).
  copies  a folder of C of those PDF letters, each as three files that differ only in trailing bytes
          (downloaded three times) plus its text export: `imrdb ingest` into a new database (C
          ingested, 3C duplicate), then again, unchanged, against that first ingest.
  memory  peak resident memory of the ingest's main process, and of its whole process tree.
  query   the headline "uphold rate by reviewer specialty for a drug" query (the canned query
          `uphold_rate_by_specialty` with treatment=soma) on a database of S letters, made by
          copying the text database's letters with new case numbers.
  postgres with --postgres URL only: the same text ingest, and its re-ingest, into a new schema on
          that PostgreSQL server (dropped afterwards), beside the SQLite ingest; for information, no target.
  breakdown the parse alone (one process, CPU time) and the writer alone (the parsed rows written
          to a new database), beside the ingest's CPU time in all its processes.
Each contender runs --repeat times (default 3), alternating with its baseline so that both see the
same machine; the medians are compared. Prints a table and writes it to benchmarks/out/results.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402  (benchmarks/corpus.py)

FLOOR = """
import sys, pathlib, sqlite_utils
folder, db_path = sys.argv[1], sys.argv[2]
db = sqlite_utils.Database(db_path)
files = sorted(pathlib.Path(folder).rglob("*.txt"))
db["letters"].insert_all(({"path": str(p), "text": p.read_text(encoding="utf-8", errors="replace")} for p in files),
                         batch_size=1000)
db["letters"].enable_fts(["text"], tokenize="porter")
print(db["letters"].count)
"""

# Where the ingest's time goes: the parse alone (one process, CPU time), its rows saved for ...
PARSE = """
import gc, pickle, sys, time, pathlib
from imrdb.ingest import parse_file
from imrdb.sources import sha256_of
files = sorted(pathlib.Path(sys.argv[1]).rglob("*.txt"))
data = [(str(path), path.read_bytes()) for path in files]
gc.disable()  # the rows pile up here, unlike in a worker, which sends each chunk's away: do not rescan them
started = time.process_time()
rows = [parse_file(path, "text", sha256_of(content), content) for path, content in data]
print(f"{time.process_time() - started:.3f}")
with open(sys.argv[2], "wb") as handle:
    pickle.dump(rows, handle, protocol=pickle.HIGHEST_PROTOCOL)
"""

# ... the writer alone: those rows written to a new database in the ingest's batches (wall time).
WRITER = """
import gc, pickle, sys, time
from imrdb.db.engine import database_url, make_engine, migrate
from imrdb.db.store import Store
from imrdb.ingest import DEFAULT_BATCH_SIZE
with open(sys.argv[1], "rb") as handle:
    rows = pickle.load(handle)
gc.freeze()  # the loaded rows stay put: the collector need not scan them (the ingest holds only a batch)
engine = make_engine(database_url(sys.argv[2]))
migrate(engine)
store = Store(engine)
run = store.start_run([sys.argv[1]])
started = time.perf_counter()
store.begin_bulk_load()  # a new database, as the ingest does: indexes built once at the end
for start in range(0, len(rows), DEFAULT_BATCH_SIZE):
    store.write_batch(rows[start: start + DEFAULT_BATCH_SIZE], [], run)
store.finish_bulk_load()
store.refresh_statistics()
print(f"{time.perf_counter() - started:.3f}")
"""

EXTRACT = """
import sys, pathlib, pypdfium2
pages = 0
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.pdf")):
    document = pypdfium2.PdfDocument(str(path))
    for index in range(len(document)):
        page = document[index]
        textpage = page.get_textpage()
        textpage.get_text_range()
        textpage.close(); page.close(); pages += 1
    document.close()
print(pages)
"""


def _tree(pid: int) -> list[int]:
    pids, stack = [], [pid]
    while stack:
        current = stack.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    stack.extend(int(child) for child in handle.read().split())
        except OSError:
            pass
    return pids


def _proc_mb(pid: int, name: str, key: str) -> float | None:
    """A size in MB from /proc/PID/NAME's line starting with KEY (None when the process is gone)."""
    try:
        with open(f"/proc/{pid}/{name}") as handle:
            for line in handle:
                if line.startswith(key):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _rss_mb(pid: int) -> float:
    return _proc_mb(pid, "status", "VmRSS:") or 0.0


def _pss_mb(pid: int) -> float:
    """Proportional set size: shared pages (a forked worker shares most of its parent's) counted once."""
    pss = _proc_mb(pid, "smaps_rollup", "Pss:")
    return _rss_mb(pid) if pss is None else pss


def measure(command: list[str], peaks: dict[int, float] | None = None,
            ok: tuple[int, ...] = (0,)) -> tuple[float, float, float, str, float]:
    """Run a command; return (seconds, peak RSS MB of the main process, peak PSS MB of its process tree, stdout,
    CPU seconds of the process and the workers it waited for). `peaks`, when given, gets each process's
    own peak RSS in MB (VmHWM), by process id; `ok` are the exit statuses that are no failure.

    The main process's peak RSS is the kernel's own high-water mark (VmHWM), so sampling it every
    0.2 s misses nothing but the last moments; the tree's PSS is sampled as often. Sampling every
    20 ms, as this did before, slowed the ingest it measured by over a second (reading smaps_rollup
    takes each process's memory lock)."""
    peak_main = peak_tree = 0.0
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample():
        nonlocal peak_main, peak_tree
        while not done.is_set():
            peak_main = max(peak_main, _proc_mb(process.pid, "status", "VmHWM:") or 0.0)
            tree = _tree(process.pid)
            peak_tree = max(peak_tree, sum(_pss_mb(pid) for pid in tree))
            if peaks is not None:
                for pid in tree:
                    peaks[pid] = max(peaks.get(pid, 0.0), _proc_mb(pid, "status", "VmHWM:") or 0.0)
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode not in ok:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{err[-2000:]}")
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    return elapsed, peak_main, peak_tree, out, cpu


def fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def ensure_corpus(folder: Path, count: int, fmt: str, workers: int) -> Path:
    marker = folder / f".complete-{count}"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        print(f"generating {count:,} {fmt} letters in {folder} ...", flush=True)
        corpus.generate(folder, count, fmt=fmt, seed=20261123, workers=workers)
        marker.touch()
    return folder


def ensure_copies(pdf_dir: Path, folder: Path, count: int) -> Path:
    """The first `count` PDF letters, each as three files differing only in trailing bytes, and its text
    export (the text imrdb reads from the PDF, saved as .txt): four files of one letter."""
    from imrdb.sources import text_of

    marker = folder / f".complete-{count}"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        print(f"making {count:,} letters' copies in {folder} ...", flush=True)
        for path in sorted(pdf_dir.glob("*.pdf"))[:count]:
            data = path.read_bytes()
            for copy, tail in enumerate([b"", b"\n", b"\n%%EOF\n"]):
                (folder / f"{path.stem}-{copy}.pdf").write_bytes(data + tail)
            (folder / f"{path.stem}-export.txt").write_text(text_of(data, "pdf", str(path)).text)
        marker.touch()
    return folder


def scale_database(source: Path, target: Path, letters: int) -> int:
    """Copy `source` and repeat its letters (new ids and case numbers) until it holds `letters` cases."""
    shutil.copy(source, fresh(target))
    connection = sqlite3.connect(target)
    connection.execute("PRAGMA journal_mode=WAL")
    have = connection.execute("select count(*) from cases").fetchone()[0]
    base = {table: connection.execute(f"select max(id) from {table}").fetchone()[0]
            for table in ("cases", "disputed_items", "guideline_citations")}
    columns = {table: [row[1] for row in connection.execute(f"pragma table_info({table})")] for table in base}
    copy = 1
    while have < letters:
        take = min(base["cases"], letters - have)
        shifted = {  # column -> expression for the copy: new ids, new case numbers and hashes
            "case_id": f"case_id + {base['cases'] * copy}",
            "disputed_item_id": f"disputed_item_id + {base['disputed_items'] * copy}",
            "case_number": f"case_number || '-{copy}'", "source_path": f"source_path || '#{copy}'",
            "source_sha256": f"source_sha256 || '{copy}'",
        }
        with connection:
            for table in ("cases", "disputed_items", "guideline_citations"):
                names = columns[table]
                expressions = [f"id + {base[table] * copy}" if name == "id" else shifted.get(name) or name
                               for name in names]
                where = "id" if table == "cases" else "case_id"
                connection.execute(f"insert into {table} ({', '.join(names)}) select {', '.join(expressions)} "
                                   f"from {table} where {where} <= {take}")
        have += take
        copy += 1
    with connection:  # the store indexes rows as it writes them; these copies were written by SQL
        for table in ("cases", "disputed_items"):
            connection.execute(f"insert into {table}_fts ({table}_fts) values ('rebuild')")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.execute("ANALYZE")
    connection.close()
    return have


def postgres_schema(server: str, name: str, drop_only: bool = False) -> str:
    """Make an empty schema `name` on the PostgreSQL server (or only drop it); return the URL that uses it."""
    from sqlalchemy import create_engine, text

    from imrdb.db.engine import database_url

    server = database_url(server)
    engine = create_engine(server)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        if not drop_only:
            connection.execute(text(f"CREATE SCHEMA {name}"))
    engine.dispose()
    separator = "&" if "?" in server else "?"
    return f"{server}{separator}options=-csearch_path%3D{name}"


def time_query(database: Path, treatment: str = "soma", repeats: int = 7) -> tuple[float, int]:
    metadata = yaml.safe_load((ROOT / "datasette-metadata.yml").read_text())
    sql = metadata["databases"]["imr"]["queries"]["uphold_rate_by_specialty"]["sql"]
    from imrdb.rates import register_functions

    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    register_functions(connection)  # the query's intervals, as on every connection imrdb and Datasette open
    timings, rows = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        rows = connection.execute(sql, {"treatment": treatment}).fetchall()
        timings.append(time.perf_counter() - started)
    connection.close()
    return statistics.median(timings) * 1000, sum(row[1] for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--text", type=int, default=20_000, help="text letters to ingest")
    parser.add_argument("--pdf", type=int, default=2_000, help="PDF letters to ingest")
    parser.add_argument("--copies", type=int, help="PDF letters in the copies folder (default: --pdf)")
    parser.add_argument("--scale", type=int, default=200_000, help="letters in the query database")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="imrdb ingest --workers")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each contender; medians are compared")
    parser.add_argument("--postgres", metavar="URL", help="also time the text ingest into a new schema on this "
                        "PostgreSQL server (e.g. postgresql+psycopg://postgres@127.0.0.1/test)")
    args = parser.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    imrdb = [sys.executable, "-m", "imrdb.cli", "ingest", "-q", "--workers", str(args.workers)]

    text_dir = ensure_corpus(out / f"text-{args.text}", args.text, "txt", args.workers)
    pdf_dir = ensure_corpus(out / f"pdf-{args.pdf}", args.pdf, "pdf", args.workers)
    copies = min(args.copies or args.pdf, args.pdf)
    copies_dir = ensure_copies(pdf_dir, out / f"copies-{copies}", copies)
    rows = []

    repeat = max(1, args.repeat)
    text_db = out / "text.db"

    def median_of(runs):
        return statistics.median(run[0] for run in runs), max(run[1] for run in runs), max(run[2] for run in runs)

    # each contender is run `repeat` times, alternating with its baseline, and the medians compared
    floor_runs, ingest_runs, again_runs, extract_runs, pdf_runs = [], [], [], [], []
    copies_runs, copies_again_runs = [], []
    pg_runs, pg_again_runs = [], []
    pg_schema = f"imrdb_bench_{os.getpid()}"
    for attempt in range(repeat):
        floor_runs.append(measure([sys.executable, "-c", FLOOR, str(text_dir), str(fresh(out / "floor.db"))]))
        ingest_runs.append(measure(imrdb + [str(text_dir), "--db", str(fresh(text_db))]))
        assert f"{args.text} ingested" in ingest_runs[-1][3], ingest_runs[-1][3]
        again_runs.append(measure(imrdb + [str(text_dir), "--db", str(text_db)]))
        assert f"{args.text} unchanged" in again_runs[-1][3], again_runs[-1][3]
        extract_runs.append(measure([sys.executable, "-c", EXTRACT, str(pdf_dir)]))
        pdf_runs.append(measure(imrdb + [str(pdf_dir), "--db", str(fresh(out / "pdf.db"))]))
        assert f"{args.pdf} ingested" in pdf_runs[-1][3], pdf_runs[-1][3]
        copies_runs.append(measure(imrdb + [str(copies_dir), "--db", str(fresh(out / "copies.db"))]))
        assert f"{copies} ingested, 0 unchanged, {3 * copies} duplicate, 0 replaced, 0 failed" in copies_runs[-1][3], \
            copies_runs[-1][3]
        copies_again_runs.append(measure(imrdb + [str(copies_dir), "--db", str(out / "copies.db")]))
        assert f"0 ingested, {4 * copies} unchanged, 0 duplicate, 0 replaced, 0 failed" in copies_again_runs[-1][3], \
            copies_again_runs[-1][3]
        if args.postgres:
            pg_url = postgres_schema(args.postgres, pg_schema)
            try:
                pg_runs.append(measure(imrdb + [str(text_dir), "--db", pg_url]))
                assert f"{args.text} ingested" in pg_runs[-1][3], pg_runs[-1][3]
                pg_again_runs.append(measure(imrdb + [str(text_dir), "--db", pg_url]))
                assert f"{args.text} unchanged" in pg_again_runs[-1][3], pg_again_runs[-1][3]
            finally:
                postgres_schema(args.postgres, pg_schema, drop_only=True)
        print(f"run {attempt + 1}/{repeat}: text {ingest_runs[-1][0]:.2f} s vs floor {floor_runs[-1][0]:.2f} s; "
              f"pdf {pdf_runs[-1][0]:.2f} s vs extraction {extract_runs[-1][0]:.2f} s; "
              f"copies {copies_runs[-1][0]:.2f} s, again {copies_again_runs[-1][0]:.2f} s"
              + (f"; PostgreSQL text {pg_runs[-1][0]:.2f} s" if args.postgres else ""), flush=True)
    floor_s, _, floor_mem = median_of(floor_runs)
    ingest_s, ingest_main, ingest_tree = median_of(ingest_runs)
    again_s, again_main, _ = median_of(again_runs)
    extract_s, _, _ = median_of(extract_runs)
    pdf_s, pdf_main, pdf_tree = median_of(pdf_runs)
    copies_s, copies_main, copies_tree = median_of(copies_runs)
    copies_again_s, copies_again_main, _ = median_of(copies_again_runs)
    pages = extract_runs[0][3]
    rows.append((f"ingest {args.text:,} text letters into a new database", f"{ingest_s:.2f} s",
                 f"{floor_s:.2f} s (sqlite-utils + FTS5)", ingest_s / floor_s, "<= 2.0x"))
    rows.append((f"re-ingest {args.text:,} unchanged", f"{again_s:.2f} s", f"{ingest_s:.2f} s (first ingest)",
                 again_s / ingest_s, "<= 0.25x"))
    rows.append((f"ingest {args.pdf:,} PDF letters", f"{pdf_s:.2f} s",
                 f"{extract_s:.2f} s (pypdfium2 extraction, {pages.strip()} pages)", pdf_s / extract_s, "<= 1.2x"))
    rows.append((f"ingest {4 * copies:,} files: {copies:,} PDF letters x 3 copies + text export", f"{copies_s:.2f} s",
                 f"{copies} ingested, {3 * copies:,} duplicate", None, "(information)"))
    rows.append((f"re-ingest that unchanged folder ({4 * copies:,} unchanged, 0 replaced)", f"{copies_again_s:.2f} s",
                 f"{copies_s:.2f} s (first ingest)", copies_again_s / copies_s, "<= 0.25x"))

    if args.postgres:  # for information: no target
        pg_s, pg_again_s = median_of(pg_runs)[0], median_of(pg_again_runs)[0]
        rows.append((f"ingest {args.text:,} text letters into PostgreSQL", f"{pg_s:.2f} s",
                     f"{ingest_s:.2f} s (into SQLite)", pg_s / ingest_s, "(information)"))
        rows.append((f"re-ingest {args.text:,} unchanged, PostgreSQL", f"{pg_again_s:.2f} s",
                     f"{pg_s:.2f} s (first ingest)", pg_again_s / pg_s, "(information)"))

    peak_main = max(ingest_main, again_main, pdf_main, copies_main, copies_again_main)
    peak_tree = max(ingest_tree, pdf_tree, copies_tree)
    rows.append(("peak memory (RSS), ingest main process", f"{peak_main:.0f} MB", "", None, "< 300 MB"))
    rows.append((f"peak memory (PSS), ingest + {args.workers} workers", f"{peak_tree:.0f} MB",
                 f"{floor_mem:.0f} MB (floor)", None, "< 300 MB"))

    scaled = scale_database(text_db, out / "scaled.db", args.scale)
    query_ms, matched = time_query(out / "scaled.db")
    rows.append((f"uphold rate by specialty for soma, {scaled:,} letters", f"{query_ms:.0f} ms",
                 f"{matched:,} items matched", None, "< 300 ms"))

    # where the text ingest's time goes (once: the parse alone takes a while on one core)
    parse_cpu = float(measure([sys.executable, "-c", PARSE, str(text_dir), str(out / "rows.pickle")])[3])
    writer_s = float(measure([sys.executable, "-c", WRITER, str(out / "rows.pickle"), str(fresh(out / "writer.db"))])[3])
    (out / "rows.pickle").unlink()
    ingest_cpu = statistics.median(run[4] for run in ingest_runs)
    floor_cpu = statistics.median(run[4] for run in floor_runs)
    breakdown = [
        f"Where the text ingest's time goes: it used {ingest_cpu:.1f} CPU-seconds in all its processes "
        f"({ingest_cpu / ingest_s:.1f} cores busy on average over {ingest_s:.2f} s); the floor used {floor_cpu:.1f}. "
        f"Parsing alone takes {parse_cpu:.1f} CPU-seconds ({parse_cpu / args.text * 1000:.2f} ms a letter, "
        f"in the workers); writing the parsed rows alone, in one process, takes {writer_s:.2f} s (the single writer).",
    ]

    lines = [f"imrdb benchmark, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, --workers {args.workers}, "
             f"median of {repeat} alternating runs each", "",
             "| measure | imrdb | baseline | ratio | target |", "| --- | --- | --- | --- | --- |"]
    for name, value, baseline, ratio, target in rows:
        lines.append(f"| {name} | {value} | {baseline} | {'' if ratio is None else f'{ratio:.2f}x'} | {target} |")
    lines.append("")
    lines.append(f"text: {args.text / ingest_s:,.0f} letters/s imrdb vs {args.text / floor_s:,.0f} letters/s floor; "
                 f"pdf: {args.pdf / pdf_s:,.0f} letters/s imrdb vs {args.pdf / extract_s:,.0f} letters/s extraction")
    lines += ["", "Each run (seconds; the machine is shared, so these show how noisy it was):"]
    for name, runs in [("text ingest", ingest_runs), ("floor", floor_runs), ("re-ingest", again_runs),
                       ("pdf ingest", pdf_runs), ("pdf extraction", extract_runs), ("copies ingest", copies_runs),
                       ("copies re-ingest", copies_again_runs)]:
        lines.append(f"- {name}: " + ", ".join(f"{run[0]:.2f}" for run in runs))
    ratios = [ingest[0] / floor[0] for ingest, floor in zip(ingest_runs, floor_runs)]
    lines.append(f"- text ingest / floor, round by round: " + ", ".join(f"{ratio:.2f}x" for ratio in ratios))
    lines += ["", *breakdown]
    report = "\n".join(lines)
    (out / "results.md").write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()
