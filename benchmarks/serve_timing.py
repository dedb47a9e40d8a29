#!/usr/bin/env python3
"""How fast `imrdb serve` answers: faceted table pages, searches, canned queries and dashboard charts.

Usage::

    python benchmarks/corpus.py /tmp/big/letters --count 200000 --workers 2
    imrdb ingest /tmp/big/letters --db /tmp/big.db --workers 2 -q
    python benchmarks/serve_timing.py /tmp/big.db [--repeat 5] [--limit-ms 500] [--immutable] [--only cases]

Every request goes through Datasette's ASGI client on a Datasette configured exactly like
`imrdb serve` (imrdb.serve.make_datasette: datasette-metadata.yml, the SQL time limits), so a
number here is the server's own time to answer, without the network. Each URL is asked once to
warm the page cache and then --repeat times; the table shows the first time, the median and the
worst of the repeats, the rows it returned and, for table pages, the facets that ran out of time
(Datasette drops a facet that takes longer than facet_time_limit_ms and still answers the page).
A line is marked SLOW when its median is over --limit-ms or a facet timed out; the exit status is 1
if any line is.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from imrdb.serve import load_metadata, make_datasette  # noqa: E402

# name -> the URL path after /<db>/; table pages are asked as HTML (what a browser loads: rows, count,
# facets and facet suggestions) and as .json (to read facets_timed_out).
TABLE_PAGES = {
    "cases": "cases",
    "cases outcome=Upheld": "cases?outcome=Upheld",
    "cases decision_year=2016": "cases?decision_year=2016",
    "cases reviewer specialty": "cases?_where=" + urllib.parse.quote(
        "reviewer_id in (select id from reviewers where primary_specialty = 'Internal Medicine')"),
    "cases injured in 2012": "cases?date_of_injury__gte=2012-01-01&date_of_injury__lt=2013-01-01",
    "cases decided 2016-03..05": "cases?decision_date__gte=2016-03-01&decision_date__lte=2016-05-31",
    "cases case_number": "cases?case_number={case_number}",
    "cases search summaries": "cases?_search=" + urllib.parse.quote("lumbar radiculopathy"),
    "items": "disputed_items",
    "items decision=Overturned": "disputed_items?decision=Overturned",
    "items category=Pharmaceuticals": "disputed_items?treatment_category=Pharmaceuticals",
    "items drug_class=Opioids": "disputed_items?drug_class=Opioids",
    "items Opioids+Overturned": "disputed_items?drug_class=Opioids&decision=Overturned",
    "items search carisoprodol": "disputed_items?_search=carisoprodol",
    "items search acupuncture": "disputed_items?_search=acupuncture",
    "items_detail": "items_detail",
    "items_detail specialty": "items_detail?reviewer_specialty=Internal+Medicine",
    "guideline_citations": "guideline_citations",
    "guideline_citations source=ODG": "guideline_citations?source=ODG",
    "reviewers": "reviewers",
}

# the example each canned query's description offers (and the empty form where that means "everything")
CANNED = {
    "uphold_rate_by_specialty": [{"treatment": "soma"}, {"treatment": "mri"}, {"treatment": "norco"}],
    "overturn_rate_by_category_by_month": [{}, {"category": "Pharmaceuticals"}],
    "overturn_rate_by_drug_class_by_month": [{}, {"drug_class": "Opioids"}],
    "most_disputed_treatments": [{}, {"category": "Diagnostic Testing"}, {"year": "2016"}],
    "guidelines_cited_for_treatment": [{"treatment": "mri"}, {"treatment": "soma"}],
    "case_lookup": [{"case_number": "{case_number}"}, {"case_number": "{case_prefix}"}],
    "decision_rationale_disagreements": [{}],
    "decision_timeliness": [{}, {"from_month": "2016-01", "to_month": "2016-12"}],
    "reviewer_profiles": [{"specialty": ""}, {"specialty": "Internal Medicine"}],
}

DASHBOARD_FILTERS = [{}, {"date_start": "2016-01-01", "date_end": "2016-12-31"},
                     {"category": "Pharmaceuticals", "specialty": "Internal Medicine"}]


class _Quiet:
    """Stands in for rich in Datasette's exception handler: no traceback printed for a timed-out query."""

    def get_console(self):
        return self

    def print_exception(self, **kwargs):
        pass


async def timed(datasette, path: str, repeat: int) -> tuple[list[float], object, int]:
    """Times of the warm-up and the repeats, the last response, and how many answers were errors."""
    times, response, errors = [], None, 0
    for _ in range(repeat + 1):
        started = time.perf_counter()
        response = await datasette.client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        errors += response.status_code >= 400
    return times, response, errors


