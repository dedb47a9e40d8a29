"""The `imrdb` command: a thin layer over the library. Parse options, call the library, print."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from imrdb.errors import ImrdbError
from imrdb.ingest import DEFAULT_BATCH_SIZE, FILE_TIME_LIMIT, MAX_BATCH_SIZE
from imrdb.sources import DEFAULT_MAX_BYTES, LETTER_SUFFIXES

app = typer.Typer(
    help="A searchable database of California workers' compensation IMR decisions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console(soft_wrap=True)  # lines are for pipes and scripts too: never wrapped
err = Console(stderr=True, soft_wrap=True)

DB_HELP = "SQLite file path or SQLAlchemy URL (postgresql+psycopg://user@host/db); default $IMRDB_DATABASE or data/imr.db"


class PagesReadColumn(ProgressColumn):
    """The scanned pages OCR'd so far, live (a file's count moves only once its batch is written)."""

    def __init__(self, pages_read) -> None:
        super().__init__()
        self.pages_read = pages_read

    def render(self, task) -> Text:
        pages = self.pages_read.value
        return Text(f"{pages:,} scanned page{'' if pages == 1 else 's'} OCR'd" if pages else "")


def fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    raise typer.Exit(code)


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Letter files and folders (searched recursively for .pdf .txt .md .html)"),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", min=1, help="Parser processes (default: CPU count)"),
    batch_size: int = typer.Option(DEFAULT_BATCH_SIZE, "--batch-size", min=1, max=MAX_BATCH_SIZE,
                                   help="Letters per transaction (each 1,000 held in memory cost about 25 MB)"),
    max_bytes: int = typer.Option(DEFAULT_MAX_BYTES, "--max-bytes", min=1, help="Refuse files larger than this"),
    strict: bool = typer.Option(False, "--strict", help="Stop at the first file that fails"),
    file_time_limit: float = typer.Option(FILE_TIME_LIMIT, "--file-time-limit", min=1,
                                          help="Seconds one file may take to read and parse before it is given up"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar"),
) -> None:
    """Ingest IMR letters: create or migrate the database, then store every new or changed letter."""
    from imrdb.ingest import Ingester, count_files

    def report_failure(failure) -> None:
        err.print(f"[yellow]failed:[/yellow] {escape(failure.path)}: {escape(failure.message)}", highlight=False)

    ingester = Ingester(db, workers=workers, batch_size=batch_size, max_bytes=max_bytes, strict=strict,
                        file_time_limit=file_time_limit, on_failure=report_failure)
    # Ctrl-C, or a SIGTERM (`kill`, `timeout`, a service manager): finish the batch, record the run, stop
    previous = {number: signal.signal(number, ingester.request_stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        if quiet or not sys.stderr.isatty():
            report = ingester.run(paths)
        else:
            with Progress(TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          PagesReadColumn(ingester.pages_read), console=err, transient=True) as progress:
                task = progress.add_task("ingest", total=count_files(paths))
                ingester.on_progress = lambda n: progress.advance(task, n)
                report = ingester.run(paths)
    except ImrdbError as error:
        fail(str(error))
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    out.print(report.summary(), highlight=False)
    if report.files_seen == 0 and not report.interrupted:
        err.print(f"[yellow]warning:[/yellow] no letter files ({' '.join(LETTER_SUFFIXES)}) in "
                  f"{escape(' '.join(str(path) for path in paths))}", highlight=False)
    if report.interrupted and not report.failed:
        err.print(f"stopped after {report.files_seen} files; run the same command again to continue", soft_wrap=True)
    if report.failed or report.interrupted:
        raise typer.Exit(1)


@app.command()
def migrate(
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    revision: str = typer.Option("head", "--revision", "-r", help="Target revision"),
    downgrade: bool = typer.Option(False, "--downgrade", help="Downgrade to --revision (e.g. base, 0001)"),
) -> None:
    """Create the database or bring its schema to a revision (Alembic)."""
    from imrdb.db import engine as dbe

    try:
        engine = dbe.make_engine(dbe.database_url(db))
        if downgrade:
            dbe.downgrade(engine, revision)
        else:
            dbe.migrate(engine, revision)
        out.print(f"database at revision {dbe.current_revision(engine) or 'base'}")
    except ImrdbError as error:
        fail(str(error))


@app.command()
def serve(
    db: Optional[str] = typer.Option(None, "--db", help="SQLite database file (default data/imr.db)"),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; 127.0.0.1 keeps it on this machine"),
    port: int = typer.Option(8001, "--port", "-p"),
    immutable: bool = typer.Option(False, "--immutable", help="Serve as an unchanging snapshot (no ingest may run)"),
    allow_robots: bool = typer.Option(False, "--allow-robots", help="Let search engines index the site (robots.txt)"),
) -> None:
    """Browse and query the database in Datasette (read-only)."""
    from imrdb import serve as serving
    from imrdb.db.engine import database_url, sqlite_path

    try:
        path = sqlite_path(database_url(db))
        if path is None:
            fail("serve needs a SQLite file; for PostgreSQL run `imrdb export-sqlite` first")
        if serving.is_public(host):
            err.print(f"[yellow]warning:[/yellow] serving on {escape(host)}: anyone who can reach this machine can "
                      "read the database")
        serving.serve(path, host=host, port=port, immutable=immutable, allow_robots=allow_robots)
    except ImrdbError as error:
        fail(str(error))


@app.command()
def evaluate(
    folder: Path = typer.Argument(..., exists=True, help="Folder of letters"),
    facts: Path = typer.Argument(..., exists=True, help="Facts JSON keyed by case number (dev-facts.json's shape)"),
    show_differences: bool = typer.Option(True, "--diff/--no-diff", help="List each disagreement"),
) -> None:
    """Score the parser against known facts: per-fact agreement and every disagreement."""
    from imrdb.evaluate import evaluate_folder

    result = evaluate_folder(folder, facts)
    text = result.format()
    if not show_differences:
        text = "\n".join(line for line in text.splitlines() if not line.startswith("DIFF"))
    out.print(text, highlight=False, markup=False)


@app.command()
def reprocess(db: Optional[str] = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """Re-derive treatment categories, drugs, body regions and guideline citations of stored items after the lexicon changes."""
    from imrdb.reprocess import reprocess as run

    try:
        out.print(run(db).summary(), highlight=False)
    except ImrdbError as error:
        fail(str(error))


@app.command()
def unmapped(
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    limit: int = typer.Option(50, "--limit", "-n", min=1),
) -> None:
    """The most frequent item descriptions with no category or no drug, and ODG / MTUS citation texts with
    no chapter: what to add to data/lexicon/."""
    from imrdb.reprocess import unmapped as find
    from imrdb.reprocess import unmapped_citations

    rows = find(db, limit)
    if not rows:
        out.print("every stored item has a category, and every pharmaceutical a drug and class")
    for description, reason, count in rows:
        out.print(f"{count:6d}  {reason:12s}  {description}", highlight=False, markup=False)
    cited = unmapped_citations(db, limit)
    if not cited:
        out.print("every stored ODG and MTUS citation names a chapter of data/lexicon/")
    for text, source, count in cited:
        out.print(f"{count:6d}  {source + ' no chapter':12s}  {text}", highlight=False, markup=False)


@app.command()
def coverage(db: Optional[str] = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """How many stored items the lexicon categorizes, and how many drug items it names and classes."""
    from imrdb.enrich import format_report
    from imrdb.reprocess import stored_coverage

    out.print(format_report(stored_coverage(db)), highlight=False, markup=False)


@app.command("export-sqlite")
def export_sqlite(
    out_path: Path = typer.Argument(..., help="The SQLite file to write (must not exist)"),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Snapshot a database (e.g. the team's PostgreSQL) into a SQLite file for `imrdb serve`."""
    from imrdb.export import export_sqlite as export

    try:
        counts = export(db, out_path, on_table=lambda name, copied, total: err.print(f"{name}: {copied:,} rows"))
    except ImrdbError as error:
        fail(str(error))
    out.print(f"wrote {out_path}: {counts['cases']:,} cases, {counts['disputed_items']:,} items")


def main() -> None:
    """The console script: expected failures (a bad lexicon file, a database it cannot use) are one line."""
    # psycopg logs a second line ("error ignored terminating <psycopg.Copy ...>") when the server goes
    # away mid-COPY; the error that ends the run already says so
    logging.getLogger("psycopg").addHandler(logging.NullHandler())
    try:
        app()
    except ImrdbError as error:
        err.print(f"[red]error:[/red] {escape(str(error))}", highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
