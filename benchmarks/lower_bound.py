"""What-if: how fast would the text ingest be if the writer did less? Beside the same floor, in one run.

    python benchmarks/lower_bound.py                 # 20,000 letters, 3 alternating rounds
    python benchmarks/lower_bound.py --text 2000 --repeat 1

The ingest target is 1.5x the floor of `benchmarks/run.py` (read the files, sqlite-utils insert,
FTS5 porter). This runs the same `imrdb ingest` with parts of the writer's work switched off,
cumulatively, to show where a leaner schema would land. Nothing here is an option of imrdb: each
variant patches the library in its own process, for measurement only.

  shipped        imrdb ingest as it is
  no fsync       + PRAGMA synchronous=OFF (a power cut could corrupt the database)
  no facet idx   + none of the covering facet and filter indexes (Datasette facets slow down)
  no letter_text + the whole letter's text not stored (reprocess and the letter view lose it)
  no search      + no full-text index at all (what the issue requires; the floor of any schema
                   that still parses every letter into cases, items and citations)

Each round runs the floor, then every variant, into new databases; the medians are compared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (benchmarks/run.py: the corpus, the floor, the measuring)

VARIANTS = ["shipped", "no fsync", "no facet idx", "no letter_text", "no search"]

# One variant of the ingest: argv = variant, database path, letters folder. Each cut includes the ones before it.
WHAT_IF = """
import sys
from sqlalchemy import event
import imrdb.db.store as store
import imrdb.ingest as ingest
variant, db, folder = sys.argv[1:4]
cuts = {"shipped": 0, "no fsync": 1, "no facet idx": 2, "no letter_text": 3, "no search": 4}[variant]
make_engine, migrate, letter_rows = ingest.make_engine, ingest.migrate, ingest.letter_rows

def leaner_engine(url):
    engine = make_engine(url)
    @event.listens_for(engine, "connect")
    def no_fsync(connection, _record):
        connection.execute("PRAGMA synchronous=OFF")
    return engine

def migrate_without_indexes(engine):
    migrate(engine)
    with engine.begin() as connection:
        names = connection.exec_driver_sql("select name from sqlite_master where type = 'index' and name like 'ix_%'")
        for (name,) in names.all():
            connection.exec_driver_sql(f"drop index {name}")

def rows_without_text(*args):
    rows = letter_rows(*args)
    rows.case["letter_text"] = None
    return rows

if cuts >= 1:
    ingest.make_engine = leaner_engine
if cuts >= 2:
    ingest.migrate = migrate_without_indexes
if cuts >= 3:
    ingest.letter_rows = rows_without_text  # the workers are forked: they see it too
if cuts >= 4:
    store.index_new_rows = lambda *args: None
report = ingest.ingest([folder], db)
print(report.summary())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--text", type=int, default=20_000, help="text letters to ingest")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--repeat", type=int, default=3, help="alternating rounds; medians are compared")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    text_dir = run.ensure_corpus(args.out / f"text-{args.text}", args.text, "txt", args.workers)
    floors: list[float] = []
    times: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    cpu: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    for attempt in range(max(1, args.repeat)):
        floor = run.measure([sys.executable, "-c", run.FLOOR, str(text_dir), str(run.fresh(args.out / "floor.db"))])
        floors.append(floor[0])
        line = [f"round {attempt + 1}: floor {floor[0]:.2f} s"]
        for variant in VARIANTS:
            measured = run.measure([sys.executable, "-c", WHAT_IF, variant, str(run.fresh(args.out / "what-if.db")),
                                    str(text_dir)])
            assert f"{args.text} ingested" in measured[3], measured[3]
            times[variant].append(measured[0])
            cpu[variant].append(measured[4])
            line.append(f"{variant} {measured[0]:.2f} s")
        print("; ".join(line), flush=True)
    floor_s = statistics.median(floors)
    print(f"\n{args.text:,} text letters, {os.cpu_count()} cores, median of {len(floors)} rounds; "
          f"floor (sqlite-utils + FTS5) {floor_s:.2f} s\n")
    print("| variant (each cut includes the ones above) | ingest | CPU-seconds | ratio to floor |")
    print("| --- | --- | --- | --- |")
    for variant in VARIANTS:
        median = statistics.median(times[variant])
        print(f"| {variant} | {median:.2f} s | {statistics.median(cpu[variant]):.1f} | {median / floor_s:.2f}x |")


if __name__ == "__main__":
    main()