def table_rows(response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    if isinstance(data, list):
        return str(len(data))
    if "filtered_table_rows_count" in data:
        return f"{data['filtered_table_rows_count']:,}"
    return str(len(data.get("rows", [])))


async def run(path: Path, repeat: int, limit_ms: float, immutable: bool, only: str | None) -> int:
    import datasette.handle_exception

    datasette.handle_exception.rich = _Quiet()  # a timed-out query is a line in the table, not a page of traceback
    datasette = make_datasette(path, immutable=immutable)
    name = path.stem
    await datasette.invoke_startup()
    metadata = load_metadata(path, name)
    dashboards = metadata.get("plugins", {}).get("datasette-dashboards", {})
    hidden = metadata.get("plugins", {}).get("imrdb", {}).get("hidden_columns", {})

    # a case number the database has (the middle letter's), and its first eight characters
    case_number = (await datasette.get_database(name).execute(
        "select case_number from cases where case_number is not null and id >= (select max(id) / 2 from cases) "
        "order by id limit 1")).first()
    fill = {"case_number": case_number[0] if case_number else "CM16-0000000"}
    fill["case_prefix"] = fill["case_number"][:8]

    checks: list[tuple[str, str, str | None]] = []  # (label, url, url of the json for facets_timed_out)
    for label, page in TABLE_PAGES.items():
        page = page.format(**fill)
        table = page.split("?")[0]
        query = page.partition("?")[2]
        nocol = "&".join(f"_nocol={c}" for c in hidden.get(table, []))
        html = f"/{name}/{table}?" + "&".join(part for part in (query, nocol) if part)
        checks.append((f"page  {label}", html, f"/{name}/{table}.json?_size=50&{query}"))
    for query, examples in CANNED.items():
        for params in examples:
            params = {key: value.format(**fill) for key, value in params.items()}
            shown = ", ".join(f"{k}={v}" for k, v in params.items()) or "(all)"
            checks.append((f"query {query} {shown}",
                           f"/{name}/{query}.json?_shape=objects&{urllib.parse.urlencode(params)}", None))
    from datasette_dashboards import replace_opts_in_query

    for slug, dashboard in dashboards.items():
        for filters in DASHBOARD_FILTERS:
            shown = ", ".join(f"{k}={v}" for k, v in filters.items()) or "(no filter)"
            for chart_slug, chart in dashboard.get("charts", {}).items():
                if not chart.get("query"):
                    continue
                sql = replace_opts_in_query(chart["query"], filters)
                url = f"/{name}.json?" + urllib.parse.urlencode({"sql": sql, **filters, "_shape": "objects"})
                checks.append((f"chart {chart_slug} {shown}", url, None))
    if only:
        checks = [check for check in checks if only in check[0]]

    slow = 0
    print(f"{path} ({path.stat().st_size / 1e9:.2f} GB), {await count(datasette, name)}; "
          f"{repeat} timed runs after a warm-up; limit {limit_ms:.0f} ms")
    header = f"{'':5} {'what':62} {'status':>6} {'first':>8} {'median':>8} {'max':>8} {'rows':>9}  facets timed out, errors"
    print(header)
    print("-" * len(header))
    for label, url, json_url in checks:
        times, response, errors = await timed(datasette, url, repeat)
        first, rest = times[0], times[1:] or times
        median, worst = statistics.median(rest), max(rest)
        timed_out = ""
        rows = table_rows(response)
        if json_url:
            data = (await datasette.client.get(json_url)).json()
            timed_out = ", ".join(data.get("facets_timed_out") or [])
            rows = f"{data.get('filtered_table_rows_count') or 0:,}"
        if errors:
            timed_out = f"{errors} of {repeat + 1} answers were errors" + (f"; {timed_out}" if timed_out else "")
        bad = errors > 0 or median > limit_ms or bool(timed_out)
        slow += bad
        print(f"{'SLOW' if bad else '':5} {label[:62]:62} {response.status_code:>6} {first:>8.0f} {median:>8.0f} "
              f"{worst:>8.0f} {rows:>9}  {timed_out}", flush=True)
    print(f"\n{slow} of {len(checks)} over {limit_ms:.0f} ms, failed or with a facet timed out")
    return 1 if slow else 0


async def count(datasette, name: str) -> str:
    db = datasette.get_database(name)
    parts = []
    for table in ("cases", "disputed_items", "guideline_citations"):
        parts.append(f"{(await db.execute(f'select count(*) from {table}')).rows[0][0]:,} {table}")
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("db", type=Path, help="an imrdb SQLite database")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each URL after the warm-up")
    parser.add_argument("--limit-ms", type=float, default=500.0)
    parser.add_argument("--immutable", action="store_true", help="serve as `imrdb serve --immutable` does")
    parser.add_argument("--only", help="only the lines whose label contains this")
    args = parser.parse_args(argv)
    if not args.db.exists():
        parser.error(f"{args.db}: no such database")
    return asyncio.run(run(args.db, args.repeat, args.limit_ms, args.immutable, args.only))


if __name__ == "__main__":
    sys.exit(main())
