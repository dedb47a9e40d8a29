#!/usr/bin/env python3
"""What the 95% intervals cost: every canned query and dashboard chart that calls wilson_low / wilson_high,
timed as shipped beside the same SQL with those calls replaced by NULL (the baseline), in alternating runs.

Usage::

    python benchmarks/interval_cost.py DB [--repeat 7]

Both run through Datasette's ASGI client on a Datasette configured like `imrdb serve`
(imrdb.serve.make_datasette), on the same warm connection pool, as plain SQL requests
(`/DB.json?sql=...`) with each query's example parameters. Prints the median of --repeat runs of
each, and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from imrdb.serve import load_metadata, make_datasette  # noqa: E402

# a call of wilson_low(...) or wilson_high(...), whose arguments hold at most one level of parentheses
WILSON_CALL = re.compile(r"wilson_(?:low|high)\((?:[^()]|\([^()]*\))*\)")
EXAMPLES = {"uphold_rate_by_specialty": {"treatment": "soma"}, "decision_timeliness": {},
            "reviewer_profiles": {"specialty": ""}}


def without_intervals(sql: str) -> str:
    return WILSON_CALL.sub("null", sql)


def cases(metadata: dict, name: str) -> list[tuple[str, str, dict]]:
    """(label, sql, parameters) of every query and chart with an interval."""
    from datasette_dashboards import replace_opts_in_query

    found = []
    for query, config in metadata["databases"][name]["queries"].items():
        if "wilson_" in config["sql"]:
            params = {param: "" for param in config.get("params", [])} | EXAMPLES.get(query, {})
            found.append((f"query {query}", config["sql"], params))
    for slug, chart in metadata["plugins"]["datasette-dashboards"]["imr-overview"]["charts"].items():
        if "wilson_" in chart.get("query", ""):
            found.append((f"chart {slug}", replace_opts_in_query(chart["query"], {}), {}))
    return found


async def timed(datasette, name: str, sql: str, params: dict) -> float:
    url = f"/{name}.json?" + urllib.parse.urlencode({"sql": sql, **params, "_shape": "array"})
    started = time.perf_counter()
    response = await datasette.client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url[:200]}: {response.status_code} {response.text[:300]}")
    return elapsed


async def run(path: Path, repeat: int) -> None:
    datasette = make_datasette(path)
    name = path.stem
    await datasette.invoke_startup()
    metadata = load_metadata(path, name)
    print(f"{path} ({path.stat().st_size / 1e9:.2f} GB); median of {repeat} alternating runs after a warm-up")
    print(f"{'what':48} {'as shipped':>11} {'no interval':>12} {'ratio':>6}")
    for label, sql, params in cases(metadata, name):
        baseline_sql = without_intervals(sql)
        assert "wilson_" not in baseline_sql, label
        shipped, baseline = [], []
        await timed(datasette, name, sql, params)
        await timed(datasette, name, baseline_sql, params)
        for _ in range(repeat):
            shipped.append(await timed(datasette, name, sql, params))
            baseline.append(await timed(datasette, name, baseline_sql, params))
        a, b = statistics.median(shipped), statistics.median(baseline)
        print(f"{label:48} {a:>9.1f} ms {b:>9.1f} ms {a / b:>6.2f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    asyncio.run(run(args.db, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
