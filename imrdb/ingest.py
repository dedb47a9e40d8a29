"""The library API behind `imrdb ingest`: files -> text -> Letter -> rows -> database.

The main process walks the folders and hands the paths, a chunk at a time, to worker processes.
A worker reads and hashes each file, skips those whose bytes were ingested before, from any path
(it asks the database's source_files itself, read-only), and parses the rest. The main process is the single writer: it
writes the workers' rows a batch per transaction while they read and parse the next chunks.
A bounded number of chunks is in flight at once, so memory stays flat whatever the batch.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from imrdb.db.engine import database_url, make_engine, make_reader, migrate
from imrdb.db.store import DUPLICATE, INGESTED, REPLACED, UNCHANGED, FailedFile, KnownFile, Store, known_hashes
from imrdb.errors import DatabaseUnavailable, LetterError, SourceError
from imrdb.parse import check_doubtful, check_reread, parse_letter
from imrdb.rows import LetterRows, drug_name_rows, letter_rows
from imrdb.sources import (DEFAULT_MAX_BYTES, SourceFile, find_letter_files, ocr_warning, read_bytes, sha256_of,
                           text_of, text_path)
from imrdb.workers import IDLE, Workers, mark, still_on

DEFAULT_BATCH_SIZE = 1000  # letters per transaction: fewer, larger full-text index segments
CHUNK_SIZE = 50  # files per task sent to a worker: one stored-hash query each, little to pickle
# PDFs per task at most: a scanned one takes seconds a page to OCR, so fifty in one task would keep one
# worker busy for minutes while the others wait; one a task costs a digital PDF ingest a fifth more (2,000
# digital PDFs: 8.6 s at 1, 7.5 s at 4, 7.5 s at 50), four keep OCR balanced (16 scans: 0.91x the engine alone)
PDF_CHUNK_SIZE = 4
MAX_BATCH_SIZE = 5000  # a transaction's letters are held in memory: 5,000 keeps an ingest under 300 MB
MAX_IN_FLIGHT = 3000  # letters parsed ahead of the writer at most (about 30 MB of rows)
# The parsers run at a lower priority than the writer: N workers and the writer share N cores, and
# the writer is the one every letter waits for (8.1 s instead of 8.9 s for 20,000 letters on 2 cores).
WORKER_NICENESS = 10
FILE_TIME_LIMIT = 300.0  # seconds a worker may spend reading and parsing one file (a real one takes milliseconds)
MAIN_GC_THRESHOLD = 20_000  # allocations between the writer's young-generation collections (Python: 700)


@dataclass
class IngestReport:
    run_id: int | None = None
    files_seen: int = 0
    ingested: int = 0
    unchanged: int = 0
    duplicate: int = 0
    replaced: int = 0
    failed: int = 0
    failures: list[FailedFile] = field(default_factory=list)
    interrupted: bool = False

    @property
    def counts(self) -> dict[str, int]:
        return {"files_seen": self.files_seen, "ingested": self.ingested, "unchanged": self.unchanged,
                "duplicate": self.duplicate, "replaced": self.replaced, "failed": self.failed}

    def summary(self) -> str:
        text = (f"{self.ingested} ingested, {self.unchanged} unchanged, {self.duplicate} duplicate, "
                f"{self.replaced} replaced, {self.failed} failed ({self.files_seen} files)")
        return text + (" - interrupted, the rest was not read" if self.interrupted else "")


# What a worker makes of one file: its rows, the reason it failed, or a note that its bytes were ingested before.
FileResult = LetterRows | FailedFile | KnownFile


def parse_file(path: str, source_format: str, sha256: str, data: bytes,
               on_ocr_page: Callable[[], None] | None = None) -> LetterRows | FailedFile:
    """bytes -> text -> Letter -> rows, or the reason it failed. `on_ocr_page` is called after each
    scanned page read by OCR."""
    try:
        source = text_of(data, source_format, path, sha256, on_ocr_page)
        letter = parse_letter(source.text, source.format, path)
        if source.ocr is not None:
            check_doubtful(letter, source.ocr.doubtful)
            check_reread(letter, source.ocr.rereads)
            if (warning := ocr_warning(source.ocr)) is not None:
                letter.warnings.append(warning)
        return letter_rows(letter, source, len(data))
    except LetterError as error:
        return FailedFile(path, sha256, error.stage, error.reason)
    except RecursionError:
        return FailedFile(path, sha256, "parse", "letter text too deeply nested to read")
    except Exception as error:  # a parser bug must cost one file, not the batch
        return FailedFile(path, sha256, "parse", f"unexpected parser error: {type(error).__name__}: {error}")


class ChunkReader:
    """Worker side: read, hash and parse a chunk of files, skipping files whose bytes were ingested before.

    Each worker process has its own read-only connection (made on first use, never shared across
    a fork). The check is only to save work: the writer checks again inside its transaction.
    """

    def __init__(self, url: str, max_bytes: int, pages_read=None):
        self.url = url
        self.max_bytes = max_bytes
        self.pages_read = pages_read  # a shared counter of the pages OCR'd, for the progress bar
        self._engine = None

    def page_read(self) -> None:
        """A scanned page was OCR'd: count it, and give the file's time limit to its next page."""
        still_on()
        if self.pages_read is not None:
            with self.pages_read.get_lock():
                self.pages_read.value += 1

    def known(self, hashes: list[str]) -> set[str]:
        if self._engine is None:
            self._engine = make_reader(self.url)
        with self._engine.connect() as connection:
            return known_hashes(connection, hashes)

    def close(self) -> None:
        """Let go of the connection (the writer's last close then checkpoints a SQLite file's WAL)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __call__(self, chunk: list[SourceFile]) -> list[FileResult]:
        results: list = []
        read: list[tuple[int, str, str, bytes]] = []
        for position, source in enumerate(chunk):
            path = text_path(source.path)  # as stored and shown; the file is read by its own name
            if isinstance(source, Poisonous):
                results.append(FailedFile(path, None, "parse", source.reason))
                continue
            mark(position)  # should this process die now, this file is the one to blame
            try:
                data = read_bytes(source.path, self.max_bytes)
            except SourceError as error:
                results.append(FailedFile(path, None, error.stage, error.reason))
                continue
            read.append((len(results), path, sha256_of(data), data))
            results.append(None)  # filled in below
        mark(IDLE)
        stored = self.known([sha256 for _, _, sha256, _ in read]) if read else set()
        for index, path, sha256, data in read:
            if sha256 in stored:
                results[index] = KnownFile(path, sha256, len(data))
            else:
                mark(index)
                results[index] = parse_file(path, chunk[index].format, sha256, data, self.page_read)
        mark(IDLE)
        return results


