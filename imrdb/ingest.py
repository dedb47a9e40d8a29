"""The library API behind `imrdb ingest`: files -> text -> Letter -> rows -> database.

The main process walks the folders and hashes each file; files whose hash is stored already are
skipped without parsing; the rest are parsed in worker processes and written by this process, a
batch per transaction. Memory stays flat whatever the batch: files stream through.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from imrdb.db.engine import database_url, make_engine, migrate
from imrdb.db.store import INGESTED, REPLACED, UNCHANGED, FailedFile, Store
from imrdb.errors import LetterError, SourceError
from imrdb.parse import parse_letter
from imrdb.rows import LetterRows, drug_name_rows, letter_rows
from imrdb.sources import DEFAULT_MAX_BYTES, SourceFile, SourceText, find_letter_files, read_bytes, sha256_of, text_of

DEFAULT_BATCH_SIZE = 1000  # letters per transaction: fewer, larger full-text index segments


@dataclass
class IngestReport:
    run_id: int | None = None
    files_seen: int = 0
    ingested: int = 0
    unchanged: int = 0
    replaced: int = 0
    failed: int = 0
    failures: list[FailedFile] = field(default_factory=list)
    interrupted: bool = False

    @property
    def counts(self) -> dict[str, int]:
        return {"files_seen": self.files_seen, "ingested": self.ingested, "unchanged": self.unchanged,
                "replaced": self.replaced, "failed": self.failed}

    def summary(self) -> str:
        text = (f"{self.ingested} ingested, {self.unchanged} unchanged, {self.replaced} replaced, "
                f"{self.failed} failed ({self.files_seen} files)")
        return text + (" - interrupted, the rest was not read" if self.interrupted else "")


@dataclass(frozen=True)
class ParseJob:
    path: str
    format: str
    sha256: str
    data: bytes


def parse_job(job: ParseJob) -> LetterRows | FailedFile:
    """Worker: bytes -> text -> Letter -> rows, or the reason it failed."""
    try:
        text, fmt = text_of(job.data, job.format, job.path)
        source = SourceText(Path(job.path), fmt, job.sha256, text)
        return letter_rows(parse_letter(text, fmt, job.path), source)
    except LetterError as error:
        return FailedFile(job.path, job.sha256, error.stage, error.reason)
    except RecursionError:
        return FailedFile(job.path, job.sha256, "parse", "letter text too deeply nested to read")
    except Exception as error:  # a parser bug must cost one file, not the batch
        return FailedFile(job.path, job.sha256, "parse", f"unexpected parser error: {type(error).__name__}: {error}")


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides when to stop


def count_files(paths: Iterable[str | os.PathLike]) -> int:
    return sum(1 for _ in find_letter_files(paths))


def check_paths(paths: Sequence[str | os.PathLike]) -> None:
    """Refuse a missing path before the database is touched."""
    if not paths:
        raise SourceError("no files or folders given")
    for path in paths:
        if not Path(path).exists():
            raise SourceError("no such file or folder", str(path))


def _batches(iterator: Iterator, size: int) -> Iterator[list]:
    while batch := list(islice(iterator, size)):
        yield batch


class Ingester:
    """One ingest run against one database. `run()` can be called once."""

    def __init__(self, db: str | None = None, *, workers: int | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
                 max_bytes: int = DEFAULT_MAX_BYTES, strict: bool = False,
                 on_progress: Callable[[int], None] | None = None,
                 on_failure: Callable[[FailedFile], None] | None = None):
        self.url = database_url(db)
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.batch_size = batch_size
        self.max_bytes = max_bytes
        self.strict = strict
        self.on_progress = on_progress or (lambda n: None)
        self.on_failure = on_failure or (lambda failure: None)
        self.stop_requested = False

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
            pool = None
            if self.workers > 1:
                pool = multiprocessing.get_context("fork").Pool(self.workers, initializer=_ignore_sigint)
            status = "failed"
            try:
                self._run(store, paths, report, pool)
                status = "interrupted" if report.interrupted else "finished"
                if report.ingested or report.replaced:
                    store.refresh_statistics()
            finally:
                if pool is not None:
                    pool.terminate()
                    pool.join()
                store.finish_run(report.run_id, status, report.counts)
            return report
        finally:
            engine.dispose()

    def _run(self, store: Store, paths: Sequence, report: IngestReport, pool) -> None:
        """Read and hash batch N+1 and parse it in the workers while batch N is written."""
        pending = None
        for batch in _batches(find_letter_files(paths), self.batch_size):
            if self.stop_requested:
                report.interrupted = True
                break
            jobs, failures = self._read_batch(batch)
            known = store.known_hashes([job.sha256 for job in jobs])
            new_jobs = [job for job in jobs if job.sha256 not in known]
            report.unchanged += len(jobs) - len(new_jobs)
            if pool is not None and len(new_jobs) > 1:
                parsing = pool.map_async(parse_job, new_jobs, chunksize=max(1, len(new_jobs) // (self.workers * 4)))
            else:
                parsing = [parse_job(job) for job in new_jobs]
            if pending is not None and not self._write(store, report, *pending):
                pending = None
                break
            pending = (len(batch), failures, parsing)
        if pending is not None:
            self._write(store, report, *pending)

    def _write(self, store: Store, report: IngestReport, files: int, failures: list[FailedFile], parsing) -> bool:
        """Write one parsed batch; False when the run must stop (--strict and something failed)."""
        report.files_seen += files
        results = parsing if isinstance(parsing, list) else parsing.get()
        letters = [result for result in results if isinstance(result, LetterRows)]
        failures = failures + [result for result in results if isinstance(result, FailedFile)]
        outcomes = store.write_batch(letters, failures, report.run_id)
        store_failures = []
        for letter, outcome in zip(letters, outcomes):
            if outcome == INGESTED:
                report.ingested += 1
            elif outcome == REPLACED:
                report.replaced += 1
            elif outcome == UNCHANGED:
                report.unchanged += 1
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
        self.on_progress(files)
        if failures and self.strict:
            report.interrupted = True
            return False
        return True

    def _read_batch(self, batch: list[SourceFile]) -> tuple[list[ParseJob], list[FailedFile]]:
        jobs, failures = [], []
        for source in batch:
            try:
                data = read_bytes(source.path, self.max_bytes)
            except SourceError as error:
                failures.append(FailedFile(str(source.path), None, error.stage, error.reason))
                continue
            jobs.append(ParseJob(str(source.path), source.format, sha256_of(data), data))
        return jobs, failures


def ingest(paths: Sequence[str | os.PathLike], db: str | None = None, **options) -> IngestReport:
    """Ingest letter files and folders into the database at `db` (path or SQLAlchemy URL)."""
    return Ingester(db, **options).run(paths)

