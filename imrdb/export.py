"""Copy a database (PostgreSQL, usually) into a SQLite file that Datasette can serve."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from imrdb.db.engine import current_revision, database_url, head_revision, make_engine, migrate, open_existing
from imrdb.db.models import (case_replacements, cases, disputed_items, drug_names, guideline_citations, ingest_errors,
                              ingest_runs, reviewers, source_files)
from imrdb.db.store import FULL_TEXT
from imrdb.errors import ImrdbError
from imrdb.serve import checkpoint

# parents before children, so foreign keys hold at every step
TABLES = (ingest_runs, reviewers, drug_names, cases, disputed_items, guideline_citations, source_files,
          case_replacements, ingest_errors)
CHUNK = 2000


def export_sqlite(source_db: str, out_path: str | Path, on_table=None) -> dict[str, int]:
    """Snapshot every imrdb table of `source_db` into a new SQLite file at `out_path`; return row counts."""
    out_path = Path(out_path)
    if out_path.exists():
        raise ImrdbError(f"{out_path}: already exists; give a new file name (the snapshot is written fresh)")
    source = open_existing(source_db)
    target = make_engine(database_url(str(out_path)))
    counts: dict[str, int] = {}
    try:
        revision = current_revision(source)
        if revision != head_revision():
            raise ImrdbError(f"{source_db}: database is at revision {revision or 'none'}, not "
                             f"{head_revision()}; run `imrdb migrate --db ...` on it first")
        migrate(target)
        with source.connect() as reader, target.begin() as writer:
            for table in TABLES:
                total = reader.execute(select(func.count()).select_from(table)).scalar_one()
                key = table.primary_key.columns.values()[0]
                result = reader.execution_options(stream_results=True, yield_per=CHUNK).execute(
                    select(*table.columns).order_by(key))
                copied = 0
                for rows in result.partitions(CHUNK):
                    writer.execute(table.insert(), [row._asdict() for row in rows])
                    copied += len(rows)
                counts[table.name] = copied
                if table.name in FULL_TEXT:
                    writer.exec_driver_sql(f"INSERT INTO {table.name}_fts ({table.name}_fts) VALUES ('rebuild')")
                if on_table:
                    on_table(table.name, copied, total)
    except BaseException:
        target.dispose()
        out_path.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(str(out_path) + suffix).unlink(missing_ok=True)
        raise
    finally:
        source.dispose()
    target.dispose()
    checkpoint(out_path)
    return counts