# A file whose reading killed the worker process (a crash in the PDF library, the out-of-memory killer),
# or took longer than the limit (a PDF that sends its reader into an endless loop).
KILLED_ITS_READER = "the parser process died reading this file (it crashed the PDF reader, or ran out of memory); " \
                    "the rest of the batch went on"
TOO_SLOW = "reading this file took over {seconds:g} s, so it was given up (a PDF that hangs its reader?); " \
           "the rest of the batch went on"


@dataclass(frozen=True)
class Poisonous(SourceFile):
    """A file of a chunk sent again after its worker died on it or was stopped: reported, not read again."""

    reason: str = KILLED_ITS_READER


def without_poisonous(chunk: list[SourceFile], position: int, overdue: bool, seconds: float) -> list[SourceFile]:
    """The chunk to send again after a worker died (or was stopped, `overdue`) on its file at `position`."""
    source = chunk[position]
    reason = TOO_SLOW.format(seconds=seconds) if overdue else KILLED_ITS_READER
    return [*chunk[:position], Poisonous(source.path, source.format, reason), *chunk[position + 1:]]


def stopped_after(report: IngestReport) -> str:
    """What a run that the database stopped leaves behind, and what to do."""
    stored = report.ingested + report.replaced
    return (f"{stored:,} {'letter was' if stored == 1 else 'letters were'} stored before that and are kept: "
            "fix it, then run the same command again to continue")


def count_files(paths: Iterable[str | os.PathLike]) -> int:
    return sum(1 for _ in find_letter_files(paths))


