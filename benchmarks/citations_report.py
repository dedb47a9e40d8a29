#!/usr/bin/env python3
"""How well a database's guideline citations group: the figures of issue 14, on any imrdb database.

Usage::

    imrdb ingest ../shared/real-letters/dev --db /tmp/dev.db --workers 1
    python benchmarks/citations_report.py /tmp/dev.db [--halves] [--odg-rows]

Prints, for every stored citation (and with --halves separately for the letters whose file names
sort into the first half, the ones the citation reader was tuned on, and into the second half, held
out): the share of ODG rows whose `guideline` is a chapter of data/lexicon/odg_chapters.csv or null,
the share null, the share of MTUS rows whose `guideline` is in data/lexicon/mtus_guidelines.csv, and
the rows that still name a second guideline (imrdb.citations.holds_two_guidelines). --odg-rows lists
every ODG row (text, chapter, topic) for checking by hand that the chapter is the one the citation
names. The figures come from imrdb.reprocess.citation_figures, which a script can call on its own.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from imrdb.reprocess import citation_figures  # noqa: E402


def stored_paths(db: str) -> list[str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return sorted(row[0] for row in connection.execute("select source_path from cases"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", help="an imrdb SQLite database")
    parser.add_argument("--halves", action="store_true",
                        help="also the figures of the first and the second half of the letters by sorted file name")
    parser.add_argument("--odg-rows", action="store_true", help="list every ODG row for a check by hand")
    args = parser.parse_args(argv)
    print("== all letters ==")
    print(citation_figures(args.db).summary())
    if args.halves:
        paths = sorted(stored_paths(args.db), key=lambda path: Path(path).name)
        middle = len(paths) // 2
        for title, part in (("first half (tuned on)", paths[:middle]), ("second half (held out)", paths[middle:])):
            print(f"== {title}: {len(part)} letters, {Path(part[0]).name} .. {Path(part[-1]).name} ==")
            print(citation_figures(args.db, part).summary())
    if args.odg_rows:
        with sqlite3.connect(f"file:{args.db}?mode=ro", uri=True) as connection:
            rows = connection.execute(
                "select g.id, c.source_path, g.guideline, g.topic, g.text from guideline_citations g "
                "join cases c on c.id = g.case_id where g.source = 'ODG' order by c.source_path, g.id").fetchall()
        print(f"== {len(rows)} ODG rows: id | letter | chapter | topic | text ==")
        for row_id, path, chapter, topic, text in rows:
            print(f"{row_id} | {Path(path).name} | {chapter} | {topic} | {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
