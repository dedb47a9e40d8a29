"""Rates people can trust: the Wilson score interval of a proportion, in Python and as SQL functions.

An uphold rate of 100% from 3 items says little; its 95% interval (29% to 100%) says so. Every rate in
the canned queries and the dashboard comes with one, computed in SQL by two functions:

    wilson_low(successes, n[, z])   lower end of the interval, a fraction in [0, 1]
    wilson_high(successes, n[, z])  upper end

z defaults to 1.96 (a 95% interval); queries multiply by 100 where the rate is a percent. They are NULL
when n is 0 or less, successes is negative or more than n, or an argument is NULL or not a number.
`register_functions` adds them to a SQLite connection: every connection imrdb's engines open
(db/engine.py) and every connection Datasette opens (serve.py's prepare_connection hook). Migration 0008
creates the same two functions in PostgreSQL (LANGUAGE sql), so a query written with them runs on both.

The Wilson interval (Wilson 1927) is the usual choice for small counts: unlike the normal
approximation p +- z*sqrt(p(1-p)/n) it never leaves [0, 1] and is not zero-width at 0% or 100%.
"""

from __future__ import annotations

import math
import sqlite3

Z_95 = 1.96  # the normal quantile of a two-sided 95% interval, as conventionally rounded


def wilson_interval(successes, n, z=Z_95) -> tuple[float, float] | None:
    """(low, high) as fractions, or None where the interval is undefined (see the module's docstring)."""
    try:
        successes, n, z = float(successes), float(n), float(z)
    except (TypeError, ValueError):
        return None
    if not (n > 0 and 0 <= successes <= n and z > 0) or math.isinf(n):
        return None
    share = successes / n
    z2_n = z * z / n
    centre = (share + z2_n / 2) / (1 + z2_n)
    half_width = z * math.sqrt(share * (1 - share) / n + z2_n / (4 * n)) / (1 + z2_n)
    # exact at the ends, where floating point would give 1e-17 instead of 0 (or 0.9999999999999999)
    low = 0.0 if successes == 0 else max(0.0, centre - half_width)
    high = 1.0 if successes == n else min(1.0, centre + half_width)
    return low, high


def wilson_low(successes, n, z=Z_95) -> float | None:
    interval = wilson_interval(successes, n, z)
    return None if interval is None else interval[0]


def wilson_high(successes, n, z=Z_95) -> float | None:
    interval = wilson_interval(successes, n, z)
    return None if interval is None else interval[1]


SQL_FUNCTIONS = {"wilson_low": wilson_low, "wilson_high": wilson_high}


def register_functions(connection: sqlite3.Connection) -> None:
    """Add wilson_low and wilson_high (2 or 3 arguments) to a SQLite connection."""
    for name, function in SQL_FUNCTIONS.items():
        for arguments in (2, 3):
            connection.create_function(name, arguments, function, deterministic=True)