def check_paths(paths: Sequence[str | os.PathLike]) -> None:
    """Refuse a missing path before the database is touched."""
    if not paths:
        raise SourceError("no files or folders given")
    for path in paths:
        if not Path(path).exists():
            raise SourceError("no such file or folder", str(path))


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often in the writer while it ingests.

    Every letter arrives as some twenty new dicts and lists, none of them in a cycle: at Python's
    default threshold (700) the collector ran a thousand times in 20,000 letters and took 0.4 s of
    the writer's time; with this one it runs a few dozen times, each time as quickly."""
    threshold = gc.get_threshold()
    gc.set_threshold(MAIN_GC_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


def _chunks(sources: Iterator[SourceFile], size: int, pdf_size: int = PDF_CHUNK_SIZE) -> Iterator[list[SourceFile]]:
    """Tasks of `size` files, closed early when they hold `pdf_size` PDFs."""
    chunk: list[SourceFile] = []
    pdfs = 0
    for source in sources:
        chunk.append(source)
        pdfs += source.format == "pdf"
        if len(chunk) >= size or pdfs >= pdf_size:
            yield chunk
            chunk, pdfs = [], 0
    if chunk:
        yield chunk


class Ingester:
    """One ingest run against one database. `run()` can be called once."""

    def __init__(self, db: str | None = None, *, workers: int | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
                 max_bytes: int = DEFAULT_MAX_BYTES, strict: bool = False, file_time_limit: float = FILE_TIME_LIMIT,
                 on_progress: Callable[[int], None] | None = None,
                 on_failure: Callable[[FailedFile], None] | None = None):
        self.url = database_url(db)
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.batch_size = batch_size
        self.max_bytes = max_bytes
        self.strict = strict
        self.file_time_limit = file_time_limit
        self.on_progress = on_progress or (lambda n: None)
        self.on_failure = on_failure or (lambda failure: None)
        self.stop_requested = False
        self.pages_read = multiprocessing.get_context("fork").Value("q", 0)  # scanned pages OCR'd by any worker

    def request_stop(self, *_args) -> None:
        self.stop_requested = True

    def run(self, paths: Sequence[str | os.PathLike]) -> IngestReport:
        check_paths(paths)
        engine = make_engine(self.url)
        try:
            migrate(engine)
            store = Store(engine)
            store.refresh_drug_names(drug_name_rows())
            report = IngestReport(run_id=store.start_run(paths))
            store.fill_letter_hashes()  # once, for a database an older imrdb made
            if store.bulk_load_pending() and not store.others_running(report.run_id):
                store.finish_bulk_load()  # a bulk load killed before its end: build what it left, then go on
            store.begin_bulk_load()  # a new or empty database: indexes built once, at the end
            reader = ChunkReader(self.url, self.max_bytes, self.pages_read)
            workers = None
            if self.workers > 1:
                gc.collect()
                gc.freeze()  # what exists now is shared with the forked workers, never scanned or copied
                workers = Workers(self.workers, reader, niceness=WORKER_NICENESS, item_time_limit=self.file_time_limit,
                                  skip=functools.partial(without_poisonous, seconds=self.file_time_limit))
            status = "failed"
            try:
                with _fewer_collections():
                    self._run(store, paths, report, workers, reader)
                status = "interrupted" if report.interrupted else "finished"
                built = store.claim_final_build(report.run_id, status) and store.finish_bulk_load()
                if built or report.ingested or report.replaced:
                    store.refresh_statistics()
            except DatabaseUnavailable as error:  # the disk filled, the server went away, ...
                raise DatabaseUnavailable(f"{error}; {stopped_after(report)}") from None
            finally:
                if workers is not None:
                    workers.close()
                    gc.unfreeze()
                reader.close()
                # after a failure the database may refuse this too: the run's own error is the one to tell
                # (a run left "running" is marked "killed" by the next one)
                refused = (DatabaseUnavailable, DBAPIError) if status == "failed" else ()
                with contextlib.suppress(*refused):
                    store.finish_run(report.run_id, status, report.counts)
            return report
        finally:
            engine.dispose()

    def _run(self, store: Store, paths: Sequence, report: IngestReport, workers: Workers | None,
             reader: ChunkReader) -> None:
        """Keep the workers ahead of the writer; write each batch as it fills."""
        chunk_size = max(1, min(CHUNK_SIZE, self.batch_size))
        chunks = _chunks(find_letter_files(paths), chunk_size)
        # chunks in flight at most: enough to keep the workers busy while a batch is written (three
        # batches' worth), never more than MAX_IN_FLIGHT letters, whatever the batch size
        window = min(3 * self.batch_size, MAX_IN_FLIGHT) // chunk_size + 2 * self.workers
        results = map(reader, chunks) if workers is None else workers.map(chunks, window)
        pending: list[FileResult] = []
        for chunk_results in results:
            if self.stop_requested:
                report.interrupted = True
                return
            pending.extend(chunk_results)
            while len(pending) >= self.batch_size:
                batch, pending = pending[: self.batch_size], pending[self.batch_size:]
                if not self._write(store, report, batch):
                    return
        if pending:
            self._write(store, report, pending)

    def _write(self, store: Store, report: IngestReport, results: list[FileResult]) -> bool:
        """Write one batch; False when the run must stop (--strict and something failed)."""
        letters = [result for result in results if isinstance(result, LetterRows)]
        failures = [result for result in results if isinstance(result, FailedFile)]
        known = [result for result in results if isinstance(result, KnownFile)]
        outcomes = store.write_batch(letters, failures, report.run_id, known)
        report.files_seen += len(results)  # counted once written: a batch the database refused was not seen through
        report.unchanged += len(known)
        store_failures = []
        for letter, outcome in zip(letters, outcomes):
            if outcome == INGESTED:
                report.ingested += 1
            elif outcome == REPLACED:
                report.replaced += 1
            elif outcome == UNCHANGED:
                report.unchanged += 1
            elif outcome == DUPLICATE:
                report.duplicate += 1
            else:
                store_failures.append(FailedFile(letter.case["source_path"], letter.sha256, "store",
                                                 f"could not be stored: {outcome}"))
        if store_failures:
            store.record_failures(store_failures, report.run_id)
            failures += store_failures
        report.failed += len(failures)
        report.failures.extend(failures)
        for failure in failures:
            self.on_failure(failure)
        self.on_progress(len(results))
        if failures and self.strict:
            report.interrupted = True
            return False
        return True


def ingest(paths: Sequence[str | os.PathLike], db: str | None = None, **options) -> IngestReport:
    """Ingest letter files and folders into the database at `db` (path or SQLAlchemy URL)."""
    return Ingester(db, **options).run(paths)

