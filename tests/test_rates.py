"""95% Wilson score intervals: the Python functions, and the SQL functions on every connection of both backends."""

from __future__ import annotations

import math
import re
import sqlite3

import pytest
from sqlalchemy import text

from imrdb.db.engine import make_engine, make_reader, migrate
from imrdb.ingest import ingest
from imrdb.rates import register_functions, wilson_high, wilson_interval, wilson_low
from conftest import ROOT, SAMPLES

# (successes, n, z) -> (low, high). Expected values computed independently of imrdb, with statsmodels 0.15.0
# `proportion_confint(k, n, alpha=2 * (1 - norm.cdf(1.96)), method="wilson")` (alpha 0.04999579029644097,
# so that its z is exactly 1.96); statsmodels gives 2.8e-17 for 0/10's low end, which is 0.
KNOWN = [
    ((0, 10, 1.96), (0.0, 0.27754016876661636)),
    ((10, 10, 1.96), (0.7224598312333836, 1.0)),
    ((5, 10, 1.96), (0.23658959361548731, 0.7634104063845126)),
    ((81, 263, 1.96), (0.25528761306366965, 0.3662106840534215)),
    ((1, 1, 1.96), (0.2065432914738931, 1.0)),
    ((0, 1, 1.96), (0.0, 0.793456708526107)),
    ((3, 3, 1.96), (0.4384939195509825, 1.0)),
    ((1, 20, 1.96), (0.00888121943287315, 0.23613589351256667)),
    ((263, 1000, 1.96), (0.2366563936228133, 0.29115755630713597)),
    # a 99% interval (z = 2.576; statsmodels with alpha = 2 * (1 - norm.cdf(2.576)))
    ((81, 263, 2.576), (0.24013280269660653, 0.38528782397869066)),
    ((5, 10, 2.576), (0.1842129392182129, 0.8157870607817871)),
]
# where there is no interval: NULL, not an error
UNDEFINED = [(0, 0), (1, 0), (-1, 10), (11, 10), (None, 10), (5, None), (5, -3)]


@pytest.mark.parametrize("arguments, expected", KNOWN, ids=[f"{k}/{n} z={z}" for (k, n, z), _ in KNOWN])
def test_python_functions_match_known_values(arguments, expected):
    successes, n, z = arguments
    assert wilson_interval(successes, n, z) == pytest.approx(expected, abs=1e-12)
    assert (wilson_low(successes, n, z), wilson_high(successes, n, z)) == pytest.approx(expected, abs=1e-12)
    if z == 1.96:  # the default
        assert wilson_interval(successes, n) == pytest.approx(expected, abs=1e-12)


def test_python_functions_by_the_formula_and_at_the_ends():
    # Wilson's formula written out with the numbers of 81 of 263 (p = 0.30798...)
    p, n, z = 81 / 263, 263, 1.96
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert wilson_interval(81, 263) == pytest.approx((centre - half, centre + half), abs=1e-15)
    assert wilson_low(0, 7) == 0.0 and wilson_high(7, 7) == 1.0  # exact, not 1e-17 or 0.9999999999999999
    for successes, n in UNDEFINED + [("abc", 10), (1, float("inf"))]:
        assert wilson_interval(successes, n) is None, (successes, n)
    assert wilson_interval(5, 10, 0) is None
    # the interval narrows as n grows, and always holds the observed share
    widths = [wilson_high(n // 3, n) - wilson_low(n // 3, n) for n in (3, 30, 300, 3000)]
    assert widths == sorted(widths, reverse=True)
    assert all(wilson_low(k, 40) <= k / 40 <= wilson_high(k, 40) for k in range(41))


def _interval_sql(successes, n, z) -> str:
    literal = lambda value: "null" if value is None else repr(value)  # noqa: E731
    return f"select wilson_low({literal(successes)}, {literal(n)}, {z}), wilson_high({literal(successes)}, {literal(n)}, {z})"


def test_sql_functions_on_both_backends(db_url):
    """The same SQL on SQLite (functions registered per connection) and PostgreSQL (created by migration 0008)."""
    engine = make_engine(db_url)
    try:
        migrate(engine)
        with engine.connect() as connection:
            for (successes, n, z), expected in KNOWN:
                low, high = connection.execute(text(_interval_sql(successes, n, z))).one()
                assert (float(low), float(high)) == pytest.approx(expected, abs=1e-12), (successes, n, z)
            for successes, n in UNDEFINED:
                assert connection.execute(text(_interval_sql(successes, n, 1.96))).one() == (None, None), (successes, n)
            # the two-argument form (z = 1.96) over a query's counts, in percent as the canned queries show it:
            # 5 of 10 is 23.7% to 76.3%
            row = connection.execute(text(
                "with decided(upheld) as (values (1), (1), (1), (1), (1), (0), (0), (0), (0), (0)) "
                "select count(*), round(100 * wilson_low(sum(upheld), count(*)), 1), "
                "round(100 * wilson_high(sum(upheld), count(*)), 1) from decided")).one()
            assert (row[0], float(row[1]), float(row[2])) == (10, 23.7, 76.3)
    finally:
        engine.dispose()


def test_sql_functions_on_every_sqlite_connection(tmp_path):
    url = f"sqlite:///{tmp_path / 'imr.db'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    reader = make_reader(url)  # the workers' read-only engine
    try:
        with reader.connect() as connection:
            assert connection.execute(text("select wilson_high(5, 10)")).scalar_one() == pytest.approx(0.7634104063845126)
    finally:
        reader.dispose()
    plain = sqlite3.connect(":memory:")
    register_functions(plain)
    assert plain.execute("select wilson_low(81, 263), wilson_high(81, 263, 2.576)").fetchone() == pytest.approx(
        (0.25528761306366965, 0.38528782397869066))
    assert plain.execute("select wilson_low('x', 10)").fetchone() == (None,)


def readme_queries() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    return re.findall(r"```sql\n(.*?)```", readme, flags=re.DOTALL)


def test_the_readme_queries_run_on_both_backends(db_url):
    """The README's example queries, as written, on SQLite and PostgreSQL with the sample letters; the
    interval example gives the README's numbers."""
    queries = readme_queries()
    assert len(queries) >= 4 and sum("wilson_low" in query for query in queries) >= 2
    assert ingest([SAMPLES], db_url, workers=1).ingested == 5
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            results = [connection.execute(text(query.strip().rstrip(";"))).all() for query in queries]
    finally:
        engine.dispose()
    soma = next(rows for query, rows in zip(queries, results) if "soma" in query)
    assert [(row[0], row[1], row[2], float(row[3]), float(row[4]), float(row[5])) for row in soma] == [
        (specialty, 1, 1, 100.0, 20.7, 100.0) for specialty in (
            "Anesthesiology", "Internal Medicine", "Occupational Medicine", "Pain Medicine",
            "Physical Medicine & Rehabilitation")]
    timeliness = next(rows for query, rows in zip(queries, results) if "days_to_decision" in query)
    assert [tuple(row[:3]) for row in timeliness] == [("Standard", 1, 0)]  # CM14-0039927: 116 days
